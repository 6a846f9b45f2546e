//! What running the stack in production relies on, read from template.yaml
//! and samconfig.toml (docs/operations.md): JSON access logs, log retention,
//! alarms that notify and cover each failure mode, gradual deployment of the
//! authorizer and the logins with automatic rollback, stateful resources
//! kept on stack deletion, and a resource count well under CloudFormation's
//! limit of 500 per stack.

use std::collections::BTreeSet;

use serde_yaml::Value as Yaml;
use workspace_tests::repo_root;

fn template() -> Yaml {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// `!Tag value` as (tag, value); anything else as ("", itself).
fn tagged(value: &Yaml) -> (String, &Yaml) {
    match value {
        Yaml::Tagged(t) => (t.tag.to_string(), &t.value),
        other => (String::new(), other),
    }
}

fn is_ref(value: &Yaml, to: &str) -> bool {
    let (tag, inner) = tagged(value);
    tag == "!Ref" && inner.as_str() == Some(to)
}

fn resources_of<'a>(doc: &'a Yaml, kind: &str) -> Vec<(String, &'a Yaml)> {
    doc["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap().to_owned(), r))
        .collect()
}

/// Every metric an alarm reads: (namespace as written, metric name).
fn alarm_metrics(alarm: &Yaml) -> Vec<(String, String)> {
    let props = &alarm["Properties"];
    let namespace = |v: &Yaml| {
        let (_, inner) = tagged(v);
        inner.as_str().unwrap_or_default().to_owned()
    };
    let mut out = Vec::new();
    if let Some(name) = props["MetricName"].as_str() {
        out.push((namespace(&props["Namespace"]), name.to_owned()));
    }
    for query in props["Metrics"].as_sequence().into_iter().flatten() {
        let metric = &query["MetricStat"]["Metric"];
        if let Some(name) = metric["MetricName"].as_str() {
            out.push((namespace(&metric["Namespace"]), name.to_owned()));
        }
        // A Metrics Insights query names its metric and namespace inline.
        let (_, expression) = tagged(&query["Expression"]);
        if let Some(sql) = expression.as_str().filter(|e| e.starts_with("SELECT")) {
            let name = sql["SELECT ".len()..]
                .split(['(', ')'])
                .nth(1)
                .unwrap_or_default();
            let ns = sql.split('"').nth(1).unwrap_or_default();
            out.push((ns.to_owned(), name.to_owned()));
        }
    }
    out
}

#[test]
fn the_api_writes_one_json_access_log_line_per_request() {
    let doc = template();
    let settings = &doc["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"];
    let (tag, target) = tagged(&settings["DestinationArn"]);
    assert_eq!(tag, "!GetAtt");
    assert_eq!(target.as_str(), Some("ApiAccessLogs.Arn"));
    let format = settings["Format"].as_str().expect("an access log format");
    let line: serde_json::Value =
        serde_json::from_str(format).expect("the format is one JSON object");
    for (field, variable) in [
        ("requestId", "$context.requestId"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
        ("latencyMs", "$context.responseLatency"),
        ("integrationLatencyMs", "$context.integrationLatency"),
        ("integrationError", "$context.integrationErrorMessage"),
        ("authorizerError", "$context.authorizer.error"),
        ("lambdaRequestId", "$context.integration.requestId"),
    ] {
        assert_eq!(line[field], variable, "access log field {field}");
    }
}

#[test]
fn every_log_group_has_a_retention_and_every_function_logs_json_to_one() {
    let doc = template();
    let groups = resources_of(&doc, "AWS::Logs::LogGroup");
    assert!(
        groups.len() <= 4,
        "one group for the functions, one for access logs: {groups:?}"
    );
    for (id, group) in &groups {
        assert!(
            is_ref(&group["Properties"]["RetentionInDays"], "LogRetentionDays"),
            "{id}: retention from LogRetentionDays"
        );
        assert_eq!(group["DeletionPolicy"].as_str(), Some("Retain"), "{id}");
    }
    let logging = &doc["Globals"]["Function"]["LoggingConfig"];
    assert_eq!(logging["LogFormat"].as_str(), Some("JSON"));
    assert!(is_ref(&logging["LogGroup"], "FunctionLogs"));
    // A function with a log group of its own would log where nothing
    // retains or counts it.
    for (id, function) in resources_of(&doc, "AWS::Serverless::Function") {
        assert!(
            function["Properties"]["LoggingConfig"].is_null(),
            "{id}: logs through Globals (FunctionLogs)"
        );
    }
}

#[test]
fn stateful_resources_are_kept_when_the_stack_is_deleted_or_replaced() {
    let doc = template();
    let mut checked = 0;
    for kind in [
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
    ] {
        for (id, resource) in resources_of(&doc, kind) {
            assert_eq!(resource["DeletionPolicy"].as_str(), Some("Retain"), "{id}");
            assert_eq!(
                resource["UpdateReplacePolicy"].as_str(),
                Some("Retain"),
                "{id}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 11, "table, bucket, 7 secrets, 2 log groups");
    let secrets = resources_of(&doc, "AWS::SecretsManager::Secret");
    assert!(secrets.iter().any(|(id, _)| id == "ConfigSecret"));
}

#[test]
fn the_bucket_expires_old_versions_and_abandoned_uploads() {
    let doc = template();
    let bucket = &doc["Resources"]["Bucket"]["Properties"];
    assert_eq!(
        bucket["VersioningConfiguration"]["Status"].as_str(),
        Some("Enabled")
    );
    let rules = bucket["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .unwrap();
    assert!(rules.iter().all(|r| r["Status"] == "Enabled"));
    assert!(rules.iter().any(|r| {
        r["NoncurrentVersionExpiration"]["NoncurrentDays"]
            .as_u64()
            .is_some_and(|d| d <= 90)
    }));
    assert!(rules.iter().any(|r| {
        r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            .as_u64()
            .is_some_and(|d| d <= 7)
    }));
}

#[test]
fn few_alarms_notify_the_topic_and_cover_each_failure_mode() {
    let doc = template();
    let alarms = resources_of(&doc, "AWS::CloudWatch::Alarm");
    assert!(
        alarms.len() <= 10,
        "few alarms over metric math, not one per function"
    );
    let namespace = {
        let (tag, ns) =
            tagged(&doc["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"]);
        assert_eq!(tag, "!Sub");
        ns.as_str().unwrap().to_owned()
    };
    let mut covered = BTreeSet::new();
    for (id, alarm) in &alarms {
        // Both transitions reach the topic, when one is given.
        for actions in ["AlarmActions", "OKActions"] {
            let (tag, choice) = tagged(&alarm["Properties"][actions]);
            assert_eq!(tag, "!If", "{id}.{actions}");
            let choice = choice.as_sequence().unwrap();
            assert_eq!(choice[0].as_str(), Some("HasAlarmTopic"), "{id}.{actions}");
            assert!(
                is_ref(&choice[1][0], "AlarmTopicArn"),
                "{id}.{actions} notifies AlarmTopicArn"
            );
        }
        assert_eq!(
            alarm["Properties"]["TreatMissingData"].as_str(),
            Some("notBreaching"),
            "{id}: no traffic is not an outage"
        );
        for (ns, metric) in alarm_metrics(alarm) {
            // Our own metrics are read from the namespace the functions write.
            if !ns.starts_with("AWS/") {
                assert_eq!(ns.replace("\"", ""), namespace, "{id} reads {metric}");
            }
            covered.insert(format!("{ns}:{metric}"));
        }
    }
    for wanted in [
        "AWS/ApiGateway:5xx",
        &format!("{namespace}:Faults"),
        "AWS/Lambda:Throttles",
        "AWS/DynamoDB:ReadThrottleEvents",
        "AWS/DynamoDB:WriteThrottleEvents",
        &format!("{namespace}:AuthorizerUnavailable"),
        "AWS/SQS:ApproximateNumberOfMessagesVisible",
        &format!("{namespace}:OldestPendingMailAgeSeconds"),
    ] {
        assert!(
            covered.contains(wanted),
            "no alarm reads {wanted}: {covered:?}"
        );
    }
    // Every dead-letter queue has an alarm on it.
    for (id, queue) in resources_of(&doc, "AWS::SQS::Queue") {
        let (_, target) = tagged(&queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]);
        let Some(dlq) = target
            .as_str()
            .map(|t| t.trim_end_matches(".Arn").to_owned())
        else {
            continue;
        };
        let watched = alarms.iter().any(|(_, alarm)| {
            alarm["Properties"]["Dimensions"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|d| {
                    let (_, v) = tagged(&d["Value"]);
                    v.as_str() == Some(&format!("{dlq}.QueueName"))
                })
        });
        assert!(watched, "{id}'s dead-letter queue {dlq} has no alarm");
    }
}

/// Whether one of `alarm`'s metrics has `function` (its `!Ref`) as a dimension.
fn watches(alarm: &Yaml, function: &str) -> bool {
    let props = &alarm["Properties"];
    let mut dimensions: Vec<&Yaml> = props["Dimensions"]
        .as_sequence()
        .into_iter()
        .flatten()
        .collect();
    for query in props["Metrics"].as_sequence().into_iter().flatten() {
        dimensions.extend(
            query["MetricStat"]["Metric"]["Dimensions"]
                .as_sequence()
                .into_iter()
                .flatten(),
        );
    }
    dimensions.iter().any(|d| is_ref(&d["Value"], function))
}

#[test]
fn every_scheduled_function_has_its_failures_watched() {
    let doc = template();
    let alarms = resources_of(&doc, "AWS::CloudWatch::Alarm");
    let mut scheduled = 0;
    for (id, function) in resources_of(&doc, "AWS::Serverless::Function") {
        let events = function["Properties"]["Events"].as_mapping();
        if !events
            .into_iter()
            .flatten()
            .any(|(_, e)| e["Type"] == "ScheduleV2")
        {
            continue;
        }
        scheduled += 1;
        assert!(
            alarms.iter().any(|(_, alarm)| watches(alarm, &id)),
            "no alarm watches the scheduled {id}"
        );
    }
    assert!(scheduled >= 3);
}

#[test]
fn the_authorizer_and_the_logins_deploy_gradually_and_roll_back_on_their_alarms() {
    let doc = template();
    let resources = &doc["Resources"];
    let alarms: BTreeSet<String> = resources_of(&doc, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let gated = [
        ("AuthorizerFunction", "AuthorizerAlarm"),
        ("AdminLoginFunction", "LoginAlarm"),
        ("OrganizationLoginFunction", "LoginAlarm"),
        ("WorkspaceLoginFunction", "LoginAlarm"),
        ("PassengerLoginFunction", "LoginAlarm"),
    ];
    for (function, alarm) in gated {
        let props = &resources[function]["Properties"];
        assert_eq!(
            props["AutoPublishAlias"].as_str(),
            Some("live"),
            "{function}"
        );
        let preference = &props["DeploymentPreference"];
        assert!(
            is_ref(&preference["Type"], "GradualDeploymentType"),
            "{function}"
        );
        let gates: Vec<&Yaml> = preference["Alarms"].as_sequence().unwrap().iter().collect();
        assert!(
            gates.iter().any(|g| is_ref(g, alarm)),
            "{function} rolls back on {alarm}"
        );
        assert!(alarms.contains(alarm));
        // The alarm watches this very function: its name is a dimension.
        assert!(
            watches(&resources[alarm], function),
            "{alarm} does not watch {function}"
        );
    }
    // API Gateway calls the authorizer through its alias on AWS.
    let arn = &resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["TokenAuthorizer"]["FunctionArn"];
    let (tag, choice) = tagged(arn);
    assert_eq!(tag, "!If");
    let choice = choice.as_sequence().unwrap();
    assert_eq!(choice[0].as_str(), Some("IsLocal"));
    assert!(is_ref(&choice[2], "AuthorizerFunction.Alias"));
    // prod shifts traffic as a canary; AllAtOnce is the default (dev).
    let samconfig = std::fs::read_to_string(repo_root().join("samconfig.toml")).unwrap();
    let samconfig: toml::Value = toml::from_str(&samconfig).unwrap();
    let prod = samconfig["prod"]["deploy"]["parameters"]["parameter_overrides"]
        .as_str()
        .unwrap();
    assert!(
        prod.contains("GradualDeploymentType=Canary"),
        "prod: {prod}"
    );
}

/// What the SAM transform makes of the template, counted the way it
/// expands (checked against samtranslator: 359 for this template at the
/// time of writing).
fn deployed_resource_count(doc: &Yaml) -> usize {
    let mut count = 0;
    let mut gradual = false;
    for (_, resource) in doc["Resources"].as_mapping().unwrap() {
        let props = &resource["Properties"];
        count += match resource["Type"].as_str().unwrap() {
            "AWS::Serverless::Function" => {
                let mut n = 2; // the function and its role
                for event in props["Events"].as_mapping().into_iter().flatten() {
                    n += match event.1["Type"].as_str().unwrap() {
                        "HttpApi" => 1,    // its invoke permission
                        "ScheduleV2" => 2, // the schedule and its role
                        _ => 1,            // an event source mapping
                    };
                }
                if !props["AutoPublishAlias"].is_null() {
                    n += 2; // version and alias
                }
                if !props["DeploymentPreference"].is_null() {
                    n += 1; // its deployment group
                    gradual = true;
                }
                n
            }
            // The API, its stage and the authorizer's permission.
            "AWS::Serverless::HttpApi" => 3,
            _ => 1,
        };
    }
    // CodeDeploy's application and service role.
    count + if gradual { 2 } else { 0 }
}

#[test]
fn the_stack_stays_well_under_cloudformations_resource_limit() {
    let count = deployed_resource_count(&template());
    assert!(
        count <= 400,
        "{count} resources after the SAM transform; CloudFormation's limit is 500 \
         and new routes need room: share, or split into nested stacks"
    );
    assert!(
        count > 300,
        "the count is of the expanded template: {count}"
    );
}
