//! lambda-bench: a local AWS Lambda Runtime API that runs a function's
//! binary the way Lambda does and measures it (DESIGN.md §10).
//!
//!   lambda-bench --env-file .local/bench/env --out target/bench \
//!       --invocations 2000 NAME=BINARY=EVENT_JSON ...
//!
//! For each function: init (exec → first `/next`), cold response (exec →
//! first response), warm latency (event handed out → response received,
//! p50/p90/p99 over `--invocations`), peak RSS after the cold invocation
//! (VmHWM) and RSS after all invocations (leak check). Writes
//! `functions.json` and prints one JSON line per function.
//!
//!   lambda-bench --env-file ENV --invoke BINARY EVENT_JSON
//!       runs one invocation and prints the function's response (the bench
//!       script uses it to log in once and benchmark with a real token).
//!
//!   lambda-bench --env-file ENV --out DIR --baseline-port PORT -- COMMAND ARGS...
//!       the Node/Express baseline: process start → port accepting, then
//!       per-request latency over one keep-alive connection for each request
//!       of DIR/baseline-requests.json, and the process's RSS.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    process::{Command, Stdio},
    sync::{
        Arc, Mutex,
        mpsc::{Receiver, Sender, channel},
    },
    thread,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

struct Runtime {
    port: u16,
    events: Sender<(String, String)>,
    results: Receiver<(String, Instant, bool, Vec<u8>)>,
    first_next: Arc<Mutex<Option<Instant>>>,
    delivered: Arc<Mutex<HashMap<String, Instant>>>,
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}

impl Runtime {
    fn start() -> Runtime {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let (events_tx, events_rx) = channel::<(String, String)>();
        let (results_tx, results_rx) = channel();
        let events_rx = Arc::new(Mutex::new(events_rx));
        let first_next = Arc::new(Mutex::new(None));
        let delivered = Arc::new(Mutex::new(HashMap::new()));
        let (fnx, dl) = (first_next.clone(), delivered.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                stream.set_nodelay(true).ok();
                let (events, results, first_next, delivered) = (
                    events_rx.clone(),
                    results_tx.clone(),
                    fnx.clone(),
                    dl.clone(),
                );
                thread::spawn(move || serve(stream, events, results, first_next, delivered));
            }
        });
        Runtime {
            port,
            events: events_tx,
            results: results_rx,
            first_next,
            delivered,
        }
    }
}

fn serve(
    stream: TcpStream,
    events: Arc<Mutex<Receiver<(String, String)>>>,
    results: Sender<(String, Instant, bool, Vec<u8>)>,
    first_next: Arc<Mutex<Option<Instant>>>,
    delivered: Arc<Mutex<HashMap<String, Instant>>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader) {
        if req.method == "GET" && req.path.ends_with("/runtime/invocation/next") {
            first_next.lock().unwrap().get_or_insert_with(Instant::now);
            let Ok((id, body)) = events.lock().unwrap().recv() else {
                return;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            delivered.lock().unwrap().insert(id.clone(), Instant::now());
            if writer
                .write_all(head.as_bytes())
                .and_then(|_| writer.write_all(body.as_bytes()))
                .is_err()
            {
                return;
            }
        } else if req.method == "POST" && req.path.contains("/runtime/invocation/") {
            let at = Instant::now();
            let id = req.path.split('/').nth(4).unwrap_or_default().to_owned();
            let error = req.path.ends_with("/error");
            let ok = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}";
            let _ = writer.write_all(ok);
            let _ = results.send((id, at, error || req.body.is_empty(), req.body));
        } else {
            // init/error and anything else: acknowledge; an init error shows as no response.
            let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}");
            if req.path.ends_with("/init/error") {
                eprintln!("init error: {}", String::from_utf8_lossy(&req.body));
            }
        }
    }
}

fn proc_status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)
                .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn env_file(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

fn function_command(name: &str, binary: &str, env: &[(String, String)], rt: &Runtime) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", rt.port))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/26/[$LATEST]bench")
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// One invocation; returns the function's response body.
fn invoke_once(binary: &str, event: &str, env: &[(String, String)]) -> String {
    let rt = Runtime::start();
    let mut child = function_command("invoke", binary, env, &rt)
        .spawn()
        .unwrap_or_else(|e| panic!("{binary}: {e}"));
    rt.events
        .send(("invoke-0".into(), event.to_owned()))
        .unwrap();
    let body = rt
        .results
        .recv_timeout(Duration::from_secs(30))
        .map(|r| r.3)
        .unwrap_or_default();
    child.kill().ok();
    child.wait().ok();
    String::from_utf8_lossy(&body).into_owned()
}

/// Runs one function: a cold start, then `invocations` warm ones.
fn measure(
    name: &str,
    binary: &str,
    event: &str,
    env: &[(String, String)],
    invocations: usize,
) -> Value {
    let rt = Runtime::start();
    let mut cmd = function_command(name, binary, env, &rt);
    rt.events.send(("cold-0".into(), event.to_owned())).unwrap();
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{binary}: {e}"));
    let pid = child.id();
    let cold = rt.results.recv_timeout(Duration::from_secs(30));
    let result = match cold {
        Ok((_, at, error, cold_body)) => {
            let mut statuses = std::collections::BTreeMap::<String, usize>::new();
            let mut errors = usize::from(error);
            // An HTTP 5xx answer is an error too (the runtime saw a success).
            let mut count = |body: &[u8]| -> usize {
                let status = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|v| v.get("statusCode").and_then(Value::as_u64));
                let key = status.map_or_else(|| "other".to_owned(), |s| s.to_string());
                *statuses.entry(key).or_default() += 1;
                usize::from(status.is_some_and(|s| s >= 500))
            };
            errors += count(&cold_body);
            let init = rt
                .first_next
                .lock()
                .unwrap()
                .map(|t| t - started)
                .unwrap_or_default();
            let cold_ms = (at - started).as_secs_f64() * 1e3;
            let peak_after_cold = proc_status_kb(pid, "VmHWM:");
            let mut warm = Vec::with_capacity(invocations);
            let mut rss_mid_kb = 0;
            for i in 0..invocations {
                if i == invocations / 2 {
                    rss_mid_kb = proc_status_kb(pid, "VmRSS:");
                }
                let id = format!("warm-{i}");
                rt.events.send((id.clone(), event.to_owned())).unwrap();
                match rt.results.recv_timeout(Duration::from_secs(30)) {
                    Ok((rid, at, error, body)) => {
                        errors += usize::from(error) + count(&body);
                        if let Some(sent) = rt.delivered.lock().unwrap().remove(&rid) {
                            warm.push((at - sent).as_secs_f64() * 1e6);
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            warm.sort_by(|a, b| a.partial_cmp(b).unwrap());
            json!({
                "function": name,
                "binary": binary,
                "initMs": (init.as_secs_f64() * 1e4).round() / 10.0,
                "coldResponseMs": (cold_ms * 10.0).round() / 10.0,
                "warmP50Us": percentile(&warm, 50.0).round(),
                "warmP90Us": percentile(&warm, 90.0).round(),
                "warmP99Us": percentile(&warm, 99.0).round(),
                "invocations": warm.len(),
                "errors": errors,
                "statuses": statuses,
                "rssMidMb": (rss_mid_kb as f64 / 102.4).round() / 10.0,
                "peakRssAfterColdMb": (peak_after_cold as f64 / 102.4).round() / 10.0,
                "peakRssMb": (proc_status_kb(pid, "VmHWM:") as f64 / 102.4).round() / 10.0,
                "rssAfterMb": (proc_status_kb(pid, "VmRSS:") as f64 / 102.4).round() / 10.0,
            })
        }
        Err(_) => {
            json!({"function": name, "binary": binary, "error": "no response within 30 s (see RUST_LOG)"})
        }
    };
    child.kill().ok();
    child.wait().ok();
    result
}

/// One HTTP/1.1 request on a keep-alive connection; returns the status.
fn http(stream: &mut BufReader<TcpStream>, method: &str, path: &str, body: &str) -> u16 {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
        body.len()
    );
    stream.get_mut().write_all(req.as_bytes()).unwrap();
    let mut status_line = String::new();
    stream.read_line(&mut status_line).unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        stream.read_line(&mut h).unwrap();
        let l = h.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        chunked |= l.starts_with("transfer-encoding:") && l.contains("chunked");
    }
    if chunked {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            stream.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
    }
    status
}

/// The Node/Express baseline (see the module docs).
fn baseline(
    out: &str,
    port: u16,
    command: &[String],
    env: &[(String, String)],
    invocations: usize,
) -> Value {
    let requests: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(format!("{out}/baseline-requests.json"))
            .expect("baseline-requests.json"),
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("baseline command");
    let pid = child.id();
    let stream = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "baseline did not listen"
        );
        thread::sleep(Duration::from_micros(500));
    };
    let ready_ms = started.elapsed().as_secs_f64() * 1e3;
    stream.set_nodelay(true).ok();
    let mut conn = BufReader::new(stream);
    let mut per_request = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let (method, path, body) = (
            r["method"].as_str().unwrap(),
            r["path"].as_str().unwrap(),
            r["body"].as_str().unwrap_or(""),
        );
        let n = r["invocations"]
            .as_u64()
            .map(|n| n as usize)
            .unwrap_or(invocations);
        let first_start = Instant::now();
        let first_status = http(&mut conn, method, path, body);
        let first_ms = first_start.elapsed().as_secs_f64() * 1e3;
        let cold_response_ms = if i == 0 {
            Some((first_start.elapsed() + first_start.duration_since(started)).as_secs_f64() * 1e3)
        } else {
            None
        };
        let mut lat = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            http(&mut conn, method, path, body);
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        per_request.push(json!({
            "request": format!("{method} {path}"), "status": first_status, "firstMs": (first_ms * 10.0).round() / 10.0,
            "coldResponseMs": cold_response_ms.map(|v| (v * 10.0).round() / 10.0),
            "warmP50Us": percentile(&lat, 50.0).round(), "warmP90Us": percentile(&lat, 90.0).round(), "warmP99Us": percentile(&lat, 99.0).round(),
            "invocations": n,
        }));
    }
    let result = json!({
        "baseline": "node-express",
        "readyMs": (ready_ms * 10.0).round() / 10.0,
        "peakRssMb": (proc_status_kb(pid, "VmHWM:") as f64 / 102.4).round() / 10.0,
        "rssAfterMb": (proc_status_kb(pid, "VmRSS:") as f64 / 102.4).round() / 10.0,
        "requests": per_request,
    });
    child.kill().ok();
    child.wait().ok();
    result
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut env = Vec::new();
    let mut out = String::from("target/bench");
    let mut invocations = 2000;
    let mut specs = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--invoke" => {
                let binary = it.next().expect("--invoke BINARY EVENT");
                let event =
                    std::fs::read_to_string(it.next().expect("--invoke BINARY EVENT")).unwrap();
                println!("{}", invoke_once(binary, &event, &env));
                return;
            }
            "--baseline-port" => {
                let port: u16 = it
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--baseline-port PORT");
                let command: Vec<String> =
                    it.by_ref().skip_while(|a| *a == "--").cloned().collect();
                std::fs::create_dir_all(&out).unwrap();
                let r = baseline(&out, port, &command, &env, invocations);
                println!("{r}");
                std::fs::write(
                    format!("{out}/baseline.json"),
                    serde_json::to_string_pretty(&r).unwrap(),
                )
                .unwrap();
                return;
            }
            "--env-file" => env = env_file(it.next().expect("--env-file PATH")),
            "--out" => out = it.next().expect("--out DIR").clone(),
            "--invocations" => {
                invocations = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--invocations N")
            }
            spec => specs.push(spec.to_owned()),
        }
    }
    std::fs::create_dir_all(&out).unwrap();
    let mut results = Vec::new();
    for spec in specs {
        let mut parts = spec.splitn(3, '=');
        let (name, binary, event_path) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let event =
            std::fs::read_to_string(event_path).unwrap_or_else(|e| panic!("{event_path}: {e}"));
        let r = measure(name, binary, &event, &env, invocations);
        println!("{r}");
        results.push(r);
    }
    std::fs::write(
        format!("{out}/functions.json"),
        serde_json::to_string_pretty(&results).unwrap(),
    )
    .unwrap();
}
