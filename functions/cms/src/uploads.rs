//! CMS images.
//!
//! - POST /cms/admin/upload-image: `multipart/form-data` as the admin UI's
//!   `FormData` sends it, the image in the `file` (or `image`) field. JPEG,
//!   PNG, WebP and GIF, recognised by magic bytes; SVG is refused (it can
//!   carry script). At most 4 MiB: API Gateway base64-encodes binary bodies
//!   and Lambda's request limit is 6 MB, so larger files use /cms/upload.
//! - POST /cms/upload `{filename, contentType, contentLength}`: a presigned S3
//!   PUT (15 minutes) for files up to 50 MiB whose content type and length are
//!   part of the signature, so S3 refuses any other type or size.
//!
//! Objects live under `cms/<uuid>.<ext>`. Their URL is `ASSET_BASE_URL/<key>`
//! when a CDN serves the bucket, else a presigned GET valid for 7 days.

use std::time::Duration;

use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, Validate, Violations, media, multipart, parse_json},
    stores::{Dependency, aws::error_chain},
};

pub const MAX_INLINE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_PRESIGNED_BYTES: u64 = 50 * 1024 * 1024;

fn s3_error<E: std::error::Error>(e: E) -> ApiError {
    ApiError::dependency(Dependency::S3, error_chain(&e))
}

/// Where clients fetch `key` from.
async fn public_url(app: &App, key: &str) -> Result<String, ApiError> {
    if let Some(base) = &app.config.asset_base_url {
        return Ok(format!("{base}/{key}"));
    }
    let presigned = app
        .s3()
        .await
        .get_object()
        .bucket(app.config.bucket_name()?)
        .key(key)
        .presigned(
            PresigningConfig::expires_in(Duration::from_secs(7 * 24 * 3600))
                .map_err(ApiError::internal)?,
        )
        .await
        .map_err(s3_error)?;
    Ok(presigned.uri().to_owned())
}

pub async fn upload_image(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let boundary = multipart::boundary(&req)?;
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_INLINE_BYTES + 64 * 1024 {
        return Err(ApiError::payload_too_large(MAX_INLINE_BYTES));
    }
    let parts = multipart::parse(body, &boundary, 10)?;
    let file = parts
        .iter()
        .find(|p| (p.name == "file" || p.name == "image") && p.filename.is_some())
        .ok_or_else(|| {
            ApiError::validation("file", "a file field named `file` (or `image`) is required")
        })?;
    if file.data.len() > MAX_INLINE_BYTES {
        return Err(ApiError::payload_too_large(MAX_INLINE_BYTES));
    }
    let image = media::sniff_image(&file.data).ok_or_else(|| {
        ApiError::unsupported_media_type(
            "The file is not a JPEG, PNG, WebP or GIF image (SVG is not accepted).",
        )
    })?;
    let (content_type, ext) = (image.content_type(), image.extension());
    let key = format!("cms/{}.{ext}", uuid::Uuid::new_v4());
    app.s3()
        .await
        .put_object()
        .bucket(app.config.bucket_name()?)
        .key(&key)
        .content_type(content_type)
        .cache_control("public, max-age=31536000, immutable")
        .body(ByteStream::from(file.data.clone()))
        .send()
        .await
        .map_err(s3_error)?;
    Reply::created(json!({
        "key": key,
        "url": public_url(app, &key).await?,
        "contentType": content_type,
        "size": file.data.len(),
        "originalName": file.filename,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PresignRequest {
    pub filename: String,
    pub content_type: String,
    pub content_length: u64,
}

/// Types a presigned upload may carry (no SVG, no HTML, no scripts).
const PRESIGNABLE: [(&str, &str); 6] = [
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("video/mp4", "mp4"),
    ("application/pdf", "pdf"),
];

impl Validate for PresignRequest {
    fn validate(&self, v: &mut Violations) {
        v.text("filename", &self.filename, 200);
        v.check(
            PRESIGNABLE.iter().any(|(t, _)| *t == self.content_type),
            "contentType",
            "must be one of image/jpeg, image/png, image/webp, image/gif, video/mp4, application/pdf",
        );
        v.check(
            (1..=MAX_PRESIGNED_BYTES).contains(&self.content_length),
            "contentLength",
            "must be between 1 byte and 50 MiB",
        );
    }
}

pub async fn presign(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let body: PresignRequest = parse_json(&req)?;
    let ext = PRESIGNABLE
        .iter()
        .find(|(t, _)| *t == body.content_type)
        .map(|(_, e)| *e)
        .unwrap_or("bin");
    let key = format!("cms/{}.{ext}", uuid::Uuid::new_v4());
    let expires = Duration::from_secs(15 * 60);
    let presigned = app
        .s3()
        .await
        .put_object()
        .bucket(app.config.bucket_name()?)
        .key(&key)
        .content_type(&body.content_type)
        .content_length(body.content_length as i64)
        .presigned(PresigningConfig::expires_in(expires).map_err(ApiError::internal)?)
        .await
        .map_err(s3_error)?;
    Reply::created(json!({
        "key": key,
        "uploadUrl": presigned.uri(),
        "method": "PUT",
        "headers": {"Content-Type": body.content_type, "Content-Length": body.content_length.to_string()},
        "expiresIn": expires.as_secs(),
        "url": public_url(app, &key).await?,
    }))
}
