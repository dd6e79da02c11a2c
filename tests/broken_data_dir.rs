//! A broken data directory: a damaged database file, a read-only file system, a disk that
//! fills up while the bot runs. Each time the real `b12bot serve` process says clearly what
//! is wrong and what it could not store, and patients' questions are still answered.
//!
//! The read-only and full file systems are real ones (a read-only bind mount, a small tmpfs),
//! mounted in a mount namespace of the bot's own, so nothing outside the test sees them.

use crate::support;

use b12bot::store::Store;
use std::io::Write;
use std::path::Path;
use support::fake_bot_api::{FakeBotApi, Patient, Sent};
use support::process::BotProcess;
use support::{SOON, TOKEN};

const DATABASE: &str = "b12bot.sqlite";
/// The triage group, when a test configures the desk.
const GROUP: i64 = -1001234567890;

/// `b12bot serve` on `data` (after `setup`, see [`BotProcess::spawn_in`]); with `desk`, the
/// triage desk is configured.
async fn serve_on(fake: &FakeBotApi, data: &Path, setup: Option<&str>, desk: bool) -> BotProcess {
    let url = fake.url();
    let group = GROUP.to_string();
    let mut envs = vec![
        ("TELOXIDE_TOKEN", TOKEN),
        ("TELOXIDE_API_URL", url.as_str()),
    ];
    if desk {
        envs.extend([
            ("B12BOT_TRIAGE_CHAT_ID", group.as_str()),
            ("B12BOT_STAFF_IDS", "9001"),
        ]);
    }
    let bot = BotProcess::spawn_in(data, setup, &envs, "info").await;
    fake.wait_polling(SOON).await;
    bot
}

/// Sends `text` and waits for the bot's next answer to that chat.
async fn ask(fake: &FakeBotApi, p: &Patient, text: &str) -> Sent {
    let before = fake.sent_to(p.chat_id()).len();
    fake.send_text(p, text);
    let mut sent = fake.wait_for_messages(p.chat_id(), before + 1, SOON).await;
    sent.swap_remove(before)
}

/// An FAQ question and a lab value, answered as usual.
async fn still_answers(fake: &FakeBotApi, p: &Patient) {
    let faq = ask(fake, p, "wat is vitamine b12?").await;
    assert!(faq.text.contains("cobalamine"), "{}", faq.text);
    let value = ask(fake, p, "mijn b12 was 180 pmol/l").await;
    assert!(value.text.contains("MMA"), "{}", value.text);
    assert!(value.text.contains("huisarts"), "{}", value.text);
}

async fn stop(bot: BotProcess) -> String {
    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "graceful exit; stderr:\n{stderr}");
    stderr
}

fn assert_said(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(stderr.contains(needle), "log lacks {needle:?}:\n{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_named_kept_as_it_is_and_the_bot_answers_without_it() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join(DATABASE);
    let junk = b"half a backup, copied over the database by hand\n".repeat(300);
    std::fs::write(&db, &junk).unwrap();

    // The triage desk is configured, but it needs the database.
    let bot = serve_on(&fake, data.path(), None, true).await;
    let p = Patient::new(5101, "Anneke", Some("nl"));
    still_answers(&fake, &p).await;
    // A patient who asks for a person is told how to reach the hospital, not left waiting
    // for a ticket that cannot be stored.
    let human = ask(&fake, &p, "ik wil graag een medewerker spreken").await;
    assert!(human.text.contains("vragenformulier"), "{}", human.text);
    assert!(human.text.contains("huisarts"), "{}", human.text);
    assert!(fake.sent_to(GROUP).is_empty(), "nothing for the desk");
    let stderr = stop(bot).await;

    assert_said(
        &stderr,
        &[
            &db.display().to_string(),
            "damaged or not a database",
            "restore a backup",
            "without its database",
            "not protected against a crash",
            "the triage desk is off",
        ],
    );
    // Kept for inspection: not repaired, not replaced by an empty database.
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_file_system_is_said_and_the_bot_answers_without_its_database() {
    let fake = FakeBotApi::start(TOKEN).await;
    // A database from an earlier run, on a file system that has since become read-only.
    let existing = tempfile::tempdir().unwrap();
    drop(Store::open(existing.path()).expect("a fresh database"));
    // And a data directory whose database was never created.
    let empty = tempfile::tempdir().unwrap();

    for (data, says) in [
        (existing.path(), ["cannot write", "read-only for this user"]),
        (
            empty.path(),
            ["cannot create the database", "Read-only file system"],
        ),
    ] {
        let d = data.display();
        let setup = format!("mount --bind '{d}' '{d}'\nmount -o remount,bind,ro '{d}'");
        let bot = serve_on(&fake, data, Some(&setup), false).await;
        still_answers(&fake, &Patient::new(5201, "Anneke", Some("nl"))).await;
        let stderr = stop(bot).await;
        assert_said(
            &stderr,
            &[
                &data.join(DATABASE).display().to_string(),
                says[0],
                says[1],
                "without its database",
            ],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_that_fills_up_is_said_in_the_log_and_the_bot_carries_on() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let d = data.path().display();
    let setup = format!("mount -t tmpfs -o size=1m,mode=0700 tmpfs '{d}'");
    let bot = serve_on(&fake, data.path(), Some(&setup), true).await;
    let p = Patient::new(5301, "Anneke", Some("nl"));
    still_answers(&fake, &p).await;

    // Fill the bot's tmpfs (seen through its own root) to the last byte.
    let filler = format!("/proc/{}/root{}/filler", bot.pid(), data.path().display());
    let mut file = std::fs::File::create(&filler).expect("a file on the bot's file system");
    let chunk = vec![0u8; 4096];
    let full = loop {
        if let Err(e) = file.write_all(&chunk).and_then(|()| file.sync_all()) {
            break e;
        }
    };
    assert_eq!(full.raw_os_error(), Some(28), "ENOSPC: {full}");
    still_answers(&fake, &p).await;
    // Asking for a person: the offer (what would be shared) cannot be stored, so no "yes"
    // button is shown that could only lead to an empty ticket; the patient is told that
    // nothing was sent and how to reach the hospital.
    let failed = ask(&fake, &p, "ik wil graag een medewerker spreken").await;
    assert!(
        failed.text.contains("niets doorgestuurd"),
        "{}",
        failed.text
    );
    assert!(failed.text.contains("vragenformulier"), "{}", failed.text);
    assert!(failed.text.contains("huisarts"), "{}", failed.text);
    assert!(
        failed.buttons().is_empty(),
        "no button to confirm what cannot be stored: {:?}",
        failed.buttons()
    );
    assert!(fake.sent_to(GROUP).is_empty(), "nothing reached the desk");

    // Space freed: the bot records again without being restarted.
    drop(file);
    std::fs::remove_file(&filler).unwrap();
    still_answers(&fake, &p).await;
    let stderr = stop(bot).await;

    assert_said(
        &stderr,
        &[
            "the disk is full",
            "without crash protection",
            "triage: cannot store an escalation offer",
        ],
    );
    // Only what came while the disk was full (two questions and the request) went
    // unrecorded; once space is freed, everything is recorded again.
    let unrecorded = stderr
        .matches("answering them without crash protection")
        .count();
    assert_eq!(unrecorded, 3, "updates unrecorded while full:\n{stderr}");
    // The questions asked after the space was freed (the last FAQ answer and value) were
    // recorded: no "could not" after the last FAQ answer began.
    let freed = stderr
        .rfind("answered: intent=faq")
        .expect("the question after freeing space was answered");
    assert!(
        !stderr[freed..].contains("could not"),
        "recorded again once space was freed:\n{stderr}"
    );
}
