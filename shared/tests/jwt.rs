//! Token attacks against the JWT kit (no stack needed: keys are fixtures).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use shared::{
    config::{Config, Secret},
    http::Role,
    identity::jwt::{AccessClaims, Keyring, TokenRejected},
};

fn fixture_keys() -> Vec<Value> {
    serde_json::from_str(include_str!("fixtures/test-signing-keys.json")).unwrap()
}

/// Key a signs; key b is listed for verification only (rotation).
fn keyring(active: &str, listed: &[&str]) -> Keyring {
    let keys: Vec<Value> = fixture_keys()
        .into_iter()
        .filter(|k| listed.contains(&k["kid"].as_str().unwrap()))
        .map(|mut k| {
            if k["kid"] != active {
                k.as_object_mut().unwrap().remove("privateKeyPem");
            }
            k
        })
        .collect();
    let secret =
        Secret::from_json(&json!({"jwtSigningKeys": keys, "jwtActiveKid": active}).to_string())
            .unwrap();
    Keyring::from_secret(&secret).unwrap()
}

fn settings() -> shared::config::IdentitySettings {
    Config::from_lookup(|k| (k == "STAGE").then(|| "test".to_owned()))
        .unwrap()
        .identity
}

fn claims(exp_offset: i64) -> AccessClaims {
    let now = shared::identity::now();
    AccessClaims {
        sub: "user-1".into(),
        role: Role::ADMIN,
        org: Some("acme".into()),
        permissions: vec!["users:read".into()],
        iat: now,
        nbf: now,
        exp: now + exp_offset,
        jti: "jti-1".into(),
        iss: "avaone-auth".into(),
        aud: "avaone-api".into(),
        fam: None,
    }
}

fn rejected(ring: &Keyring, token: &str) -> TokenRejected {
    ring.verify::<AccessClaims>(token, &settings())
        .expect_err("token must be refused")
}

#[test]
fn a_valid_token_verifies_to_its_claims() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    let c = claims(900);
    let token = ring.sign(&c).unwrap();
    assert_eq!(ring.verify::<AccessClaims>(&token, &settings()).unwrap(), c);
    assert_eq!(c.principal().organization_id.as_deref(), Some("acme"));
}

#[test]
fn alg_none_is_refused() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"test-key-a"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(900)).unwrap());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        let why = rejected(&ring, &token);
        assert!(
            matches!(why, TokenRejected::Malformed | TokenRejected::Algorithm),
            "{why:?}"
        );
    }
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    let public_pem = fixture_keys()[0]["publicKeyPem"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("test-key-a".into());
    let token = encode(
        &header,
        &claims(900),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert_eq!(rejected(&ring, &token), TokenRejected::Algorithm);
}

#[test]
fn unknown_kid_is_refused() {
    // Signed by key b, but the verifier only lists key a.
    let token = keyring("test-key-b", &["test-key-b"])
        .sign(&claims(900))
        .unwrap();
    assert_eq!(
        rejected(&keyring("test-key-a", &["test-key-a"]), &token),
        TokenRejected::UnknownKey
    );
}

#[test]
fn a_kid_that_lies_about_its_signer_is_refused() {
    // Signed by key b but claiming to be key a: signature check fails.
    let token = keyring("test-key-b", &["test-key-b"])
        .sign(&claims(900))
        .unwrap();
    let (header, rest) = token.split_once('.').unwrap();
    let mut h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    h["kid"] = json!("test-key-a");
    let forged = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h.to_string()));
    assert_eq!(
        rejected(
            &keyring("test-key-a", &["test-key-a", "test-key-b"]),
            &forged
        ),
        TokenRejected::Signature
    );
}

#[test]
fn tampered_payload_is_refused() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    let token = ring.sign(&claims(900)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = claims(900);
    c.role = Role::SUPER_ADMIN;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap()),
        parts[2]
    );
    assert_eq!(rejected(&ring, &forged), TokenRejected::Signature);
}

#[test]
fn expired_and_not_yet_valid_are_refused_beyond_the_leeway() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    assert_eq!(
        rejected(&ring, &ring.sign(&claims(-120)).unwrap()),
        TokenRejected::Expired
    );
    // Within the 30 s leeway an expired-by-5s token still passes (clock skew).
    assert!(
        ring.verify::<AccessClaims>(&ring.sign(&claims(-5)).unwrap(), &settings())
            .is_ok()
    );
    let mut c = claims(900);
    c.nbf += 300;
    assert_eq!(
        rejected(&ring, &ring.sign(&c).unwrap()),
        TokenRejected::NotYetValid
    );
}

#[test]
fn wrong_issuer_or_audience_is_refused() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    let mut c = claims(900);
    c.iss = "someone-else".into();
    assert_eq!(
        rejected(&ring, &ring.sign(&c).unwrap()),
        TokenRejected::WrongAudience
    );
    let mut c = claims(900);
    c.aud = "another-api".into();
    assert_eq!(
        rejected(&ring, &ring.sign(&c).unwrap()),
        TokenRejected::WrongAudience
    );
}

#[test]
fn garbage_is_refused() {
    let ring = keyring("test-key-a", &["test-key-a"]);
    for token in [
        "",
        "a.b.c",
        "not a token",
        "..",
        "eyJhbGciOiJFZERTQSJ9.e30.",
    ] {
        assert!(
            ring.verify::<AccessClaims>(token, &settings()).is_err(),
            "{token}"
        );
    }
}

#[test]
fn rotation_keeps_old_tokens_valid_and_publishes_both_keys() {
    let old = keyring("test-key-b", &["test-key-b"])
        .sign(&claims(900))
        .unwrap();
    // New active key a; b stays listed without its private half.
    let ring = keyring("test-key-a", &["test-key-a", "test-key-b"]);
    assert!(ring.verify::<AccessClaims>(&old, &settings()).is_ok());
    let new = ring.sign(&claims(900)).unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(new.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], "test-key-a");
    assert_eq!(header["alg"], "EdDSA");

    let jwks = ring.jwks();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert_eq!(k["kty"], "OKP");
        assert_eq!(k["crv"], "Ed25519");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(k["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert!(k.get("d").is_none(), "no private material in the JWKS");
    }
}

/// A product's own token (transit's signed ticket): its own claims, issuer
/// and audience. It verifies as itself and never as an access token, and
/// an access token never verifies as it.
#[test]
fn other_claims_verify_only_against_their_own_audience() {
    use shared::identity::jwt::Audience;
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ticket {
        sub: String,
        seat: String,
        iss: String,
        aud: String,
        nbf: i64,
        exp: i64,
    }
    let tickets = Audience {
        issuer: "avaone-transit".into(),
        audience: "avaone-transit-ticket".into(),
        leeway: std::time::Duration::from_secs(30),
    };
    let ring = keyring("test-key-a", &["test-key-a"]);
    let now = shared::identity::now();
    let ticket = Ticket {
        sub: "ticket-1".into(),
        seat: "12A".into(),
        iss: tickets.issuer.clone(),
        aud: tickets.audience.clone(),
        nbf: now,
        exp: now + 3600,
    };
    let signed = ring.sign(&ticket).unwrap();
    assert_eq!(
        ring.verify::<Ticket>(&signed, tickets.clone()).unwrap(),
        ticket
    );
    assert!(ring.verify::<AccessClaims>(&signed, &settings()).is_err());
    // Whatever shape the claims have, the audience alone refuses them.
    assert_eq!(
        ring.verify::<Value>(&signed, &settings()).unwrap_err(),
        TokenRejected::WrongAudience
    );
    let access = ring.sign(&claims(900)).unwrap();
    assert_eq!(
        ring.verify::<Value>(&access, tickets).unwrap_err(),
        TokenRejected::WrongAudience
    );
}
