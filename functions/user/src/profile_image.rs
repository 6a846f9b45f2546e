//! The caller's profile picture.
//!
//! - POST /users/workspace/profile-image stores it. The body is the
//!   browser's `FormData` (the file in the `file` or `image` field, parsed by
//!   the same multipart parser as the CMS upload) or the image's bytes
//!   themselves (`Content-Type: image/...`). The type is decided by the
//!   file's magic bytes, never by a header or a name: a text file labelled
//!   image/png is 415. Images over 2 MiB are 413. The object is private, at
//!   `profile-images/<accountId>/<userId>/<uuid>.<ext>`.
//! - GET /users/profile-images/{accountId}/{userId}/{file} shows it: a
//!   redirect to a fresh presigned S3 GET.
//!
//! Why a re-signing route rather than a public-read prefix behind a CDN:
//! the bucket stays private with S3's Block Public Access on (no bucket
//! policy to get wrong), it works the same under `make dev`, `sam local` and
//! AWS without a CDN, and the route only redirects while the image is still
//! the user's current one, so a replaced picture (or a deleted
//! organization's) stops resolving at once. The stable URL is stored on the
//! user as `profileImageUrl`, which listings show. It needs no token (an
//! `<img>` cannot send one): it is a capability URL whose random file name
//! cannot be guessed, the same trust as a presigned link that never expires
//! while the image is current. The redirect is cached privately for 5
//! minutes, so a page of avatars does not invoke it on every render.

use std::time::Duration;

use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};
use lambda_http::{
    RequestExt,
    http::{HeaderValue, StatusCode, header},
    request::RequestContext,
};
use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    config::Stage,
    http::{
        ApiError, Reply, Request, media, multipart,
        openapi::{Failure, Success},
        path_param,
    },
    stores::{Dependency, aws::error_chain, mongo::org_db_name},
};
use utoipa::ToSchema;

pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// How long a redirect's presigned URL stays valid, in seconds.
const SIGNED_FOR: u64 = 600;
/// How long a browser may reuse a redirect (well inside `SIGNED_FOR`).
const REDIRECT_CACHE: &str = "private, max-age=300";

/// The stored profile image.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileImage {
    /// The S3 key: `profile-images/<accountId>/<userId>/<uuid>.<ext>`
    /// (also saved on the user as `profileImageKey`).
    pub key: String,
    /// The image's stable URL (also saved on the user as `profileImageUrl`):
    /// `GET /users/profile-images/...`, which redirects to the image while
    /// it is the user's current one.
    pub url: String,
    /// The type found in the file: image/jpeg, image/png or image/webp.
    pub content_type: String,
    /// The image's size in bytes.
    pub size: u64,
}

/// The request body: the image file itself. Documentation only: the
/// handler reads the bytes from the request.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ImageFile(Vec<u8>);

/// The form a browser's `FormData` sends. Documentation only.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProfileImageForm {
    /// The image (JPEG, PNG or WebP; at most 2 MiB), a file part with a
    /// filename. The field may also be named `image`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload the caller's profile picture.
///
/// Any user of an organization (`ou`; the token's own user and organization,
/// whatever the request names; a token without an organization is 403). The
/// body is a `FormData` upload (`multipart/form-data`, the file in `file`)
/// or the image itself: JPEG, PNG or WebP, at most 2 MiB. The type is
/// decided by the file's magic bytes, never by the `Content-Type` header.
/// The image is stored privately in S3; the answer carries its stable URL.
#[utoipa::path(
    post,
    path = "/users/workspace/profile-image",
    operation_id = "profile-image",
    tag = "user",
    request_body(
        description = "A FormData upload, or the raw image bytes (at most 2 MiB).",
        content(
            (ProfileImageForm = "multipart/form-data"),
            (inline(ImageFile) = "image/jpeg"),
            (inline(ImageFile) = "image/png"),
            (inline(ImageFile) = "image/webp"),
        ),
    ),
    responses(
        (status = 201, description = "The image was stored.", body = Success<ProfileImage>),
        (status = 403, description = "FORBIDDEN: the token is not a workspace user of an organization (the super admin, an organization admin, or a subject with no user profile).", body = Failure),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the image is over 2 MiB.", body = Failure),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: the file is not a JPEG, PNG or WebP image.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: S3 or the database could not be reached.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let account_id = principal.organization_id.clone().ok_or_else(|| {
        ApiError::forbidden(
            "Profile images belong to workspace users; this token has no organization.",
        )
    })?;
    let bytes: Vec<u8> = if multipart::is_form_data(&req) {
        multipart::file_field(&req, MAX_BYTES)?.data
    } else {
        req.body().to_vec()
    };
    if bytes.is_empty() {
        return Err(ApiError::validation(
            "body",
            "an image (JPEG, PNG or WebP) is required",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::payload_too_large(MAX_BYTES));
    }
    // GIF is for CMS art, not avatars.
    let image = media::sniff_image(&bytes)
        .filter(|i| *i != media::Image::Gif)
        .ok_or_else(|| {
            ApiError::unsupported_media_type("The file is not a JPEG, PNG or WebP image.")
        })?;
    let (content_type, ext) = (image.content_type(), image.extension());

    // The key is built from the user id, so it must be one: a stored user
    // of this organization with an id that is a plain path segment. A token
    // whose subject is anything else (an organization admin's, or a crafted
    // `../..`) stores nothing.
    let user_id = principal.user_id.as_str();
    let is_user = plain_segment(user_id)
        && tenancy::store::user_exists(app, &account_id, doc! {"id": user_id}).await?;
    if !is_user {
        return Err(ApiError::forbidden(
            "Profile images belong to workspace users; this account has no user profile here.",
        ));
    }
    let file = format!("{}.{ext}", uuid::Uuid::new_v4());
    let key = object_key(&account_id, user_id, &file);
    let url = format!(
        "{}/api/v1/users/profile-images/{account_id}/{user_id}/{file}",
        public_origin(app, &req)?
    );
    app.s3()
        .await
        .put_object()
        .bucket(app.config.bucket_name()?)
        .key(&key)
        .content_type(content_type)
        .cache_control("private, max-age=31536000, immutable")
        .body(ByteStream::from(bytes.clone()))
        .send()
        .await
        .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;
    tenancy::store::update_user(
        app,
        &account_id,
        doc! {"id": user_id},
        doc! {
            "profileImageKey": &key,
            "profileImageUrl": &url,
            "updatedAt": shared::clock::now(),
        },
    )
    .await?;
    Reply::created(ProfileImage {
        url,
        key,
        content_type: content_type.to_owned(),
        size: bytes.len() as u64,
    })
}

/// Show a profile picture.
///
/// Public (an `<img>` cannot send a token; the URL's random file name is
/// the capability). Redirects to a presigned S3 GET valid for 10 minutes
/// while the image is still the user's current picture; a replaced or
/// unknown image is 404. The redirect may be cached privately for 5 minutes.
#[utoipa::path(
    get,
    path = "/users/profile-images/{accountId}/{userId}/{file}",
    operation_id = "get-profile-image",
    tag = "user",
    params(
        ("accountId" = String, Path, description = "The user's organization."),
        ("userId" = String, Path, description = "The user's id."),
        ("file" = String, Path, description = "The image's file name, `<uuid>.<ext>`."),
    ),
    responses(
        (status = 302, description = "To the image; `data.url` is the same address.", body = Success<ImageLocation>,
            headers(
                ("Location" = String, description = "A presigned S3 GET of the image (10 minutes)."),
                ("Cache-Control" = String, description = "`private, max-age=300`"),
            )),
        (status = 404, description = "NOT_FOUND: no such image, or no longer the user's picture.", body = Failure),
    ),
)]
pub async fn serve(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (account_id, user_id, file) = (
        path_param(&req, "accountId")?,
        path_param(&req, "userId")?,
        path_param(&req, "file")?,
    );
    let not_found = || ApiError::not_found("No such profile image.");
    if org_db_name(&account_id).is_err() || !plain_segment(&user_id) || !image_file_name(&file) {
        return Err(not_found());
    }
    let key = object_key(&account_id, &user_id, &file);
    let current = doc! {"id": &user_id, "profileImageKey": &key};
    if !tenancy::store::user_exists(app, &account_id, current).await? {
        return Err(not_found());
    }
    let presigned = app
        .s3()
        .await
        .get_object()
        .bucket(app.config.bucket_name()?)
        .key(&key)
        .presigned(
            PresigningConfig::expires_in(Duration::from_secs(SIGNED_FOR))
                .map_err(ApiError::internal)?,
        )
        .await
        .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;
    let url = presigned.uri().to_owned();
    let location = HeaderValue::from_str(&url).map_err(ApiError::internal)?;
    Ok(
        Reply::with_status(StatusCode::FOUND, ImageLocation { url })?
            .header(header::LOCATION, location)
            .header(
                header::CACHE_CONTROL,
                HeaderValue::from_static(REDIRECT_CACHE),
            ),
    )
}

/// Where a profile image is right now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageLocation {
    /// A presigned S3 GET of the image, valid for 10 minutes.
    pub url: String,
}

fn object_key(account_id: &str, user_id: &str, file: &str) -> String {
    format!("profile-images/{account_id}/{user_id}/{file}")
}

/// A user id usable as one path segment of a key and a URL.
fn plain_segment(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `<uuid>.<ext>` as the upload names it.
fn image_file_name(file: &str) -> bool {
    file.split_once('.').is_some_and(|(id, ext)| {
        uuid::Uuid::parse_str(id).is_ok() && ["jpg", "png", "webp"].contains(&ext)
    })
}

/// Where clients reach this API: the domain API Gateway received the
/// request on (never a client-sent header), over https. In a local stack
/// there is no API Gateway in front, so the request's own `Host` is used.
fn public_origin(app: &App, req: &Request) -> Result<String, ApiError> {
    if app.config.stage == Stage::Local {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost:9000");
        return Ok(format!("http://{host}"));
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) if ctx.domain_name.is_some() => Ok(format!(
            "https://{}",
            ctx.domain_name.as_deref().unwrap_or_default()
        )),
        _ => Err(ApiError::internal(
            "the request carries no API Gateway domain name",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_file_names_an_upload_could_have_made_are_looked_up() {
        assert!(image_file_name("0b8f7c1e-2f7a-4e8e-9c55-1d1f3b8a2c4d.png"));
        for bad in [
            "x.png",
            "../a.png",
            "0b8f7c1e-2f7a-4e8e-9c55-1d1f3b8a2c4d.svg",
            "a",
        ] {
            assert!(!image_file_name(bad), "{bad}");
        }
    }
}
