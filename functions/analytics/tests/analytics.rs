//! Analytics over a seeded dataset: every number is recomputed here from the
//! seed itself, and another organization's data never leaks in.

use mongodb::bson::{DateTime, Document, doc};
use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::{as_principal, call, event, principal, stack_app, unique, with_query};
use time::{Duration, OffsetDateTime};

struct Conv {
    days_ago: i64,
    intent: &'static str,
    question: &'static str,
    messages: i64,
    response_ms: f64,
    converted: bool,
}

fn when(days_ago: i64) -> DateTime {
    let t = OffsetDateTime::now_utc().date().midnight().assume_utc() - Duration::days(days_ago)
        + Duration::hours(10);
    DateTime::from_millis(t.unix_timestamp() * 1000)
}

fn day(days_ago: i64) -> String {
    (OffsetDateTime::now_utc().date() - Duration::days(days_ago)).to_string()
}

const CONVS: [Conv; 7] = [
    Conv {
        days_ago: 0,
        intent: "pricing",
        question: "How much is it?",
        messages: 4,
        response_ms: 500.0,
        converted: true,
    },
    Conv {
        days_ago: 0,
        intent: "pricing",
        question: "How much is it?",
        messages: 2,
        response_ms: 700.0,
        converted: false,
    },
    Conv {
        days_ago: 1,
        intent: "demo",
        question: "Can I get a demo?",
        messages: 6,
        response_ms: 300.0,
        converted: true,
    },
    Conv {
        days_ago: 2,
        intent: "support",
        question: "Reset password",
        messages: 3,
        response_ms: 900.0,
        converted: false,
    },
    Conv {
        days_ago: 2,
        intent: "pricing",
        question: "Annual discount?",
        messages: 5,
        response_ms: 600.0,
        converted: false,
    },
    Conv {
        days_ago: 5,
        intent: "demo",
        question: "Can I get a demo?",
        messages: 2,
        response_ms: 400.0,
        converted: false,
    },
    // Outside a 3-day window, inside the default 30 days.
    Conv {
        days_ago: 20,
        intent: "billing",
        question: "Invoice copy",
        messages: 2,
        response_ms: 1000.0,
        converted: true,
    },
];

/// Seeds organization `org` (users, activity, conversations, leads) and a
/// noisy neighbour with data that must never show up.
async fn seed(app: &App, org: &str, neighbour: &str) {
    let users = app
        .org_db(org)
        .await
        .unwrap()
        .collection::<Document>("users");
    for (i, (role, active, days_ago)) in [
        ("admin", true, 40),
        ("user", true, 1),
        ("employee", true, 2),
        ("user", false, 3),
    ]
    .iter()
    .enumerate()
    {
        users
            .insert_one(doc! {"id": format!("u{i}"), "email": format!("u{i}@a.example"), "role": *role, "isActive": *active, "createdAt": when(*days_ago)})
            .await
            .unwrap();
    }
    let activity = app
        .org_db(org)
        .await
        .unwrap()
        .collection::<Document>("activity");
    for (user, kind, days_ago) in [
        ("u0", "login", 0),
        ("u0", "page_view", 0),
        ("u1", "login", 1),
        ("u2", "voice_command", 1),
        ("u1", "login", 3),
        ("u2", "login", 45),
    ] {
        activity
            .insert_one(doc! {"userId": user, "type": kind, "at": when(days_ago)})
            .await
            .unwrap();
    }
    let conversations = crm::conversations(app).await.unwrap();
    let leads = crm::leads(app).await.unwrap();
    for (i, c) in CONVS.iter().enumerate() {
        let at = when(c.days_ago);
        conversations
            .insert_one(doc! {"organizationId": org, "conversationId": format!("{org}-{i}"), "startedAt": at, "intent": c.intent,
                              "firstQuestion": c.question, "messageCount": c.messages, "avgResponseMs": c.response_ms, "converted": c.converted})
            .await
            .unwrap();
        if c.converted {
            leads.insert_one(doc! {"id": format!("{org}-lead-{i}"), "organizationId": org, "type": "chatbot", "createdAt": at}).await.unwrap();
        }
    }
    // The neighbour: lots of data in the same collections.
    for i in 0..5 {
        let at = when(i);
        conversations
            .insert_one(doc! {"organizationId": neighbour, "conversationId": format!("n{i}"), "startedAt": at, "intent": "neighbour-intent",
                              "firstQuestion": "neighbour?", "messageCount": 99, "avgResponseMs": 9999.0, "converted": true})
            .await
            .unwrap();
        leads.insert_one(doc! {"id": format!("{neighbour}-lead-{i}"), "organizationId": neighbour, "createdAt": at}).await.unwrap();
    }
}

async fn get(
    app: &App,
    route: &str,
    org: &str,
    role: Role,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let ev = with_query(
        as_principal(event("analytics", route), &principal(role, Some(org), "u0")),
        query,
    );
    if route == "workspace-analytics" {
        call(analytics::SERVICE, app, analytics::workspace::handle, &ev).await
    } else {
        call(analytics::SERVICE, app, analytics::chatbot::handle, &ev).await
    }
}

#[tokio::test]
async fn chatbot_numbers_match_the_seed() {
    let app = stack_app();
    let (org, neighbour) = (unique("an"), unique("nb"));
    seed(&app, &org, &neighbour).await;
    let from = day(2);
    let to = day(0);
    let (status, resp) = get(
        &app,
        "chatbot-analytics",
        &org,
        Role::EMPLOYEE,
        &[("from", &from), ("to", &to)],
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    let d = &resp["data"];

    let window: Vec<&Conv> = CONVS.iter().filter(|c| c.days_ago <= 2).collect();
    let converted = window.iter().filter(|c| c.converted).count() as i64;
    assert_eq!(d["totals"]["conversations"], window.len() as i64);
    assert_eq!(
        d["totals"]["messages"],
        window.iter().map(|c| c.messages).sum::<i64>()
    );
    assert_eq!(d["totals"]["converted"], converted);
    assert!(
        (d["conversionRate"].as_f64().unwrap() - converted as f64 / window.len() as f64).abs()
            < 1e-9
    );
    let avg = window.iter().map(|c| c.response_ms).sum::<f64>() / window.len() as f64;
    assert!(
        (d["averageResponseMs"].as_f64().unwrap() - avg).abs() < 0.05,
        "{}",
        d["averageResponseMs"]
    );
    assert_eq!(d["topIntents"][0], json!({"intent": "pricing", "count": 3}));
    assert_eq!(
        d["topQuestions"][0],
        json!({"question": "How much is it?", "count": 2})
    );
    let daily = d["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 3, "every day of the range, zeros included");
    for (i, row) in daily.iter().enumerate() {
        let days_ago = 2 - i as i64;
        assert_eq!(row["date"], day(days_ago));
        assert_eq!(
            row["conversations"],
            CONVS.iter().filter(|c| c.days_ago == days_ago).count() as i64
        );
    }
    assert!(
        !resp.to_string().contains("neighbour"),
        "another organization's data never appears"
    );
}

#[tokio::test]
async fn workspace_numbers_match_the_seed() {
    let app = stack_app();
    let (org, neighbour) = (unique("an"), unique("nb"));
    seed(&app, &org, &neighbour).await;
    let (status, resp) = get(&app, "workspace-analytics", &org, Role::USER, &[]).await;
    assert_eq!(status, 200, "{resp}");
    let d = &resp["data"];
    assert_eq!(d["range"]["days"], 30);
    assert_eq!(d["users"]["total"], 4);
    assert_eq!(d["users"]["active"], 3);
    assert_eq!(
        d["users"]["byRole"],
        json!({"user": 2, "admin": 1, "employee": 1})
    );
    assert_eq!(d["users"]["newInRange"], 3, "created 1, 2 and 3 days ago");
    assert_eq!(
        d["activity"]["events"], 5,
        "the 45-day-old event is outside"
    );
    assert_eq!(d["activity"]["activeUsers"], 3);
    assert_eq!(d["activity"]["byType"]["login"], 3);
    assert_eq!(d["activity"]["daily"].as_array().unwrap().len(), 30);
    assert_eq!(
        d["leads"]["total"],
        CONVS.iter().filter(|c| c.converted).count() as i64
    );
    assert_eq!(d["chatbot"]["conversations"], CONVS.len() as i64);
    let today = d["activity"]["daily"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(today, json!({"date": day(0), "events": 2}));
}

#[tokio::test]
async fn scope_and_range_are_enforced() {
    let app = stack_app();
    let (org, other) = (unique("an"), unique("nb"));
    for route in ["workspace-analytics", "chatbot-analytics"] {
        let (status, _) = get(&app, route, &org, Role::USER, &[("organizationId", &other)]).await;
        assert_eq!(status, 403, "{route}: another organization");
        for (query, field) in [
            (vec![("from", "2026-02-30")], "query.from"),
            (
                vec![("from", "2026-11-20"), ("to", "2026-11-01")],
                "query.from",
            ),
            (
                vec![("from", "2024-01-01"), ("to", "2026-01-01")],
                "query.from",
            ),
            (vec![("to", "tomorrow")], "query.to"),
        ] {
            let (status, resp) = get(&app, route, &org, Role::USER, &query).await;
            assert_eq!(status, 400, "{route} {query:?}");
            assert_eq!(resp["details"][0]["field"], field);
        }
        let ev = with_query(
            as_principal(
                event("analytics", route),
                &principal(Role::SUPER_ADMIN, None, "super-admin"),
            ),
            &[],
        );
        let handler = |a, r| {
            Box::pin(async move {
                if route == "workspace-analytics" {
                    analytics::workspace::handle(a, r).await
                } else {
                    analytics::chatbot::handle(a, r).await
                }
            })
        };
        assert_eq!(
            call(analytics::SERVICE, &app, handler, &ev).await.0,
            400,
            "super admin must name the organization"
        );
    }
}

/// The winning plan's stages, from an `explain` of `command`.
async fn plan(db: &mongodb::Database, command: Document) -> String {
    let explained = db
        .run_command(doc! {"explain": command, "verbosity": "queryPlanner"})
        .await
        .unwrap();
    let planner = explained
        .get_document("queryPlanner")
        .or_else(|_| {
            explained.get_array("stages").map_err(|_| ()).and_then(|s| {
                s[0].as_document()
                    .and_then(|d| d.get_document("$cursor").ok())
                    .and_then(|c| c.get_document("queryPlanner").ok())
                    .ok_or(())
            })
        })
        .unwrap_or_else(|_| panic!("no plan in {explained}"));
    planner.get_document("winningPlan").unwrap().to_string()
}

#[tokio::test]
async fn every_range_query_is_served_by_an_index() {
    let app = stack_app();
    let org = unique("plan");
    seed(&app, &org, &unique("plan-n")).await;
    // A route call creates the indexes its queries need.
    assert_eq!(
        get(&app, "workspace-analytics", &org, Role::ADMIN, &[])
            .await
            .0,
        200
    );

    let req = test_support::request(&with_query(
        event("analytics", "workspace-analytics"),
        &[("from", &day(20)), ("to", &day(0))],
    ));
    let range = analytics::range::Range::from_query(&req).unwrap();
    use analytics::queries;
    for (what, db, collection, filter) in [
        (
            "activity",
            app.org_db(&org).await.unwrap(),
            "activity",
            queries::activity(&range),
        ),
        (
            "leads",
            app.database(crm::CLUSTER, crm::DATABASE).await.unwrap(),
            "leads",
            queries::leads(&range, &org),
        ),
        (
            "conversations",
            app.database(crm::CHATBOT_CLUSTER, crm::CHATBOT_DATABASE)
                .await
                .unwrap(),
            "conversations",
            queries::conversations(&range, &org),
        ),
    ] {
        let winning = plan(
            &db,
            doc! {"aggregate": collection, "pipeline": [{"$match": filter}], "cursor": {}},
        )
        .await;
        println!("{what}: {winning}");
        assert!(winning.contains("IXSCAN"), "{what} is a scan: {winning}");
        assert!(!winning.contains("COLLSCAN"), "{what}: {winning}");
    }
}
