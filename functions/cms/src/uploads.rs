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
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Validate, Violations, media, multipart,
        openapi::{Failure, Success},
        parse_json,
    },
    stores::{Dependency, aws::error_chain},
};

pub const MAX_INLINE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_PRESIGNED_BYTES: u64 = 50 * 1024 * 1024;

fn s3_error<E: std::error::Error>(e: E) -> ApiError {
    ApiError::dependency(Dependency::S3, error_chain(&e))
}

/// Where clients fetch `key` from: `ASSET_BASE_URL` (a CDN serving the
/// bucket's `cms/` objects) when set, else a presigned URL (7 days).
async fn public_url(app: &App, key: &str) -> Result<String, ApiError> {
    if let Some(base) = app.config.setting("ASSET_BASE_URL") {
        return Ok(format!("{}/{key}", base.trim_end_matches('/')));
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

/// The form `upload-image` takes, as a browser's `FormData` sends it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // for the OpenAPI document only: the body is read by `multipart::parse`
pub struct ImageUploadForm {
    /// The image (JPEG, PNG, WebP or GIF; at most 4 MiB), sent as a file part
    /// with a filename. The field may also be named `image`. Other fields are
    /// ignored (at most 10 parts in all).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A stored image.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadedImage {
    /// The S3 object key, `cms/<uuid>.<ext>`.
    pub key: String,
    /// Where clients fetch the image: on the CDN, or a presigned GET valid for 7 days.
    pub url: String,
    /// The type recognised from the file's bytes (`image/jpeg`, `image/png`, `image/webp`, `image/gif`).
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
    /// The filename the client sent.
    pub original_name: String,
}

/// Upload an image for the website.
///
/// Super admin only. `multipart/form-data` with the image in the `file` (or
/// `image`) field. JPEG, PNG, WebP and GIF, recognised by their bytes (the
/// declared type does not count); SVG is refused. At most 4 MiB; larger
/// files go through `cms-upload`.
#[utoipa::path(
    post,
    path = "/cms/admin/upload-image",
    operation_id = "upload-image",
    tag = "cms",
    request_body(content = ImageUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The image is stored.", body = Success<UploadedImage>),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the image exceeds 4 MiB.", body = Failure),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: the body is not multipart/form-data, or the file is not a JPEG, PNG, WebP or GIF image.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: S3 could not store the image.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn upload_image(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let file = multipart::file_field(&req, MAX_INLINE_BYTES)?;
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
    Reply::created(UploadedImage {
        url: public_url(app, &key).await?,
        key,
        content_type: content_type.to_owned(),
        size: file.data.len(),
        // Always present: the part was chosen for having a filename.
        original_name: file.filename.clone().unwrap_or_default(),
    })
}

/// A file to upload straight to S3.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PresignRequest {
    /// The file's name (informational; the key is generated).
    #[schema(min_length = 1, max_length = 200, example = "launch-video.mp4")]
    pub filename: String,
    /// One of `image/jpeg`, `image/png`, `image/webp`, `image/gif`, `video/mp4`, `application/pdf`.
    #[schema(example = "video/mp4")]
    pub content_type: String,
    /// The exact size in bytes (1 byte to 50 MiB); S3 refuses any other length.
    #[schema(minimum = 1, maximum = 52428800)]
    pub content_length: u64,
}

/// A presigned S3 upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresignedUpload {
    /// The S3 object key, `cms/<uuid>.<ext>`.
    pub key: String,
    /// Send the file here with `method` and exactly `headers`.
    pub upload_url: String,
    /// Always `PUT`.
    #[schema(example = "PUT")]
    pub method: &'static str,
    pub headers: PresignedHeaders,
    /// Seconds the upload URL stays valid (900).
    pub expires_in: u64,
    /// Where clients will fetch the file once uploaded (CDN, or a presigned GET valid for 7 days).
    pub url: String,
}

/// The headers the upload must carry; they are part of the signature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresignedHeaders {
    #[serde(rename = "Content-Type")]
    pub content_type: String,
    /// The length in bytes, as a string.
    #[serde(rename = "Content-Length")]
    pub content_length: String,
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
        v.required("filename", &self.filename);
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

/// Get a presigned S3 upload for a large file.
///
/// Super admin only. For files up to 50 MiB (images, MP4 video, PDF): returns
/// a presigned S3 PUT valid for 15 minutes whose content type and length are
/// part of the signature, so S3 refuses any other type or size.
#[utoipa::path(
    post,
    path = "/cms/upload",
    operation_id = "cms-upload",
    tag = "cms",
    request_body = PresignRequest,
    responses(
        (status = 201, description = "The upload URL and the headers to send with it.", body = Success<PresignedUpload>),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: S3 could not presign the upload.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn cms_upload(app: &App, req: Request) -> Result<Reply, ApiError> {
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
    Reply::created(PresignedUpload {
        url: public_url(app, &key).await?,
        key,
        upload_url: presigned.uri().to_owned(),
        method: "PUT",
        headers: PresignedHeaders {
            content_type: body.content_type,
            content_length: body.content_length.to_string(),
        },
        expires_in: expires.as_secs(),
    })
}
