//! The triage desk across restarts and crashes, with the real `b12bot serve` process and
//! the fake Bot API: the process is stopped (SIGTERM) or killed (SIGKILL) between the offer
//! and the patient's "yes", at the press's `answerCallbackQuery`, as Telegram accepts the
//! ticket post, and as it accepts the relay of a staff reply. Each test says exactly what
//! the patient and the group receive.

use crate::support;

use b12bot::store::{DATABASE_FILE, Status, Store, TicketNo};
use std::path::Path;
use std::time::Duration;
use support::desk::{GROUP, STAFF_ID, patient, staff};
use support::fake_bot_api::{FakeBotApi, Patient, Sent};
use support::process::BotProcess;
use support::{SOON, TOKEN};

const QUESTION: &str = "wat is de hoofdstad van frankrijk";
const ASK_PERSON: &str = "ik wil een medewerker spreken";

async fn start(fake: &FakeBotApi, data: &Path) -> BotProcess {
    let url = fake.url();
    let group = GROUP.to_string();
    let staff = STAFF_ID.to_string();
    let before = fake.requests_of("getUpdates").len();
    let bot = BotProcess::spawn_in(
        data,
        None,
        &[
            ("TELOXIDE_TOKEN", TOKEN),
            ("TELOXIDE_API_URL", &url),
            ("B12BOT_TRIAGE_CHAT_ID", &group),
            ("B12BOT_STAFF_IDS", &staff),
            // Always office hours: the patient's notice is one message.
            ("B12BOT_OFFICE_HOURS", "mon-sun 00:00-23:59"),
        ],
        "warn",
    )
    .await;
    fake.wait_until("the bot to poll", SOON, |f| {
        f.requests_of("getUpdates").len() > before
    })
    .await;
    bot
}

/// Stops the bot with `signal` ("TERM" or "KILL") and waits for it to exit.
async fn stop(bot: BotProcess, signal: &str) {
    bot.signal(signal);
    let (status, stderr) = bot.exit().await;
    if signal == "TERM" {
        assert_eq!(status.code(), Some(0), "graceful exit; stderr:\n{stderr}");
    }
}

fn store(data: &Path) -> Store {
    Store::open_file(&data.join(DATABASE_FILE)).unwrap()
}

async fn outbox_empty(fake: &FakeBotApi, data: &Path) {
    let store = store(data);
    fake.wait_until("outbox empty", SOON, |_| {
        store.stats().unwrap().outbox_pending == 0
    })
    .await;
}

/// The patient asks something the bot cannot answer, then asks for a person; returns the
/// offer (the message with the yes/no buttons).
async fn offered(fake: &FakeBotApi, p: &Patient) -> Sent {
    fake.send_text(p, QUESTION);
    fake.wait_for_messages(p.chat_id(), 1, SOON).await;
    fake.send_text(p, ASK_PERSON);
    fake.wait_until("the offer", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .any(|s| s.callback_data().contains(&"e:y".to_string()))
    })
    .await;
    let offer = fake
        .sent_to(p.chat_id())
        .into_iter()
        .find(|s| s.callback_data().contains(&"e:y".to_string()))
        .unwrap();
    assert!(offer.text.contains(QUESTION), "{}", offer.text);
    assert!(offer.text.contains(ASK_PERSON), "{}", offer.text);
    offer
}

/// The ticket post holds exactly what the patient was shown, and what the bot answered
/// (its answer, or that the patient asked for a person), never a placeholder or an intent.
fn assert_post_as_shown(post: &Sent) {
    let text = &post.text;
    assert!(text.starts_with("Nieuwe vraag #1"), "{text}");
    assert!(text.contains(&format!("«{QUESTION}»")), "{text}");
    assert!(text.contains(&format!("«{ASK_PERSON}»")), "{text}");
    assert!(text.contains("vroeg om een medewerker"), "{text}");
    assert!(!text.contains('–'), "no empty part: {text}");
    for intent in ["no_match", "human", "clarify"] {
        assert!(
            !text.lines().any(|l| l.trim() == intent),
            "an intent name: {text}"
        );
    }
    let buttons = post.callback_data();
    assert_eq!(buttons, vec!["k:1".to_string(), "c:1".to_string()]);
}

/// Messages to the patient that give them their ticket number.
fn notices(fake: &FakeBotApi, p: &Patient) -> Vec<Sent> {
    fake.sent_to(p.chat_id())
        .into_iter()
        .filter(|s| s.text.contains("Uw vraagnummer is #1"))
        .collect()
}

async fn restart_between_offer_and_press(signal: &str, id: i64) {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(id);
    let bot = start(&fake, data.path()).await;
    let offer = offered(&fake, &p).await;
    outbox_empty(&fake, data.path()).await;
    stop(bot, signal).await;

    let bot = start(&fake, data.path()).await;
    let press = fake.press(&p, &offer.json, "e:y");
    fake.wait_callback_answered(&press, SOON).await;
    let group = fake.wait_for_messages(GROUP, 1, SOON).await;
    fake.wait_until("the patient's notice", SOON, |f| !notices(f, &p).is_empty())
        .await;
    outbox_empty(&fake, data.path()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let group_now = fake.sent_to(GROUP);
    assert_eq!(group_now.len(), 1, "one ticket post: {group_now:?}");
    assert_post_as_shown(&group[0]);
    assert_eq!(notices(&fake, &p).len(), 1);
    // Before the press: the bot's answer and the offer; after it, the notice only.
    let to_patient = fake.sent_to(p.chat_id());
    assert_eq!(to_patient.len(), 3, "{to_patient:?}");
    let messages = store(data.path()).messages(TicketNo(1)).unwrap();
    assert_eq!(messages.len(), 4, "two questions and two answers stored");
    stop(bot, "TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_restart_between_offer_and_press_keeps_the_ticket_as_shown() {
    restart_between_offer_and_press("TERM", 71_001).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_between_offer_and_press_keeps_the_ticket_as_shown() {
    restart_between_offer_and_press("KILL", 71_002).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_the_press_answer_callback_query_opens_the_ticket_as_shown_once() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(71_003);
    let bot = start(&fake, data.path()).await;
    let offer = offered(&fake, &p).await;
    outbox_empty(&fake, data.path()).await;

    fake.hang_after_accept("answerCallbackQuery", None);
    let press = fake.press(&p, &offer.json, "e:y");
    fake.wait_until("the press answered", SOON, |f| f.hung().len() == 1)
        .await;
    stop(bot, "KILL").await;

    let bot = start(&fake, data.path()).await;
    let group = fake.wait_for_messages(GROUP, 1, SOON).await;
    fake.wait_until("the patient's notice", SOON, |f| !notices(f, &p).is_empty())
        .await;
    outbox_empty(&fake, data.path()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert_eq!(fake.sent_to(GROUP).len(), 1);
    assert_post_as_shown(&group[0]);
    assert_eq!(notices(&fake, &p).len(), 1);
    assert_eq!(fake.sent_to(p.chat_id()).len(), 3);
    // The press was answered once (the answer that was accepted as the bot died); a second
    // attempt, which Telegram refuses, happens only if the kill beat its record.
    let answers = fake.callback_answers(&press);
    assert!((1..=2).contains(&answers.len()), "{answers:?}");
    stop(bot, "TERM").await;
}

/// Kills the bot as Telegram accepts the ticket post: the post goes out again after the
/// restart (Telegram accepted the first, the bot could not record it). Returns both posts.
async fn duplicated_post(fake: &FakeBotApi, data: &Path, p: &Patient) -> (BotProcess, Vec<Sent>) {
    let bot = start(fake, data).await;
    let offer = offered(fake, p).await;
    outbox_empty(fake, data).await;
    fake.hang_after_accept("sendMessage", Some(GROUP));
    let press = fake.press(p, &offer.json, "e:y");
    fake.wait_callback_answered(&press, SOON).await;
    fake.wait_until("the post accepted", SOON, |f| f.hung().len() == 1)
        .await;
    stop(bot, "KILL").await;

    let bot = start(fake, data).await;
    let posts = fake.wait_for_messages(GROUP, 2, SOON).await;
    fake.wait_until("the patient's notice", SOON, |f| !notices(f, p).is_empty())
        .await;
    outbox_empty(fake, data).await;
    (bot, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_as_the_ticket_post_is_accepted_posts_it_twice_and_a_reply_to_either_relays() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(71_004);
    let (bot, posts) = duplicated_post(&fake, data.path(), &p).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_to(GROUP).len(), 2, "the post, and its repeat");
    for post in &posts {
        assert_post_as_shown(post);
    }
    assert_eq!(posts[0].text, posts[1].text);
    assert_eq!(notices(&fake, &p).len(), 1, "the patient is told once");

    // A staff reply to the first post (the one the bot never recorded) reaches the patient.
    let before = fake.sent_to(p.chat_id()).len();
    let (_, reply) = fake.send_group_reply(
        GROUP,
        &staff(),
        "Uw vraag gaat niet over B12; vraag het uw huisarts.",
        Some(&posts[0].json),
    );
    let sent = fake.wait_for_messages(p.chat_id(), before + 2, SOON).await;
    assert!(sent[before].text.contains("Antwoord van een medewerker"));
    assert_eq!(sent[before + 1].copied_from, Some((GROUP, reply)));
    // And a reply to the second post too.
    let (_, reply2) =
        fake.send_group_reply(GROUP, &staff(), "Nog een aanvulling.", Some(&posts[1].json));
    let sent = fake.wait_for_messages(p.chat_id(), before + 4, SOON).await;
    assert_eq!(sent[before + 3].copied_from, Some((GROUP, reply2)));
    outbox_empty(&fake, data.path()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_to(p.chat_id()).len(), before + 4);
    assert_eq!(
        fake.sent_to(GROUP).len(),
        2,
        "no note: both replies were placed"
    );
    let ticket = store(data.path()).ticket(TicketNo(1)).unwrap().unwrap();
    assert_eq!(ticket.status, Status::Answered);
    stop(bot, "TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_as_the_relay_is_accepted_sends_only_the_missing_part() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(71_005);
    let bot = start(&fake, data.path()).await;
    let offer = offered(&fake, &p).await;
    outbox_empty(&fake, data.path()).await;
    let press = fake.press(&p, &offer.json, "e:y");
    fake.wait_callback_answered(&press, SOON).await;
    let post = fake.wait_for_messages(GROUP, 1, SOON).await[0].clone();
    fake.wait_until("the patient's notice", SOON, |f| !notices(f, &p).is_empty())
        .await;
    outbox_empty(&fake, data.path()).await;

    let before = fake.sent_to(p.chat_id()).len();
    fake.hang_after_accept("copyMessage", Some(p.chat_id()));
    let (_, reply) =
        fake.send_group_reply(GROUP, &staff(), "Vraag het uw huisarts.", Some(&post.json));
    fake.wait_until("the copy accepted", SOON, |f| f.hung().len() == 1)
        .await;
    stop(bot, "KILL").await;

    let bot = start(&fake, data.path()).await;
    fake.wait_for_messages(p.chat_id(), before + 3, SOON).await;
    outbox_empty(&fake, data.path()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: Vec<Sent> = fake.sent_to(p.chat_id())[before..].to_vec();
    // The header went out and was recorded before the copy: it is not sent again. The copy
    // was accepted as the bot died, unrecorded: Telegram has no idempotency key, so it goes
    // out again — the one duplicate the protocol leaves.
    let headers = after
        .iter()
        .filter(|s| s.text.contains("Antwoord van een medewerker"))
        .count();
    let copies = after
        .iter()
        .filter(|s| s.copied_from == Some((GROUP, reply)))
        .count();
    assert_eq!((headers, copies, after.len()), (1, 2, 3), "{after:?}");
    assert_eq!(fake.sent_to(GROUP).len(), 1, "nothing more in the group");
    stop(bot, "TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_the_bot_cannot_place_gets_a_note_in_the_group() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(71_006);
    let bot = start(&fake, data.path()).await;
    let offer = offered(&fake, &p).await;
    outbox_empty(&fake, data.path()).await;
    let press = fake.press(&p, &offer.json, "e:y");
    fake.wait_callback_answered(&press, SOON).await;
    fake.wait_for_messages(GROUP, 1, SOON).await;
    outbox_empty(&fake, data.path()).await;

    // A message of the bot's own in the group that belongs to no ticket (here: /open's list).
    fake.send_group_reply(GROUP, &staff(), "/open", None);
    let listed = fake.wait_for_messages(GROUP, 2, SOON).await;
    let list = listed.last().unwrap().clone();
    let before = fake.sent_to(p.chat_id()).len();
    fake.send_group_reply(GROUP, &staff(), "Dit is voor de patiënt.", Some(&list.json));
    let group = fake.wait_for_messages(GROUP, 3, SOON).await;
    assert!(
        group[2].text.contains("niet doorgestuurd"),
        "{}",
        group[2].text
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.sent_to(p.chat_id()).len(),
        before,
        "nothing to the patient"
    );
    stop(bot, "TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_without_a_stored_offer_asks_for_the_question_again() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let p = patient(71_007);
    let bot = start(&fake, data.path()).await;
    let offer = offered(&fake, &p).await;
    outbox_empty(&fake, data.path()).await;
    // "No" first: the offer is gone; a "yes" under the same message opens nothing.
    let no = fake.press(&p, &offer.json, "e:n");
    fake.wait_callback_answered(&no, SOON).await;
    let yes = fake.press(&p, &offer.json, "e:y");
    fake.wait_callback_answered(&yes, SOON).await;
    fake.wait_until("the answer to the stale yes", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .any(|s| s.text.contains("Stuur uw vraag opnieuw"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.sent_to(GROUP).is_empty(), "no empty ticket");
    assert!(store(data.path()).ticket(TicketNo(1)).unwrap().is_none());
    stop(bot, "TERM").await;
}

/// The «…» lines of a message: the questions an offer shows, or a ticket post holds.
fn quoted(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('«') && l.ends_with('»'))
        .map(str::to_string)
        .collect()
}

/// The ticket number a notice gives the patient.
fn ticket_number(text: &str) -> Option<i64> {
    let rest = &text[text.find("Uw vraagnummer is #")? + "Uw vraagnummer is #".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// SIGKILL at random moments while several patients go through the whole desk: a question,
/// asking for a person, "yes" under the offer, a staff reply to the ticket post. The bot is
/// restarted after each kill. Afterwards every patient has a ticket that holds exactly what
/// their offer showed, every staff reply reached its patient, no post is empty and the
/// group got no "cannot place" note. Duplicates (a message accepted by Telegram just before
/// a kill) are counted and printed; nothing may be missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_through_the_desk_loses_no_question_and_no_reply() {
    const PATIENTS: i64 = 8;
    const KILLS: usize = 10;
    const LONG: Duration = Duration::from_secs(120);
    let mut rng = support::XorShift::from_env("DESK_CRASH_SEED");

    let shared = std::sync::Arc::new(FakeBotApi::start(TOKEN).await);
    let fake: &FakeBotApi = &shared;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_path_buf();
    let bot = std::sync::Arc::new(tokio::sync::Mutex::new(Some(
        start(fake, data.path()).await,
    )));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let (fake, bot, done) = (shared.clone(), bot.clone(), done.clone());
        tokio::spawn(async move {
            let mut kills = 0;
            while kills < KILLS && !done.load(std::sync::atomic::Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(rng.between(150, 1_500))).await;
                let mut slot = bot.lock().await;
                if let Some(running) = slot.take() {
                    stop(running, "KILL").await;
                }
                kills += 1;
                *slot = Some(start(&fake, &dir).await);
            }
            kills
        })
    };

    let patients: Vec<Patient> = (0..PATIENTS).map(|i| patient(72_000 + i)).collect();
    for (i, p) in patients.iter().enumerate() {
        fake.send_text(
            p,
            &format!("hoe laat vertrekt buslijn {} naar het station", 10 + i),
        );
        fake.send_text(p, ASK_PERSON);
    }
    let offer_of = |f: &FakeBotApi, p: &Patient| {
        f.sent_to(p.chat_id())
            .into_iter()
            .find(|s| s.callback_data().contains(&"e:y".to_string()))
    };
    fake.wait_until("every patient's offer", LONG, |f| {
        patients.iter().all(|p| offer_of(f, p).is_some())
    })
    .await;
    let offers: Vec<Sent> = patients
        .iter()
        .map(|p| offer_of(fake, p).unwrap())
        .collect();
    for (p, offer) in patients.iter().zip(&offers) {
        fake.press(p, &offer.json, "e:y");
    }
    let number_of = |f: &FakeBotApi, p: &Patient| {
        f.sent_to(p.chat_id())
            .iter()
            .find_map(|s| ticket_number(&s.text))
    };
    let post_of = |f: &FakeBotApi, n: i64| {
        f.sent_to(GROUP)
            .into_iter()
            .find(|s| s.text.starts_with(&format!("Nieuwe vraag #{n}")))
    };
    fake.wait_until("every ticket posted and its number told", LONG, |f| {
        patients
            .iter()
            .all(|p| number_of(f, p).is_some_and(|n| post_of(f, n).is_some()))
    })
    .await;
    let numbers: Vec<i64> = patients
        .iter()
        .map(|p| number_of(fake, p).unwrap())
        .collect();
    let mut replies = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        let post = post_of(fake, *n).unwrap();
        let (_, reply) = fake.send_group_reply(
            GROUP,
            &staff(),
            &format!("Antwoord {i}: vraag dit uw huisarts."),
            Some(&post.json),
        );
        replies.push(reply);
    }
    let copies = |f: &FakeBotApi, p: &Patient, reply: i64| {
        f.sent_to(p.chat_id())
            .iter()
            .filter(|s| s.copied_from == Some((GROUP, reply)))
            .count()
    };
    fake.wait_until("every staff reply relayed", LONG, |f| {
        patients
            .iter()
            .zip(&replies)
            .all(|(p, r)| copies(f, p, *r) > 0)
    })
    .await;

    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let kills = killer.await.unwrap();
    let running = bot.lock().await.take().unwrap();
    outbox_empty(fake, data.path()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut duplicates = 0;
    for (((p, offer), n), reply) in patients.iter().zip(&offers).zip(&numbers).zip(&replies) {
        let posts: Vec<Sent> = fake
            .sent_to(GROUP)
            .into_iter()
            .filter(|s| s.text.starts_with(&format!("Nieuwe vraag #{n}")))
            .collect();
        for post in &posts {
            assert_eq!(
                quoted(&post.text),
                quoted(&offer.text),
                "the ticket as shown"
            );
            assert!(!post.text.contains('–'), "no empty part: {}", post.text);
        }
        let told: Vec<i64> = fake
            .sent_to(p.chat_id())
            .iter()
            .filter_map(|s| ticket_number(&s.text))
            .collect();
        assert!(
            told.iter().all(|t| t == n),
            "one ticket per patient: {told:?}"
        );
        duplicates += posts.len() - 1 + told.len() - 1 + copies(fake, p, *reply) - 1;
    }
    for sent in fake.sent_to(GROUP) {
        assert!(
            sent.text.starts_with("Nieuwe vraag #"),
            "only ticket posts in the group, no note about a lost reply: {}",
            sent.text
        );
    }
    let tickets = store(data.path());
    for n in 1..=PATIENTS {
        assert!(
            tickets.ticket(TicketNo(n)).unwrap().is_some(),
            "ticket #{n}"
        );
    }
    assert!(
        tickets.ticket(TicketNo(PATIENTS + 1)).unwrap().is_none(),
        "no ticket opened twice"
    );
    println!("{kills} kills, {duplicates} duplicate messages (posts, notices, relays)");
    stop(running, "TERM").await;
}
