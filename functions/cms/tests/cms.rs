//! CMS against the real stack: versioned sections, the public read, and
//! image uploads into the S3 emulator.

use base64::{Engine, engine::general_purpose::STANDARD};
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::PNG;
use test_support::{
    as_principal, call, call_with_headers, event, form_data, http_get, principal, stack_app,
    unique, with_query,
};

/// Tests that write sections hold this: the whole site's `ETag` changes
/// with any section, so a concurrent test's write would make the bulk-write
/// test's precondition fail for a reason of its own.
static SITE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn sa() -> shared::http::Principal {
    principal(Role::SUPER_ADMIN, None, "super-admin")
}

/// `PUT /cms/content?section=` with the content as the body and, when
/// given, a precondition header; answers status, `ETag` and body.
async fn put_with(
    app: &App,
    who: &shared::http::Principal,
    section: &str,
    content: Value,
    precondition: Option<(&str, &str)>,
) -> (u16, Option<String>, Value) {
    let mut ev = with_query(
        as_principal(event("cms", "put-content"), who),
        &[("section", section)],
    );
    if let Some((name, value)) = precondition {
        ev["headers"][name] = json!(value);
    }
    ev["body"] = Value::String(content.to_string());
    let (status, headers, body) =
        call_with_headers(cms::SERVICE, app, cms::content::put, &ev).await;
    (status, etag(&headers), body)
}

async fn put(
    app: &App,
    who: &shared::http::Principal,
    section: &str,
    content: Value,
) -> (u16, Value) {
    let (status, _, body) = put_with(app, who, section, content, None).await;
    (status, body)
}

async fn get(app: &App, section: &str) -> (u16, Option<String>, Value) {
    let ev = with_query(event("cms", "get-content"), &[("section", section)]);
    let (status, headers, body) =
        call_with_headers(cms::SERVICE, app, cms::content::get, &ev).await;
    (status, etag(&headers), body)
}

fn etag(headers: &lambda_http::http::HeaderMap) -> Option<String> {
    headers.get("etag").map(|v| v.to_str().unwrap().to_owned())
}

async fn stored(app: &App, section: &str) -> Option<Document> {
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("website_content")
        .find_one(doc! {"section": section})
        .await
        .unwrap()
}

fn title(doc: &Document) -> &str {
    doc.get_document("content")
        .unwrap()
        .get_str("title")
        .unwrap()
}

#[tokio::test]
async fn the_body_is_the_content_and_if_match_refuses_stale_writes() {
    let _site = SITE.lock().await;
    let app = stack_app();
    let section = unique("s");
    assert_eq!(get(&app, &section).await.0, 404);

    // The frontend's write: the content itself, no precondition.
    let (status, tag, resp) =
        put_with(&app, &sa(), &section, json!({"title": "First"}), None).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["revision"], 1);
    assert_eq!(resp["data"]["content"], json!({"title": "First"}));
    assert_eq!(resp["data"]["updatedBy"], "super-admin");
    assert_eq!(tag.as_deref(), Some("\"1\""));

    let (status, tag, resp) = get(&app, &section).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["content"]["title"], "First");
    assert_eq!(
        tag.as_deref(),
        Some("\"1\""),
        "the read's ETag is the revision"
    );
    assert!(
        resp["data"].get("updatedBy").is_none(),
        "the public read does not name editors"
    );

    // Two editors both read "1"; the second write is refused and changes nothing.
    let (status, tag, _) = put_with(
        &app,
        &sa(),
        &section,
        json!({"title": "Editor one"}),
        Some(("if-match", "\"1\"")),
    )
    .await;
    assert_eq!((status, tag.as_deref()), (200, Some("\"2\"")));
    let (status, _, resp) = put_with(
        &app,
        &sa(),
        &section,
        json!({"title": "Editor two"}),
        Some(("if-match", "\"1\"")),
    )
    .await;
    assert_eq!(status, 412, "{resp}");
    assert_eq!(resp["code"], "PRECONDITION_FAILED");
    assert_eq!(resp["data"]["currentRevision"], 2);
    let doc = stored(&app, &section).await.unwrap();
    assert_eq!(title(&doc), "Editor one", "unchanged");
    assert_eq!(doc.get_i64("revision").unwrap(), 2);

    // A weak tag never matches (If-Match compares strongly); one of a list does.
    for (value, expected) in [("W/\"2\"", 412), ("\"1\", \"2\"", 200)] {
        let (status, _, resp) = put_with(
            &app,
            &sa(),
            &section,
            json!({"title": value}),
            Some(("if-match", value)),
        )
        .await;
        assert_eq!(status, expected, "If-Match: {value}: {resp}");
    }

    // Create-only refuses an existing section; `If-Match: *` refuses a missing one.
    let (status, _, _) = put_with(
        &app,
        &sa(),
        &section,
        json!({"title": "again"}),
        Some(("if-none-match", "*")),
    )
    .await;
    assert_eq!(status, 412);
    let fresh = unique("s");
    let (status, _, resp) = put_with(&app, &sa(), &fresh, json!({}), Some(("if-match", "*"))).await;
    assert_eq!(status, 412, "{resp}");
    assert!(stored(&app, &fresh).await.is_none());
    let (status, tag, _) =
        put_with(&app, &sa(), &fresh, json!({}), Some(("if-none-match", "*"))).await;
    assert_eq!((status, tag.as_deref()), (200, Some("\"1\"")));
}

#[tokio::test]
async fn concurrent_conditional_writes_have_one_winner() {
    let _site = SITE.lock().await;
    let app = stack_app();
    for round in 0..10 {
        let section = unique("race");
        put(&app, &sa(), &section, json!({"title": "base"})).await;
        let writers = (0..8).map(|i| {
            let (app, section) = (&app, &section);
            async move {
                put_with(
                    app,
                    &sa(),
                    section,
                    json!({"title": format!("writer {i}")}),
                    Some(("if-match", "\"1\"")),
                )
                .await
                .0
            }
        });
        let statuses = futures_util::future::join_all(writers).await;
        let winners = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(winners, 1, "round {round}: {statuses:?}");
        assert!(
            statuses.iter().all(|s| [200, 412].contains(s)),
            "{statuses:?}"
        );
        assert_eq!(
            stored(&app, &section)
                .await
                .unwrap()
                .get_i64("revision")
                .unwrap(),
            2
        );
    }
}

#[tokio::test]
async fn writes_are_for_the_super_admin_and_inputs_are_checked() {
    let _site = SITE.lock().await;
    let app = stack_app();
    let section = unique("s");
    let admin = principal(Role::ADMIN, Some("acme"), "u-1");
    assert_eq!(put(&app, &admin, &section, json!({})).await.0, 403);
    assert!(stored(&app, &section).await.is_none());
    for (name, body, header, field) in [
        ("Bad_Name", json!({}), None, "query.section"),
        ("ok-name", json!(["not", "an", "object"]), None, "body"),
        (
            "ok-name",
            json!({}),
            Some(("if-match", "3")),
            "header.If-Match",
        ),
        (
            "ok-name",
            json!({}),
            Some(("if-none-match", "\"3\"")),
            "header.If-None-Match",
        ),
        // Found by schemathesis: a NUL in a key cannot be stored as BSON
        // (was a 503 from the driver); `$` names are MongoDB operators.
        (
            "ok-name",
            json!({"ok": [{"a\u{0}b": 1}]}),
            None,
            "body.ok.0.a\u{0}b",
        ),
        ("ok-name", json!({"$set": 1}), None, "body.$set"),
    ] {
        let (status, _, resp) = put_with(&app, &sa(), name, body, header).await;
        assert_eq!(status, 400, "{resp}");
        assert_eq!(resp["details"][0]["field"], field, "{resp}");
    }
    assert!(stored(&app, "ok-name").await.is_none());
}

/// The admin read of every section: its `ETag` and body.
async fn read_all(app: &App) -> (String, Value) {
    let ev = as_principal(event("cms", "get-admin-website-content"), &sa());
    let (status, headers, resp) =
        call_with_headers(cms::SERVICE, app, cms::content::admin_get, &ev).await;
    assert_eq!(status, 200);
    (etag(&headers).unwrap(), resp)
}

#[tokio::test]
async fn the_whole_site_reads_in_one_call_and_bulk_writes_are_guarded_by_its_etag() {
    let _site = SITE.lock().await;
    let app = stack_app();
    let (a, b) = (unique("a"), unique("b"));
    assert_eq!(put(&app, &sa(), &a, json!({"n": 1})).await.0, 200);

    let (seen, resp) = read_all(&app).await;
    assert_eq!(resp["data"]["sections"][&a]["updatedBy"], "super-admin");
    // Someone writes after the read: the bulk write based on it saves nothing.
    assert_eq!(put(&app, &sa(), &a, json!({"n": 5})).await.0, 200);
    let mut ev = as_principal(event("cms", "put-admin-website-content"), &sa());
    ev["headers"]["if-match"] = json!(seen);
    ev["body"] = json!(json!({"sections": {&a: {"n": 2}, &b: {"n": 1}}}).to_string());
    let (status, resp) = call(cms::SERVICE, &app, cms::content::admin_put, &ev).await;
    assert_eq!(status, 412, "{resp}");
    assert!(stored(&app, &b).await.is_none(), "nothing written");

    let (seen, _) = read_all(&app).await;
    ev["headers"]["if-match"] = json!(seen);
    let (status, headers, resp) =
        call_with_headers(cms::SERVICE, &app, cms::content::admin_put, &ev).await;
    assert_eq!(status, 200, "{resp}");
    let (now, _) = read_all(&app).await;
    assert_eq!(
        etag(&headers),
        Some(now.clone()),
        "the write answers the new set's tag"
    );
    assert_ne!(now, seen);

    // The public reads: website-content, and the frontend's getContent() with no section.
    for ev in [
        event("cms", "website-content"),
        with_query(event("cms", "get-content"), &[]),
    ] {
        let (status, headers, resp) =
            call_with_headers(cms::SERVICE, &app, cms::content::get, &ev).await;
        assert_eq!(status, 200, "{resp}");
        assert_eq!(resp["data"]["sections"][&a]["content"]["n"], 2);
        assert_eq!(resp["data"]["sections"][&b]["revision"], 1);
        assert!(resp["data"]["sections"][&a].get("updatedBy").is_none());
        assert_eq!(etag(&headers), Some(now.clone()));
    }
}

async fn upload(app: &App, content_type_header: &str, body: &[u8]) -> (u16, Value) {
    let mut ev = as_principal(event("cms", "upload-image"), &sa());
    ev["headers"]["content-type"] = json!(content_type_header);
    ev["isBase64Encoded"] = json!(true);
    ev["body"] = json!(STANDARD.encode(body));
    call(cms::SERVICE, app, cms::uploads::upload_image, &ev).await
}

#[tokio::test]
async fn a_formdata_png_lands_in_s3_and_impostors_are_refused() {
    let app = stack_app();
    let boundary = "----WebKitFormBoundaryAbC123xYz";
    let ct = format!("multipart/form-data; boundary={boundary}");
    let (status, resp) = upload(
        &app,
        &ct,
        &form_data(boundary, "hero.png", "image/png", PNG),
    )
    .await;
    assert_eq!(status, 201, "{resp}");
    assert!(resp["data"]["key"].as_str().unwrap().starts_with("cms/"));
    assert_eq!(resp["data"]["originalName"], "hero.png");
    let (code, bytes) = http_get(resp["data"]["url"].as_str().unwrap());
    assert_eq!((code, bytes.as_slice()), (200, PNG));

    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert_eq!(
        upload(
            &app,
            &ct,
            &form_data(boundary, "logo.svg", "image/svg+xml", svg)
        )
        .await
        .0,
        415
    );
    assert_eq!(
        upload(
            &app,
            &ct,
            &form_data(boundary, "photo.png", "image/png", b"I am only text")
        )
        .await
        .0,
        415
    );
    assert_eq!(upload(&app, "application/json", b"{}").await.0, 415);
    let (status, resp) = upload(&app, &ct, format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nx\r\n--{boundary}--\r\n").as_bytes()).await;
    assert_eq!(
        (status, resp["details"][0]["field"].as_str()),
        (400, Some("file"))
    );
    let big = vec![0u8; cms::uploads::MAX_INLINE_BYTES + 1];
    assert_eq!(
        upload(
            &app,
            &ct,
            &form_data(boundary, "big.png", "image/png", &big)
        )
        .await
        .0,
        413
    );
    let mut ev = as_principal(
        event("cms", "upload-image"),
        &principal(Role::ADMIN, Some("acme"), "u"),
    );
    ev["headers"]["content-type"] = json!(ct);
    assert_eq!(
        call(cms::SERVICE, &app, cms::uploads::upload_image, &ev)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn large_files_get_a_presigned_put_bound_to_type_and_length() {
    let app = stack_app();
    let mut ev = as_principal(event("cms", "cms-upload"), &sa());
    let (status, resp) = call(cms::SERVICE, &app, cms::uploads::cms_upload, &ev).await;
    assert_eq!(status, 201, "{resp}");
    let url = resp["data"]["uploadUrl"].as_str().unwrap();
    let signed = url
        .split("X-Amz-SignedHeaders=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        signed.contains("content-length") && signed.contains("content-type"),
        "{signed}"
    );
    assert_eq!(resp["data"]["headers"]["Content-Type"], "video/mp4");

    for (body, field) in [
        (
            json!({"filename": "x.svg", "contentType": "image/svg+xml", "contentLength": 10}),
            "contentType",
        ),
        (
            json!({"filename": "x.mp4", "contentType": "video/mp4", "contentLength": 60_000_000u64}),
            "contentLength",
        ),
        (
            json!({"filename": "", "contentType": "video/mp4", "contentLength": 10}),
            "filename",
        ),
    ] {
        ev["body"] = Value::String(body.to_string());
        let (status, resp) = call(cms::SERVICE, &app, cms::uploads::cms_upload, &ev).await;
        assert_eq!(status, 400, "{resp}");
        assert_eq!(resp["details"][0]["field"], field);
    }
}
