//! Password storage: argon2id with OWASP's parameters (m = 19 MiB, t = 2,
//! p = 1; it fits a 128 MB function). Hashes imported from the monolith in
//! bcrypt verify and are upgraded on the next successful login; plaintext
//! legacy values only when `ALLOW_LEGACY_PLAINTEXT_PASSWORDS` is on.
//!
//! Unknown users are verified against a fixed dummy hash so that "no such
//! user" and "wrong password" cost the same and cannot be told apart.

use std::sync::OnceLock;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::http::ApiError;

const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2id() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password to an argon2id PHC string. CPU-bound (tens of ms):
/// call it from a blocking task, as [`verify_blocking`] and [`hash_blocking`] do.
pub fn hash(password: &str) -> Result<String, ApiError> {
    argon2id()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// The outcome of checking a password against what is stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Correct. `rehash` is set when the stored form is legacy (bcrypt,
    /// plaintext, older argon2 parameters) and should be replaced by it.
    Valid {
        rehash: Option<String>,
    },
    Invalid,
}

/// Checks `password` against `stored` (`None`: no such user).
pub fn verify(password: &str, stored: Option<&str>, allow_plaintext: bool) -> Verdict {
    let Some(stored) = stored else {
        // Same work as a real check, then fail.
        let _ = verify_argon2(password, dummy_hash());
        return Verdict::Invalid;
    };
    let valid = if stored.starts_with("$argon2") {
        match verify_argon2(password, stored) {
            true if !current_params(stored) => return upgraded(password),
            ok => ok,
        }
    } else if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$")
    {
        if bcrypt::verify(password, stored).unwrap_or(false) {
            return upgraded(password);
        }
        false
    } else if allow_plaintext && !stored.starts_with('$') && !stored.is_empty() {
        if constant_time_eq(password.as_bytes(), stored.as_bytes()) {
            return upgraded(password);
        }
        let _ = verify_argon2(password, dummy_hash());
        false
    } else {
        // Unknown scheme, or plaintext without the migration flag: never
        // compare it, but spend the same time as a real check.
        tracing::warn!("stored password is in an unsupported form; refusing");
        let _ = verify_argon2(password, dummy_hash());
        false
    };
    if valid {
        Verdict::Valid { rehash: None }
    } else {
        Verdict::Invalid
    }
}

/// [`verify`] on the blocking pool, so the runtime thread stays free for the
/// MongoDB driver's background tasks.
pub async fn verify_blocking(
    password: String,
    stored: Option<String>,
    allow_plaintext: bool,
) -> Verdict {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref(), allow_plaintext))
        .await
        .unwrap_or(Verdict::Invalid)
}

/// [`hash`] on the blocking pool.
pub async fn hash_blocking(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(ApiError::internal)?
}

fn upgraded(password: &str) -> Verdict {
    match hash(password) {
        Ok(h) => Verdict::Valid { rehash: Some(h) },
        // The password was right; failing to upgrade must not fail the login.
        Err(_) => Verdict::Valid { rehash: None },
    }
}

fn verify_argon2(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            argon2id()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

fn current_params(stored: &str) -> bool {
    stored.starts_with(&format!(
        "$argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}$"
    ))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("avaone-dummy-password-for-timing").unwrap_or_default())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip_with_owasp_parameters() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            verify("correct horse", Some(&h), false),
            Verdict::Valid { rehash: None }
        );
        assert_eq!(verify("wrong horse", Some(&h), false), Verdict::Invalid);
    }

    #[test]
    fn bcrypt_verifies_and_asks_for_an_upgrade() {
        let legacy = bcrypt::hash("monolith-pass", 4).unwrap();
        match verify("monolith-pass", Some(&legacy), false) {
            Verdict::Valid { rehash: Some(new) } => {
                assert!(new.starts_with("$argon2id$"));
                assert_eq!(
                    verify("monolith-pass", Some(&new), false),
                    Verdict::Valid { rehash: None }
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(verify("nope", Some(&legacy), false), Verdict::Invalid);
    }

    #[test]
    fn plaintext_only_with_the_migration_flag() {
        assert_eq!(verify("plain", Some("plain"), false), Verdict::Invalid);
        assert!(matches!(
            verify("plain", Some("plain"), true),
            Verdict::Valid { rehash: Some(_) }
        ));
        assert_eq!(verify("plainx", Some("plain"), true), Verdict::Invalid);
    }

    #[test]
    fn weaker_argon2_parameters_are_upgraded() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw")
        .unwrap()
        .to_string();
        assert!(matches!(
            verify("pw", Some(&weak), false),
            Verdict::Valid { rehash: Some(_) }
        ));
    }

    #[test]
    fn unknown_user_is_invalid() {
        assert_eq!(verify("anything", None, true), Verdict::Invalid);
        assert_eq!(verify("", Some(""), true), Verdict::Invalid);
    }
}
