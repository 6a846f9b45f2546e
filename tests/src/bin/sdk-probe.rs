//! Start-up probe for two choices DESIGN.md §10 asks to measure (run by
//! `make bench`, each mode in a fresh process, since first-use cost is the
//! point). Prints one JSON line of microseconds.
//!
//!   sdk-probe default   SdkConfig from aws_config's default provider chain,
//!                       then a DynamoDB client and its first call
//!   sdk-probe lean      the same from a lean SdkConfig built straight from
//!                       the Lambda environment (region, env credentials,
//!                       endpoint): no profile files, no provider chain
//!   sdk-probe rng       first and second AWS-LC random fill: the first TLS
//!                       handshake of a process waits for the first one (CPU
//!                       jitter entropy, unless aws-lc-sys was built with
//!                       AWS_LC_SYS_NO_JITTER_ENTROPY=1)
use std::{env, time::Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};

fn lean_config() -> SdkConfig {
    let var = |name: &str| env::var(name).unwrap_or_else(|_| panic!("{name} not set"));
    let credentials = Credentials::new(
        var("AWS_ACCESS_KEY_ID"),
        var("AWS_SECRET_ACCESS_KEY"),
        env::var("AWS_SESSION_TOKEN").ok(),
        None,
        "lambda-environment",
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(var("AWS_REGION")))
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Ok(url) = env::var("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mode = env::args().nth(1).unwrap_or_default();
    let start = Instant::now();
    let micros = |since: Instant| since.elapsed().as_micros();
    match mode.as_str() {
        "default" | "lean" => {
            let config = if mode == "lean" {
                lean_config()
            } else {
                aws_config::defaults(BehaviorVersion::latest()).load().await
            };
            let config_us = micros(start);
            let client = aws_sdk_dynamodb::Client::new(&config);
            let client_us = micros(start);
            let table = env::var("TABLE_NAME").expect("TABLE_NAME not set");
            let call = Instant::now();
            client
                .describe_table()
                .table_name(table)
                .send()
                .await
                .expect("DescribeTable");
            println!(
                r#"{{"mode":"{mode}","config_us":{config_us},"client_us":{client_us},"first_call_us":{},"total_us":{}}}"#,
                micros(call),
                micros(start)
            );
        }
        "rng" => {
            let mut bytes = [0u8; 32];
            aws_lc_rs::rand::fill(&mut bytes).expect("AWS-LC random");
            let first_us = micros(start);
            let again = Instant::now();
            aws_lc_rs::rand::fill(&mut bytes).expect("AWS-LC random");
            println!(
                r#"{{"mode":"rng","first_us":{first_us},"second_us":{}}}"#,
                micros(again)
            );
        }
        _ => {
            eprintln!("usage: sdk-probe default|lean|rng");
            std::process::exit(2);
        }
    }
}
