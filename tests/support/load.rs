//! The load run: many chats, many updates, through the fake Bot API server and the real
//! dispatcher. Shared by `tests/telegram_load.rs` (an `#[ignore]`d test) and
//! `examples/telegram_load.rs`.

use super::fake_bot_api::{FakeBotApi, Patient};
use super::{TOKEN, launch, real_engine};
use b12bot::engine::Context;
use b12bot::text::Lang;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use teloxide::adaptors::throttle::Limits;

/// Ten Dutch messages with ten different answers (checked at the start of the run), so the
/// order of the answers in a chat shows the order the updates were handled in.
pub const QUESTIONS: [&str; 10] = [
    "wat is vitamine b12 precies",
    "Welke voeding bevat veel vitamine B12?",
    "hoe lang duurt het voordat ik me beter voel na de b12 prikken",
    "wordt de behandeling vergoed door de verzekering",
    "mijn b12 uitslag was 190 pmol/l",
    "b12 was 520 ben ik dan oke",
    "wat is een mma test",
    "mag ik zelf b12 tabletten kopen bij de drogist",
    "hallo",
    "waar kan ik parkeren bij het ziekenhuis",
];

#[derive(Debug)]
pub struct LoadReport {
    pub chats: usize,
    pub updates: usize,
    pub answered: usize,
    /// From the first update being available to the last answer accepted.
    pub elapsed: Duration,
    /// Peak resident memory of this process (bot + fake server + its records), in KiB.
    pub vm_hwm_kib: Option<u64>,
    pub vm_hwm_before_kib: Option<u64>,
}

impl LoadReport {
    pub fn print(&self) {
        let secs = self.elapsed.as_secs_f64();
        println!(
            "load: {} updates from {} chats, {} answered in {:.2} s ({:.0} updates/s); \
             peak memory (VmHWM) {} (before the run: {})",
            self.updates,
            self.chats,
            self.answered,
            secs,
            self.updates as f64 / secs,
            fmt_kib(self.vm_hwm_kib),
            fmt_kib(self.vm_hwm_before_kib),
        );
    }
}

fn fmt_kib(k: Option<u64>) -> String {
    k.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// VmHWM (peak resident set) of this process, from /proc/self/status.
pub fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Limits high enough that Telegram's per-chat and overall limits (1 and 30 messages per
/// second) do not set the pace: the run measures the bot, not the throttle's waiting. With
/// Telegram's limits the same run takes at least updates / 30 seconds.
pub fn unthrottled() -> Limits {
    Limits {
        messages_per_sec_chat: 10_000,
        messages_per_min_chat: 1_000_000,
        messages_per_min_channel_or_supergroup: 1_000_000,
        messages_per_sec_overall: 10_000,
    }
}

/// Sends `per_chat` questions from each of `chats` private chats (interleaved across chats),
/// waits for every answer, and checks: every update answered exactly once, and in each chat
/// the answers come in the order of the questions. Panics on any violation.
pub async fn run(chats: usize, per_chat: usize, limits: Limits, timeout: Duration) -> LoadReport {
    let engine = real_engine();
    let markers: Vec<String> = QUESTIONS
        .iter()
        .map(|q| {
            let a = engine.answer(
                q,
                &Context {
                    lang_hint: Some(Lang::Nl),
                },
            );
            // The start of the reply (the message may begin with the topic's title).
            a.reply.trim().chars().take(80).collect::<String>()
        })
        .collect();
    let distinct: HashSet<&String> = markers.iter().collect();
    assert_eq!(
        distinct.len(),
        QUESTIONS.len(),
        "the load questions need ten different answers: {markers:#?}"
    );

    let fake = FakeBotApi::start(TOKEN).await;
    fake.set_lean(true);
    let patients: Vec<Patient> = (0..chats)
        .map(|i| Patient::new(50_000_000 + i as i64, "Patient", Some("nl")))
        .collect();
    // Chat i asks question (i + k) mod 10 as its k-th message.
    let asked = |chat: usize, k: usize| (chat + k) % QUESTIONS.len();
    let mut last_update = 0;
    for k in 0..per_chat {
        for (i, p) in patients.iter().enumerate() {
            last_update = fake.send_text(p, QUESTIONS[asked(i, k)]).0;
        }
    }
    let total = chats * per_chat;
    let vm_hwm_before_kib = vm_hwm_kib();

    let started = Instant::now();
    let mut bot = launch(fake, engine, |c| {
        c.limits = limits;
        // Every chat asks all its questions at once: a flood, by design; answer them all.
        c.flood_per_minute = c.flood_per_minute.max(per_chat as u32);
    })
    .await;
    let fake = &bot.fake;
    fake.wait_until(&format!("{total} answers"), timeout, |f| {
        f.sent_count() >= total
    })
    .await;
    let elapsed = started.elapsed();

    for (i, p) in patients.iter().enumerate() {
        let sent = fake.sent_to(p.chat_id());
        assert_eq!(sent.len(), per_chat, "chat {i}: one answer per update");
        for (k, m) in sent.iter().enumerate() {
            let expected = &markers[asked(i, k)];
            assert!(
                m.text.contains(expected.as_str()),
                "chat {i}, answer {k}: expected the answer to {:?}, got {:?}",
                QUESTIONS[asked(i, k)],
                m.text.lines().next()
            );
        }
    }
    let failed: Vec<_> = fake
        .requests_of("sendMessage")
        .into_iter()
        .filter(|r| !r.ok())
        .collect();
    assert!(failed.is_empty(), "refused sends: {failed:?}");
    let answered = fake.all_sent().len();
    assert_eq!(answered, total, "no extra messages");
    let vm_hwm_kib = vm_hwm_kib();

    bot.shutdown().await.expect("graceful stop after the load");
    assert_eq!(
        bot.fake.confirmed_offset(),
        last_update + 1,
        "offset committed"
    );
    LoadReport {
        chats,
        updates: total,
        answered,
        elapsed,
        vm_hwm_kib,
        vm_hwm_before_kib,
    }
}
