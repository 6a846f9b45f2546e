//! `scripts/migrate-dates.py` against the local stack: instants written as
//! text before the one-representation rule become BSON dates, the views
//! read both the same way, and a second run changes nothing.

use std::process::Command;

use mongodb::bson::{Bson, Document, doc};
use test_support::{repo_root, stack_app, unique};

fn migrate() -> String {
    let uri = std::env::var("LOCAL_MONGODB_URI").expect("run with `make test` (LOCAL_MONGODB_URI)");
    let out = Command::new(repo_root().join(".venv/bin/python"))
        .arg(repo_root().join("scripts/migrate-dates.py"))
        .env("MONGODB_URI", uri)
        .output()
        .expect("the migration runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn text_instants_become_dates_and_read_the_same() {
    let app = stack_app();
    let account = unique("mig-");
    let orgs = app
        .main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations");
    let org_id = unique("org-");
    orgs.insert_one(doc! {
        "id": &org_id, "accountId": &account, "name": "Legacy", "email": format!("{account}@legacy.example"),
        "createdAt": "2025-03-01T10:00:00.123456789Z", "updatedAt": "not a date",
    })
    .await
    .unwrap();
    let before =
        tenancy::model::org_view(orgs.find_one(doc! {"id": &org_id}).await.unwrap().unwrap())
            .unwrap();
    assert_eq!(
        before.created_at.as_deref(),
        Some("2025-03-01T10:00:00.123456789Z")
    );
    let users = tenancy::store::users(&app, &account).await.unwrap();
    users
        .insert_one(
            doc! {"id": "u-1", "email": "a@legacy.example", "createdAt": "2025-03-01T10:00:00Z"},
        )
        .await
        .unwrap();
    let leads = crm::leads(&app).await.unwrap();
    let lead_id = unique("lead-");
    leads
        .insert_one(doc! {"id": &lead_id, "createdAt": "2025-03-02T00:00:00+02:00"})
        .await
        .unwrap();

    let report = migrate();
    assert!(
        report.contains(&format!("org_{account}.users: 1 converted")),
        "{report}"
    );

    let org = orgs.find_one(doc! {"id": &org_id}).await.unwrap().unwrap();
    assert!(
        matches!(org.get("createdAt"), Some(Bson::DateTime(_))),
        "{org}"
    );
    // What is not RFC 3339 is left as it was, and reported.
    assert_eq!(org.get_str("updatedAt").unwrap(), "not a date");
    let view = tenancy::model::org_view(org).unwrap();
    assert_eq!(view.created_at.as_deref(), Some("2025-03-01T10:00:00.123Z"));
    let user = users.find_one(doc! {"id": "u-1"}).await.unwrap().unwrap();
    assert_eq!(
        shared::clock::rfc3339(*user.get_datetime("createdAt").unwrap()),
        "2025-03-01T10:00:00.000Z"
    );
    let lead = leads
        .find_one(doc! {"id": &lead_id})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        shared::clock::instant_text(lead.get("createdAt")).unwrap(),
        "2025-03-01T22:00:00.000Z"
    );

    let again = migrate();
    assert!(
        again.contains(&format!("org_{account}.users: 0 converted")),
        "{again}"
    );
    orgs.delete_one(doc! {"id": &org_id}).await.unwrap();
    app.org_db(&account).await.unwrap().drop().await.unwrap();
    leads.delete_one(doc! {"id": &lead_id}).await.unwrap();
}
