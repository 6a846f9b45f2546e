//! One-time codes mailed to a passenger: e-mail verification (15 minutes)
//! and password reset (30 minutes). Six digits, stored only as a salted
//! SHA-256 with a TTL, single-use, and each allows 5 tries: every try is
//! counted by a conditional write before the code is compared, so
//! concurrent guesses cannot exceed the budget. A new code replaces the
//! previous one of the same purpose.
//!
//! Item: `code#<purpose>#<hash of the address>` / `code`
//! `{hash, salt, tries, expiresAt}` (the table's TTL attribute).

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use sha2::{Digest, Sha256};
use shared::{
    App,
    http::ApiError,
    identity::{devices::account_hash, now, random_id},
    stores::aws::{dynamodb_error, text_attr},
};

/// How many wrong tries a code survives.
pub const TRIES: u32 = 5;

/// What a code proves.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify",
            Purpose::ResetPassword => "reset",
        }
    }

    /// How long a code of this purpose lives.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::VerifyEmail => Duration::from_secs(15 * 60),
            Purpose::ResetPassword => Duration::from_secs(30 * 60),
        }
    }
}

fn key(purpose: Purpose, email: &str) -> (AttributeValue, AttributeValue) {
    (
        AttributeValue::S(format!("code#{}#{}", purpose.as_str(), account_hash(email))),
        AttributeValue::S("code".into()),
    )
}

fn digest(salt: &str, code: &str) -> String {
    Sha256::digest(format!("{salt}:{code}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Six random digits, uniformly drawn.
fn six_digits() -> String {
    loop {
        let mut buf = [0u8; 4];
        getrandom::fill(&mut buf).expect("the OS random source is available");
        let n = u32::from_le_bytes(buf);
        // Reject the top sliver so every code is equally likely.
        if n < u32::MAX - u32::MAX % 1_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Issues a new code for `email` (lowercased), replacing any earlier one.
pub async fn issue(app: &App, purpose: Purpose, email: &str) -> Result<String, ApiError> {
    let code = six_digits();
    let salt = random_id(16);
    let (pk, sk) = key(purpose, email);
    app.dynamodb()
        .await
        .put_item()
        .table_name(app.config.table_name()?)
        .item("pk", pk)
        .item("sk", sk)
        .item("hash", AttributeValue::S(digest(&salt, &code)))
        .item("salt", AttributeValue::S(salt))
        .item("tries", AttributeValue::N("0".into()))
        .item(
            "expiresAt",
            AttributeValue::N((now() + purpose.lifetime().as_secs() as i64).to_string()),
        )
        .send()
        .await
        .map_err(dynamodb_error)?;
    Ok(code)
}

/// Whether `code` is the live code of `email` for `purpose`; a right code
/// is spent. A missing, expired or exhausted code is `false`, as is a
/// wrong one.
pub async fn redeem(
    app: &App,
    purpose: Purpose,
    email: &str,
    code: &str,
) -> Result<bool, ApiError> {
    let table = app.config.table_name()?;
    let db = app.dynamodb().await;
    let (pk, sk) = key(purpose, email);
    let counted = db
        .update_item()
        .table_name(table)
        .key("pk", pk.clone())
        .key("sk", sk.clone())
        .update_expression("ADD tries :one")
        .condition_expression("attribute_exists(pk) AND tries < :max AND expiresAt > :now")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":max", AttributeValue::N(TRIES.to_string()))
        .expression_attribute_values(":now", AttributeValue::N(now().to_string()))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    let item = match counted {
        Ok(out) => out.attributes.unwrap_or_default(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            return Ok(false);
        }
        Err(e) => return Err(dynamodb_error(e)),
    };
    let stored = text_attr(&item, "hash").unwrap_or_default();
    if stored.is_empty() || digest(text_attr(&item, "salt").unwrap_or_default(), code) != stored {
        return Ok(false);
    }
    // Single use: only one of two concurrent right answers spends it.
    let spent = db
        .delete_item()
        .table_name(table)
        .key("pk", pk)
        .key("sk", sk)
        .condition_expression("#h = :h")
        .expression_attribute_names("#h", "hash")
        .expression_attribute_values(":h", AttributeValue::S(stored.to_owned()))
        .send()
        .await;
    match spent {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(dynamodb_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashes_hide_them() {
        for _ in 0..200 {
            let code = six_digits();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        let h = digest("salt", "123456");
        assert!(!h.contains("123456"));
        assert_ne!(h, digest("other", "123456"), "salted");
    }
}
