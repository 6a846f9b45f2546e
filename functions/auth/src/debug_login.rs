//! POST /auth/debug/login (dev only): tokens for any role without a
//! password, so a developer can exercise role-specific routes locally. The
//! template deploys it only when Stage=dev, and it refuses to run otherwise.

use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Principal, Reply, Request, Role, Validate, Violations, parse_json},
    stores::mongo::org_db_name,
};

use crate::tokens;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DebugLogin {
    pub role: Role,
    /// The organization's accountId; required for organization roles.
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
}

impl Validate for DebugLogin {
    fn validate(&self, v: &mut Violations) {
        match (&self.role, &self.organization_id) {
            (Role::SuperAdmin, Some(_)) => {
                v.add("organizationId", "must be absent for super_admin")
            }
            (Role::SuperAdmin, None) => {}
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
            v.text("userId", id, 128);
        }
    }
}

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_dev_stage()?;
    let body: DebugLogin = parse_json(&req)?;
    let principal = Principal {
        user_id: body
            .user_id
            .unwrap_or_else(|| format!("debug-{}", body.role.as_str())),
        role: body.role,
        organization_id: body.organization_id,
        permissions: if body.role == Role::SuperAdmin {
            vec!["*".into()]
        } else {
            vec![]
        },
    };
    tracing::warn!(role = principal.role.as_str(), "debug login issued tokens");
    let user = json!({"id": principal.user_id, "role": principal.role, "organizationId": principal.organization_id, "debug": true});
    Reply::ok(tokens::issue(app, &principal, Some(user)).await?)
}
