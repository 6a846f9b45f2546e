//! Identity: the JWT kit (sign, verify, JWKS, revocation), password storage
//! and the principal of a request. The authorizer, the auth routes and every
//! function's principal extractor share these rules, so a token means the
//! same thing everywhere.

pub mod jwt;
pub mod passwords;

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{
    App,
    config::Secret,
    http::{ApiError, Principal, Request, TokenVerifier},
    stores::Dependency,
};
use jwt::{AccessClaims, Keyring, TokenRejected};

/// Keyring parsed from the current secret; rebuilt when the secret refreshes.
#[derive(Default)]
pub(crate) struct KeyringCache(Mutex<Option<(Arc<Secret>, Arc<Keyring>)>>);

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

fn revoked_key(jti: &str) -> (AttributeValue, AttributeValue) {
    (
        AttributeValue::S(format!("revoked#{jti}")),
        AttributeValue::S("jti".into()),
    )
}

impl App {
    pub async fn keyring(&self) -> Result<Arc<Keyring>, ApiError> {
        let secret = self.secret().await?;
        if let Some((cached_for, ring)) = self
            .keyring_cache
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && Arc::ptr_eq(cached_for, &secret)
        {
            return Ok(ring.clone());
        }
        let ring = Arc::new(Keyring::from_secret(&secret)?);
        *self
            .keyring_cache
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some((secret, ring.clone()));
        Ok(ring)
    }

    /// Signs a new access token for `principal`, bound to refresh family `fam`.
    pub async fn issue_access_token(
        &self,
        principal: &Principal,
        fam: Option<String>,
    ) -> Result<(String, AccessClaims), ApiError> {
        let settings = &self.config.identity;
        let iat = now();
        let claims = AccessClaims {
            sub: principal.user_id.clone(),
            role: principal.role,
            org: principal.organization_id.clone(),
            permissions: principal.permissions.clone(),
            iat,
            nbf: iat,
            exp: iat + settings.access_ttl.as_secs() as i64,
            jti: random_id(16),
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            fam,
        };
        let token = self.keyring().await?.sign(&claims)?;
        Ok((token, claims))
    }

    /// Full verification: signature and claims, then revocation. A store
    /// that cannot be asked is a 503 — callers (the authorizer) deny on it.
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessClaims, ApiError> {
        let claims = self
            .keyring()
            .await?
            .verify(token, &self.config.identity)
            .map_err(TokenRejected::into_api_error)?;
        if self.is_revoked(&claims.jti).await? {
            return Err(TokenRejected::Revoked.into_api_error());
        }
        Ok(claims)
    }

    pub async fn is_revoked(&self, jti: &str) -> Result<bool, ApiError> {
        let (pk, sk) = revoked_key(jti);
        let out = self
            .dynamodb()
            .await
            .get_item()
            .table_name(self.config.table_name()?)
            .key("pk", pk)
            .key("sk", sk)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                ApiError::dependency(Dependency::DynamoDb, crate::stores::aws::error_chain(&e))
            })?;
        // TTL deletion is lazy: an expired record no longer counts.
        Ok(out.item().is_some_and(|item| {
            item.get("expiresAt")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .is_none_or(|exp| exp >= now())
        }))
    }

    /// Revokes an access token until it would have expired anyway.
    pub async fn revoke_access_token(&self, claims: &AccessClaims) -> Result<(), ApiError> {
        let (pk, sk) = revoked_key(&claims.jti);
        self.dynamodb()
            .await
            .put_item()
            .table_name(self.config.table_name()?)
            .item("pk", pk)
            .item("sk", sk)
            .item("sub", AttributeValue::S(claims.sub.clone()))
            .item("expiresAt", AttributeValue::N(claims.exp.to_string()))
            .send()
            .await
            .map_err(|e| {
                ApiError::dependency(Dependency::DynamoDb, crate::stores::aws::error_chain(&e))
            })?;
        Ok(())
    }

    /// The caller: the authorizer's context, else the bearer token verified
    /// here with the authorizer's rules (`cargo lambda watch`).
    pub async fn principal(&self, req: &Request) -> Result<Principal, ApiError> {
        crate::http::principal(req, &JwtVerifier(self)).await
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
