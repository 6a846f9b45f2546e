//! User routes against the real stack: the three listings, ensure-user
//! idempotency, profile images in S3, and tenant isolation.

use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{
    App,
    http::{Principal, Role},
    identity::passwords,
};
use test_support::{
    PNG, as_principal, call, call_with_headers, event, form_data, http_get, principal, stack_app,
    unique, with_query,
};

/// An organization (direct insert; org routes are tested in the org crate)
/// with three users: an admin, an active employee in Sales, an inactive user.
async fn org_with_users(app: &App, user_limit: &str) -> String {
    let account = unique("u-org");
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .insert_one(doc! {"id": unique("o-"), "accountId": &account, "name": "Users Org", "licenseStatus": "active",
                          "licenseExpiry": "2999-01-01", "userLimit": user_limit, "email": format!("{account}@x.example")})
        .await
        .unwrap();
    let users = app
        .org_db(&account)
        .await
        .unwrap()
        .collection::<Document>("users");
    for (id, email, role, active, dept) in [
        ("u-admin", "admin@u.example", "admin", true, "Ops"),
        ("u-emp", "emp@u.example", "employee", true, "Sales"),
        ("u-off", "off@u.example", "user", false, "Sales"),
    ] {
        users
            .insert_one(doc! {"id": id, "email": email, "role": role, "isActive": active, "department": dept,
                              "position": "Staff", "firstName": id, "lastName": "Tester", "password": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"})
            .await
            .unwrap();
    }
    account
}

fn admin_of(org: &str) -> Principal {
    principal(Role::ADMIN, Some(org), "u-admin")
}

fn member_of(org: &str) -> Principal {
    principal(Role::EMPLOYEE, Some(org), "u-emp")
}

async fn list(app: &App, route: &str, who: &Principal, query: &[(&str, &str)]) -> (u16, Value) {
    let ev = with_query(as_principal(event("user", route), who), query);
    let handler = match route {
        "workspace-users" => |a, r| {
            Box::pin(user::directory::workspace_users(a, r))
                as std::pin::Pin<Box<dyn Future<Output = _>>>
        },
        "team-members" => |a, r| {
            Box::pin(user::directory::team_members(a, r))
                as std::pin::Pin<Box<dyn Future<Output = _>>>
        },
        _ => |a, r| {
            Box::pin(user::directory::team_users(a, r))
                as std::pin::Pin<Box<dyn Future<Output = _>>>
        },
    };
    call(user::SERVICE, app, handler, &ev).await
}

#[tokio::test]
async fn the_three_listings_answer_different_questions() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let me = member_of(&a);

    let (status, resp) = list(&app, "workspace-users", &me, &[]).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["meta"]["total"], 3, "every account, inactive included");
    assert!(!resp.to_string().contains("argon2"), "no hashes");

    let (_, resp) = list(&app, "team-members", &me, &[]).await;
    assert_eq!(resp["meta"]["total"], 2, "active members only");
    assert!(
        resp["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("department").is_some() && m.get("position").is_some())
    );
    let (_, resp) = list(&app, "team-members", &me, &[("department", "Sales")]).await;
    assert_eq!(resp["meta"]["total"], 1);
    assert_eq!(resp["data"][0]["email"], "emp@u.example");

    let (_, resp) = list(&app, "team-users", &me, &[]).await;
    assert_eq!(resp["meta"]["total"], 2);
    let first = &resp["data"][0];
    let mut keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["email", "id", "name", "role"], "picker shape");
}

#[tokio::test]
async fn listings_never_cross_organizations() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let b = org_with_users(&app, "10").await;
    for route in ["workspace-users", "team-members", "team-users"] {
        let (status, resp) = list(&app, route, &member_of(&a), &[("organizationId", &b)]).await;
        assert_eq!(status, 403, "{route}: {resp}");
        // The super admin must say which organization.
        let sa = principal(Role::SUPER_ADMIN, None, "super-admin");
        assert_eq!(list(&app, route, &sa, &[]).await.0, 400, "{route}");
        assert_eq!(
            list(&app, route, &sa, &[("organizationId", &b)]).await.0,
            200,
            "{route}"
        );
    }
}

async fn ensure(app: &App, who: &Principal, key: Option<&str>, body: Value) -> (u16, Value, bool) {
    let mut ev = as_principal(event("user", "ensure-user"), who);
    match key {
        Some(k) => ev["headers"]["idempotency-key"] = json!(k),
        None => {
            ev["headers"]
                .as_object_mut()
                .unwrap()
                .remove("idempotency-key");
        }
    }
    ev["body"] = Value::String(body.to_string());
    let resp = shared::http::dispatch(user::SERVICE, test_support::request(&ev), |req| {
        user::ensure::handle(app, req)
    })
    .await;
    let replayed = resp.headers().contains_key("idempotent-replayed");
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
        replayed,
    )
}

async fn count(app: &App, account: &str, email: &str) -> u64 {
    app.org_db(account)
        .await
        .unwrap()
        .collection::<Document>("users")
        .count_documents(doc! {"email": email})
        .await
        .unwrap()
}

#[tokio::test]
async fn ensure_user_is_idempotent_with_a_key() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let key = unique("key-");
    let body = json!({"email": "new@u.example", "firstName": "New", "role": "employee", "password": "New-Password-12"});

    let (s1, r1, replay1) = ensure(&app, &admin_of(&a), Some(&key), body.clone()).await;
    assert_eq!((s1, replay1), (201, false), "{r1}");
    assert!(
        passwords::verify(
            "New-Password-12",
            Some(&stored_password(&app, &a, "new@u.example").await),
            false
        ) != passwords::Verdict::Invalid
    );
    let (s2, r2, replay2) = ensure(&app, &admin_of(&a), Some(&key), body.clone()).await;
    assert_eq!((s2, replay2), (201, true), "same response replayed: {r2}");
    assert_eq!(r1["data"], r2["data"]);
    assert_eq!(count(&app, &a, "new@u.example").await, 1, "one user");

    let mut other = body.clone();
    other["firstName"] = json!("Changed");
    let (s3, r3, _) = ensure(&app, &admin_of(&a), Some(&key), other.clone()).await;
    assert_eq!(s3, 409, "same key, different body: {r3}");

    // Without a key it is still an upsert: the second call updates.
    let (s4, r4, _) = ensure(&app, &admin_of(&a), None, other).await;
    assert_eq!(
        (s4, r4["data"]["created"].as_bool()),
        (200, Some(false)),
        "{r4}"
    );
    assert_eq!(r4["data"]["user"]["firstName"], "Changed");
    assert!(r4["data"]["user"].get("password").is_none());
}

async fn stored_user(app: &App, account: &str, email: &str) -> Option<Document> {
    app.org_db(account)
        .await
        .unwrap()
        .collection::<Document>("users")
        .find_one(doc! {"email": email})
        .await
        .unwrap()
}

async fn stored_password(app: &App, account: &str, email: &str) -> String {
    let u = stored_user(app, account, email).await.unwrap();
    u.get_str("password").unwrap().to_owned()
}

#[tokio::test]
async fn ensure_user_is_for_admins_of_that_organization_and_respects_the_limit() {
    let app = stack_app();
    let a = org_with_users(&app, "4").await;
    let b = org_with_users(&app, "10").await;
    let body = |email: &str, org: Option<&str>| {
        let mut v = json!({"email": email});
        if let Some(o) = org {
            v["organizationId"] = json!(o);
        }
        v
    };
    assert_eq!(
        ensure(&app, &member_of(&a), None, body("x@u.example", None))
            .await
            .0,
        403,
        "employees cannot"
    );
    let (status, _, _) = ensure(&app, &admin_of(&a), None, body("x@u.example", Some(&b))).await;
    assert_eq!(status, 403, "A's admin cannot write into B");
    assert_eq!(count(&app, &b, "x@u.example").await, 0, "B unchanged");

    assert_eq!(
        ensure(&app, &admin_of(&a), None, body("fourth@u.example", None))
            .await
            .0,
        201
    );
    let (status, resp, _) = ensure(&app, &admin_of(&a), None, body("fifth@u.example", None)).await;
    assert_eq!(status, 409, "limit 4 reached: {resp}");
    let (status, resp, _) = ensure(
        &app,
        &admin_of(&a),
        None,
        json!({"email": "y@u.example", "role": "owner"}),
    )
    .await;
    assert_eq!(
        (status, resp["details"][0]["field"].as_str()),
        (400, Some("role"))
    );
    let (status, resp, _) = ensure(
        &app,
        &admin_of(&a),
        Some("bad key with spaces"),
        body("z@u.example", None),
    )
    .await;
    assert_eq!(
        (status, resp["details"][0]["field"].as_str()),
        (400, Some("header.Idempotency-Key"))
    );
}

async fn upload(app: &App, who: &Principal, bytes: &[u8], content_type: &str) -> (u16, Value) {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let mut ev = as_principal(event("user", "profile-image"), who);
    ev["headers"]["content-type"] = json!(content_type);
    ev["isBase64Encoded"] = json!(true);
    ev["body"] = json!(STANDARD.encode(bytes));
    call(user::SERVICE, app, user::profile_image::handle, &ev).await
}

/// GET of a profile image's stable URL: status and `Location`.
async fn show(app: &App, url: &str) -> (u16, Option<String>) {
    let path = url
        .strip_prefix("https://api.avaone.example")
        .expect("the URL is on the API's domain");
    let parts: Vec<&str> = path.rsplitn(4, '/').collect();
    let mut ev = event("user", "get-profile-image");
    ev["rawPath"] = json!(path);
    ev["requestContext"]["http"]["path"] = json!(path);
    ev["pathParameters"] = json!({"accountId": parts[2], "userId": parts[1], "file": parts[0]});
    let (status, headers, _) =
        call_with_headers(user::SERVICE, app, user::profile_image::serve, &ev).await;
    let location = headers
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location)
}

#[tokio::test]
async fn a_real_png_is_stored_and_shown_at_a_stable_url_and_impostors_are_refused() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let (status, resp) = upload(&app, &member_of(&a), PNG, "image/png").await;
    assert_eq!(status, 201, "{resp}");
    let key = resp["data"]["key"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("profile-images/{a}/u-emp/")) && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(resp["data"]["contentType"], "image/png");
    // The stable URL is on the API's own domain (API Gateway's, not a header's)
    // and redirects to the stored object.
    let first_url = resp["data"]["url"].as_str().unwrap().to_owned();
    assert!(
        first_url.starts_with(&format!(
            "https://api.avaone.example/api/v1/users/profile-images/{a}/u-emp/"
        )),
        "{first_url}"
    );
    let (status, location) = show(&app, &first_url).await;
    assert_eq!(status, 302);
    let (code, bytes) = http_get(&location.unwrap());
    assert_eq!(code, 200);
    assert_eq!(bytes, PNG, "the stored object is the uploaded image");
    let users = app
        .org_db(&a)
        .await
        .unwrap()
        .collection::<Document>("users");
    let user = users.find_one(doc! {"id": "u-emp"}).await.unwrap().unwrap();
    assert_eq!(user.get_str("profileImageKey").unwrap(), key);
    assert_eq!(user.get_str("profileImageUrl").unwrap(), first_url);

    // The browser's FormData works too; the new picture replaces the old,
    // whose URL stops resolving at once.
    let mut ev = as_principal(event("user", "profile-image"), &member_of(&a));
    ev["headers"]["content-type"] = json!("multipart/form-data; boundary=----b0undary");
    ev["isBase64Encoded"] = json!(true);
    ev["body"] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        form_data("----b0undary", "me.png", "image/png", PNG)
    ));
    let (status, resp) = call(user::SERVICE, &app, user::profile_image::handle, &ev).await;
    assert_eq!(status, 201, "{resp}");
    let second_url = resp["data"]["url"].as_str().unwrap().to_owned();
    assert_ne!(second_url, first_url);
    assert_eq!(show(&app, &second_url).await.0, 302);
    assert_eq!(show(&app, &first_url).await.0, 404, "a replaced picture");
    let listed = users.find_one(doc! {"id": "u-emp"}).await.unwrap().unwrap();
    assert_eq!(listed.get_str("profileImageUrl").unwrap(), second_url);
    // Made-up and traversal paths are plain 404s, looked up nowhere.
    for url in [
        format!("https://api.avaone.example/api/v1/users/profile-images/{a}/u-emp/x.png"),
        format!(
            "https://api.avaone.example/api/v1/users/profile-images/{a}/..%2F..%2Fcms/{}",
            second_url.rsplit('/').next().unwrap()
        ),
    ] {
        assert_eq!(show(&app, &url).await.0, 404, "{url}");
    }

    let (status, resp) = upload(
        &app,
        &member_of(&a),
        b"just some text, named avatar.png",
        "image/png",
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (415, Some("UNSUPPORTED_MEDIA_TYPE"))
    );
    let (status, _) = upload(
        &app,
        &member_of(&a),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "image/svg+xml",
    )
    .await;
    assert_eq!(status, 415);
    let mut big = PNG.to_vec();
    big.resize(user::profile_image::MAX_BYTES + 1, 0);
    assert_eq!(upload(&app, &member_of(&a), &big, "image/png").await.0, 413);
    assert_eq!(upload(&app, &member_of(&a), b"", "image/png").await.0, 400);
    let sa = principal(Role::SUPER_ADMIN, None, "super-admin");
    assert_eq!(upload(&app, &sa, PNG, "image/png").await.0, 403);
}

#[tokio::test]
async fn the_profile_image_key_is_never_built_from_an_unchecked_subject() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let listing = |prefix: String| {
        let app = &app;
        async move {
            app.s3()
                .await
                .list_objects_v2()
                .bucket(app.config.bucket_name().unwrap())
                .prefix(prefix)
                .send()
                .await
                .unwrap()
                .key_count()
                .unwrap_or(0)
        }
    };
    for subject in ["../../cms/evil", "u-emp/../../../cms", "no-such-user"] {
        let who = principal(Role::EMPLOYEE, Some(&a), subject);
        let (status, resp) = upload(&app, &who, PNG, "image/png").await;
        assert_eq!(status, 403, "{subject:?}: {resp}");
    }
    assert_eq!(
        listing(format!("profile-images/{a}/")).await,
        0,
        "nothing stored"
    );
    assert_eq!(listing("cms/evil".into()).await, 0);
}

#[tokio::test]
async fn a_profile_image_can_only_land_in_the_callers_own_organization() {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let b = org_with_users(&app, "10").await;
    // Naming B anywhere in the request changes nothing: the target is the token's.
    let mut ev = with_query(
        as_principal(event("user", "profile-image"), &member_of(&a)),
        &[("organizationId", &b)],
    );
    ev["pathParameters"] = json!({"orgName": &b});
    ev["isBase64Encoded"] = json!(true);
    ev["body"] = json!(STANDARD.encode(PNG));
    let (status, resp) = call(user::SERVICE, &app, user::profile_image::handle, &ev).await;
    assert_eq!(status, 201, "{resp}");
    assert!(
        resp["data"]["key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("profile-images/{a}/"))
    );
    let b_user = app
        .org_db(&b)
        .await
        .unwrap()
        .collection::<Document>("users")
        .find_one(doc! {"id": "u-emp"})
        .await
        .unwrap()
        .unwrap();
    assert!(b_user.get("profileImageKey").is_none(), "B unchanged");
}

#[tokio::test]
async fn sample_users_only_in_local_stacks() {
    let app = stack_app(); // Stage=test
    let a = org_with_users(&app, "20").await;
    let ev = as_principal(event("user", "add-sample-users"), &admin_of(&a));
    assert_eq!(
        call(user::SERVICE, &app, user::samples::handle, &ev)
            .await
            .0,
        404
    );

    let mut config = test_support::stack_config();
    config.stage = shared::Stage::Local;
    let dev = App::new(config);
    let (status, resp) = call(user::SERVICE, &dev, user::samples::handle, &ev).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["added"].as_array().unwrap().len(), 5);
    let (_, resp) = call(user::SERVICE, &dev, user::samples::handle, &ev).await;
    assert_eq!(resp["data"]["added"], json!([]), "idempotent");
    let ev = as_principal(event("user", "add-sample-users"), &member_of(&a));
    assert_eq!(
        call(user::SERVICE, &dev, user::samples::handle, &ev)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn deactivating_or_demoting_a_user_signs_them_out_at_once() {
    let app = stack_app();
    let org = org_with_users(&app, "10").await;
    let emp = test_support::signed_in(&app, &org, "u-emp", Role::EMPLOYEE).await;
    let admin = test_support::signed_in(&app, &org, "u-admin", Role::ADMIN).await;
    assert!(app.verify_access_token(&emp).await.is_ok());

    // A profile edit that changes neither role nor activity keeps sessions.
    let (status, body, _) = ensure(
        &app,
        &admin_of(&org),
        None,
        json!({"email": "emp@u.example", "position": "Lead"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(app.verify_access_token(&emp).await.is_ok());

    // Deactivation: the employee's access token stops on the next request;
    // the admin who did it stays signed in.
    let (status, body, _) = ensure(
        &app,
        &admin_of(&org),
        None,
        json!({"email": "emp@u.example", "isActive": false}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let err = app.verify_access_token(&emp).await.unwrap_err();
    assert_eq!(err.status().as_u16(), 401);
    assert!(app.verify_access_token(&admin).await.is_ok());

    // Demotion of the admin (by the super admin): signed out too.
    let (status, body, _) = ensure(
        &app,
        &principal(Role::SUPER_ADMIN, None, "super-admin"),
        None,
        json!({"email": "admin@u.example", "role": "user", "organizationId": org}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.verify_access_token(&admin)
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        401
    );
}

/// Runs `shared::idempotency::once` for one request (key + body) with a
/// handler that counts its runs and sets a header of its own.
async fn idempotent(
    app: &App,
    scope: &str,
    key: &str,
    body: &str,
    runs: &std::sync::atomic::AtomicU32,
) -> (u16, Value, Vec<(String, String)>) {
    let mut ev = event("user", "ensure-user");
    ev["headers"]["idempotency-key"] = json!(key);
    ev["body"] = Value::String(body.into());
    let req = test_support::request(&ev);
    let resp = shared::http::dispatch(user::SERVICE, req, |req| async move {
        shared::idempotency::once(app, scope, &req, || async {
            let n = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            Ok(shared::http::Reply::created(json!({"run": n}))?.header(
                lambda_http::http::header::LOCATION,
                lambda_http::http::HeaderValue::from_static("/things/1"),
            ))
        })
        .await
    })
    .await;
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
        headers,
    )
}

#[tokio::test]
async fn idempotency_replays_headers_matches_json_values_and_frees_crashed_keys() {
    let app = stack_app();
    let scope = unique("idem-test");
    let runs = std::sync::atomic::AtomicU32::new(0);
    let header = |h: &[(String, String)], name: &str| {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };

    // First run, then a retry whose body is the same JSON written otherwise.
    let (status, body, h) = idempotent(&app, &scope, "k1", r#"{"a":1,"b":[1,2]}"#, &runs).await;
    assert_eq!((status, body["data"]["run"].as_u64()), (201, Some(1)));
    assert_eq!(header(&h, "location").as_deref(), Some("/things/1"));
    let metrics = shared::telemetry::capture();
    let (status, body, h) =
        idempotent(&app, &scope, "k1", "{ \"b\": [1, 2],\n \"a\": 1 }", &runs).await;
    assert_eq!(
        metrics.count(shared::telemetry::Business::IdempotentReplay),
        1
    );
    drop(metrics);
    assert_eq!(
        (status, body["data"]["run"].as_u64()),
        (201, Some(1)),
        "replayed"
    );
    assert_eq!(header(&h, "idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(
        header(&h, "location").as_deref(),
        Some("/things/1"),
        "its headers too"
    );
    // Another value under the same key is still refused.
    let (status, _, _) = idempotent(&app, &scope, "k1", r#"{"a":2,"b":[1,2]}"#, &runs).await;
    assert_eq!(status, 409);

    // A record left IN_PROGRESS by an invocation that crashed or timed out:
    // blocked only until that invocation's deadline, then taken over.
    let put = |key: &str, until: i64| {
        let app = &app;
        let pk = format!("idem#{scope}#{key}");
        async move {
            app.dynamodb()
                .await
                .put_item()
                .table_name(app.config.table_name().unwrap())
                .item("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
                .item(
                    "sk",
                    aws_sdk_dynamodb::types::AttributeValue::S("idem".into()),
                )
                .item(
                    "status",
                    aws_sdk_dynamodb::types::AttributeValue::S("IN_PROGRESS".into()),
                )
                .item(
                    "payloadHash",
                    aws_sdk_dynamodb::types::AttributeValue::S(shared::idempotency::payload_hash(
                        br#"{"a":1}"#,
                    )),
                )
                .item(
                    "inProgressUntil",
                    aws_sdk_dynamodb::types::AttributeValue::N(until.to_string()),
                )
                .item(
                    "expiresAt",
                    aws_sdk_dynamodb::types::AttributeValue::N(
                        (shared::identity::now() + 86_400).to_string(),
                    ),
                )
                .send()
                .await
                .unwrap();
        }
    };
    put("running", shared::identity::now() + 60).await;
    let (status, body, _) = idempotent(&app, &scope, "running", r#"{"a":1}"#, &runs).await;
    assert_eq!(status, 409, "still within its deadline: {body}");
    put("crashed", shared::identity::now() - 1).await;
    let (status, body, _) = idempotent(&app, &scope, "crashed", r#"{"a":1}"#, &runs).await;
    assert_eq!(
        status, 201,
        "past its deadline the key is free again: {body}"
    );
    assert_eq!(body["data"]["run"].as_u64(), Some(2));
}

/// The frontend sends back a user it read, edited: unchanged server-owned
/// fields are ignored (and listed, also on an idempotent replay); changed
/// ones are refused and nothing changes.
#[tokio::test]
async fn a_user_sent_back_as_read_is_accepted_and_read_only_changes_are_refused() {
    let app = stack_app();
    let a = org_with_users(&app, "10").await;
    let (_, listed) = list(&app, "workspace-users", &admin_of(&a), &[]).await;
    let mut read = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "emp@u.example")
        .unwrap()
        .clone();
    assert_eq!(read["plan"], "standard", "the organization's plan");
    read["position"] = json!("Account Executive");

    let key = unique("key-");
    let (status, resp, _) = ensure(&app, &admin_of(&a), Some(&key), read.clone()).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["user"]["position"], "Account Executive");
    let ignored = resp["meta"]["ignoredFields"].clone();
    for field in ["id", "plan"] {
        assert!(
            ignored.as_array().unwrap().contains(&json!(field)),
            "{field}: {resp}"
        );
    }
    let (_, replayed, was_replayed) = ensure(&app, &admin_of(&a), Some(&key), read.clone()).await;
    assert!(was_replayed, "{replayed}");
    assert_eq!(
        replayed["meta"]["ignoredFields"], ignored,
        "the replay carries meta too"
    );

    let before = stored_user(&app, &a, "emp@u.example").await;
    for field in ["id", "plan", "organizationName"] {
        let mut changed = read.clone();
        changed["position"] = json!("Changed");
        changed[field] = json!("tampered");
        let (status, resp, _) = ensure(&app, &admin_of(&a), None, changed).await;
        assert_eq!(
            (status, resp["details"][0]["field"].as_str()),
            (400, Some(field)),
            "{resp}"
        );
    }
    let after = stored_user(&app, &a, "emp@u.example").await;
    assert_eq!(before, after, "nothing changed");
    // A user that does not exist yet has no server-owned fields to echo.
    let mut fresh = read.clone();
    fresh["email"] = json!("fresh@u.example");
    let (status, resp, _) = ensure(&app, &admin_of(&a), None, fresh).await;
    assert_eq!(status, 400, "{resp}");
}
