//! Analytics domain (DESIGN.md §3 `analytics` rows): numbers for one
//! organization, computed by MongoDB aggregation pipelines.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /analytics/workspace `?from&to` | [`workspace::handle`] | ou |
//! | GET /analytics/workspace/chatbot `?from&to` | [`chatbot::handle`] | ou |
//!
//! Range: `from`/`to` as YYYY-MM-DD (UTC days, inclusive); default the last
//! 30 days; at most 366 days. The super admin adds `?organizationId=`.
//!
//! Data read (the contract with the writers):
//! - `org_<accountId>.users` — the workspace accounts (`role`, `isActive`, `createdAt`);
//! - `org_<accountId>.activity` — `{userId, type, at: Date}` usage events;
//! - `crm.leads` with `organizationId` — leads attributed to the organization;
//! - `pingora.conversations` — chatbot conversations written by the Pingora
//!   chatbot: `{organizationId, conversationId, startedAt: Date, intent,
//!   firstQuestion, messageCount, avgResponseMs, converted}`.
//!   `scripts/import-conversations.py` backfills them from JSON lines, and
//!   POST /admin/setup-test-data (local stacks) seeds a demo set.

pub mod chatbot;
pub mod openapi;
pub mod queries;
pub mod range;
pub mod workspace;

pub const SERVICE: &str = "analytics-service";
