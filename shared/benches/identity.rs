//! Micro-benchmarks of the identity hot paths (`make bench`):
//! - access-token verification, the CPU work of every authorizer call
//!   (the revocation check adds one DynamoDB GetItem on top);
//! - argon2id hashing with the production parameters (every login pays one
//!   verification of the same cost).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use shared::{
    config::{Config, Secret},
    http::Role,
    identity::{
        jwt::{AccessClaims, Keyring},
        now, passwords,
    },
};

fn keyring() -> Keyring {
    let keys: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/test-signing-keys.json")).unwrap();
    let secret = Secret::from_json(
        &json!({"jwtSigningKeys": keys, "jwtActiveKid": "test-key-a"}).to_string(),
    )
    .unwrap();
    Keyring::from_secret(&secret).unwrap()
}

fn token_verification(c: &mut Criterion) {
    let ring = keyring();
    let settings = Config::from_lookup(|k| (k == "STAGE").then(|| "test".to_owned()))
        .unwrap()
        .identity;
    let t = now();
    let token = ring
        .sign(&AccessClaims {
            sub: "u-1".into(),
            role: Role::EMPLOYEE,
            org: Some("acme".into()),
            permissions: vec!["chat:read".into()],
            iat: t,
            nbf: t,
            exp: t + 3600,
            jti: "bench".into(),
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            fam: Some("family".into()),
        })
        .unwrap();
    let mut group = c.benchmark_group("authorizer");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_access_token", |b| {
        b.iter(|| ring.verify::<AccessClaims>(&token, &settings).unwrap())
    });
    group.finish();
}

fn argon2id(c: &mut Criterion) {
    let mut group = c.benchmark_group("passwords");
    group.sample_size(10);
    group.bench_function("argon2id_hash_m19456_t2_p1", |b| {
        b.iter(|| passwords::hash("correct horse battery staple").unwrap())
    });
    let stored = passwords::hash("correct horse battery staple").unwrap();
    group.bench_function("argon2id_verify", |b| {
        b.iter(|| passwords::verify("correct horse battery staple", Some(&stored), false))
    });
    group.finish();
}

criterion_group!(benches, token_verification, argon2id);
criterion_main!(benches);
