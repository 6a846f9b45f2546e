//! POST /auth/debug/login (local stacks only): tokens for any role without a
//! password, so a developer can exercise role-specific routes locally. The
//! template has it only when Stage=local, which is never deployed, and it refuses to run otherwise.

use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, Principal, Reply, Request, Role, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
    identity::sessions::AccountKind,
    stores::mongo::org_db_name,
};

use shared::identity::tokens;

use crate::login_user::{DebugUser, LoginUser};

/// Whom to impersonate.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DebugLogin {
    pub role: Role,
    /// The organization's accountId; required for organization roles, must
    /// be absent for `super_admin`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,48}$", example = "acme")]
    pub organization_id: Option<String>,
    /// The token's subject; defaults to `debug-<role>`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128)]
    pub user_id: Option<String>,
}

impl Validate for DebugLogin {
    fn validate(&self, v: &mut Violations) {
        match (self.role == Role::SUPER_ADMIN, &self.organization_id) {
            (true, Some(_)) => v.add("organizationId", "must be absent for super_admin"),
            (true, None) => {}
            (_, None) => v.add("organizationId", "is required for organization roles"),
            (_, Some(id)) => {
                if org_db_name(id).is_err() {
                    v.add(
                        "organizationId",
                        "must be 1-48 characters of letters, digits, '-' or '_'",
                    );
                }
            }
        }
        if let Some(id) = &self.user_id {
            v.required("userId", id);
        }
    }
}

/// Log in as any role without a password (local stacks only).
///
/// Public. Only in local stacks (`make dev`, `make sam-local`); in any other stage it answers 404
/// as if absent. Issues a token pair (and starts a refresh family) for the
/// requested role, organization and user id, so a developer can exercise
/// role-specific routes locally.
#[utoipa::path(
    post,
    path = "/auth/debug/login",
    operation_id = "debug-login",
    tag = "auth",
    request_body = DebugLogin,
    responses(
        (status = 200, description = "A token pair for the requested principal.", body = Success<shared::identity::tokens::TokenPair<crate::login_user::LoginUser>>),
        (status = 404, description = "NOT_FOUND: not a local stack.", body = Failure),
    ),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_local_stage()?;
    let body: DebugLogin = parse_json(&req)?;
    let principal = Principal {
        user_id: body
            .user_id
            .unwrap_or_else(|| format!("debug-{}", body.role.as_str())),
        permissions: if body.role == Role::SUPER_ADMIN {
            vec!["*".into()]
        } else {
            vec![]
        },
        role: body.role,
        organization_id: body.organization_id,
    };
    tracing::warn!(role = principal.role.as_str(), "debug login issued tokens");
    let user = LoginUser::Debug(DebugUser {
        id: principal.user_id.clone(),
        role: principal.role.clone(),
        organization_id: principal.organization_id.clone(),
        debug: true,
    });
    Reply::ok(tokens::issue(app, &principal, AccountKind::Debug, "", Some(user)).await?)
}
