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
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, media},
    stores::{Dependency, aws::error_chain, mongo::unavailable},
};

pub const MAX_BYTES: usize = 2 * 1024 * 1024;

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

    let bucket = app.config.bucket_name()?;
    let key = format!(
        "profile-images/{account_id}/{}/{}.{ext}",
        principal.user_id,
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
            PresigningConfig::expires_in(Duration::from_secs(3600)).map_err(ApiError::internal)?,
        )
        .await
        .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;

    app.org_db(&account_id)
        .await?
        .collection::<mongodb::bson::Document>(org::model::USERS)
        .update_one(
            doc! {"id": &principal.user_id},
            doc! {"$set": {"profileImageKey": &key, "updatedAt": org::model::now_rfc3339()}},
        )
        .await
        .map_err(unavailable)?;
    Reply::created(json!({
        "key": key,
        "url": presigned.uri(),
        "urlExpiresIn": 3600,
        "contentType": content_type,
        "size": bytes.len(),
    }))
}
