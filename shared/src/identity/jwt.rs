//! Signed tokens: EdDSA (Ed25519) JWTs with a `kid`, signed with the active
//! key of a key set and verified against every key it lists (rotation: old
//! keys stay listed until the tokens they signed have expired). Any claims
//! type can be signed and verified, each against its own [`Audience`]:
//! access tokens ([`AccessClaims`], the signing and verification keys
//! secrets) are one use; a product's own tokens (e.g. transit's signed
//! tickets) bring their key set, issuer and audience, so neither kind of
//! token is ever accepted as the other.
//!
//! Verification pins the algorithm to EdDSA before looking at anything else,
//! so `alg: none`, HS256-with-the-public-key and other confusions fail.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::{
    config::{ConfigError, IdentitySettings, Secret},
    http::{ApiError, Principal, Role},
};

/// Whom a token is for: the issuer and audience it must carry, and the
/// clock skew allowed on `exp`/`nbf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub issuer: String,
    pub audience: String,
    pub leeway: std::time::Duration,
}

/// Access tokens: the identity settings' issuer and audience.
impl From<&IdentitySettings> for Audience {
    fn from(settings: &IdentitySettings) -> Self {
        Audience {
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway,
        }
    }
}

/// Claims of an access token (DESIGN.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub role: Role,
    /// Organization (accountId) of the principal; absent for the super admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    pub iss: String,
    pub aud: String,
    /// The session (refresh family) this token belongs to; the token is
    /// valid only while that session is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

impl AccessClaims {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.sub.clone(),
            role: self.role.clone(),
            organization_id: self.org.clone(),
            permissions: self.permissions.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyEntry {
    kid: String,
    #[serde(default)]
    private_key_pem: Option<String>,
    #[serde(default)]
    public_key_pem: Option<String>,
}

/// The signing key and/or the verification keys, parsed from a secret.
pub struct Keyring {
    signing: Option<(String, EncodingKey)>,
    verifying: HashMap<String, DecodingKey>,
    jwks: Vec<Value>,
}

impl Keyring {
    /// Reads what the secret holds:
    /// - `jwtSigningKeys: [{kid, privateKeyPem, publicKeyPem?}]` and
    ///   `jwtActiveKid` (the signing keys secret): the active key signs;
    /// - `jwtPublicKeys: [{kid, publicKeyPem}]` (the verification keys
    ///   secret), and any `publicKeyPem` above: these verify and are the JWKS.
    pub fn from_secret(secret: &Secret) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            name: "SIGNING_KEYS_SECRET_ID / VERIFICATION_KEYS_SECRET_ID",
            reason,
        };
        let list = |name: &str| -> Result<Vec<KeyEntry>, ConfigError> {
            match secret.get(name) {
                None => Ok(Vec::new()),
                Some(v) => {
                    serde_json::from_value(v.clone()).map_err(|e| invalid(format!("{name}: {e}")))
                }
            }
        };
        let signing_entries = list("jwtSigningKeys")?;
        let public_entries = list("jwtPublicKeys")?;
        let active = secret.str("jwtActiveKid");
        let mut ring = Keyring {
            signing: None,
            verifying: HashMap::new(),
            jwks: Vec::new(),
        };
        for entry in signing_entries.iter().chain(&public_entries) {
            if let Some(pem) = &entry.public_key_pem
                && !ring.verifying.contains_key(&entry.kid)
            {
                let public = DecodingKey::from_ed_pem(pem.as_bytes())
                    .map_err(|e| invalid(format!("key {}: public key: {e}", entry.kid)))?;
                ring.jwks.push(jwk(&entry.kid, pem)?);
                ring.verifying.insert(entry.kid.clone(), public);
            }
        }
        if let Some(active) = active {
            let entry = signing_entries
                .iter()
                .find(|e| e.kid == active)
                .ok_or_else(|| invalid(format!("active key {active} is not in jwtSigningKeys")))?;
            let pem = entry
                .private_key_pem
                .as_deref()
                .ok_or_else(|| invalid(format!("active key {active} has no privateKeyPem")))?;
            let private = EncodingKey::from_ed_pem(pem.as_bytes())
                .map_err(|e| invalid(format!("key {active}: private key: {e}")))?;
            ring.signing = Some((active.to_owned(), private));
        }
        if ring.verifying.is_empty() && ring.signing.is_none() {
            return Err(ConfigError::MissingSecretKey(
                "jwtPublicKeys (or jwtSigningKeys and jwtActiveKid)".into(),
            ));
        }
        Ok(ring)
    }

    /// Signs `claims` with the active key.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, ApiError> {
        let (kid, key) = self
            .signing
            .as_ref()
            .ok_or_else(|| ApiError::from(ConfigError::MissingSecretKey("jwtActiveKid".into())))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.clone());
        encode(&header, claims, key).map_err(ApiError::internal)
    }

    /// Verifies signature, algorithm, kid, issuer, audience, exp and nbf,
    /// then reads the claims as `C`. Revocation is checked by the caller
    /// (it needs DynamoDB).
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        audience: impl Into<Audience>,
    ) -> Result<C, TokenRejected> {
        self.verify_at(
            token,
            audience,
            jsonwebtoken::get_current_timestamp() as i64,
        )
    }

    /// [`Keyring::verify`] as of the instant `at` (Unix seconds) rather than
    /// now: an offline device's scan is judged by when it happened.
    pub fn verify_at<C: DeserializeOwned>(
        &self,
        token: &str,
        audience: impl Into<Audience>,
        at: i64,
    ) -> Result<C, TokenRejected> {
        let audience = audience.into();
        let header = decode_header(token).map_err(|_| TokenRejected::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenRejected::Algorithm);
        }
        let kid = header.kid.ok_or(TokenRejected::UnknownKey)?;
        let key = self.verifying.get(&kid).ok_or(TokenRejected::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        // The window is checked below against `at`, not the library's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[&audience.issuer]);
        validation.set_audience(&[&audience.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud"]);
        let claims = decode::<Value>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        TokenRejected::WrongAudience
                    }
                    ErrorKind::InvalidSignature => TokenRejected::Signature,
                    _ => TokenRejected::Malformed,
                }
            })?;
        let leeway = audience.leeway.as_secs() as i64;
        let instant = |name: &str| claims.get(name).and_then(Value::as_i64);
        match (instant("nbf"), instant("exp")) {
            (Some(_), Some(exp)) if exp + leeway < at => return Err(TokenRejected::Expired),
            (Some(nbf), Some(_)) if nbf - leeway > at => return Err(TokenRejected::NotYetValid),
            (Some(_), Some(_)) => {}
            _ => return Err(TokenRejected::Malformed),
        }
        serde_json::from_value(claims).map_err(|_| TokenRejected::Malformed)
    }

    /// The public keys as a JWK Set (RFC 8037 OKP keys).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.jwks })
    }

    /// [`Keyring::jwks`] as the typed document the JWKS routes answer.
    pub fn jwk_set(&self) -> Result<JwkSet, ApiError> {
        serde_json::from_value(self.jwks()).map_err(ApiError::internal)
    }
}

/// A JWK Set (RFC 7517 §5) of the public verification keys.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key as an OKP JWK (RFC 8037).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    #[schema(example = "OKP")]
    pub kty: String,
    /// Always `Ed25519`.
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// Always `EdDSA`.
    #[schema(example = "EdDSA")]
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
    /// The key id, as in the `kid` header of the tokens it verifies.
    pub kid: String,
    /// The raw 32-byte public key, base64url without padding.
    pub x: String,
}

/// Why a token was refused. Only logged; clients get one generic 401 so the
/// reason cannot be used as an oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejected {
    Malformed,
    Algorithm,
    UnknownKey,
    Signature,
    Expired,
    NotYetValid,
    WrongAudience,
    /// No `fam` claim: a token no session owns.
    NoSession,
    /// Its session has ended.
    Revoked,
}

impl TokenRejected {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRejected::Malformed => "malformed",
            TokenRejected::Algorithm => "algorithm",
            TokenRejected::UnknownKey => "unknown_kid",
            TokenRejected::Signature => "signature",
            TokenRejected::Expired => "expired",
            TokenRejected::NotYetValid => "not_yet_valid",
            TokenRejected::WrongAudience => "issuer_or_audience",
            TokenRejected::NoSession => "no_session",
            TokenRejected::Revoked => "revoked",
        }
    }

    pub fn into_api_error(self) -> ApiError {
        tracing::info!(reason = self.as_str(), "access token rejected");
        ApiError::unauthenticated("The access token is invalid, expired or revoked.")
    }
}

/// An Ed25519 SPKI PEM's raw 32-byte key as an OKP JWK.
fn jwk(kid: &str, public_pem: &str) -> Result<Value, ConfigError> {
    use base64::engine::general_purpose::STANDARD;
    let b64: String = public_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD
        .decode(b64.trim())
        .map_err(|_| ConfigError::Invalid {
            name: "VERIFICATION_KEYS_SECRET_ID",
            reason: format!("key {kid}: publicKeyPem is not PEM"),
        })?;
    // SPKI for Ed25519 is a fixed 12-byte prefix followed by the 32-byte key.
    if der.len() != 44 {
        return Err(ConfigError::Invalid {
            name: "VERIFICATION_KEYS_SECRET_ID",
            reason: format!("key {kid}: publicKeyPem is not an Ed25519 key"),
        });
    }
    Ok(json!({
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
        "kid": kid, "x": URL_SAFE_NO_PAD.encode(&der[12..]),
    }))
}
