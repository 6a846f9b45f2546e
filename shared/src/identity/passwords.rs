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

/// What is stored for an account, as far as verification is concerned.
enum Stored<'a> {
    Argon2(&'a str),
    Bcrypt(&'a str),
    Plaintext(&'a str),
    /// No such account, or a form we never compare.
    Unusable,
}

impl<'a> Stored<'a> {
    fn of(stored: Option<&'a str>, allow_plaintext: bool) -> Self {
        match stored {
            Some(s) if s.starts_with("$argon2") => Stored::Argon2(s),
            Some(s) if s.starts_with("$2a$") || s.starts_with("$2b$") || s.starts_with("$2y$") => {
                Stored::Bcrypt(s)
            }
            Some(s) if allow_plaintext && !s.starts_with('$') && !s.is_empty() => {
                Stored::Plaintext(s)
            }
            Some(_) => {
                tracing::warn!("stored password is in an unsupported form; refusing");
                Stored::Unusable
            }
            None => Stored::Unusable,
        }
    }
}

/// Checks `password` against `stored` (`None`: no such user).
///
/// A failure costs the same whatever was stored — an unknown account, an
/// argon2id hash, a bcrypt hash not yet upgraded, a plaintext value: one
/// argon2id and one bcrypt verification in all, each on a dummy hash where
/// the account has none of that kind. So the time of a failed login tells
/// nothing about the account (not even that it is a legacy one).
pub fn verify(password: &str, stored: Option<&str>, allow_plaintext: bool) -> Verdict {
    let stored = Stored::of(stored, allow_plaintext);
    match stored {
        Stored::Argon2(hash) if verify_argon2(password, hash) => {
            return if current_params(hash) {
                Verdict::Valid { rehash: None }
            } else {
                upgraded(password)
            };
        }
        Stored::Bcrypt(hash) if verify_bcrypt(password, hash) => return upgraded(password),
        Stored::Plaintext(plain) if constant_time_eq(password.as_bytes(), plain.as_bytes()) => {
            return upgraded(password);
        }
        _ => {}
    }
    if !matches!(stored, Stored::Argon2(_)) {
        verify_argon2(password, dummy_hash());
    }
    if !matches!(stored, Stored::Bcrypt(_)) {
        verify_bcrypt(password, dummy_bcrypt());
    }
    Verdict::Invalid
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
    #[cfg(test)]
    tests::WORK.with(|w| w.borrow_mut().push("argon2id"));
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

fn verify_bcrypt(password: &str, stored: &str) -> bool {
    #[cfg(test)]
    tests::WORK.with(|w| w.borrow_mut().push("bcrypt"));
    bcrypt::verify(password, stored).unwrap_or(false)
}

/// A bcrypt hash at the cost the monolith used (10, bcrypt's default), so a
/// dummy check costs what checking an imported hash costs.
fn dummy_bcrypt() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| bcrypt::hash("avaone-dummy-password-for-timing", 10).unwrap_or_default())
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
    use std::cell::RefCell;

    thread_local! {
        /// The verifications `verify` ran on this thread, in order.
        pub(super) static WORK: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }

    fn work_of(password: &str, stored: Option<&str>, plaintext: bool) -> Vec<&'static str> {
        WORK.with(|w| w.borrow_mut().clear());
        assert_eq!(verify(password, stored, plaintext), Verdict::Invalid);
        let mut work = WORK.with(|w| w.borrow().clone());
        work.sort();
        work
    }

    #[test]
    fn every_failure_costs_the_same_whatever_is_stored() {
        let argon = hash("right").unwrap();
        let legacy = bcrypt::hash("right", 10).unwrap();
        let unknown = work_of("wrong", None, false);
        assert_eq!(unknown, ["argon2id", "bcrypt"]);
        for (what, stored, plaintext) in [
            ("argon2id account", Some(argon.as_str()), false),
            (
                "bcrypt account not yet upgraded",
                Some(legacy.as_str()),
                false,
            ),
            ("plaintext account", Some("right"), true),
            ("plaintext without the flag", Some("right"), false),
            ("unsupported form", Some("$md5$x"), false),
        ] {
            assert_eq!(work_of("wrong", stored, plaintext), unknown, "{what}");
        }
        // The dummy bcrypt costs what an imported hash costs.
        assert!(dummy_bcrypt().starts_with("$2b$10$"), "{}", dummy_bcrypt());
    }

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
