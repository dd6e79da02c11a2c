//! Flood control end to end: one chat sends 200 messages at once while 20 other chats ask
//! their questions, with Telegram's own sending limits (one message per second per chat, 30
//! per second overall) as in production.
//!
//! The flooder gets its allowance of answers, one slow-down note, and nothing else (an urgent
//! message in the middle of the flood is still answered); every other chat is answered, and
//! their latency while the flood is handled is printed and bounded. Messages that waited at
//! Telegram while the bot was down count when they were sent, not when they arrive.

use crate::support;

use std::time::{Duration, Instant};
use support::fake_bot_api::{FakeBotApi, Patient, Sent};
use support::{SOON, launch, real_engine};

const FLOOD: usize = 200;
const OTHERS: i64 = 20;
/// The flooder's urgent message: this many messages into the flood.
const URGENT_AT: usize = 150;
const NOTE: &str = "veel berichten kort na elkaar";

fn nl_patient(id: i64) -> Patient {
    Patient::new(id, "Anneke", Some("nl"))
}

/// When the fake server accepted (answered) the request that delivered `sent`.
fn accepted_at(fake: &FakeBotApi, sent: &Sent) -> Instant {
    fake.requests()[sent.seq]
        .responded
        .expect("an accepted message was responded to")
}

/// Each chat asks one question now; returns (chat, asked at) to measure its answer against.
fn ask_all(fake: &FakeBotApi, chats: &[Patient], question: &str) -> Vec<(i64, Instant)> {
    chats
        .iter()
        .map(|p| {
            fake.send_text(p, question);
            (p.chat_id(), Instant::now())
        })
        .collect()
}

/// Waits for the `n`-th answer of every asking chat; returns each latency.
async fn latencies(fake: &FakeBotApi, asked: &[(i64, Instant)], n: usize) -> Vec<Duration> {
    // The fake records a message as sent before it writes the response: wait for both, so
    // the latency is measured to the moment Telegram answered the bot. The request list is
    // read first, so a message recorded after that read is not in it yet: not ready.
    fake.wait_until(&format!("answer {n} in every other chat"), SOON, |f| {
        let requests = f.requests();
        asked.iter().all(|(chat, _)| {
            f.sent_to(*chat)
                .get(n - 1)
                .is_some_and(|s| requests.get(s.seq).is_some_and(|r| r.responded.is_some()))
        })
    })
    .await;
    asked
        .iter()
        .map(|(chat, at)| {
            let answers = fake.sent_to(*chat);
            assert_eq!(answers.len(), n, "chat {chat}: one answer per question");
            let answer = &answers[n - 1];
            assert!(
                !answer.text.contains(NOTE),
                "only the flooder is slowed down"
            );
            accepted_at(fake, answer).saturating_duration_since(*at)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_gets_one_note_and_its_allowance_while_other_chats_stay_responsive() {
    // Telegram's limits (`Limits::default()`), as in production.
    let bot = launch(
        FakeBotApi::start(support::TOKEN).await,
        real_engine(),
        |_| {},
    )
    .await;
    let fake = &bot.fake;
    let limit = b12bot::config::DEFAULT_FLOOD_PER_MINUTE as usize;

    let flooder = nl_patient(9_000_001);
    let others: Vec<Patient> = (0..OTHERS).map(|i| nl_patient(9_100_000 + i)).collect();

    let started = Instant::now();
    for i in 0..FLOOD {
        if i == URGENT_AT {
            fake.send_text(&flooder, "ik heb pijn op de borst en kan niet ademen");
        } else {
            fake.send_text(&flooder, &format!("wat is vitamine b12 ({i})"));
        }
    }
    // The other chats ask while the flood is being handled: once right behind it…
    let first = ask_all(fake, &others, "Welke voeding bevat veel vitamine B12?");
    let mut waited = latencies(fake, &first, 1).await;

    // …and again once the flooder has been told to slow down.
    fake.wait_until("the slow-down note", SOON * 4, |f| {
        f.sent_to(flooder.chat_id())
            .iter()
            .any(|s| s.text.contains(NOTE))
    })
    .await;
    let second = ask_all(fake, &others, "wat is een mma test");
    waited.extend(latencies(fake, &second, 2).await);

    // A button press is the flooder's barrier: its updates run in order, and a press over
    // the allowance is still acknowledged, so once it is, the whole flood has been handled.
    let some_answer = fake.sent_to(flooder.chat_id())[0].clone();
    let press = fake.press(&flooder, &some_answer.json, "t:treatment");
    fake.wait_callback_answered(&press, SOON * 4).await;
    assert_eq!(
        fake.callback_answers(&press),
        vec![None],
        "acknowledged once"
    );
    let flood_handled = started.elapsed();

    let to_flooder = fake.sent_to(flooder.chat_id());
    let notes = to_flooder.iter().filter(|s| s.text.contains(NOTE)).count();
    let urgent = to_flooder
        .iter()
        .filter(|s| s.text.contains("112") && !s.text.contains(NOTE))
        .count();
    let answers = to_flooder.len() - notes - urgent;
    assert_eq!(notes, 1, "exactly one slow-down note");
    assert_eq!(urgent, 1, "the red flag in the flood is answered");
    assert!(answers <= limit, "{answers} answers, limit {limit}");
    assert_eq!(
        answers, limit,
        "the whole allowance was answered (the flood took {flood_handled:?}, within a minute)"
    );
    let note = to_flooder.iter().find(|s| s.text.contains(NOTE)).unwrap();
    assert!(note.text.contains("huisarts"), "{}", note.text);
    assert!(note.text.contains("112"), "{}", note.text);
    // The note comes right after the allowance; the urgent answer after it.
    let note_at = to_flooder.iter().position(|s| s.text.contains(NOTE));
    assert_eq!(note_at, Some(limit));

    waited.sort();
    let median = waited[waited.len() / 2];
    let max = *waited.last().unwrap();
    println!(
        "flood: {FLOOD} messages from one chat handled in {:.1} s; {} questions from {OTHERS} \
         other chats meanwhile: latency median {:.0} ms, max {:.0} ms",
        flood_handled.as_secs_f64(),
        waited.len(),
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
    assert!(
        max < Duration::from_secs(2),
        "other chats waited up to {max:?} while one chat flooded"
    );

    // Nothing more for anyone after a quiet moment.
    let total = fake.sent_count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_count(), total, "nothing more was sent");
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_flood_control_off_every_message_is_answered() {
    let bot = launch(
        FakeBotApi::start(support::TOKEN).await,
        real_engine(),
        |c| {
            c.flood_per_minute = 0;
            c.limits = support::load::unthrottled();
        },
    )
    .await;
    let fake = &bot.fake;
    let p = nl_patient(9_200_001);
    let n = 3 * b12bot::config::DEFAULT_FLOOD_PER_MINUTE as usize;
    for i in 0..n {
        fake.send_text(&p, &format!("wat is vitamine b12 ({i})"));
    }
    let sent = fake.wait_for_messages(p.chat_id(), n, SOON).await;
    assert!(sent.iter().all(|s| !s.text.contains(NOTE)));
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_in_the_triage_group_are_not_slowed_down() {
    use support::desk::{GROUP, staff, start_desk_with};
    // Telegram lets a bot post 10 messages a minute in a supergroup; raised here so only
    // flood control could hold the replies back.
    let (bot, _dir, _store) = start_desk_with(FakeBotApi::start(support::TOKEN).await, |c| {
        c.limits = support::load::unthrottled();
    })
    .await;
    let fake = &bot.fake;
    let n = 2 * b12bot::config::DEFAULT_FLOOD_PER_MINUTE as usize;
    for _ in 0..n {
        fake.send_group_text(GROUP, &staff(), "/open");
    }
    let replies = fake.wait_for_messages(GROUP, n, SOON).await;
    assert!(replies.iter().all(|r| r.text.contains("Geen open vragen")));
    // The same staff member in a private chat is a patient like any other.
    for i in 0..n {
        fake.send_text(&staff(), &format!("wat is vitamine b12 ({i})"));
    }
    fake.wait_until("the slow-down note in private", SOON, |f| {
        f.sent_to(staff().chat_id())
            .iter()
            .any(|s| s.text.contains(NOTE))
    })
    .await;
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_that_waited_while_the_bot_was_down_count_when_they_were_sent() {
    let fake = FakeBotApi::start(support::TOKEN).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let limit = b12bot::config::DEFAULT_FLOOD_PER_MINUTE as usize;
    let n = limit + 5;
    // While the bot was down: one patient wrote a message a minute for twenty minutes,
    // another sent a burst within one second ten minutes ago.
    let calm = nl_patient(9_300_001);
    let burst = nl_patient(9_300_002);
    for i in 0..n {
        let date = now - 60 * (n - i) as i64;
        let text = format!("wat is vitamine b12 ({i})");
        fake.private_message(&calm, serde_json::json!({"text": text, "date": date}));
    }
    for i in 0..n {
        let text = format!("wat is vitamine b12 ({i})");
        fake.private_message(&burst, serde_json::json!({"text": text, "date": now - 600}));
    }
    // The bot starts and receives all of it at once.
    let bot = launch(fake, real_engine(), |c| {
        c.limits = support::load::unthrottled();
    })
    .await;
    let fake = &bot.fake;
    let calm_sent = fake.wait_for_messages(calm.chat_id(), n, SOON).await;
    assert!(
        calm_sent.iter().all(|s| !s.text.contains(NOTE)),
        "a message a minute is no flood"
    );
    let burst_sent = fake
        .wait_for_messages(burst.chat_id(), limit + 1, SOON)
        .await;
    assert!(
        burst_sent[limit].text.contains(NOTE),
        "a late burst is still a burst"
    );
    // Nothing more for either.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_to(calm.chat_id()).len(), n);
    assert_eq!(fake.sent_to(burst.chat_id()).len(), limit + 1);
    bot.stop().await.expect("graceful stop");
}
