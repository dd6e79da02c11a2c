//! End-to-end with the real `b12bot serve` process: signals, exit codes, and what it logs.
//!
//! These spawn the binary cargo built for this package (`CARGO_BIN_EXE_b12bot`) against the
//! fake Bot API server running in the test.

use crate::support;

use serde_json::json;
use std::time::Duration;
use support::fake_bot_api::{FakeBotApi, Patient};
use support::process::BotProcess;
use support::{SOON, TOKEN};

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

/// The triage group and its staff member in the conversation below.
const LOG_GROUP: i64 = -1_004_815_162_342;
const LOG_STAFF: i64 = 6_172_839_405;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_conversation_logged_at_trace_holds_no_text_names_ids_phone_numbers_or_the_token() {
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let url = fake.url();
    let (group, staff_id) = (LOG_GROUP.to_string(), LOG_STAFF.to_string());
    let bot = BotProcess::spawn(
        &[
            ("TELOXIDE_TOKEN", TOKEN),
            ("TELOXIDE_API_URL", &url),
            ("B12BOT_TRIAGE_CHAT_ID", &group),
            ("B12BOT_STAFF_IDS", &staff_id),
            ("B12BOT_DATA_DIR", data.path().to_str().unwrap()),
        ],
        // Our own crate at its most talkative; teloxide and the rest at info.
        "info,b12bot=trace",
    )
    .await;
    fake.wait_polling(SOON).await;

    let p = Patient {
        user_id: 583_927_164,
        first_name: "Xandriel".into(),
        username: Some("xandriel_zq".into()),
        language_code: Some("nl".into()),
    };
    let staff = Patient {
        user_id: LOG_STAFF,
        first_name: "Quorwyn".into(),
        username: Some("quorwyn_staff".into()),
        language_code: Some("nl".into()),
    };
    let outsider = Patient {
        user_id: 771_204_993,
        first_name: "Zebulon".into(),
        username: Some("zebulon_x".into()),
        language_code: Some("nl".into()),
    };
    // A flood from a third chat, running alongside the conversation (Telegram lets its
    // answers out at one a second).
    let flooder = Patient::new(912_384_756, "Yrsa", Some("nl"));
    for i in 0..17 {
        fake.send_text(&flooder, &format!("spamword {i} wat is b12"));
    }
    let chat = p.chat_id();
    let mut n = 0;
    let mut next = |k: usize| {
        n += k;
        n
    };

    // A question, its 👍 and a related topic.
    fake.send_text(&p, "/start");
    let menu = fake
        .wait_for_messages(chat, next(1), SOON)
        .await
        .pop()
        .unwrap();
    fake.send_text(&p, "zzyzx: wat is vitamine b12");
    let answer = fake
        .wait_for_messages(chat, next(1), SOON)
        .await
        .pop()
        .unwrap();
    let up = answer
        .callback_data()
        .into_iter()
        .find(|d| d.starts_with("f:"))
        .unwrap_or_else(|| panic!("👍 under the answer: {answer:#?}"));
    let up = fake.press(&p, &answer.json, &up);
    fake.wait_callback_answered(&up, SOON).await;
    fake.press(&p, &menu.json, &menu.callback_data()[0]);
    fake.wait_for_messages(chat, next(1), SOON).await;
    // A value, the patient's own phone number, a photo with a caption, an edit.
    fake.send_text(&p, "mijn b12 was 163,7 pmol/l vorige week, plumbago");
    fake.wait_for_messages(chat, next(1), SOON).await;
    fake.private_message(
        &p,
        json!({"contact": {"phone_number": "+31648219375", "first_name": "Xandriel",
                           "last_name": "Vermeulen-Oostra", "user_id": p.user_id}}),
    );
    fake.wait_for_messages(chat, next(1), SOON).await;
    fake.send_photo(&p, Some("qwxqwx foto van mijn uitslag"));
    fake.wait_for_messages(chat, next(1), SOON).await;
    let (_, edited) = fake.send_text(&p, "wat kost de behandeling");
    fake.wait_for_messages(chat, next(1), SOON).await;
    fake.edit_text(&p, edited, "bewerkt: wat kost de behandeling, frobnicate");
    fake.wait_for_messages(chat, next(1), SOON).await;

    // Escalation with consent, a follow-up, a staff reply, take, /open, /stats, /close.
    fake.send_text(&p, "wat is de hoofdstad van frankrijk, klaatu barada");
    fake.wait_for_messages(chat, next(1), SOON).await;
    fake.send_text(&p, "ik wil een medewerker spreken");
    let offer = fake
        .wait_for_messages(chat, next(1), SOON)
        .await
        .pop()
        .unwrap();
    let yes = fake.press(&p, &offer.json, "e:y");
    fake.wait_callback_answered(&yes, SOON).await;
    let post = fake.wait_for_messages(LOG_GROUP, 1, SOON).await[0].clone();
    fake.wait_for_messages(chat, next(1), SOON).await; // the ticket number
    fake.send_text(&p, "ik gebruik ook metformine, nikto");
    fake.wait_for_messages(LOG_GROUP, 2, SOON).await;
    fake.wait_for_messages(chat, next(1), SOON).await;
    fake.send_group_reply(
        LOG_GROUP,
        &staff,
        "Beste Xandriel, bel uw huisarts. Groet, Quorwyn (toestel 4471)",
        Some(&post.json),
    );
    fake.wait_for_messages(chat, next(2), SOON).await; // the note and the copy
    let take = fake.press(&staff, &post.json, "k:1");
    fake.wait_callback_answered(&take, SOON).await;
    fake.wait_for_messages(LOG_GROUP, 3, SOON).await;
    for (i, cmd) in ["/open", "/stats"].into_iter().enumerate() {
        fake.send_group_reply(LOG_GROUP, &staff, cmd, None);
        fake.wait_for_messages(LOG_GROUP, 4 + i, SOON).await;
    }
    fake.send_group_reply(LOG_GROUP, &outsider, "/close 1", None);
    fake.wait_for_messages(LOG_GROUP, 6, SOON).await; // refused
    fake.send_group_reply(LOG_GROUP, &staff, "/close 1", None);
    fake.wait_for_messages(LOG_GROUP, 7, SOON).await;
    fake.wait_for_messages(chat, next(1), SOON).await; // closed

    // An urgent message: answered at once, raised without asking.
    fake.send_text(&p, "ik heb pijn op de borst en kan niet ademen, vortigaunt");
    fake.wait_for_messages(chat, next(2), SOON).await;
    fake.wait_for_messages(LOG_GROUP, 8, SOON).await;

    // Someone else's press on the patient's message; an update teloxide cannot read.
    let forged = fake.press(&outsider, &answer.json, "e:y");
    fake.wait_callback_answered(&forged, SOON).await;
    fake.push_update(
        "message",
        json!({"message_id": "glorbnax", "from": p.user_json(), "chat": p.private_chat_json(),
               "date": 1_750_000_000, "text": "onleesbaar glorbnax bericht van Xandriel"}),
    );
    // The flood from a third chat (sent at the start) has been stopped.
    fake.wait_until("the slow-down note", SOON * 2, |f| {
        f.sent_to(flooder.chat_id())
            .iter()
            .any(|s| s.text.contains("veel berichten"))
    })
    .await;

    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");

    // It says what happened…
    for said in [
        "answered: intent=faq",
        "answered: intent=b12_value",
        "answered: intent=urgent",
        "non-text message",
        "button: feedback helpful (recorded)",
        "ticket #1 opened",
        "follow-up added to ticket #1",
        "staff reply to ticket #1 queued",
        "ticket #1 closed",
        "urgent ticket #2 raised",
        "refused /close from someone who is not staff",
        "button press on a message of another chat",
        "flood control: a chat exceeded 15 messages/minute",
    ] {
        assert!(stderr.contains(said), "log lacks {said:?}:\n{stderr}");
    }
    // …at trace level for our crate…
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("DEBUG") || l.contains("TRACE")),
        "{stderr}"
    );
    // …without anything that identifies a person, what they wrote, or the bot's secret.
    let secret = TOKEN.split(':').nth(1).unwrap();
    let ids = [
        p.user_id.to_string(),
        LOG_STAFF.to_string(),
        outsider.user_id.to_string(),
        flooder.user_id.to_string(),
        LOG_GROUP.unsigned_abs().to_string(),
    ];
    let mut needles: Vec<&str> = vec![
        secret,
        // names and usernames
        "Xandriel",
        "xandriel_zq",
        "Vermeulen",
        "Quorwyn",
        "quorwyn_staff",
        "Zebulon",
        "zebulon_x",
        "Yrsa",
        // the phone number
        "648219375",
        // what they wrote, and what the bot answered
        "zzyzx",
        "163,7",
        "plumbago",
        "qwxqwx",
        "frobnicate",
        "klaatu",
        "frankrijk",
        "metformine",
        "nikto",
        "toestel 4471",
        "vortigaunt",
        "pijn op de borst",
        "glorbnax",
        "spamword",
        "cobalamine",
    ];
    needles.extend(ids.iter().map(String::as_str));
    for needle in needles {
        assert!(
            !stderr.contains(needle),
            "log contains {needle:?}:\n{stderr}"
        );
    }
}

/// A plain HTTP/1.1 GET on 127.0.0.1: the status line and the body.
async fn http_get(port: u16, path: &str) -> Option<(String, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_the_console_reports_telegram_in_readyz() {
    let fake = FakeBotApi::start(TOKEN).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = fake.url();
    let addr = format!("127.0.0.1:{port}");
    let bot = BotProcess::spawn(
        &[
            ("TELOXIDE_TOKEN", TOKEN),
            ("TELOXIDE_API_URL", &url),
            ("B12BOT_CONSOLE", &addr),
        ],
        "info",
    )
    .await;
    fake.wait_polling(SOON).await;
    // The console's /readyz sees the Telegram door's heartbeat (it once got none in `serve`).
    let deadline = tokio::time::Instant::now() + SOON;
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        last = http_get(port, "/readyz").await;
        if last
            .as_ref()
            .is_some_and(|(_, body)| body.contains("Telegram reached"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = last.expect("the console answers");
    assert!(status.contains("200"), "{status}\n{body}");
    assert!(body.starts_with("ready\nTelegram reached "), "{body}");
    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
}

/// Without a triage group the bot still keeps the question log (the report and the console's
/// inbox read it), offers 👍/👎 under an answer and records the tap, and its retention timer
/// blanks texts older than `retention_days`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_desk_questions_are_logged_rated_and_kept_within_retention() {
    use b12bot::engine::Intent;
    use b12bot::store::{QuestionRecord, Store};
    let fake = FakeBotApi::start(TOKEN).await;
    let data = tempfile::tempdir().unwrap();
    let now = b12bot::time::now();
    Store::open(data.path())
        .unwrap()
        .log_question(
            now - 40 * 86_400,
            &QuestionRecord {
                text: "EEN-OUDE-VRAAG".into(),
                intent: Intent::NoMatch,
                topic: None,
                score: 0.1,
                lang: b12bot::text::Lang::Nl,
            },
        )
        .unwrap();
    let url = fake.url();
    let bot = BotProcess::spawn_in(
        data.path(),
        None,
        &[
            ("TELOXIDE_TOKEN", TOKEN),
            ("TELOXIDE_API_URL", &url),
            ("B12BOT_TRIAGE_CHAT_ID", "none"),
            ("B12BOT_RETENTION_DAYS", "30"),
        ],
        "info",
    )
    .await;
    fake.wait_polling(SOON).await;
    let p = nl_patient(6101);
    fake.send_text(&p, "wat is vitamine b12 eigenlijk");
    let reply = fake.wait_for_messages(p.chat_id(), 1, SOON).await.remove(0);
    let rate = reply
        .callback_data()
        .into_iter()
        .find(|d| d.starts_with("f:") && d.ends_with(":1"))
        .unwrap_or_else(|| panic!("no 👍 under the answer: {:?}", reply.buttons()));
    let tap = fake.press(&p, &reply.json, &rate);
    fake.wait_callback_answered(&tap, SOON).await;
    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("retention (30 days)"), "{stderr}");

    let logged = Store::open(data.path())
        .unwrap()
        .questions_since(0)
        .unwrap();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(logged[0].text, None, "the 40-day-old text is blanked");
    assert_eq!(
        logged[1].text.as_deref(),
        Some("wat is vitamine b12 eigenlijk")
    );
    assert_eq!(logged[1].helpful, Some(true));
}
