//! CMS domain (DESIGN.md §3 `cms` rows).
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /cms/content?section= | [`content::get`] | public |
//! | PUT /cms/content?section= | [`content::put`] | sa |
//! | GET /cms/website-content | [`content::website`] | public |
//! | GET /cms/admin/website-content | [`content::admin_get`] | sa |
//! | PUT /cms/admin/website-content | [`content::admin_put`] | sa |
//! | POST /cms/admin/upload-image | [`uploads::upload_image`] | sa (multipart/form-data) |
//! | POST /cms/upload | [`uploads::cms_upload`] | sa (presigned S3 PUT for large files) |

pub mod content;
pub mod openapi;
pub mod uploads;

pub const SERVICE: &str = "cms-service";
