//! Sessions: what a login starts and what every access token belongs to.
//!
//! A login starts a session (the refresh family of DESIGN.md §5). Each access
//! token names its session in `fam`, and verification reads the session's
//! record: a token is valid only while its session is, so ending a session
//! (logout, reuse of a spent refresh token, deactivation, demotion, a
//! password change, a lapsed licence, a deleted organization) ends every
//! access token minted from it on the very next request.
//!
//! A session record outlives every token it can verify: it expires with the
//! session, and a missing or expired record means "ended", never "fine", so
//! DynamoDB's lazy TTL deletion cannot bring a revoked token back.
//!
//! Items (the one pk/sk table):
//! - `family#<id>` / `family`: `{revoked, sub, org?, kind, cred, expiresAt}`;
//! - `sessions#<org or platform>` / `<sub>#<id>`: the account's index, so
//!   every session of an account (or of a whole organization) can be ended
//!   at once without a scan.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{now, random_id};
use crate::{
    App,
    http::{ApiError, Principal},
    stores::aws::{dynamodb_error, number_attr, text_attr},
};

/// Which kind of account a session belongs to: where a refresh reloads it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The super admin (its hash is in the configuration secret).
    SuperAdmin,
    /// An organization's admin (the organization document).
    OrganizationAdmin,
    /// A workspace user (`org_<accountId>.users`).
    WorkspaceUser,
    /// A local-stack impersonation (debug login); nothing to reload.
    Debug,
    /// A transit passenger (`transit.passengers`).
    Passenger,
}

impl AccountKind {
    fn as_str(self) -> &'static str {
        match self {
            AccountKind::SuperAdmin => "super_admin",
            AccountKind::OrganizationAdmin => "organization_admin",
            AccountKind::WorkspaceUser => "workspace_user",
            AccountKind::Debug => "debug",
            AccountKind::Passenger => "passenger",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "super_admin" => AccountKind::SuperAdmin,
            "organization_admin" => AccountKind::OrganizationAdmin,
            "workspace_user" => AccountKind::WorkspaceUser,
            "debug" => AccountKind::Debug,
            "passenger" => AccountKind::Passenger,
            _ => return None,
        })
    }
}

/// A session's stored state.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub kind: AccountKind,
    /// Fingerprint of the password hash the session was started with; a
    /// refresh refuses the session once the stored hash is another.
    pub credential: String,
    pub expires_at: i64,
    pub revoked: bool,
}

impl Session {
    /// Not revoked and not past its end.
    pub fn is_live(&self) -> bool {
        !self.revoked && self.expires_at >= now()
    }
}

/// A short fingerprint of a stored password hash (never the hash itself):
/// equal while the password is unchanged.
pub fn credential_fingerprint(stored_hash: &str) -> String {
    Sha256::digest(stored_hash.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn family_key(id: &str) -> (AttributeValue, AttributeValue) {
    (s(format!("family#{id}")), s("family"))
}

/// The partition of an account's session index: its organization, or
/// `platform` for the super admin.
fn index_pk(org: Option<&str>) -> AttributeValue {
    s(format!("sessions#{}", org.unwrap_or("platform")))
}

impl App {
    /// Starts a session for `principal`, valid for the refresh lifetime.
    /// `credential` is the fingerprint of the password hash just verified.
    pub async fn start_session(
        &self,
        principal: &Principal,
        kind: AccountKind,
        credential: &str,
    ) -> Result<Session, ApiError> {
        let id = random_id(16);
        let expires_at = now() + self.config.identity.refresh_ttl.as_secs() as i64;
        let table = self.config.table_name()?;
        let db = self.dynamodb().await;
        // The index entry first: a session that exists is always findable
        // when its account must be signed out.
        db.put_item()
            .table_name(table)
            .item("pk", index_pk(principal.organization_id.as_deref()))
            .item("sk", s(format!("{}#{id}", principal.user_id)))
            .item("family", s(id.clone()))
            .item("expiresAt", n(expires_at))
            .send()
            .await
            .map_err(dynamodb_error)?;
        let (pk, sk) = family_key(&id);
        let mut put = db
            .put_item()
            .table_name(table)
            .item("pk", pk)
            .item("sk", sk)
            .item("revoked", AttributeValue::Bool(false))
            .item("sub", s(principal.user_id.clone()))
            .item("kind", s(kind.as_str()))
            .item("cred", s(credential))
            .item("expiresAt", n(expires_at));
        if let Some(org) = &principal.organization_id {
            put = put.item("org", s(org.clone()));
        }
        put.send().await.map_err(dynamodb_error)?;
        Ok(Session {
            id,
            kind,
            credential: credential.to_owned(),
            expires_at,
            revoked: false,
        })
    }

    /// The session record (strongly consistent read), `None` when there is
    /// none (never started, or removed after it ended).
    pub async fn session(&self, id: &str) -> Result<Option<Session>, ApiError> {
        let (pk, sk) = family_key(id);
        Ok(self.get_item(pk, sk).await?.map(|item| {
            let kind = text_attr(&item, "kind").and_then(AccountKind::parse);
            Session {
                id: id.to_owned(),
                kind: kind.unwrap_or(AccountKind::Debug),
                credential: text_attr(&item, "cred").unwrap_or_default().to_owned(),
                expires_at: number_attr(&item, "expiresAt").unwrap_or(0),
                // Anything but an explicit `false` is revoked, and so is a
                // record from before sessions knew their account kind (it
                // could not be reloaded on refresh): one re-login.
                revoked: kind.is_none()
                    || item
                        .get("revoked")
                        .and_then(|v| v.as_bool().ok())
                        .is_none_or(|r| *r),
            }
        }))
    }

    /// Whether session `id` is live: the check every token verification makes.
    pub async fn session_is_live(&self, id: &str) -> Result<bool, ApiError> {
        Ok(self.session(id).await?.is_some_and(|s| s.is_live()))
    }

    /// Ends session `id`: its refresh tokens and every access token minted
    /// from it stop working. Ending an unknown session is a no-op.
    pub async fn revoke_session(&self, id: &str) -> Result<(), ApiError> {
        let (pk, sk) = family_key(id);
        let result = self
            .dynamodb()
            .await
            .update_item()
            .table_name(self.config.table_name()?)
            .key("pk", pk)
            .key("sk", sk)
            .update_expression("SET revoked = :t, revokedAt = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":now", n(now()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(dynamodb_error(e)),
        }
    }

    /// Ends every session of one account (`user_id` within `org`; `org` None
    /// is the super admin), or of a whole organization when `user_id` is
    /// None. Returns how many sessions were ended.
    pub async fn revoke_account_sessions(
        &self,
        org: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<usize, ApiError> {
        let table = self.config.table_name()?;
        let db = self.dynamodb().await;
        let mut query = db
            .query()
            .table_name(table)
            .consistent_read(true)
            .expression_attribute_values(":pk", index_pk(org));
        query = match user_id {
            Some(user) => query
                .key_condition_expression("pk = :pk AND begins_with(sk, :sub)")
                .expression_attribute_values(":sub", s(format!("{user}#"))),
            None => query.key_condition_expression("pk = :pk"),
        };
        let mut families = Vec::new();
        let mut pages = query.into_paginator().items().send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(dynamodb_error)?;
            if let Some(family) = item.get("family").and_then(|v| v.as_s().ok()) {
                families.push(family.clone());
            }
        }
        for family in &families {
            self.revoke_session(family).await?;
        }
        if !families.is_empty() {
            tracing::info!(
                sessions = families.len(),
                scope = if user_id.is_some() {
                    "account"
                } else {
                    "organization"
                },
                "sessions revoked"
            );
        }
        Ok(families.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_the_hash_and_hide_it() {
        let a = credential_fingerprint("$argon2id$v=19$m=19456,t=2,p=1$salt$hash");
        assert_eq!(a.len(), 24);
        assert_eq!(
            a,
            credential_fingerprint("$argon2id$v=19$m=19456,t=2,p=1$salt$hash")
        );
        assert_ne!(
            a,
            credential_fingerprint("$argon2id$v=19$m=19456,t=2,p=1$salt$other")
        );
        assert!(!a.contains("argon"));
    }

    #[test]
    fn a_record_without_an_explicit_false_is_revoked() {
        let session = Session {
            id: "x".into(),
            kind: AccountKind::Debug,
            credential: String::new(),
            expires_at: now() + 60,
            revoked: false,
        };
        assert!(session.is_live());
        assert!(
            !Session {
                expires_at: now() - 1,
                ..session.clone()
            }
            .is_live()
        );
        assert!(
            !Session {
                revoked: true,
                ..session
            }
            .is_live()
        );
    }
}
