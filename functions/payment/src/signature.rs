//! The provider's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>`
//! where each `v1` is HMAC-SHA256 of `"{t}.{raw body}"` with the webhook
//! secret, and `t` within the tolerance of now (a replayed old delivery is
//! refused). Checked on the exact bytes received, before any parsing.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far `t` may be from now.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature is refused (said in the 400, never the expected value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed,
    OutsideTolerance,
    Mismatch,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => "is required",
            Refusal::Malformed => "must be `t=<unix seconds>,v1=<hex HMAC-SHA256>`",
            Refusal::OutsideTolerance => "has a timestamp outside the 5-minute tolerance",
            Refusal::Mismatch => "does not match the body",
        }
    }
}

/// The `v1` value for `body` signed at `t` (what the provider sends).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `header` against `body` at `now` (unix seconds).
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Missing)?;
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().map_err(|_| Refusal::Malformed)?),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| Refusal::Malformed)?),
            // Other schemes (v0, test keys) are ignored, as Stripe's libraries do.
            Some(_) => {}
            None => return Err(Refusal::Malformed),
        }
    }
    let t = t.ok_or(Refusal::Malformed)?;
    if signatures.is_empty() {
        return Err(Refusal::Malformed);
    }
    if now.abs_diff(t) > TOLERANCE_SECS.unsigned_abs() {
        return Err(Refusal::OutsideTolerance);
    }
    let matches = signatures.iter().any(|candidate| {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        // Constant-time comparison.
        mac.verify_slice(candidate).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    fn header(t: i64, body: &[u8]) -> String {
        format!("t={t},v1={}", sign(SECRET, t, body))
    }

    #[test]
    fn a_signature_of_the_exact_body_within_the_tolerance_passes() {
        assert_eq!(
            verify(Some(&header(1000, BODY)), BODY, SECRET, 1000),
            Ok(())
        );
        assert_eq!(
            verify(Some(&header(1000, BODY)), BODY, SECRET, 1300),
            Ok(())
        );
        // Several v1 values (a secret being rolled): one match is enough.
        let two = format!(
            "t=1000,v1={},v1={}",
            "00".repeat(32),
            sign(SECRET, 1000, BODY)
        );
        assert_eq!(verify(Some(&two), BODY, SECRET, 1000), Ok(()));
    }

    #[test]
    fn altered_replayed_or_missing_signatures_are_refused() {
        let altered = br#"{"id":"evt_1","type":"payment_intent.succeeded" }"#;
        assert_eq!(
            verify(Some(&header(1000, BODY)), altered, SECRET, 1000),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(Some(&header(1000, BODY)), BODY, "whsec_other", 1000),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(Some(&header(1000, BODY)), BODY, SECRET, 1301),
            Err(Refusal::OutsideTolerance)
        );
        assert_eq!(
            verify(Some(&header(1400, BODY)), BODY, SECRET, 1000),
            Err(Refusal::OutsideTolerance)
        );
        assert_eq!(verify(None, BODY, SECRET, 1000), Err(Refusal::Missing));
        assert_eq!(
            verify(Some("t=1000"), BODY, SECRET, 1000),
            Err(Refusal::Malformed)
        );
        assert_eq!(
            verify(Some("v1=abc,t=x"), BODY, SECRET, 1000),
            Err(Refusal::Malformed)
        );
    }
}
