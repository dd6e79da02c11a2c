//! Idle memory of `b12bot serve`, with and without the staff console:
//! `cargo bench --bench idle_rss`. The target is that the console adds at most 15 %.
//!
//! Each run starts the release binary against the tests' fake Bot API on 127.0.0.1 with a
//! fresh data folder, lets a patient ask three questions (so the engine, encoder and
//! database are all in use), for the console run also has a staff member log in and open
//! the main pages, waits until the process is idle and reads its resident set (`VmRSS` in
//! `/proc/PID/status`). Three runs of each; the medians are printed.

// The tests' fake Bot API (it allows its own unused parts).
#[path = "../tests/support/fake_bot_api.rs"]
mod fake_bot_api;

use fake_bot_api::{FakeBotApi, Patient};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "7000000001:AAHx9-fakeTokenForBench_q1w2e3r4t5y6u7";
const PASSWORD: &str = "a long bench password";

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// One plain HTTP/1.1 request on 127.0.0.1; the whole response.
async fn http(port: u16, request: String) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

fn cookies(response: &str) -> String {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn csrf(body: &str) -> String {
    let key = r#"name="csrf" value=""#;
    let rest = &body[body.find(key).expect("a form") + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn get(path: &str, cookie: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
}

/// Logs a staff member in and opens the main pages, as a morning's use would.
async fn use_console(port: u16) {
    let form = http(port, get("/login", "")).await;
    let body = format!(
        "csrf={}&name=rita&password={}",
        csrf(&form),
        PASSWORD.replace(' ', "+")
    );
    let login = http(
        port,
        format!(
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}\r\nContent-Type: \
             application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: \
             close\r\n\r\n{body}",
            cookies(&form),
            body.len()
        ),
    )
    .await;
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let session = cookies(&login);
    for path in [
        "/topics",
        "/topics/insurance",
        "/report",
        "/inbox",
        "/metrics",
    ] {
        let page = http(port, get(path, &session)).await;
        assert!(page.starts_with("HTTP/1.1 200"), "{path}: {page}");
    }
}

async fn idle_rss(console: bool) -> u64 {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_b12bot"));
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    if console {
        let mut add = tokio::process::Command::new(&binary)
            .args(["console", "add-user", "rita", "--role", "reviewer"])
            .env("B12BOT_DATA_DIR", data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = add.stdin.take().unwrap();
        stdin
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .await
            .unwrap();
        drop(stdin);
        assert!(add.wait().await.unwrap().success());
    }
    let mut cmd = tokio::process::Command::new(&binary);
    cmd.arg("--faq")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq"))
        .arg("serve")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("B12BOT_DATA_DIR", data.path())
        .env_remove("B12BOT_TRIAGE_CHAT_ID")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    if console {
        cmd.env("B12BOT_CONSOLE", format!("127.0.0.1:{port}"));
    } else {
        cmd.env_remove("B12BOT_CONSOLE");
    }
    let mut bot = cmd.spawn().unwrap();
    fake.wait_polling(Duration::from_secs(60)).await;
    let patient = Patient::new(5001, "Bea", Some("nl"));
    for (n, q) in [
        "wat is vitamine b12",
        "mijn b12 was 180 pmol/l",
        "waar kan ik parkeren",
    ]
    .iter()
    .enumerate()
    {
        fake.send_text(&patient, q);
        fake.wait_for_messages(patient.chat_id(), n + 1, Duration::from_secs(60))
            .await;
    }
    if console {
        use_console(port).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss = rss_kib(bot.id().unwrap());
    bot.start_kill().unwrap();
    let _ = bot.wait().await;
    rss
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; this binary has nothing to filter.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut without = Vec::new();
    let mut with = Vec::new();
    for _ in 0..3 {
        without.push(rt.block_on(idle_rss(false)));
        with.push(rt.block_on(idle_rss(true)));
    }
    let (a, b) = (median(without.clone()), median(with.clone()));
    println!(
        "idle RSS of serve without the console: {without:?} KiB, median {} MB",
        a / 1024
    );
    println!(
        "idle RSS of serve with the console:    {with:?} KiB, median {} MB",
        b / 1024
    );
    println!(
        "the console adds {:.1} % (target: at most 15 %)",
        (b as f64 - a as f64) * 100.0 / a as f64
    );
}
