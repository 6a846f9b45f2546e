//! Device tokens: how a login tells the account's owner from a guesser
//! (OWASP, "Slow down online guessing attacks with device cookies").
//!
//! A successful login hands the client a device token for that account
//! (`deviceToken`); the client sends it back on later logins in the
//! `X-Device-Token` header. Attempts that carry a valid one are counted
//! for that device alone, so a flood of wrong passwords from elsewhere,
//! which locks out clients without one, never locks out the owner's known
//! devices — and a guesser cannot get one without the password.
//!
//! Items: `device#<sha256(token)>` / `device` `{account, expiresAt}`; the
//! account is stored as its [`account_hash`], never as an e-mail address.

use super::{now, random_id};
use crate::{
    App,
    http::{ApiError, Request},
    stores::aws::{dynamodb_error, number_attr, text_attr},
};
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};

/// The request header carrying a device token.
pub const HEADER: &str = "x-device-token";

/// How long a device stays known without a login from it.
const TTL_SECS: i64 = 90 * 24 * 3600;

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The account's key in counters, device records and logs: a hash, so no
/// e-mail address is written to DynamoDB or to a log line.
pub fn account_hash(account_key: &str) -> String {
    sha256_hex(account_key)[..32].to_owned()
}

fn key(token: &str) -> (AttributeValue, AttributeValue) {
    (
        AttributeValue::S(format!("device#{}", sha256_hex(token))),
        AttributeValue::S("device".into()),
    )
}

/// The request's device token, if it sent a plausible one.
pub fn presented(req: &Request) -> Option<&str> {
    let value = req.headers().get(HEADER)?.to_str().ok()?.trim();
    (!value.is_empty() && value.len() <= 128).then_some(value)
}

/// Whether `token` is a live device token of `account` (its hash).
pub async fn is_known(app: &App, account: &str, token: &str) -> Result<bool, ApiError> {
    let (pk, sk) = key(token);
    Ok(app.get_item(pk, sk).await?.is_some_and(|item| {
        text_attr(&item, "account") == Some(account)
            && number_attr(&item, "expiresAt").unwrap_or(0) >= now()
    }))
}

/// Remembers a new device of `account` (its hash) and returns its token.
pub async fn remember(app: &App, account: &str) -> Result<String, ApiError> {
    let token = random_id(32);
    let (pk, sk) = key(&token);
    app.dynamodb()
        .await
        .put_item()
        .table_name(app.config.table_name()?)
        .item("pk", pk)
        .item("sk", sk)
        .item("account", AttributeValue::S(account.to_owned()))
        .item(
            "expiresAt",
            AttributeValue::N((now() + TTL_SECS).to_string()),
        )
        .send()
        .await
        .map_err(dynamodb_error)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_never_carry_the_address() {
        let h = account_hash("ws#acme#maya@acme.example");
        assert_eq!(h.len(), 32);
        assert!(!h.contains('@') && !h.contains("maya"));
        assert_ne!(h, account_hash("ws#acme#leo@acme.example"));
    }
}
