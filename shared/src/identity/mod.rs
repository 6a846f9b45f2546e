//! Identity: the JWT kit (sign, verify, JWKS, revocation), password storage
//! and the principal of a request. The authorizer, the auth routes and every
//! function's principal extractor share these rules, so a token means the
//! same thing everywhere.

pub mod devices;
pub mod jwt;
pub mod login;
pub mod passwords;
pub mod sessions;
pub mod tokens;

use std::sync::{Arc, Mutex};

use crate::{
    App,
    config::{Secret, SecretKind},
    http::{ApiError, Principal, Request, Role, TokenVerifier},
};
use jwt::{AccessClaims, Keyring, TokenRejected};

/// A keyring and the secret value it was parsed from.
struct CachedKeyring {
    kind: SecretKind,
    parsed_from: Arc<Secret>,
    ring: Arc<Keyring>,
}

/// Keyrings parsed from the current secrets, by secret; each is rebuilt
/// when its secret refreshes.
#[derive(Default)]
pub(crate) struct KeyringCache(Mutex<Vec<CachedKeyring>>);

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A random, URL-safe identifier with `bytes` bytes of entropy.
pub fn random_id(bytes: usize) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    URL_SAFE_NO_PAD.encode(buf)
}

impl App {
    /// The verification keys (`VERIFICATION_KEYS_SECRET_ID`): what checks
    /// tokens and what the JWKS publishes.
    pub async fn keyring(&self) -> Result<Arc<Keyring>, ApiError> {
        self.keyring_of(SecretKind::VERIFICATION_KEYS).await
    }

    /// The key set held by the secret `kind`, parsed once per secret value:
    /// the access tokens' ([`App::keyring`]) or a product's own (transit's
    /// ticket keys).
    pub async fn keyring_of(&self, kind: SecretKind) -> Result<Arc<Keyring>, ApiError> {
        let secret = self.secret_of(kind).await?;
        let mut cache = self
            .keyring_cache
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = cache
            .iter()
            .find(|c| c.kind == kind && Arc::ptr_eq(&c.parsed_from, &secret))
        {
            return Ok(cached.ring.clone());
        }
        let ring = Arc::new(Keyring::from_secret(&secret)?);
        cache.retain(|c| c.kind != kind);
        cache.push(CachedKeyring {
            kind,
            parsed_from: secret,
            ring: ring.clone(),
        });
        Ok(ring)
    }

    /// Signs a new access token for `principal`, belonging to session `fam`.
    pub async fn issue_access_token(
        &self,
        principal: &Principal,
        fam: &str,
    ) -> Result<(String, AccessClaims), ApiError> {
        let settings = &self.config.identity;
        let iat = now();
        let claims = AccessClaims {
            sub: principal.user_id.clone(),
            role: principal.role.clone(),
            org: principal.organization_id.clone(),
            permissions: principal.permissions.clone(),
            iat,
            nbf: iat,
            exp: iat + settings.access_ttl.as_secs() as i64,
            jti: random_id(16),
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            fam: Some(fam.to_owned()),
        };
        // The private key lives in its own secret, which only the functions
        // that issue tokens may read.
        let token = self
            .keyring_of(SecretKind::SIGNING_KEYS)
            .await?
            .sign(&claims)?;
        Ok((token, claims))
    }

    /// Full verification: signature and claims, then the token's session
    /// (`fam`) must be live. A token without a session is refused: it could
    /// not be ended by logout. A store that cannot be asked is a 503 —
    /// callers (the authorizer) refuse on it.
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessClaims, ApiError> {
        let claims = self
            .keyring()
            .await?
            .verify::<AccessClaims>(token, &self.config.identity)
            .map_err(TokenRejected::into_api_error)?;
        let Some(session) = claims.fam.as_deref() else {
            return Err(TokenRejected::NoSession.into_api_error());
        };
        if !self.session_is_live(session).await? {
            return Err(TokenRejected::Revoked.into_api_error());
        }
        Ok(claims)
    }

    /// The caller of a suite route: [`App::caller`] for the suite's roles,
    /// so a transit passenger's or driver's valid token is 403 here.
    pub async fn principal(&self, req: &Request) -> Result<Principal, ApiError> {
        // Not `self.caller(..)`: one async layer less in every suite
        // handler's state machine (deep ones hit the compiler's query limit).
        let principal = crate::http::principal(req, &JwtVerifier(self)).await?;
        principal.require_any_role(Role::SUITE)?;
        Ok(principal)
    }

    /// The caller, refused (403) unless their role is one of `roles`: the
    /// authorizer's context, else the bearer token verified here with the
    /// authorizer's rules (`cargo lambda watch`). Every product names whom
    /// its routes serve, so a new product's roles reach none of the others.
    pub async fn caller(&self, req: &Request, roles: &[Role]) -> Result<Principal, ApiError> {
        let principal = crate::http::principal(req, &JwtVerifier(self)).await?;
        principal.require_any_role(roles)?;
        Ok(principal)
    }
}

/// [`TokenVerifier`] backed by the keyring and the revocation records.
pub struct JwtVerifier<'a>(pub &'a App);

impl TokenVerifier for JwtVerifier<'_> {
    async fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        self.0
            .verify_access_token(token)
            .await
            .map(|c| c.principal())
    }
}
