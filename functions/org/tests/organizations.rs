//! Organizations and their users against the real stack, including tenant
//! isolation and mass-assignment refusal.

// Clippy computes the layout of the handlers' futures as awaited here and,
// with every test in one crate, exceeds the default query depth (128).
#![recursion_limit = "256"]

use mongodb::bson::{Document, doc};
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

fn admin_of(org: &str) -> Principal {
    principal(Role::ADMIN, Some(org), "u-admin")
}

fn new_org_body(name: &str) -> Value {
    json!({
        "name": name, "email": format!("{}@orgs.example", unique("c")),
        "adminEmail": "boss@orgs.example", "adminPassword": "Boss-Password-1",
        "licenseStatus": "active", "licenseExpiry": "2030-01-01", "userLimit": "2",
        "selectedProducts": ["workspace"], "website": "https://orgs.example"
    })
}

async fn create(app: &App, body: Value) -> (u16, Value) {
    let mut ev = as_principal(event("org", "create-organization"), &sa());
    ev["body"] = Value::String(body.to_string());
    call(org::SERVICE, app, org::organizations::create, &ev).await
}

/// Creates an organization; returns (id, accountId).
async fn created(app: &App, name: &str) -> (String, String) {
    let (status, body) = create(app, new_org_body(name)).await;
    assert_eq!(status, 201, "{body}");
    (
        body["data"]["id"].as_str().unwrap().into(),
        body["data"]["accountId"].as_str().unwrap().into(),
    )
}

fn with_id(route: &str, who: &Principal, id: &str) -> Value {
    let mut ev = as_principal(event("org", route), who);
    ev["pathParameters"] = json!({"id": id});
    ev
}

fn org_users_event(route: &str, who: &Principal, account_id: &str) -> Value {
    let mut ev = as_principal(event("org", route), who);
    ev["pathParameters"] = json!({"orgName": account_id});
    ev
}

async fn org_doc(app: &App, id: &str) -> Option<Document> {
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .find_one(doc! {"id": id})
        .await
        .unwrap()
}

#[tokio::test]
async fn create_validates_hashes_provisions_and_refuses_duplicates() {
    let app = stack_app();
    let body = new_org_body("Umbrella Corp!");
    let (status, resp) = create(&app, body.clone()).await;
    assert_eq!(status, 201, "{resp}");
    let data = &resp["data"];
    assert!(
        data["accountId"]
            .as_str()
            .unwrap()
            .starts_with("umbrella-corp-"),
        "{data}"
    );
    assert!(data.get("adminPassword").is_none(), "no hash in responses");
    let stored = org_doc(&app, data["id"].as_str().unwrap()).await.unwrap();
    assert!(
        stored
            .get_str("adminPassword")
            .unwrap()
            .starts_with("$argon2id$")
    );

    // Its database exists with a unique email index.
    let users = app
        .org_db(data["accountId"].as_str().unwrap())
        .await
        .unwrap()
        .collection::<Document>("users");
    users
        .insert_one(doc! {"id": "a", "email": "x@y.example"})
        .await
        .unwrap();
    assert!(
        users
            .insert_one(doc! {"id": "b", "email": "x@y.example"})
            .await
            .is_err()
    );

    let (status, resp) = create(&app, body).await;
    assert_eq!(status, 409, "same email: {resp}");

    for (patch, field) in [
        (json!({"email": "nope"}), "email"),
        (json!({"userLimit": "lots"}), "userLimit"),
        (json!({"userLimit": 0}), "userLimit"),
        (json!({"licenseExpiry": "next year"}), "licenseExpiry"),
        (json!({"licenseStatus": "forever"}), "licenseStatus"),
        (json!({"adminPassword": "short"}), "adminPassword"),
        (json!({"website": "javascript:alert(1)"}), "website"),
        (json!({"accountId": "chosen"}), "accountId"),
        (json!({"name": {"$gt": ""}}), "name"),
    ] {
        let mut body = new_org_body("Valid Name");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = create(&app, body).await;
        assert_eq!(status, 400, "{patch} → {resp}");
        assert!(
            resp["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == field),
            "{patch} → {resp}"
        );
    }
}

#[tokio::test]
async fn only_the_super_admin_lists_and_creates() {
    let app = stack_app();
    let ev = as_principal(event("org", "list-organizations"), &admin_of("acme"));
    let (status, resp) = call(org::SERVICE, &app, org::organizations::list, &ev).await;
    assert_eq!(status, 403, "{resp}");
    let mut ev = as_principal(event("org", "create-organization"), &admin_of("acme"));
    ev["body"] = Value::String(new_org_body("Sneaky").to_string());
    let (status, resp) = call(org::SERVICE, &app, org::organizations::create, &ev).await;
    assert_eq!(status, 403, "{resp}");
}

#[tokio::test]
async fn list_pages_filters_and_sorts() {
    let app = stack_app();
    let list = |pairs: &[(&str, &str)]| {
        with_query(
            as_principal(event("org", "list-organizations"), &sa()),
            pairs,
        )
    };
    let paused_total = |resp: &Value| resp["meta"]["total"].as_u64().unwrap();
    let (_, before) = call(
        org::SERVICE,
        &app,
        org::organizations::list,
        &list(&[("licenseStatus", "paused")]),
    )
    .await;
    let prefix = unique("Paused ");
    for suffix in ["C", "A", "B"] {
        let mut body = new_org_body(&format!("{prefix} {suffix}"));
        body["licenseStatus"] = json!("paused");
        assert_eq!(create(&app, body).await.0, 201);
    }
    // Walk every page of paused organizations, two at a time, by name.
    let mut seen: Vec<String> = Vec::new();
    let mut page = 1;
    let total = loop {
        let p = page.to_string();
        let q = [
            ("licenseStatus", "paused"),
            ("limit", "2"),
            ("page", p.as_str()),
            ("sort", "name"),
            ("order", "asc"),
        ];
        let (status, resp) = call(org::SERVICE, &app, org::organizations::list, &list(&q)).await;
        assert_eq!(status, 200, "{resp}");
        // `data` is the page itself (what the frontend reads), `meta` its paging.
        let d = &resp["meta"];
        let items = resp["data"].as_array().unwrap();
        assert!(items.len() <= 2);
        assert!(
            items
                .iter()
                .all(|o| o["licenseStatus"] == "paused" && o.get("adminPassword").is_none())
        );
        assert_eq!(
            d["totalPages"].as_u64().unwrap(),
            d["total"].as_u64().unwrap().div_ceil(2)
        );
        seen.extend(items.iter().map(|o| o["name"].as_str().unwrap().to_owned()));
        if items.is_empty() {
            break d["total"].as_u64().unwrap();
        }
        page += 1;
    };
    assert_eq!(total, paused_total(&before) + 3);
    assert_eq!(seen.len() as u64, total, "pages neither skip nor repeat");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "sorted by name across pages");
    let ours: Vec<&String> = seen.iter().filter(|n| n.starts_with(&prefix)).collect();
    assert_eq!(
        ours,
        [
            &format!("{prefix} A"),
            &format!("{prefix} B"),
            &format!("{prefix} C")
        ]
    );
    assert_eq!(
        page as u64,
        total.div_ceil(2) + 1,
        "the page past the last is empty, not an error"
    );

    for (query, field) in [
        (("limit", "0"), "query.limit"),
        (("licenseStatus", "gone"), "query.licenseStatus"),
        (("sort", "adminPassword"), "query.sort"),
    ] {
        let (status, resp) = call(
            org::SERVICE,
            &app,
            org::organizations::list,
            &list(&[query]),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(resp["details"][0]["field"], field);
    }
}

#[tokio::test]
async fn get_and_update_respect_tenancy_and_field_ownership() {
    let app = stack_app();
    let (a_id, a_account) = created(&app, "Tenant A").await;
    let (b_id, b_account) = created(&app, "Tenant B").await;

    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::organizations::get,
        &with_id("get-organization", &admin_of(&a_account), &a_id),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    // A's admin, B's id: not found, as if it did not exist.
    let (status, _) = call(
        org::SERVICE,
        &app,
        org::organizations::get,
        &with_id("get-organization", &admin_of(&a_account), &b_id),
    )
    .await;
    assert_eq!(status, 404);
    // A plain user of A cannot read the organization record.
    let user_a = principal(Role::USER, Some(&a_account), "u-1");
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::organizations::get,
            &with_id("get-organization", &user_a, &a_id)
        )
        .await
        .0,
        404
    );

    let before_b = org_doc(&app, &b_id).await.unwrap();
    let mut ev = with_id("update-organization", &admin_of(&a_account), &b_id);
    ev["body"] = json!(json!({"name": "Pwned"}).to_string());
    assert_eq!(
        call(org::SERVICE, &app, org::organizations::update, &ev)
            .await
            .0,
        404
    );
    assert_eq!(org_doc(&app, &b_id).await.unwrap(), before_b, "B unchanged");

    // Mass assignment by A's admin: refused as a whole, nothing changes.
    let before_a = org_doc(&app, &a_id).await.unwrap();
    let mut ev = with_id("update-organization", &admin_of(&a_account), &a_id);
    ev["body"] = json!(json!({"phone": "+1 555 0000", "licenseStatus": "active", "userLimit": "100000", "licenseExpiry": "2999-01-01"}).to_string());
    let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
    assert_eq!(status, 403, "{resp}");
    let refused = resp["data"]["refusedFields"].as_array().unwrap();
    assert!(
        refused.contains(&json!("userLimit")) && refused.contains(&json!("licenseExpiry")),
        "{resp}"
    );
    assert_eq!(
        org_doc(&app, &a_id).await.unwrap(),
        before_a,
        "nothing changed"
    );
    // Fields no one may set at all are unknown fields.
    let mut ev = with_id("update-organization", &admin_of(&a_account), &a_id);
    ev["body"] = json!(json!({"accountId": &b_account, "role": "super_admin"}).to_string());
    assert_eq!(
        call(org::SERVICE, &app, org::organizations::update, &ev)
            .await
            .0,
        400
    );

    // Profile fields are A's admin's to change.
    let mut ev = with_id("update-organization", &admin_of(&a_account), &a_id);
    ev["body"] = json!(json!({"phone": "+1 555 0001", "description": "Updated"}).to_string());
    let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["phone"], "+1 555 0001");

    // The super admin changes the license, and a new admin password is hashed.
    let mut ev = with_id("update-organization", &sa(), &a_id);
    ev["body"] = json!(
        json!({"licenseStatus": "suspended", "adminPassword": "New-Admin-Pass-9"}).to_string()
    );
    let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["licenseStatus"], "suspended");
    assert!(
        org_doc(&app, &a_id)
            .await
            .unwrap()
            .get_str("adminPassword")
            .unwrap()
            .starts_with("$argon2id$")
    );
    let mut ev = with_id("update-organization", &sa(), &a_id);
    ev["body"] = json!("{}");
    assert_eq!(
        call(org::SERVICE, &app, org::organizations::update, &ev)
            .await
            .0,
        400,
        "empty update"
    );
}

#[tokio::test]
async fn delete_is_super_admin_only_and_removes_the_database() {
    let app = stack_app();
    let (id, account) = created(&app, "Doomed").await;
    app.org_db(&account)
        .await
        .unwrap()
        .collection::<Document>("users")
        .insert_one(doc! {"id": "x", "email": "x@d.example"})
        .await
        .unwrap();
    let (status, _) = call(
        org::SERVICE,
        &app,
        org::organizations::delete,
        &with_id("delete-organization", &admin_of(&account), &id),
    )
    .await;
    assert_eq!(status, 403);
    assert!(org_doc(&app, &id).await.is_some());

    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::organizations::delete,
        &with_id("delete-organization", &sa(), &id),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert!(org_doc(&app, &id).await.is_none());
    let names = app
        .mongo_client(shared::stores::mongo::Cluster::ORGS)
        .await
        .unwrap()
        .list_database_names()
        .await
        .unwrap();
    assert!(
        !names.contains(&format!("org_{account}")),
        "database dropped"
    );
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::organizations::delete,
            &with_id("delete-organization", &sa(), &id)
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn organization_users_are_confined_and_limited() {
    let app = stack_app();
    let (_, a) = created(&app, "Users A").await; // userLimit 2
    let (_, b) = created(&app, "Users B").await;
    let new_user = |email: &str| json!({"email": email, "password": "User-Password-1", "role": "employee", "firstName": "E"});

    let post = |who: Principal, account: String, body: Value| {
        let mut ev = org_users_event("create-org-user", &who, &account);
        ev["body"] = Value::String(body.to_string());
        ev
    };
    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::members::create,
        &post(admin_of(&a), a.clone(), new_user("one@a.example")),
    )
    .await;
    assert_eq!(status, 201, "{resp}");
    assert!(resp["data"].get("password").is_none());
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::members::create,
            &post(admin_of(&a), a.clone(), new_user("ONE@a.example"))
        )
        .await
        .0,
        409,
        "duplicate email"
    );
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::members::create,
            &post(admin_of(&a), a.clone(), new_user("two@a.example"))
        )
        .await
        .0,
        201
    );
    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::members::create,
        &post(admin_of(&a), a.clone(), new_user("three@a.example")),
    )
    .await;
    assert_eq!(status, 409, "user limit: {resp}");
    assert!(resp["error"].as_str().unwrap().contains("user limit of 2"));
    let mut bad = new_user("r@a.example");
    bad["role"] = json!("super_admin");
    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::members::create,
        &post(admin_of(&a), a.clone(), bad),
    )
    .await;
    assert_eq!(
        (status, resp["details"][0]["field"].as_str()),
        (400, Some("role"))
    );

    // A's admin aims at B: refused, B untouched.
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::members::create,
            &post(admin_of(&a), b.clone(), new_user("x@b.example"))
        )
        .await
        .0,
        403
    );
    let b_users = app
        .org_db(&b)
        .await
        .unwrap()
        .collection::<Document>("users")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(b_users, 0);
    let (status, _) = call(
        org::SERVICE,
        &app,
        org::members::list,
        &org_users_event("list-org-users", &admin_of(&a), &b),
    )
    .await;
    assert_eq!(status, 403);
    // A plain user of A is not an admin.
    let user_a = principal(Role::USER, Some(&a), "u-1");
    assert_eq!(
        call(
            org::SERVICE,
            &app,
            org::members::list,
            &org_users_event("list-org-users", &user_a, &a)
        )
        .await
        .0,
        403
    );

    let (status, resp) = call(
        org::SERVICE,
        &app,
        org::members::list,
        &org_users_event("list-org-users", &admin_of(&a), &a),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["meta"]["total"], 2);
    assert!(!resp.to_string().contains("argon2"));
    let (status, _) = call(
        org::SERVICE,
        &app,
        org::members::list,
        &org_users_event("list-org-users", &sa(), &b),
    )
    .await;
    assert_eq!(status, 200, "super admin may look anywhere");
}

#[tokio::test]
async fn database_status_reports_every_database_and_survives_an_unreachable_one() {
    let app = stack_app();
    let (_, account) = created(&app, "Status Org").await;
    let ev = as_principal(event("org", "multi-database-status"), &sa());
    let (status, resp) = call(org::SERVICE, &app, org::databases::status, &ev).await;
    assert_eq!(status, 200, "{resp}");
    let dbs = resp["data"]["databases"].as_array().unwrap();
    let find = |name: &str| dbs.iter().find(|d| d["name"] == name).cloned();
    assert_eq!(find("avaone_main").unwrap()["reachable"], true);
    assert!(
        find("avaone_main").unwrap()["collections"]["organizations"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(find(&format!("org_{account}")).is_some());

    let mut config = stack_config();
    let closed = test_support::free_port();
    config.set(
        "MONGODB_URI_CRM",
        Some(&format!(
            "mongodb://127.0.0.1:{closed}/?directConnection=true"
        )),
    );
    config.dependency_timeout = std::time::Duration::from_millis(1000);
    let degraded = App::new(config);
    let (status, resp) = call(org::SERVICE, &degraded, org::databases::status, &ev).await;
    assert_eq!(status, 200, "{resp}");
    let crm = resp["data"]["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "crm")
        .unwrap()
        .clone();
    assert_eq!(crm["reachable"], false);

    let ev = as_principal(event("org", "multi-database-status"), &admin_of("acme"));
    assert_eq!(
        call(org::SERVICE, &app, org::databases::status, &ev)
            .await
            .0,
        403
    );
}

async fn update(app: &App, id: &str, body: Value) -> (u16, Value) {
    let mut ev = with_id("update-organization", &sa(), id);
    ev["body"] = Value::String(body.to_string());
    call(org::SERVICE, app, org::organizations::update, &ev).await
}

async fn live(app: &App, token: &str) -> bool {
    app.verify_access_token(token).await.is_ok()
}

#[tokio::test]
async fn sessions_end_when_the_licence_lapses_the_admin_changes_or_the_org_goes() {
    let app = stack_app();
    let (id, account) = created(&app, "Sessions").await;
    let (other_id, other_account) = created(&app, "Bystander").await;
    let admin = test_support::signed_in(&app, &account, &id, Role::ADMIN).await;
    let user = test_support::signed_in(&app, &account, "u-1", Role::USER).await;
    let bystander = test_support::signed_in(&app, &other_account, &other_id, Role::ADMIN).await;

    // A profile change ends nothing.
    assert_eq!(
        update(&app, &id, json!({"phone": "+1 555 0100"})).await.0,
        200
    );
    assert!(live(&app, &admin).await && live(&app, &user).await);

    // A new admin password ends the admin's sessions only.
    let (status, body) = update(&app, &id, json!({"adminPassword": "New-Boss-Pass-2"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(!live(&app, &admin).await, "admin signed out");
    assert!(live(&app, &user).await, "users keep theirs");

    // A licence that no longer holds ends every session of the organization.
    let (status, body) = update(&app, &id, json!({"licenseStatus": "suspended"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(!live(&app, &user).await, "suspended: user signed out");
    assert!(
        live(&app, &bystander).await,
        "another organization is untouched"
    );

    // Deleting an organization ends its sessions.
    assert_eq!(
        update(&app, &other_id, json!({"licenseExpiry": "2031-01-01"}))
            .await
            .0,
        200
    );
    assert!(
        live(&app, &bystander).await,
        "a licence still valid ends nothing"
    );
    let (status, _) = call(
        org::SERVICE,
        &app,
        org::organizations::delete,
        &with_id("delete-organization", &sa(), &other_id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!live(&app, &bystander).await, "deleted: signed out");
}

#[tokio::test]
async fn an_org_admin_cannot_probe_which_emails_other_organizations_use() {
    let app = stack_app();
    let (id, account) = created(&app, "Prober").await;
    let (other_id, _) = created(&app, "Target").await;
    let taken = org_doc(&app, &other_id)
        .await
        .unwrap()
        .get_str("email")
        .unwrap()
        .to_owned();
    // A taken address and a free one get the same answer: the email is the
    // super admin's to change.
    let mut answers = Vec::new();
    for email in [taken, format!("{}@free.example", unique("f"))] {
        let mut ev = with_id("update-organization", &admin_of(&account), &id);
        ev["body"] = Value::String(json!({"email": email}).to_string());
        let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
        answers.push((
            status,
            resp["data"]["refusedFields"].clone(),
            resp["error"].clone(),
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 403);
}

/// The AvaOne frontend edits the organization it read and sends it back
/// whole: unchanged server-owned (and, for its admin, restricted) fields
/// are ignored and listed; changed ones are still refused.
#[tokio::test]
async fn an_organization_sent_back_as_read_is_accepted_and_changes_to_read_only_fields_are_not() {
    let app = stack_app();
    let (id, account) = created(&app, "Echo Org").await;
    let stored = org_doc(&app, &id).await.unwrap();
    let (_, resp) = call(
        org::SERVICE,
        &app,
        org::organizations::get,
        &with_id("get-organization", &admin_of(&account), &id),
    )
    .await;
    let mut read = resp["data"].clone();
    assert_eq!(read["plan"], "standard");
    read["_id"] = json!(stored.get_object_id("_id").unwrap().to_hex());
    read["description"] = json!("Edited as a whole object");

    let mut ev = with_id("update-organization", &admin_of(&account), &id);
    ev["body"] = json!(read.to_string());
    let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["description"], "Edited as a whole object");
    let ignored = resp["meta"]["ignoredFields"].as_array().unwrap();
    for field in [
        "_id",
        "id",
        "accountId",
        "createdAt",
        "updatedAt",
        "licenseStatus",
        "plan",
        "userLimit",
    ] {
        assert!(ignored.contains(&json!(field)), "{field} in {resp}");
    }

    let before = org_doc(&app, &id).await.unwrap();
    for (field, value, status) in [
        ("accountId", json!("someone-else"), 400),
        ("createdAt", json!("2000-01-01T00:00:00Z"), 400),
        ("_id", json!("000000000000000000000000"), 400),
        ("licenseStatus", json!("suspended"), 403),
        ("plan", json!("enterprise"), 403),
    ] {
        let mut changed = read.clone();
        changed["updatedAt"] = resp["data"]["updatedAt"].clone();
        changed[field] = value;
        let mut ev = with_id("update-organization", &admin_of(&account), &id);
        ev["body"] = json!(changed.to_string());
        let (got, body) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
        assert_eq!(got, status, "{field}: {body}");
        if status == 400 {
            assert_eq!(body["details"][0]["field"], field, "{body}");
        } else {
            assert_eq!(body["data"]["refusedFields"], json!([field]), "{body}");
        }
        assert_eq!(
            org_doc(&app, &id).await.unwrap(),
            before,
            "{field}: nothing changed"
        );
    }
    // The super admin may change the plan; users see it as theirs.
    let mut ev = with_id("update-organization", &sa(), &id);
    ev["body"] = json!(json!({"plan": "enterprise"}).to_string());
    let (status, resp) = call(org::SERVICE, &app, org::organizations::update, &ev).await;
    assert_eq!(
        (status, resp["data"]["plan"].as_str()),
        (200, Some("enterprise"))
    );
}
