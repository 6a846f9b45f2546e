//! GET /api/v1/health against the real local stack (`make test` starts
//! SecantusDB and moto and exports their settings).

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;
use shared::{
    App, Config,
    http::{Principal, Role, dispatch},
};
use test_support::free_port;

fn stack_config() -> Config {
    Config::from_env()
        .expect("the local stack's settings are missing: run these tests with `make test`")
}

fn health_event() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/admin/health.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn call_as(app: &App, who: Option<&Principal>) -> (u16, Value) {
    let event = match who {
        Some(p) => test_support::as_principal(health_event(), p),
        None => health_event(),
    };
    let resp = dispatch(admin::SERVICE, test_support::request(&event), |req| {
        admin::health::handle(app, req)
    })
    .await;
    let body = serde_json::from_slice(resp.body().as_ref()).unwrap();
    (resp.status().as_u16(), body)
}

/// The super admin's report.
async fn call(app: &App) -> (u16, Value) {
    call_as(
        app,
        Some(&test_support::principal(
            Role::SUPER_ADMIN,
            None,
            "super-admin",
        )),
    )
    .await
}

#[tokio::test]
async fn anyone_gets_liveness_and_nothing_else_without_touching_a_store() {
    // Every store unreachable: the public answer does not care, because it
    // asks none of them.
    let mut config = stack_config();
    config.mongodb_uri = Some(format!(
        "mongodb://127.0.0.1:{}/?directConnection=true",
        free_port()
    ));
    config.table_name = Some("no-such-table".into());
    let app = App::new(config);
    let (status, body) = call_as(&app, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], serde_json::json!({"status": "ok"}));
    // A token that is not the super admin's gets no report.
    let member = test_support::principal(Role::ADMIN, Some("acme"), "u-1");
    assert_eq!(call_as(&app, Some(&member)).await.0, 403);
}

#[tokio::test]
async fn all_dependencies_up_is_200_with_latencies() {
    let app = App::new(stack_config());
    let (status, body) = call(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["service"], "admin-service");
    assert_eq!(
        body["requestId"], "Rk2Fxg8MIAMEVrw=",
        "API Gateway's request id is echoed"
    );
    let deps = &body["data"]["dependencies"];
    for dep in ["mongodb", "dynamodb", "s3", "secrets"] {
        assert_eq!(deps[dep]["status"], "ok", "{dep}: {body}");
        assert!(deps[dep]["latencyMs"].as_f64().unwrap() >= 0.0, "{dep}");
    }
    assert_eq!(body["data"]["status"], "ok");
}

#[tokio::test]
async fn unreachable_mongodb_is_503_naming_it_within_the_timeout() {
    let mut config = stack_config();
    // Nothing listens on this port.
    config.mongodb_uri = Some(format!(
        "mongodb://127.0.0.1:{}/?directConnection=true",
        free_port()
    ));
    config.dependency_timeout = Duration::from_millis(1500);
    let app = App::new(config);
    let started = Instant::now();
    let (status, body) = call(&app).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "DEPENDENCY_UNAVAILABLE");
    assert!(
        body["error"].as_str().unwrap().contains("MongoDB"),
        "{body}"
    );
    assert_eq!(body["data"]["dependencies"]["mongodb"]["status"], "down");
    assert_eq!(body["data"]["dependencies"]["dynamodb"]["status"], "ok");
    // Bounded, never a hang: the probe gives up at the dependency timeout.
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no connection details in the response: {body}"
    );
}

#[tokio::test]
async fn missing_bucket_and_table_are_named() {
    let mut config = stack_config();
    config.bucket_name = Some("avaone-no-such-bucket".into());
    config.table_name = Some("avaone-no-such-table".into());
    let (status, body) = call(&App::new(config)).await;
    assert_eq!(status, 503, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("S3") && error.contains("DynamoDB"),
        "{error}"
    );
    assert_eq!(body["data"]["dependencies"]["mongodb"]["status"], "ok");
}

#[tokio::test]
async fn unreadable_secret_is_named_and_takes_mongodb_with_it() {
    let mut config = stack_config();
    config.set("SECRET_ID", Some("avaone/no-such-secret"));
    config.mongodb_uri = None;
    let (status, body) = call(&App::new(config)).await;
    assert_eq!(status, 503, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("Secrets Manager"), "{error}");
    // The MongoDB URI lives in the secret, so MongoDB is reported down too.
    assert_eq!(body["data"]["dependencies"]["mongodb"]["status"], "down");
}

/// A SecantusDB process owned by this test, stopped by its pid.
struct OwnDb {
    child: Child,
    port: u16,
}

impl OwnDb {
    fn start(port: u16, dir: &PathBuf) -> Self {
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/secantusd-py");
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            // Durable like a journaled MongoDB: an acknowledged write survives
            // the SIGKILL below (without it SecantusDB may lose the last ones).
            .arg("--sync-on-commit")
            .args(["--log-level", "ERROR", "--storage-path"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("secantusd-py from .venv (make setup)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "SecantusDB did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        OwnDb { child, port }
    }
}

impl Drop for OwnDb {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[tokio::test]
async fn killed_mongodb_turns_health_503_and_the_same_app_recovers() {
    let dir = std::env::temp_dir().join(format!("avaone-health-{}", std::process::id()));
    let db = OwnDb::start(free_port(), &dir);
    let port = db.port;
    let mut config = stack_config();
    config.mongodb_uri = Some(format!("mongodb://127.0.0.1:{port}/?directConnection=true"));
    config.dependency_timeout = Duration::from_millis(1500);
    let app = App::new(config);

    assert_eq!(call(&app).await.0, 200);
    // Written before the fault, read back after it.
    let probes = || async {
        app.main_db()
            .await
            .unwrap()
            .collection::<mongodb::bson::Document>("fault_probe")
    };
    probes()
        .await
        .insert_one(mongodb::bson::doc! {"_id": "before-the-fault"})
        .await
        .unwrap();

    drop(db);
    let (status, body) = call(&app).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("MongoDB"),
        "{body}"
    );

    // Same warm App (same client and pool), server back on the same port.
    let db = OwnDb::start(port, &dir);
    let mut recovered = false;
    for _ in 0..20 {
        if call(&app).await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let kept = probes()
        .await
        .find_one(mongodb::bson::doc! {"_id": "before-the-fault"})
        .await;
    drop(db);
    std::fs::remove_dir_all(&dir).ok();
    assert!(recovered, "health stayed 503 after MongoDB came back");
    assert!(
        kept.unwrap().is_some(),
        "a write made before the fault was lost"
    );
}
