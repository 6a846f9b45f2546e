//! What a scheduled function receives on AWS is what its runtime reads: each
//! `ScheduleV2` event of the template sends an `Input` that deserializes as
//! the EventBridge event `shared::runtime::on_schedule` hands the handler,
//! with the scheduled time in `time` (Scheduler fills its context
//! attributes). Without it Scheduler would send its default notification,
//! whose shape nothing here checks.

use serde_yaml::Value as Yaml;
use workspace_tests::repo_root;

#[test]
fn every_schedule_sends_an_eventbridge_event_with_its_scheduled_time() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let mut schedules = 0;
    for (id, resource) in doc["Resources"].as_mapping().unwrap() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values().filter(|e| e["Type"] == "ScheduleV2") {
            schedules += 1;
            let input = event["Properties"]["Input"]
                .as_str()
                .unwrap_or_else(|| panic!("{id:?}: a ScheduleV2 without Input"));
            // What Scheduler substitutes at each run.
            let sent = input
                .replace("<aws.scheduler.scheduled-time>", "2026-12-02T03:00:00Z")
                .replace("<aws.scheduler.execution-id>", "d32c5kddcf5bb8c3")
                .replace(
                    "<aws.scheduler.schedule-arn>",
                    "arn:aws:scheduler:eu-central-1:123456789012:schedule/default/x",
                );
            let event: shared::runtime::EventBridgeEvent = serde_json::from_str(&sent)
                .unwrap_or_else(|e| panic!("{id:?}: the Input is not an EventBridge event: {e}"));
            assert_eq!(
                event.time.map(|t| t.to_rfc3339()),
                Some("2026-12-02T03:00:00+00:00".to_owned()),
                "{id:?}"
            );
        }
    }
    assert!(schedules >= 1, "the template has scheduled functions");
}
