//! Least privilege in template.yaml: which functions may send mail, write
//! the bucket or touch which DynamoDB keys. A policy that widens fails here
//! naming the function.

use std::collections::BTreeMap;

use serde_yaml::Value as Yaml;
use workspace_tests::repo_root;

/// binary → its inline policy statements.
fn statements_by_binary() -> BTreeMap<String, Vec<Yaml>> {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for (_, resource) in doc["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut statements = Vec::new();
        for policy in resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            assert!(
                policy.as_str().is_none(),
                "{binary}: managed/SAM policy templates are too broad; use inline statements"
            );
            statements.extend(
                policy["Statement"]
                    .as_sequence()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        out.insert(binary, statements);
    }
    out
}

/// binary → every IAM action in its inline policies.
fn actions_by_binary() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (binary, statements) in statements_by_binary() {
        let mut actions = Vec::new();
        for statement in &statements {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{binary}");
            assert_ne!(
                statement["Resource"].as_str(),
                Some("*"),
                "{binary}: Resource \"*\""
            );
            match &statement["Action"] {
                Yaml::String(a) => actions.push(a.clone()),
                Yaml::Sequence(list) => {
                    actions.extend(list.iter().filter_map(|a| a.as_str().map(str::to_owned)))
                }
                other => panic!("{binary}: unexpected Action {other:?}"),
            }
        }
        assert!(
            actions.iter().all(|a| !a.ends_with(":*")),
            "{binary}: wildcard action in {actions:?}"
        );
        out.insert(binary, actions);
    }
    out
}

/// binary → its domain crate (functions/<domain>/src/bin/<binary>.rs).
fn domain_of(binary: &str) -> String {
    for entry in std::fs::read_dir(repo_root().join("functions")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("src/bin").join(format!("{binary}.rs")).exists() {
            return dir.file_name().unwrap().to_string_lossy().into_owned();
        }
    }
    panic!("no binary {binary}");
}

#[test]
fn only_the_mailing_domains_send_mail_and_only_cms_and_user_write_the_bucket() {
    // comm: the forms; passenger: verification and reset codes; worker:
    // transit's e-tickets, cancellations and refunds.
    let senders = ["comm", "passenger", "worker"];
    let mut problems = Vec::new();
    for (binary, actions) in actions_by_binary() {
        let domain = domain_of(&binary);
        if actions
            .iter()
            .any(|a| a == "ses:SendEmail" || a == "ses:SendRawEmail" || a == "ses:*")
            && !senders.contains(&domain.as_str())
        {
            problems.push(format!("{binary} ({domain}) may send mail"));
        }
        if actions
            .iter()
            .any(|a| a == "s3:PutObject" || a == "s3:DeleteObject")
            && !["cms", "user"].contains(&domain.as_str())
        {
            problems.push(format!("{binary} ({domain}) may write the bucket"));
        }
    }
    assert!(
        problems.is_empty(),
        "least privilege broken:\n  {}",
        problems.join("\n  ")
    );
}

fn strings(v: &Yaml) -> Vec<String> {
    match v {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items.iter().flat_map(strings).collect(),
        // `!Ref X` / `!GetAtt X.Arn` parse as tagged values.
        Yaml::Tagged(tagged) => strings(&tagged.value),
        _ => vec![],
    }
}

/// Who may read which secret: exactly these, and nobody else.
#[test]
fn each_function_reads_only_the_secrets_it_uses() {
    let issuers = [
        "admin-login",
        "organization-login",
        "workspace-login",
        "refresh-token",
        "debug-login",
        "passenger-login",
        "passenger-verify-email",
    ];
    let verifiers = [
        "authorizer",
        "verify-token",
        "logout",
        "jwks",
        "health",
        "debug-credentials",
    ];
    let without_databases = [
        "authorizer",
        "verify-token",
        "logout",
        "jwks",
        "admin-login",
        "debug-login",
        "openapi",
        "not-found",
        "ticket-keys",
        "voice-agent",
        "speech-to-text",
        "text-to-speech",
    ];
    let voice = ["voice-agent", "speech-to-text", "text-to-speech"];
    for (binary, statements) in statements_by_binary() {
        let mut readable: Vec<String> = statements
            .iter()
            .filter(|s| {
                strings(&s["Action"])
                    .iter()
                    .any(|a| a.starts_with("secretsmanager:"))
            })
            .inspect(|s| {
                assert_eq!(
                    strings(&s["Action"]),
                    ["secretsmanager:GetSecretValue"],
                    "{binary}: only reads"
                )
            })
            .flat_map(|s| strings(&s["Resource"]))
            .collect();
        readable.sort();
        let b = binary.as_str();
        let mut expected: Vec<String> = [
            (!without_databases.contains(&b)).then_some("ConfigSecret"),
            issuers.contains(&b).then_some("SigningKeysSecret"),
            verifiers.contains(&b).then_some("VerificationKeysSecret"),
            ["admin-login", "refresh-token"]
                .contains(&b)
                .then_some("AdminSecret"),
            voice.contains(&b).then_some("GeminiSecret"),
            ["get-ticket", "get-ticket-qr", "transit-worker"]
                .contains(&b)
                .then_some("TicketSigningKeysSecret"),
            ["ticket-keys", "scan-ticket", "sync-scans"]
                .contains(&b)
                .then_some("TicketKeysSecret"),
        ]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
        expected.sort();
        assert_eq!(readable, expected, "{binary} reads the wrong secrets");
    }
    // The private signing key in particular: token issuers only.
    for (binary, statements) in statements_by_binary() {
        let reads_private_key = statements.iter().any(|s| {
            strings(&s["Resource"])
                .iter()
                .any(|r| r == "SigningKeysSecret")
        });
        assert_eq!(
            reads_private_key,
            issuers.contains(&binary.as_str()),
            "{binary}"
        );
    }
}

/// The DynamoDB keys each identity function must reach (what its code
/// does: sessions, devices, counters) are allowed, by action and prefix. A
/// missing grant works locally (no IAM) and fails on AWS, so it is checked here.
#[test]
fn identity_functions_may_reach_the_keys_they_use() {
    let sessions_end = [
        ("dynamodb:Query", "sessions"),
        ("dynamodb:UpdateItem", "family"),
    ];
    let login = [
        ("dynamodb:UpdateItem", "rate"),
        ("dynamodb:DeleteItem", "rate"),
        ("dynamodb:GetItem", "device"),
        ("dynamodb:PutItem", "device"),
        ("dynamodb:PutItem", "family"),
        ("dynamodb:PutItem", "sessions"),
        ("dynamodb:PutItem", "refresh"),
    ];
    let needs: Vec<(&str, &[(&str, &str)])> = vec![
        ("authorizer", &[("dynamodb:GetItem", "family")]),
        ("verify-token", &[("dynamodb:GetItem", "family")]),
        ("health", &[("dynamodb:GetItem", "family")]),
        (
            "logout",
            &[
                ("dynamodb:GetItem", "family"),
                ("dynamodb:UpdateItem", "family"),
            ],
        ),
        ("admin-login", &login),
        ("organization-login", &login),
        ("workspace-login", &login),
        (
            "refresh-token",
            &[
                ("dynamodb:GetItem", "refresh"),
                ("dynamodb:UpdateItem", "refresh"),
                ("dynamodb:PutItem", "refresh"),
                ("dynamodb:GetItem", "family"),
                ("dynamodb:UpdateItem", "family"),
            ],
        ),
        ("passenger-login", &login),
        (
            "passenger-verify-email",
            &[
                ("dynamodb:UpdateItem", "rate"),
                ("dynamodb:UpdateItem", "code"),
                ("dynamodb:DeleteItem", "code"),
                ("dynamodb:PutItem", "family"),
                ("dynamodb:PutItem", "sessions"),
                ("dynamodb:PutItem", "refresh"),
            ],
        ),
        (
            "passenger-register",
            &[
                ("dynamodb:UpdateItem", "rate"),
                ("dynamodb:PutItem", "code"),
            ],
        ),
        (
            "passenger-forgot-password",
            &[
                ("dynamodb:UpdateItem", "rate"),
                ("dynamodb:PutItem", "code"),
            ],
        ),
        (
            "passenger-reset-password",
            &[
                ("dynamodb:UpdateItem", "rate"),
                ("dynamodb:UpdateItem", "code"),
                ("dynamodb:DeleteItem", "code"),
                ("dynamodb:Query", "sessions"),
                ("dynamodb:UpdateItem", "family"),
            ],
        ),
        ("search-trips", &[("dynamodb:Query", "seats")]),
        ("get-trip-seats", &[("dynamodb:Query", "seats")]),
        (
            "create-booking",
            &[
                ("dynamodb:Query", "holds"),
                ("dynamodb:PutItem", "seats"),
                ("dynamodb:PutItem", "holds"),
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:DeleteItem", "holds"),
                ("dynamodb:PutItem", "idem"),
            ],
        ),
        (
            "cancel-booking",
            &[
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:DeleteItem", "holds"),
            ],
        ),
        (
            "create-counter-sale",
            &[
                ("dynamodb:PutItem", "seats"),
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:PutItem", "idem"),
            ],
        ),
        (
            "expire-holds",
            &[
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:DeleteItem", "holds"),
            ],
        ),
        (
            "payment-webhook",
            &[
                ("dynamodb:PutItem", "evt"),
                ("dynamodb:DeleteItem", "evt"),
                ("dynamodb:PutItem", "seats"),
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:DeleteItem", "holds"),
            ],
        ),
        (
            "scan-ticket",
            &[("dynamodb:PutItem", "scans"), ("dynamodb:GetItem", "scans")],
        ),
        (
            "sync-scans",
            &[("dynamodb:PutItem", "scans"), ("dynamodb:GetItem", "scans")],
        ),
        ("get-manifest", &[("dynamodb:Query", "scans")]),
        ("get-company-dashboard", &[("dynamodb:Query", "scans")]),
        (
            "transit-worker",
            &[
                ("dynamodb:DeleteItem", "seats"),
                ("dynamodb:DeleteItem", "holds"),
            ],
        ),
        ("update-driver", &sessions_end),
        ("delete-driver", &sessions_end),
        ("update-organization", &sessions_end),
        ("delete-organization", &sessions_end),
        ("ensure-user", &sessions_end),
        ("voice-agent", &[("dynamodb:UpdateItem", "rate")]),
        ("speech-to-text", &[("dynamodb:UpdateItem", "rate")]),
        ("text-to-speech", &[("dynamodb:UpdateItem", "rate")]),
        ("sync-to-crm", &[("dynamodb:UpdateItem", "rate")]),
        ("retry-pending-mail", &[("dynamodb:UpdateItem", "rate")]),
    ];
    let all = statements_by_binary();
    for (binary, wanted) in needs {
        let statements = &all[binary];
        for (action, prefix) in wanted {
            let allowed = statements.iter().any(|s| {
                strings(&s["Action"]).iter().any(|a| a == action)
                    && strings(&s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
                        .iter()
                        .any(|k| k == &format!("{prefix}#*"))
            });
            assert!(allowed, "{binary} may not {action} on {prefix}#*");
        }
    }
}

#[test]
fn local_only_routes_are_never_part_of_a_deployed_stack() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    // The condition itself: IsLocal ⇔ Stage == local.
    let is_local = format!("{:?}", doc["Conditions"]["IsLocal"]);
    assert!(
        is_local.contains("Equals") && is_local.contains("Stage") && is_local.contains("local"),
        "{is_local}"
    );
    // A template deployed without parameters is the safe stage...
    assert_eq!(doc["Parameters"]["Stage"]["Default"].as_str(), Some("prod"));
    // ...CloudFormation refuses to create a local stage at all...
    let rule = format!("{:?}", doc["Rules"]["NeverDeployLocal"]["Assertions"]);
    assert!(
        rule.contains("Not") && rule.contains("Equals") && rule.contains("local"),
        "{rule}"
    );
    // ...and no deploy environment asks for one.
    let samconfig: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo_root().join("samconfig.toml")).unwrap())
            .unwrap();
    for (env, tables) in samconfig.as_table().unwrap() {
        if let Some(overrides) = tables
            .get("deploy")
            .and_then(|d| d.get("parameters"))
            .and_then(|p| p.get("parameter_overrides"))
            .and_then(|o| o.as_str())
        {
            assert!(
                overrides.contains("Stage="),
                "{env}: deploys name their stage"
            );
            assert!(!overrides.contains("Stage=local"), "{env}: {overrides}");
        }
    }
    let dev_only = [
        "debug-login",
        "add-sample-users",
        "setup-test-data",
        "admin-test",
    ];
    let resources = doc["Resources"].as_mapping().unwrap();
    for resource in resources.values() {
        let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str();
        let conditional = resource["Condition"].as_str() == Some("IsLocal");
        if let Some(binary) = binary {
            assert_eq!(
                conditional,
                dev_only.contains(&binary),
                "{binary}: Condition IsLocal must be set exactly on local-only functions"
            );
        }
    }
}

#[test]
fn logins_and_forms_have_their_own_lower_api_throttles() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let api = &doc["Resources"]["HttpApi"]["Properties"];
    let default_rate = doc["Parameters"]["ThrottlingRateLimit"]["Default"]
        .as_f64()
        .unwrap();
    let default_burst = doc["Parameters"]["ThrottlingBurstLimit"]["Default"]
        .as_f64()
        .unwrap();
    for route in [
        "POST /api/v1/auth/admin/login",
        "POST /api/v1/auth/organization/login",
        "POST /api/v1/auth/workspace/login",
        "POST /api/v1/auth/refresh-token",
        "POST /api/v1/communication/contact",
        "POST /api/v1/communication/send-contact-form",
        "POST /api/v1/communication/send-meeting-request",
        "POST /api/v1/communication/send-pricing-inquiry",
        "POST /api/v1/transit/auth/register",
        "POST /api/v1/transit/auth/verify-email",
        "POST /api/v1/transit/auth/login",
        "POST /api/v1/transit/auth/forgot-password",
        "POST /api/v1/transit/auth/reset-password",
    ] {
        let settings = &api["RouteSettings"][route];
        let rate = settings["ThrottlingRateLimit"].as_f64();
        let burst = settings["ThrottlingBurstLimit"].as_f64();
        assert!(
            rate.is_some_and(|r| r > 0.0 && r < default_rate)
                && burst.is_some_and(|b| b > 0.0 && b < default_burst),
            "{route}: {settings:?}"
        );
    }
    // Every throttled route exists (a typo would throttle nothing).
    let routes: Vec<String> = doc["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|r| {
            r["Properties"]["Events"]
                .as_mapping()
                .into_iter()
                .flat_map(|events| events.values())
                .filter_map(|e| {
                    Some(format!(
                        "{} {}",
                        e["Properties"]["Method"].as_str()?.to_uppercase(),
                        e["Properties"]["Path"].as_str()?
                    ))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for key in api["RouteSettings"].as_mapping().unwrap().keys() {
        let key = key.as_str().unwrap();
        assert!(routes.iter().any(|r| r == key), "no route {key}");
    }
}

/// The seed's frontend (localhost:3001) is allowed in the dev environments,
/// browser code can read the headers it needs, and the bucket answers the
/// preflight of the presigned PUT that `/cms/upload` hands out.
#[test]
fn browsers_get_the_cors_answers_the_frontend_needs() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let default_origins = doc["Parameters"]["AllowedOrigins"]["Default"]
        .as_str()
        .unwrap();
    assert!(
        default_origins.contains("http://localhost:3001"),
        "{default_origins}"
    );
    let samconfig = std::fs::read_to_string(repo_root().join("samconfig.toml")).unwrap();
    let dev = samconfig
        .lines()
        .skip_while(|l| !l.starts_with("[dev.deploy.parameters]"))
        .find(|l| l.starts_with("parameter_overrides"))
        .unwrap();
    assert!(dev.contains("http://localhost:3001"), "{dev}");

    let cors = &doc["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let exposed = strings(&cors["ExposeHeaders"]);
    for header in ["Retry-After", "X-Request-Id", "ETag", "Idempotent-Replayed"] {
        assert!(exposed.iter().any(|h| h == header), "{header} not exposed");
    }
    let allowed = strings(&cors["AllowHeaders"]);
    for header in [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
    ] {
        assert!(allowed.iter().any(|h| h == header), "{header} not allowed");
    }

    let rules = doc["Resources"]["Bucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
        .as_sequence()
        .expect("the bucket has CORS rules");
    assert!(
        rules
            .iter()
            .any(|r| strings(&r["AllowedMethods"]) == ["PUT"]
                && strings(&r["AllowedOrigins"]) == ["AllowedOrigins"]
                && strings(&r["AllowedHeaders"])
                    .iter()
                    .any(|h| h == "Content-Type")),
        "{rules:?}"
    );
}

#[test]
fn only_transit_publishers_send_to_its_queue_and_only_the_worker_reads_it() {
    // The worker publishes the jobs a trip's cancellation fans out into.
    let publishers = [
        "payment-webhook",
        "cancel-booking",
        "create-counter-sale",
        "cancel-trip",
        "transit-worker",
    ];
    for (binary, actions) in actions_by_binary() {
        let sends = actions
            .iter()
            .any(|a| a == "sqs:SendMessage" || a == "sqs:*");
        assert_eq!(
            sends,
            publishers.contains(&binary.as_str()),
            "{binary}: sqs:SendMessage only for the functions that publish transit jobs"
        );
    }
    let statements = statements_by_binary();
    let sends_to_queue = statements["payment-webhook"].iter().any(|s| {
        strings(&s["Action"]).iter().any(|a| a == "sqs:SendMessage")
            && serde_yaml::to_string(&s["Resource"])
                .unwrap()
                .contains("TransitQueue.Arn")
    });
    assert!(sends_to_queue, "the webhook may send to TransitQueue only");
}
