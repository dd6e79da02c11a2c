//! End-to-end with the real `b12bot serve` process: signals, exit codes, and what it logs.
//!
//! These spawn the binary cargo built for this package (`CARGO_BIN_EXE_b12bot`) against the
//! fake Bot API server running in the test.

mod support;

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use support::fake_bot_api::{FakeBotApi, Patient};
use support::{SOON, TOKEN, faq_dir};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_b12bot"))
}

/// The binary must be this package's (a target dir shared between checkouts of the same
/// crate can hold another checkout's build under the same name).
async fn assert_binary_has_serve() {
    let out = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .await
        .expect("run b12bot");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("TELOXIDE_TOKEN"),
        "{} has no `serve` subcommand: rebuild this package",
        binary().display()
    );
}

struct BotProcess {
    child: Child,
    /// The bot's data directory (its database), removed with the process.
    _data: tempfile::TempDir,
}

impl BotProcess {
    async fn spawn(envs: &[(&str, &str)], rust_log: &str) -> BotProcess {
        assert_binary_has_serve().await;
        let data = tempfile::tempdir().expect("data dir");
        let mut cmd = Command::new(binary());
        cmd.arg("--faq")
            .arg(faq_dir())
            .arg("serve")
            .env_remove("TELOXIDE_TOKEN")
            .env_remove("TELOXIDE_API_URL")
            .env_remove("TELOXIDE_PROXY")
            .env("RUST_LOG", rust_log)
            .env("B12BOT_DATA_DIR", data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        BotProcess {
            child: cmd.spawn().expect("spawn b12bot serve"),
            _data: data,
        }
    }

    async fn against(fake: &FakeBotApi, rust_log: &str) -> BotProcess {
        let url = fake.url();
        BotProcess::spawn(
            &[("TELOXIDE_TOKEN", TOKEN), ("TELOXIDE_API_URL", &url)],
            rust_log,
        )
        .await
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().expect("still running");
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its status and everything it wrote to stderr.
    async fn exit(mut self) -> (ExitStatus, String) {
        let mut stderr = self.child.stderr.take().expect("piped");
        let reader = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        let status = tokio::time::timeout(SOON, self.child.wait())
            .await
            .expect("b12bot exits within the time limit")
            .expect("wait for b12bot");
        (status, reader.await.unwrap())
    }
}

fn nl_patient(id: i64) -> Patient {
    Patient::new(id, "Anneke", Some("nl"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_answers_commits_the_offset_and_exits_0() {
    let fake = FakeBotApi::start(TOKEN).await;
    // Every answer takes 1.5 s to be accepted, so the signal arrives while they are in flight.
    fake.delay_all("sendMessage", Duration::from_millis(1500));
    let bot = BotProcess::against(&fake, "info").await;
    fake.wait_polling(SOON).await;

    let patients: Vec<Patient> = (0..3).map(|i| nl_patient(4001 + i)).collect();
    let mut last_update = 0;
    for p in &patients {
        last_update = fake.send_text(p, "wat is vitamine b12?").0;
    }
    // All three answers in flight (not just the first): on a busy machine the signal could
    // otherwise arrive before the bot has fetched the last update, which it then rightly
    // leaves unconfirmed for the next start.
    fake.wait_until("three replies in flight", SOON, |f| {
        f.requests_of("sendMessage")
            .iter()
            .filter(|r| r.responded.is_none())
            .count()
            == patients.len()
    })
    .await;
    assert!(fake.all_sent().is_empty(), "nothing delivered yet");

    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "graceful exit; stderr:\n{stderr}");

    for p in &patients {
        let sent = fake.sent_to(p.chat_id());
        assert_eq!(sent.len(), 1, "answered exactly once before exiting");
        assert!(sent[0].text.contains("cobalamine"));
    }
    assert!(fake.requests_of("sendMessage").iter().all(|r| r.ok()));
    // The last getUpdates confirmed everything that was handled.
    let last_poll = fake.requests_of("getUpdates").pop().unwrap();
    assert_eq!(last_poll.params["offset"], last_update + 1);
    assert_eq!(fake.confirmed_offset(), last_update + 1);
    assert_eq!(fake.pending_updates(), 0);
    assert!(stderr.contains("SIGTERM received"), "{stderr}");

    // A restart does not answer the same questions again.
    let before = fake.requests().len();
    let again = BotProcess::against(&fake, "info").await;
    fake.wait_until("the restarted bot to poll", SOON, |f| {
        f.requests()[before..].iter().any(|r| r.is("getUpdates"))
    })
    .await;
    again.signal("TERM");
    let (status, _) = again.exit().await;
    assert_eq!(status.code(), Some(0));
    assert_eq!(fake.all_sent().len(), 3, "no update was handled twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_gracefully_too() {
    let fake = FakeBotApi::start(TOKEN).await;
    let bot = BotProcess::against(&fake, "info").await;
    fake.wait_polling(SOON).await;
    let p = nl_patient(4101);
    let (update, _) = fake.send_text(&p, "/start");
    fake.wait_for_messages(p.chat_id(), 1, SOON).await;
    bot.signal("INT");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(fake.confirmed_offset(), update + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_stops_at_startup_with_a_clear_error() {
    let fake = FakeBotApi::start(TOKEN).await;
    let wrong = "7000000001:AAHwrong-or-revoked-token_zz99";
    let url = fake.url();
    let bot = BotProcess::spawn(
        &[("TELOXIDE_TOKEN", wrong), ("TELOXIDE_API_URL", &url)],
        "info",
    )
    .await;
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("rejected the bot token"), "{stderr}");
    assert!(stderr.contains("@BotFather"), "{stderr}");
    assert!(
        !stderr.contains("wrong-or-revoked"),
        "the token is never printed"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one getMe, no retry loop: {requests:?}");
    assert!(requests[0].is("getMe"));
    assert_eq!(requests[0].status, Some(401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_or_bad_api_url_is_a_configuration_error() {
    let bot = BotProcess::spawn(&[], "info").await;
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("TELOXIDE_TOKEN is not set"), "{stderr}");

    let bot = BotProcess::spawn(
        &[("TELOXIDE_TOKEN", TOKEN), ("TELOXIDE_API_URL", "not a url")],
        "info",
    )
    .await;
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("TELOXIDE_API_URL is not a valid URL"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_say_what_happens_without_text_names_ids_or_the_token() {
    let fake = FakeBotApi::start(TOKEN).await;
    let bot = BotProcess::against(&fake, "debug").await;
    fake.wait_polling(SOON).await;

    let p = Patient {
        user_id: 424_242_424,
        first_name: "Xandriel".into(),
        username: Some("xandriel_zq".into()),
        language_code: Some("nl".into()),
    };
    fake.send_text(&p, "zzyzx geheime: wat is vitamine b12 precies?");
    let answer = fake.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    fake.send_photo(&p, Some("qwxqwx foto van mijn uitslag"));
    let tap = fake.press(&p, &answer.json, &answer.callback_data()[0]);
    fake.wait_for_messages(p.chat_id(), 3, SOON).await;
    fake.wait_callback_answered(&tap, SOON).await;

    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");

    // It says what happened…
    assert!(stderr.contains("answered: intent="), "{stderr}");
    assert!(stderr.contains("non-text message"), "{stderr}");
    assert!(stderr.contains("button: topic"), "{stderr}");
    // …without anything that identifies the patient or the bot's secret.
    let secret = TOKEN.split(':').nth(1).unwrap();
    for needle in [
        secret,
        "Xandriel",
        "xandriel_zq",
        "424242424",
        "zzyzx",
        "geheime",
        "qwxqwx",
        "cobalamine",
    ] {
        assert!(
            !stderr.contains(needle),
            "log contains {needle:?}:\n{stderr}"
        );
    }
}
