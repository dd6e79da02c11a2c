//! A crash loses nothing: the real `b12bot serve` process is killed with SIGKILL at random
//! moments while it answers a stream of 1,000 patients' messages, and restarted each time.
//! Afterwards every message has been answered, and answered once; a second answer is only
//! possible for an update whose reply was on its way at the very moment of a kill (recorded
//! and not yet marked answered), and the test reports how many there were.

use crate::support;

use b12bot::store::Store;
use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::fake_bot_api::{FakeBotApi, Patient};
use support::load::QUESTIONS;
use support::{TOKEN, faq_dir};
use tokio::process::{Child, Command};

const UPDATES: usize = 1_000;
const KILLS: usize = 20;
const FIRST_CHAT: i64 = 610_000;

fn spawn(fake: &FakeBotApi, data: &Path) -> Child {
    crate::support::process::warm_vector_cache();
    // CRASH_LOG=dir keeps each run's log (at debug) there, to study a failure.
    let stderr = match std::env::var_os("CRASH_LOG") {
        Some(dir) => {
            let n = std::fs::read_dir(&dir).map_or(0, |d| d.count());
            Stdio::from(
                std::fs::File::create(Path::new(&dir).join(format!("run-{n:03}.log"))).unwrap(),
            )
        }
        None => Stdio::null(),
    };
    let rust_log = if std::env::var_os("CRASH_LOG").is_some() {
        "b12bot=trace,teloxide=debug"
    } else {
        "error"
    };
    Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .arg("--faq")
        .arg(faq_dir())
        .arg("serve")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env("B12BOT_DATA_DIR", data)
        .env_remove("B12BOT_TRIAGE_CHAT_ID")
        .env("RUST_LOG", rust_log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn b12bot serve")
}

/// Answers per chat so far.
fn answers(fake: &FakeBotApi) -> HashMap<i64, usize> {
    let mut per_chat = HashMap::new();
    for sent in fake.all_sent() {
        *per_chat.entry(sent.chat_id).or_insert(0) += 1;
    }
    per_chat
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_no_message_and_answers_each_once() {
    let mut rng = support::XorShift::from_env("CRASH_SEED");

    let fake = FakeBotApi::start(TOKEN).await;
    fake.set_lean(true);
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join(b12bot::store::DATABASE_FILE);
    // One patient per message, so "answered once" is one reply in that chat.
    let chats: Vec<i64> = (0..UPDATES as i64).map(|i| FIRST_CHAT + i).collect();
    let update_of: HashMap<i64, i64> = chats
        .iter()
        .enumerate()
        .map(|(i, chat)| {
            let patient = Patient::new(*chat, "Patiënt", Some("nl"));
            (
                *chat,
                fake.send_text(&patient, QUESTIONS[i % QUESTIONS.len()]).0,
            )
        })
        .collect();

    let started = Instant::now();
    // Update id → at how many kills it was recorded and not yet answered.
    let mut in_flight_at_a_kill: HashMap<i64, usize> = HashMap::new();
    let mut kills = 0;
    let mut killed_at: Vec<Instant> = Vec::new();
    while kills < KILLS && answers(&fake).len() < UPDATES {
        let mut bot = spawn(&fake, data.path());
        // A random moment: during startup, between answers, or in the middle of sending.
        tokio::time::sleep(Duration::from_millis(rng.between(30, 1_200))).await;
        killed_at.push(Instant::now());
        bot.start_kill().expect("SIGKILL");
        let _ = bot.wait().await;
        kills += 1;
        if database.exists() {
            let store = Store::open_file(&database).expect("the database survives SIGKILL");
            let pending = store.unanswered_updates().unwrap();
            println!("kill {kills}: {} recorded and unanswered", pending.len());
            for p in pending {
                *in_flight_at_a_kill.entry(p.update_id).or_insert(0) += 1;
            }
        }
    }
    let answered_before_last_run = answers(&fake).len();

    // The last run answers the rest, then stops gracefully.
    let mut bot = spawn(&fake, data.path());
    fake.wait_until("every patient answered", Duration::from_secs(120), |f| {
        answers(f).len() == UPDATES
    })
    .await;
    // Nothing more may arrive (no late duplicate).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let pid = bot.id().expect("running");
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), bot.wait())
        .await
        .expect("stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    let per_chat = answers(&fake);
    let missing: Vec<i64> = chats
        .iter()
        .filter(|c| !per_chat.contains_key(c))
        .copied()
        .collect();
    assert!(missing.is_empty(), "never answered: {missing:?}");
    let repeated: Vec<(i64, usize)> = chats
        .iter()
        .filter(|c| per_chat[c] > 1)
        .map(|c| (update_of[c], per_chat[c]))
        .collect();
    // A reply accepted by Telegram just before a kill, whose update was not yet marked
    // answered, is sent again after the restart: at most once more per such kill.
    for (update, n) in &repeated {
        let kills_in_flight = in_flight_at_a_kill.get(update).copied().unwrap_or(0);
        assert!(
            *n <= 1 + kills_in_flight,
            "update {update} answered {n} times, but in flight at only {kills_in_flight} kills"
        );
    }
    // The duplicate window: for each repeated answer, from Telegram accepting its first copy
    // to the kill that followed.
    let requests = fake.requests();
    let mut windows_ms: Vec<f64> = chats
        .iter()
        .filter(|c| per_chat[c] > 1)
        .filter_map(|c| {
            let first = fake.sent_to(*c).into_iter().next()?;
            let accepted = requests[first.seq]
                .responded
                .unwrap_or(requests[first.seq].received);
            let kill = killed_at.iter().find(|k| **k >= accepted)?;
            Some((*kill - accepted).as_secs_f64() * 1000.0)
        })
        .collect();
    windows_ms.sort_by(f64::total_cmp);
    println!(
        "duplicate window (first copy accepted → kill), ms: {:?}",
        windows_ms
            .iter()
            .map(|w| format!("{w:.1}"))
            .collect::<Vec<_>>()
    );
    let store = Store::open_file(&database).unwrap();
    assert!(
        store.unanswered_updates().unwrap().is_empty(),
        "every recorded update is marked answered"
    );
    println!(
        "crash run: {UPDATES} updates, {kills} SIGKILLs at random moments, {} answered \
         before the last start; every update answered: {} exactly once, {} more than once \
         ({:?}: their reply was accepted just before a kill; {} updates were recorded and \
         unanswered at some kill); {:.1} s",
        answered_before_last_run,
        UPDATES - repeated.len(),
        repeated.len(),
        repeated,
        in_flight_at_a_kill.len(),
        started.elapsed().as_secs_f64()
    );
}
