//! Admin routes against the real stack: leads, diagnostics that never leak
//! a secret, and the dev-only tools.

use mongodb::bson::doc;
use serde_json::{Value, json};
use shared::{
    App,
    http::{Principal, Role},
};
use test_support::{
    as_principal, call, event, principal, stack_app, stack_config, unique, with_query,
};

fn sa() -> Principal {
    principal(Role::SUPER_ADMIN, None, "super-admin")
}

async fn admin_get<'a, F, Fut>(
    app: &'a App,
    route: &str,
    who: &Principal,
    handler: F,
) -> (u16, Value)
where
    F: FnOnce(&'a App, shared::http::Request) -> Fut,
    Fut: Future<Output = Result<shared::http::Reply, shared::http::ApiError>>,
{
    call(
        admin::SERVICE,
        app,
        handler,
        &as_principal(event("admin", route), who),
    )
    .await
}

#[tokio::test]
async fn leads_are_paged_filtered_and_for_the_super_admin() {
    let app = stack_app();
    let tag = unique("t");
    // A year of its own, so reruns against one stack do not see each other's leads.
    let year = 3000
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 6000) as u32;
    let d = |day: u32| format!("{year}-01-0{day}");
    let (d1, d2, d3) = (d(1), d(2), d(3));
    let leads = crm::leads(&app).await.unwrap();
    for (i, (status, kind, created)) in [
        ("new", "pricing", format!("{d3}T10:00:00Z")),
        ("won", "pricing", format!("{d2}T10:00:00Z")),
        ("new", "meeting", format!("{d1}T10:00:00Z")),
    ]
    .iter()
    .enumerate()
    {
        leads.insert_one(doc! {"id": format!("{tag}-{i}"), "status": *status, "type": *kind, "createdAt": mongodb::bson::DateTime::parse_rfc3339_str(created).unwrap(), "tag": &tag}).await.unwrap();
    }
    let list =
        |q: &[(&str, &str)]| with_query(as_principal(event("admin", "admin-leads"), &sa()), q);
    let (status, resp) = call(
        admin::SERVICE,
        &app,
        admin::leads::handle,
        &list(&[
            ("type", "pricing"),
            ("from", d1.as_str()),
            ("to", d3.as_str()),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["meta"]["total"], 2);
    assert_eq!(resp["data"][0]["id"], format!("{tag}-0"), "newest first");
    let (_, resp) = call(
        admin::SERVICE,
        &app,
        admin::leads::handle,
        &list(&[
            ("status", "new"),
            ("from", d1.as_str()),
            ("to", d2.as_str()),
        ]),
    )
    .await;
    assert_eq!(resp["meta"]["total"], 1);
    let (_, resp) = call(
        admin::SERVICE,
        &app,
        admin::leads::handle,
        &list(&[
            ("from", d1.as_str()),
            ("to", d3.as_str()),
            ("limit", "1"),
            ("page", "3"),
        ]),
    )
    .await;
    assert_eq!(resp["data"][0]["id"], format!("{tag}-2"));
    for (q, field) in [
        (("status", "closed"), "query.status"),
        (("from", "yesterday"), "query.from"),
        (("limit", "500"), "query.limit"),
    ] {
        let (status, resp) = call(admin::SERVICE, &app, admin::leads::handle, &list(&[q])).await;
        assert_eq!(
            (status, resp["details"][0]["field"].as_str()),
            (400, Some(field))
        );
    }
    let ev = as_principal(
        event("admin", "admin-leads"),
        &principal(Role::ADMIN, Some("acme"), "u"),
    );
    assert_eq!(
        call(admin::SERVICE, &app, admin::leads::handle, &ev)
            .await
            .0,
        403
    );
}

/// Every string value in the secret (recursively), long enough to matter.
fn secret_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.len() >= 8 => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| secret_values(x, out)),
        Value::Object(o) => o.values().for_each(|x| secret_values(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn no_admin_response_contains_a_secret_value() {
    use shared::config::SecretKind;
    // Its own copy of the Gemini secret, with a provider key in it.
    let gemini = SecretKind::new("GEMINI_SECRET_ID");
    let app = test_support::app_with_secret(gemini, |s| {
        s["geminiApiKey"] = json!("AIzaSy-test-key-that-must-not-leak-123")
    })
    .await;
    let sm = app.secrets_manager().await;
    let mut values = Vec::new();
    for kind in [
        SecretKind::CONFIG,
        SecretKind::SIGNING_KEYS,
        SecretKind::VERIFICATION_KEYS,
        SecretKind::ADMIN_CREDENTIALS,
        gemini,
    ] {
        let mut secret: Value = serde_json::from_str(
            sm.get_secret_value()
                .secret_id(app.config.secret_id_of(kind).unwrap())
                .send()
                .await
                .unwrap()
                .secret_string()
                .unwrap(),
        )
        .unwrap();
        // Key ids are public by design (token headers, JWKS): not secret values.
        for list in ["jwtSigningKeys", "jwtPublicKeys"] {
            for key in secret[list].as_array_mut().into_iter().flatten() {
                key.as_object_mut().unwrap().remove("kid");
            }
        }
        secret.as_object_mut().unwrap().remove("jwtActiveKid");
        secret_values(&secret, &mut values);
    }
    assert!(values.len() >= 4, "{values:?}");

    let mut bodies = vec![
        admin_get(&app, "admin-debug", &sa(), admin::debug::debug).await,
        admin_get(&app, "debug-credentials", &sa(), admin::debug::credentials).await,
        admin_get(&app, "db-health", &sa(), admin::debug::db_health).await,
        admin_get(&app, "admin-leads", &sa(), admin::leads::handle).await,
    ];
    let health = shared::http::dispatch(
        admin::SERVICE,
        test_support::request(&event("admin", "health")),
        |r| admin::health::handle(&app, r),
    )
    .await;
    bodies.push((
        health.status().as_u16(),
        serde_json::from_slice(health.body().as_ref()).unwrap(),
    ));
    for (status, body) in &bodies {
        assert_eq!(*status, 200, "{body}");
        let text = body.to_string();
        for value in &values {
            // Also a PEM's base64 body, line by line.
            for needle in value
                .lines()
                .filter(|l| l.len() >= 8 && !l.starts_with("-----"))
            {
                assert!(!text.contains(needle), "a secret value leaked into {text}");
            }
        }
    }
    let data = &bodies[1].1["data"];
    let credentials = &data["credentials"];
    assert_eq!(credentials["mongodbUri"]["preview"], "mongodb://…");
    assert!(
        credentials["jwtPublicKeys"]["kids"][0].is_string(),
        "{data}"
    );
    // The function cannot read the other secrets at all: their presence only.
    for absent in ["geminiApiKey", "superAdminPasswordHash", "jwtSigningKeys"] {
        assert!(credentials.get(absent).is_none(), "{absent}: {data}");
    }
    for setting in [
        "SIGNING_KEYS_SECRET_ID",
        "ADMIN_SECRET_ID",
        "GEMINI_SECRET_ID",
    ] {
        assert_eq!(
            data["secrets"][setting],
            json!({"configured": true, "readableHere": false}),
            "{setting}"
        );
    }
    assert_eq!(data["secrets"]["SECRET_ID"]["readableHere"], true);
    assert_eq!(bodies[0].1["data"]["settings"]["TABLE_NAME"], true);
    assert_eq!(bodies[2].1["data"]["healthy"], true);

    for (route, handler) in [
        ("admin-debug", 0),
        ("debug-credentials", 1),
        ("db-health", 2),
    ] {
        let who = principal(Role::ADMIN, Some("acme"), "u");
        let status = match handler {
            0 => admin_get(&app, route, &who, admin::debug::debug).await.0,
            1 => {
                admin_get(&app, route, &who, admin::debug::credentials)
                    .await
                    .0
            }
            _ => {
                admin_get(&app, route, &who, admin::debug::db_health)
                    .await
                    .0
            }
        };
        assert_eq!(status, 403, "{route}");
    }
}

#[tokio::test]
async fn dev_tools_refuse_outside_local_stacks_and_work_in_them() {
    let app = stack_app(); // Stage=test
    assert_eq!(
        admin_get(&app, "setup-test-data", &sa(), admin::dev::setup_test_data)
            .await
            .0,
        404
    );
    assert_eq!(
        admin_get(&app, "admin-test", &sa(), admin::dev::run_check)
            .await
            .0,
        404
    );

    let mut config = stack_config();
    config.stage = shared::Stage::Local;
    let dev = App::new(config);
    let org = unique("dev");
    let ev = with_query(
        as_principal(event("admin", "setup-test-data"), &sa()),
        &[("organizationId", &org)],
    );
    let (status, resp) = call(admin::SERVICE, &dev, admin::dev::setup_test_data, &ev).await;
    assert_eq!(status, 200, "{resp}");
    // Seeding twice replaces rather than duplicates.
    call(admin::SERVICE, &dev, admin::dev::setup_test_data, &ev).await;
    let conversations = crm::conversations(&dev).await.unwrap();
    assert_eq!(
        conversations
            .count_documents(doc! {"organizationId": &org})
            .await
            .unwrap(),
        40
    );

    for check in ["database", "storage", "email"] {
        let mut ev = as_principal(event("admin", "admin-test"), &sa());
        ev["pathParameters"] = json!({"check": check});
        let (status, resp) = call(admin::SERVICE, &dev, admin::dev::run_check, &ev).await;
        assert_eq!(
            (status, resp["data"]["ok"].as_bool()),
            (200, Some(true)),
            "{check}: {resp}"
        );
    }
    let mut ev = as_principal(event("admin", "admin-test"), &sa());
    ev["pathParameters"] = json!({"check": "everything"});
    assert_eq!(
        call(admin::SERVICE, &dev, admin::dev::run_check, &ev)
            .await
            .0,
        400
    );
    let ev = as_principal(
        event("admin", "admin-test"),
        &principal(Role::ADMIN, Some("acme"), "u"),
    );
    assert_eq!(
        call(admin::SERVICE, &dev, admin::dev::run_check, &ev)
            .await
            .0,
        403
    );
}
