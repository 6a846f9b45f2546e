//! The properties the fuzz targets check, one function per target. Each
//! panics when its property breaks. Shared by the libFuzzer targets
//! (fuzz/fuzz_targets/) and the replay of saved inputs in `make test`
//! (tests/tests/fuzz_regressions.rs), so a crash once found stays fixed.
use std::sync::OnceLock;

use comm::forms::{ContactForm, MeetingRequest, PricingInquiry};
use lambda_http::{Body, Request, http::header::CONTENT_TYPE};
use shared::{
    config::{Config, Secret},
    http::{ApiError, multipart, parse_json},
    identity::jwt::Keyring,
};

fn client_error<T>(result: Result<T, ApiError>) {
    if let Err(err) = result {
        assert!(err.status().is_client_error(), "{}", err.status());
    }
}

/// Any bytes as a JSON request body, through the one body parser and the
/// validators of the public forms: Ok or a 4xx, never a panic.
pub fn json_body(data: &[u8]) {
    let mut req = Request::new(Body::from(data.to_vec()));
    req.headers_mut()
        .insert(CONTENT_TYPE, "application/json".parse().unwrap());
    client_error(parse_json::<ContactForm>(&req));
    client_error(parse_json::<MeetingRequest>(&req));
    client_error(parse_json::<PricingInquiry>(&req));
}

fn ring() -> &'static (Keyring, Config) {
    static RING: OnceLock<(Keyring, Config)> = OnceLock::new();
    RING.get_or_init(|| {
        let keys = include_str!("../../shared/tests/fixtures/test-signing-keys.json");
        let secret = format!(r#"{{"jwtSigningKeys":{keys},"jwtActiveKid":"test-key-a"}}"#);
        let keyring = Keyring::from_secret(&Secret::from_json(&secret).unwrap()).unwrap();
        let config = Config::from_lookup(|name| match name {
            "STAGE" => Some("test".into()),
            "TABLE_NAME" => Some("t".into()),
            "BUCKET_NAME" => Some("b".into()),
            "SECRET_ID" => Some("s".into()),
            _ => None,
        })
        .unwrap();
        (keyring, config)
    })
}

/// Any string as a bearer token, through the verifier of every protected
/// route and the authorizer: rejected, never a panic, and nothing verifies
/// that the ring's key did not sign (the fuzzer cannot forge Ed25519).
pub fn access_token(data: &[u8]) {
    if let Ok(token) = std::str::from_utf8(data) {
        let (keyring, config) = ring();
        assert!(
            keyring
                .verify::<shared::identity::jwt::AccessClaims>(token, &config.identity)
                .is_err()
        );
    }
}

/// Any bytes as a multipart/form-data upload (the first byte picks the
/// boundary's length, the next bytes are the boundary): parts or a 4xx,
/// never a panic, and no part larger than the body it came from.
pub fn multipart(data: &[u8]) {
    let Some((&n, body)) = data.split_first() else {
        return;
    };
    let boundary_len = (n as usize % 16) + 1;
    if body.len() < boundary_len {
        return;
    }
    let (boundary, body) = body.split_at(boundary_len);
    let Ok(boundary) = std::str::from_utf8(boundary) else {
        return;
    };
    match multipart::parse(body, boundary, 8) {
        Ok(parts) => {
            for part in parts {
                assert!(part.data.len() <= body.len());
            }
        }
        Err(err) => assert!(err.status().is_client_error(), "{}", err.status()),
    }
}
