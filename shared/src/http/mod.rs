//! The HTTP contract every function shares (DESIGN.md §4): the envelope, the
//! one error type, JSON body parsing with field-level validation, the
//! principal extractor, and [`serve`], which runs a handler under all of it.

mod body;
pub mod conditional;
mod error;
pub mod limits;
pub mod media;
pub mod multipart;
pub mod openapi;
mod principal;
mod query;
mod serve;

pub use body::{
    DEFAULT_BODY_LIMIT, Echoed, JsonObject, Validate, Violations, parse_json, parse_json_with_limit,
};
pub use error::{ApiError, ErrorCode, FieldError};
pub use principal::{
    Principal, Refusal, Role, TokenVerifier, authorizer_context, bearer_token, client_address,
    client_ip, principal,
};
pub use query::{Page, PageMeta, Paging, path_param, query_choice, query_param};
pub use serve::{Reply, dispatch, request_id, serve};

pub use lambda_http::{Body, Request, RequestExt, Response};
