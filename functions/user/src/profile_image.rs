//! POST /users/workspace/profile-image: the caller's profile picture.
//!
//! The body is the image itself (`Content-Type: image/jpeg|png|webp`; API
//! Gateway delivers it base64-encoded and lambda_http decodes it). The type
//! is decided by the file's magic bytes, never by the header or a name: a
//! text file labelled image/png is 415. Images over 2 MiB are 413. The image
//! is stored privately at `profile-images/<accountId>/<userId>/<uuid>.<ext>`
//! and the response carries a presigned GET URL valid for one hour.

use std::time::Duration;

use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};
use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, media,
        openapi::{Failure, Success},
    },
    stores::{Dependency, aws::error_chain, mongo::unavailable},
};
use utoipa::ToSchema;

pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// How long the returned URL stays valid, in seconds.
pub const URL_EXPIRES_IN: u64 = 3600;

/// The stored profile image.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileImage {
    /// The S3 key: `profile-images/<accountId>/<userId>/<uuid>.<ext>`
    /// (also saved on the user as `profileImageKey`).
    pub key: String,
    /// A presigned GET URL for the image.
    pub url: String,
    /// Seconds the URL stays valid (3600).
    pub url_expires_in: u64,
    /// The type found in the file: image/jpeg, image/png or image/webp.
    pub content_type: String,
    /// The image's size in bytes.
    pub size: u64,
}

/// The request body: the image file itself (raw bytes; not multipart, not
/// JSON). Documentation only: the handler reads the bytes from the request.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ImageFile(Vec<u8>);

/// Upload the caller's profile picture.
///
/// Any user of an organization (`ou`; the token's own user and organization,
/// whatever the request names; a token without an organization is 403). The
/// body is the image itself, not multipart or JSON: JPEG, PNG or WebP, at
/// most 2 MiB. The type is decided by the file's magic bytes, never by the
/// `Content-Type` header. The image is stored privately in S3; the answer
/// carries a presigned URL valid for one hour.
#[utoipa::path(
    post,
    path = "/users/workspace/profile-image",
    operation_id = "profile-image",
    tag = "user",
    request_body(
        description = "The raw image bytes (at most 2 MiB).",
        content(
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
    let bytes: &[u8] = req.body().as_ref();
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
    let image = media::sniff_image(bytes)
        .filter(|i| *i != media::Image::Gif)
        .ok_or_else(|| {
            ApiError::unsupported_media_type("The file is not a JPEG, PNG or WebP image.")
        })?;
    let (content_type, ext) = (image.content_type(), image.extension());

    // The key is built from the user id, so it must be one: a stored user
    // of this organization with an id that is a plain path segment. A token
    // whose subject is anything else (an organization admin's, or a crafted
    // `../..`) stores nothing.
    let users = app
        .org_db(&account_id)
        .await?
        .collection::<mongodb::bson::Document>(org::model::USERS);
    let user_id = principal.user_id.as_str();
    let plain_segment = !user_id.is_empty()
        && user_id.len() <= 64
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let is_user = plain_segment
        && users
            .find_one(doc! {"id": user_id})
            .projection(doc! {"_id": 1})
            .await
            .map_err(unavailable)?
            .is_some();
    if !is_user {
        return Err(ApiError::forbidden(
            "Profile images belong to workspace users; this account has no user profile here.",
        ));
    }
    let bucket = app.config.bucket_name()?;
    let key = format!(
        "profile-images/{account_id}/{user_id}/{}.{ext}",
        uuid::Uuid::new_v4()
    );
    let s3 = app.s3().await;
    s3.put_object()
        .bucket(bucket)
        .key(&key)
        .content_type(content_type)
        .cache_control("private, max-age=31536000, immutable")
        .body(ByteStream::from(bytes.to_vec()))
        .send()
        .await
        .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;
    let presigned = s3
        .get_object()
        .bucket(bucket)
        .key(&key)
        .presigned(
            PresigningConfig::expires_in(Duration::from_secs(URL_EXPIRES_IN))
                .map_err(ApiError::internal)?,
        )
        .await
        .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;

    users
        .update_one(
            doc! {"id": user_id},
            doc! {"$set": {"profileImageKey": &key, "updatedAt": org::model::now_rfc3339()}},
        )
        .await
        .map_err(unavailable)?;
    Reply::created(ProfileImage {
        url: presigned.uri().to_owned(),
        key,
        url_expires_in: URL_EXPIRES_IN,
        content_type: content_type.to_owned(),
        size: bytes.len() as u64,
    })
}
