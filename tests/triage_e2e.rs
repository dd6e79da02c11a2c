//! The triage desk end to end, against the fake Bot API server: escalation with consent,
//! the ticket in the triage group, staff replies (text and photo) copied to the patient,
//! follow-ups, urgent messages, staff-only commands, delivery through outages and a
//! SIGKILL of the real `b12bot serve` process, and retention.

use crate::support;

use b12bot::store::{Status, Store, TicketNo};
use b12bot::telegram::TriageSetup;
use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::desk::{
    GROUP, STAFF_ID, desk_config, desk_state, escalate, open_ticket, outsider, patient, staff,
    start_desk, start_desk_with, wait_for_patient_text,
};
use support::fake_bot_api::{FakeBotApi, Fault};
use support::{
    RunningBot, SOON, TOKEN, copy_faq, desk_engine, desk_engine_config, faq_dir, launch,
};

/// [`start_desk`] serving (and watching) an editable copy of the FAQ folder.
async fn start_desk_with_faq(
    fake: FakeBotApi,
) -> (RunningBot, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (faq_tmp, faq) = copy_faq();
    std::fs::rename(faq_tmp.keep(), dir.path().join("faq-copy")).unwrap();
    let faq = dir.path().join("faq-copy").join(faq.file_name().unwrap());
    let setup = TriageSetup {
        store,
        config: desk_config(dir.path()),
        faq: Some(b12bot::telegram::FaqSource {
            dir: faq.clone(),
            config: desk_engine_config(),
        }),
    };
    let bot = launch(fake, desk_engine(), move |c| c.triage = Some(setup)).await;
    (bot, dir, faq)
}

async fn fake() -> FakeBotApi {
    FakeBotApi::start(TOKEN).await
}

#[tokio::test]
async fn escalation_shows_what_is_shared_then_the_ticket_reaches_the_group() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let anneke = patient(2001);

    // After a no_match the patient is offered a staff member.
    f.send_text(&anneke, "wat is de hoofdstad van frankrijk");
    let no_match = f.wait_for_messages(anneke.chat_id(), 1, SOON).await[0].clone();
    assert!(no_match.callback_data().contains(&"h".to_string()));

    f.send_text(&anneke, "ik wil een medewerker spreken");
    let offer = f.wait_for_messages(anneke.chat_id(), 2, SOON).await[1].clone();
    // What will be shared: the question, not the name or username.
    assert!(
        offer.text.contains("hoofdstad van frankrijk"),
        "{}",
        offer.text
    );
    assert!(!offer.text.contains("Anneke") && !offer.text.contains("anneke_"));
    assert!(
        f.sent_to(GROUP).is_empty(),
        "nothing is shared before confirming"
    );

    let press = f.press(&anneke, &offer.json, "e:y");
    f.wait_callback_answered(&press, SOON).await;
    let post = f.wait_for_messages(GROUP, 1, SOON).await[0].clone();
    assert!(post.text.contains("#1"), "{}", post.text);
    assert!(post.text.contains("NL"));
    assert!(post.text.contains("hoofdstad van frankrijk"));
    // What the bot answered: its own words (the opening of the answer the patient got),
    // not an intent name.
    let first = f.sent_to(anneke.chat_id())[0].text.clone();
    let answered = first
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        post.text.contains(&answered) && !post.text.contains("no_match"),
        "what the bot answered ({answered:?}): {}",
        post.text
    );
    assert!(!post.text.contains("Anneke") && !post.text.contains("anneke_"));
    assert_eq!(post.callback_data(), ["k:1", "c:1"]);

    let told = wait_for_patient_text(f, &anneke, "#1").await;
    assert!(told.text.contains("#1"));
    let ticket = store.ticket(TicketNo(1)).unwrap().unwrap();
    assert_eq!(ticket.status, Status::Open);
    assert_eq!(ticket.group_message_id, Some(post.message_id as i32));
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn declining_shares_nothing() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2002);
    f.send_text(&p, "ik wil een medewerker spreken");
    let offer = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    let press = f.press(&p, &offer.json, "e:n");
    f.wait_callback_answered(&press, SOON).await;
    f.wait_for_messages(p.chat_id(), 2, SOON).await;
    assert!(f.sent_to(GROUP).is_empty());
    assert!(store.open_tickets().unwrap().is_empty());
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_staff_reply_reaches_the_patient_after_a_note_and_marks_the_ticket_answered() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2003);
    let post = escalate(f, &p).await;
    wait_for_patient_text(f, &p, "#1").await;

    let (_, reply_id) = f.send_group_reply(
        GROUP,
        &staff(),
        "Dat kunt u het best aan uw huisarts vragen.",
        Some(&post.json),
    );
    f.wait_until("the copy to the patient", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .any(|s| s.copied_from.is_some())
    })
    .await;
    let sent = f.sent_to(p.chat_id());
    let copy_at = sent.iter().position(|s| s.copied_from.is_some()).unwrap();
    assert_eq!(sent[copy_at].copied_from, Some((GROUP, reply_id)));
    assert!(sent[copy_at].text.contains("huisarts"));
    assert!(
        sent[copy_at - 1]
            .text
            .contains("medewerker van het ziekenhuis"),
        "the note comes first: {:?}",
        sent[copy_at - 1].text
    );
    f.wait_until("ticket answered", SOON, |_| {
        store.ticket(TicketNo(1)).unwrap().unwrap().status == Status::Answered
    })
    .await;
    assert_eq!(f.requests_of("copyMessage").len(), 1, "copied exactly once");
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_photo_reply_reaches_the_patient_with_copy_message() {
    let (bot, _dir, _store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2004);
    let post = escalate(f, &p).await;
    let (_, photo_id) = f.send_group_photo(
        GROUP,
        &staff(),
        Some("Zo ziet de folder eruit"),
        Some(&post.json),
    );
    f.wait_until("the photo to the patient", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .any(|s| s.copied_from.is_some())
    })
    .await;
    let copy = f
        .sent_to(p.chat_id())
        .into_iter()
        .find(|s| s.copied_from.is_some())
        .unwrap();
    assert_eq!(copy.copied_from, Some((GROUP, photo_id)));
    assert!(copy.json.get("photo").is_some(), "{}", copy.json);
    assert_eq!(copy.json["caption"], json!("Zo ziet de folder eruit"));
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_follow_up_goes_to_the_same_ticket_as_a_reply_to_its_post() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2005);
    let post = escalate(f, &p).await;
    wait_for_patient_text(f, &p, "#1").await;
    f.send_text(&p, "Ik gebruik ook metformine, maakt dat uit?");
    let followup = f.wait_for_messages(GROUP, 2, SOON).await[1].clone();
    assert!(followup.text.contains("metformine"));
    assert!(followup.text.contains("#1"));
    assert_eq!(followup.reply_to, Some(post.message_id));
    wait_for_patient_text(f, &p, "Toegevoegd").await;
    assert_eq!(store.open_tickets().unwrap().len(), 1, "no second ticket");

    // A staff reply to the follow-up post reaches the patient too.
    f.send_group_reply(
        GROUP,
        &staff(),
        "Ja, vraag het uw huisarts.",
        Some(&followup.json),
    );
    f.wait_until("the copy", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .any(|s| s.copied_from.is_some())
    })
    .await;
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn urgent_is_answered_at_once_and_raised_in_the_group_without_asking() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2006);
    f.send_text(&p, "ik heb pijn op de borst en kan niet ademen");
    let first = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    assert!(first.text.contains("112"), "{}", first.text);
    let post = f.wait_for_messages(GROUP, 1, SOON).await[0].clone();
    assert!(post.text.contains("SPOED #1"), "{}", post.text);
    assert!(post.text.contains("pijn op de borst"));
    assert!(store.ticket(TicketNo(1)).unwrap().unwrap().urgent);
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_red_flag_in_other_words_is_raised_as_spoed_too() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2007);
    f.send_text(
        &p,
        "opa is zojuist in elkaar gezakt en reageert nergens meer op",
    );
    let first = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    assert!(
        first.text.starts_with("Bel nu direct 112"),
        "{}",
        first.text
    );
    let post = f.wait_for_messages(GROUP, 1, SOON).await[0].clone();
    assert!(post.text.contains("SPOED #1"), "{}", post.text);
    assert!(store.ticket(TicketNo(1)).unwrap().unwrap().urgent);
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn non_staff_replies_and_commands_in_the_group_are_refused() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2007);
    let post = escalate(f, &p).await;
    wait_for_patient_text(f, &p, "#1").await;

    f.send_group_reply(
        GROUP,
        &outsider(),
        "Ik weet het antwoord!",
        Some(&post.json),
    );
    let refusal = f.wait_for_messages(GROUP, 2, SOON).await[1].clone();
    assert!(
        refusal.text.contains("Alleen medewerkers"),
        "{}",
        refusal.text
    );
    f.send_group_reply(GROUP, &outsider(), "/stats", None);
    let refusal = f.wait_for_messages(GROUP, 3, SOON).await[2].clone();
    assert!(refusal.text.contains("Alleen medewerkers"));
    let press = f.press(&outsider(), &post.json, "c:1");
    f.wait_callback_answered(&press, SOON).await;
    assert!(
        f.callback_answers(&press)[0]
            .as_deref()
            .unwrap_or("")
            .contains("Alleen")
    );

    // A staff command in a private chat: silent.
    let before = f.sent_to(p.chat_id()).len();
    f.send_text(&p, "/stats");
    f.send_text(&p, "/onderwerpen");
    f.wait_for_messages(p.chat_id(), before + 1, SOON).await;
    let after = f.sent_to(p.chat_id());
    assert_eq!(after.len(), before + 1, "only /onderwerpen answered");
    assert!(!after[before].text.contains("Open:"));

    // Nothing relayed, nothing closed; staff get /stats.
    assert!(f.requests_of("copyMessage").is_empty());
    assert_eq!(
        store.ticket(TicketNo(1)).unwrap().unwrap().status,
        Status::Open
    );
    f.send_group_reply(GROUP, &staff(), "/stats", None);
    let stats = f.wait_for_messages(GROUP, 4, SOON).await[3].clone();
    assert!(stats.text.contains("Open: 1"), "{}", stats.text);
    // The question log's short report comes first: the escalated no_match question counts
    // as unanswered.
    assert!(
        stats
            .text
            .contains("Last 30 days: 2 questions, 1 unanswered"),
        "{}",
        stats.text
    );
    assert!(
        stats.text.contains("hoofdstad van frankrijk"),
        "{}",
        stats.text
    );
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn a_ticket_closed_with_close_no_longer_relays() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2008);
    let post = escalate(f, &p).await;
    wait_for_patient_text(f, &p, "#1").await;

    f.send_group_reply(GROUP, &staff(), "/open", None);
    let open = f.wait_for_messages(GROUP, 2, SOON).await[1].clone();
    assert!(open.text.contains("#1"), "{}", open.text);

    f.send_group_reply(GROUP, &staff(), "/close 1", None);
    let closed = f.wait_for_messages(GROUP, 3, SOON).await[2].clone();
    assert!(closed.text.contains("#1 is gesloten"), "{}", closed.text);
    assert_eq!(
        store.ticket(TicketNo(1)).unwrap().unwrap().status,
        Status::Closed
    );

    f.send_group_reply(GROUP, &staff(), "Nog een antwoord", Some(&post.json));
    let note = f.wait_for_messages(GROUP, 4, SOON).await[3].clone();
    assert!(note.text.contains("niet doorgestuurd"), "{}", note.text);
    assert!(f.requests_of("copyMessage").is_empty());

    // The patient's next message is a new question, not a follow-up.
    f.send_text(&p, "hoe lang duurt herstel");
    wait_for_patient_text(f, &p, "herstel").await;
    assert_eq!(f.sent_to(GROUP).len(), 4);
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn delivery_resumes_after_the_group_fails_with_500s() {
    let f = fake().await;
    // teloxide itself waits 10 s after a 5xx before reporting it; the outbox then backs off.
    f.fail_chat(GROUP, [Fault::ServerError, Fault::ServerError]);
    let (bot, _dir, store) = start_desk(f).await;
    let f = &bot.fake;
    let p = patient(2009);
    f.send_text(&p, "ik wil een medewerker spreken");
    let offer = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    f.press(&p, &offer.json, "e:y");
    // The patient's chat is not held up by the group's outage.
    wait_for_patient_text(f, &p, "#1").await;
    assert!(f.sent_to(GROUP).is_empty());
    let post = f.wait_for_messages(GROUP, 1, Duration::from_secs(60)).await[0].clone();
    assert!(post.text.contains("#1"));
    let to_group: Vec<_> = f
        .requests_of("sendMessage")
        .into_iter()
        .filter(|r| r.params["chat_id"].as_i64() == Some(GROUP))
        .collect();
    assert_eq!(to_group.iter().filter(|r| r.status == Some(500)).count(), 2);
    assert_eq!(f.sent_to(GROUP).len(), 1, "posted exactly once");
    f.wait_until("outbox empty", SOON, |_| {
        store.stats().unwrap().outbox_pending == 0
    })
    .await;
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn the_group_id_is_logged_when_the_bot_is_added_and_nothing_is_sent() {
    let (bot, _dir, _store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let id = f.add_bot_to_group(-1_009_999, &staff());
    assert!(id > 0, "my_chat_member is among the allowed updates");
    f.wait_until("the update confirmed", SOON, |f| f.confirmed_offset() > id)
        .await;
    assert!(f.sent_to(-1_009_999).is_empty());
    bot.stop().await.unwrap();
}

// --- the real process: SIGKILL between storing and sending ---------------------------------

struct Proc(tokio::process::Child);

impl Proc {
    fn spawn(fake: &FakeBotApi, data: &Path) -> Proc {
        crate::support::process::warm_vector_cache();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_b12bot"))
            .arg("--faq")
            .arg(faq_dir())
            .arg("serve")
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.url())
            .env("B12BOT_TRIAGE_CHAT_ID", GROUP.to_string())
            .env("B12BOT_STAFF_IDS", STAFF_ID.to_string())
            .env("B12BOT_DATA_DIR", data)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn b12bot serve");
        Proc(child)
    }

    async fn kill9(mut self) {
        let pid = self.0.id().expect("running");
        let status = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let _ = self.0.wait().await;
    }
}

#[tokio::test]
async fn a_ticket_stored_before_a_sigkill_arrives_exactly_once_after_the_restart() {
    let f = fake().await;
    let dir = tempfile::tempdir().unwrap();
    // The group's sendMessage hangs: the post is stored and being sent when the bot dies.
    f.block_chat(GROUP);
    let first = Proc::spawn(&f, dir.path());
    f.wait_polling(SOON).await;
    let p = patient(2010);
    f.send_text(&p, "ik wil een medewerker spreken");
    let offer = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    f.press(&p, &offer.json, "e:y");
    f.wait_until("the post in flight", SOON, |f| {
        f.requests_of("sendMessage")
            .iter()
            .any(|r| r.params["chat_id"].as_i64() == Some(GROUP))
    })
    .await;
    first.kill9().await;
    f.unblock_chat(GROUP);
    assert!(f.sent_to(GROUP).is_empty(), "not accepted before the kill");
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.open_tickets().unwrap().len(),
            1,
            "stored before sending"
        );
    }

    let polls = f.requests_of("getUpdates").len();
    let second = Proc::spawn(&f, dir.path());
    f.wait_until("the restarted bot polling", SOON, |f| {
        f.requests_of("getUpdates").len() > polls
    })
    .await;
    let post = f.wait_for_messages(GROUP, 1, SOON).await[0].clone();
    assert!(post.text.contains("#1"), "{}", post.text);
    // Give a duplicate every chance to show up: the next outbox round, a redelivered press.
    f.send_text(&p, "hoe lang duurt herstel");
    f.wait_for_messages(GROUP, 2, SOON).await; // the follow-up
    let posts: Vec<_> = f
        .sent_to(GROUP)
        .into_iter()
        .filter(|s| s.text.contains("Nieuwe vraag #1"))
        .collect();
    assert_eq!(posts.len(), 1, "the ticket arrives exactly once");
    let acks = f
        .sent_to(p.chat_id())
        .into_iter()
        .filter(|s| s.text.contains("vraagnummer is #1"))
        .count();
    assert_eq!(acks, 1, "the patient is told once");
    second.kill9().await;
}

// --- retention -------------------------------------------------------------------------------

#[tokio::test]
async fn the_retention_command_deletes_old_ticket_texts() {
    let dir = tempfile::tempdir().unwrap();
    let old = 1_600_000_000; // 2020
    {
        let store = Store::open(dir.path()).unwrap();
        let n = store
            .open_ticket(
                &b12bot::store::NewTicket {
                    origin: "test:1".into(),
                    chat_id: 77,
                    lang: b12bot::text::Lang::Nl,
                    urgent: false,
                    out_of_hours: false,
                    messages: vec![(b12bot::store::Author::Patient, "oude vraag".into())],
                },
                old,
                |_| Vec::new(),
            )
            .unwrap();
        assert_eq!(store.messages(n).unwrap().len(), 1);
    }
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .arg("retention")
        .env("B12BOT_DATA_DIR", dir.path())
        .env("B12BOT_RETENTION_DAYS", "30")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("deleted 1 ticket messages"), "{stdout}");
    let store = Store::open(dir.path()).unwrap();
    assert!(store.messages(TicketNo(1)).unwrap().is_empty());
}

#[tokio::test]
async fn answered_questions_are_logged_without_chat_ids_and_a_thumbs_up_is_recorded() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(2301);

    f.send_text(&p, "wat is vitamine b12");
    let answer = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    let logged = store.questions_since(0).unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    let q = &logged[0];
    assert_eq!(q.text.as_deref(), Some("wat is vitamine b12"));
    assert_eq!(q.intent, b12bot::engine::Intent::Faq);
    assert_eq!(q.helpful, None);
    let up = format!("f:{}:1", q.id.0);
    let data = answer.callback_data();
    assert!(data.contains(&up), "{data:?}");
    assert!(data.contains(&format!("f:{}:0", q.id.0)), "{data:?}");

    let press = f.press(&p, &answer.json, &up);
    f.wait_callback_answered(&press, SOON).await;
    assert_eq!(
        store.questions_since(0).unwrap()[0].helpful,
        Some(true),
        "the 👍 is recorded"
    );

    // A button whose question is gone (another database, a wiped log) is still acknowledged.
    let stale = f.press(&p, &answer.json, "f:999999:0");
    f.wait_callback_answered(&stale, SOON).await;
    assert_eq!(store.questions_since(0).unwrap()[0].helpful, Some(true));
    bot.stop().await.unwrap();
}

/// An entry whose id is already used by the shipped FAQ.
const DUPLICATE_ENTRY: &str = r#"id = "contact"
source = "test"
[title]
nl = "Contact (dubbel)"
en = "Contact (twice)"
[questions]
nl = ["hoe bereik ik de dubbele afdeling"]
en = ["how do i reach the duplicate department"]
[answer]
nl = "Dubbel."
en = "Twice."
"#;

/// An entry pointing to a related entry that does not exist.
const UNKNOWN_RELATED: &str = r#"id = "driving"
related = ["no-such-entry"]
source = "test"
[title]
nl = "Autorijden"
en = "Driving"
[questions]
nl = ["mag ik met een b12 tekort autorijden"]
en = ["can i drive with low b12"]
[answer]
nl = "Vraag uw huisarts of autorijden verstandig is."
en = "Ask your GP whether driving is wise."
"#;

#[tokio::test]
async fn a_broken_faq_edit_is_refused_with_its_errors_in_the_group_and_patients_keep_the_old_faq() {
    let (bot, _dir, faq) = start_desk_with_faq(fake().await).await;
    let f = &bot.fake;
    let p = patient(2401);

    f.send_text(&p, "wat is vitamine b12");
    let before = f.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();

    // One staff edit with three mistakes: a syntax error, a duplicate id (in a file named
    // after another id), an unknown related id.
    std::fs::write(
        faq.join("zz-syntax.toml"),
        "id = \"broken\"\n[title\nnl = \"x\"\n",
    )
    .unwrap();
    std::fs::write(faq.join("zz-duplicate.toml"), DUPLICATE_ENTRY).unwrap();
    std::fs::write(faq.join("driving.toml"), UNKNOWN_RELATED).unwrap();

    f.wait_until("the FAQ errors in the triage group", SOON, |f| {
        f.sent_to(GROUP).iter().any(|s| {
            s.text.contains("zz-syntax.toml")
                && s.text.contains("zz-duplicate.toml")
                && s.text.contains("driving.toml")
        })
    })
    .await;
    let errors = f
        .sent_to(GROUP)
        .into_iter()
        .rfind(|s| s.text.contains("zz-syntax.toml"))
        .unwrap();
    assert!(errors.text.contains("contact"), "{}", errors.text);
    assert!(errors.text.contains("no-such-entry"), "{}", errors.text);
    assert!(errors.text.contains("geweigerd"), "{}", errors.text);

    // The bot keeps answering from the last good FAQ.
    f.send_text(&p, "wat is vitamine b12");
    let after = f.wait_for_messages(p.chat_id(), 2, SOON).await[1].clone();
    assert_eq!(after.text, before.text);
    f.send_text(&p, "mag ik met een b12 tekort autorijden");
    let driving = f.wait_for_messages(p.chat_id(), 3, SOON).await[2].clone();
    assert!(!driving.text.contains("Vraag uw huisarts of autorijden"));

    // /reload from a staff member says the same; once fixed, /reload publishes.
    let n = f.sent_to(GROUP).len();
    f.send_group_text(GROUP, &staff(), "/reload");
    let reply = f.wait_for_messages(GROUP, n + 1, SOON).await[n].clone();
    assert!(reply.text.contains("zz-syntax.toml"), "{}", reply.text);
    for name in ["zz-syntax.toml", "zz-duplicate.toml"] {
        std::fs::remove_file(faq.join(name)).unwrap();
    }
    std::fs::write(
        faq.join("driving.toml"),
        UNKNOWN_RELATED.replace("no-such-entry", "contact"),
    )
    .unwrap();
    f.send_group_text(GROUP, &staff(), "/reload");
    f.wait_until("the FAQ published", SOON, |f| {
        f.sent_to(GROUP)
            .iter()
            .any(|s| s.text.contains("gepubliceerd: 17"))
    })
    .await;
    f.send_text(&p, "mag ik met een b12 tekort autorijden");
    let driving = f.wait_for_messages(p.chat_id(), 4, SOON).await[3].clone();
    assert!(
        driving.text.contains("Vraag uw huisarts of autorijden"),
        "{}",
        driving.text
    );
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn reload_from_someone_who_is_not_staff_is_refused() {
    let (bot, _dir, faq) = start_desk_with_faq(fake().await).await;
    let f = &bot.fake;
    std::fs::write(
        faq.join("driving.toml"),
        UNKNOWN_RELATED.replace("no-such-entry", "contact"),
    )
    .unwrap();
    // Let the watcher's own reload settle, then look only at what /reload does.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let n = f.sent_to(GROUP).len();
    f.send_group_text(GROUP, &outsider(), "/reload");
    let reply = f.wait_for_messages(GROUP, n + 1, SOON).await[n].clone();
    assert!(reply.text.contains("Alleen medewerkers"), "{}", reply.text);
    assert!(!reply.text.contains("gepubliceerd"), "{}", reply.text);
    bot.stop().await.unwrap();
}

// --- staff only, in the triage group only ------------------------------------------------------

/// Every staff command, under each name it has.
const STAFF_COMMANDS: [&str; 9] = [
    "/open",
    "/open@B12InfoTestBot",
    "/close 1",
    "/close #1",
    "/sluit 1",
    "/stats",
    "/reload",
    "/herlaad",
    "/close",
];

#[tokio::test]
async fn staff_commands_replies_and_buttons_do_nothing_for_others_or_elsewhere() {
    // A supergroup takes 10 messages a minute from a bot; the refusals below are more.
    let (bot, _dir, store) = start_desk_with(fake().await, |c| {
        c.limits = support::load::unthrottled();
    })
    .await;
    let f = &bot.fake;
    let p = patient(2501);
    let post = open_ticket(f, &store, &p).await;
    let state = desk_state(&store);
    let to_patient = f.sent_to(p.chat_id()).len();
    let ticket_words = ["#1", "frankrijk", "Open:", "Open vragen"];

    // (a) Someone who is not staff, in the triage group: every command, a reply to the ticket
    // and both ticket buttons are refused, and the refusal tells nothing about the ticket.
    let in_group = f.sent_to(GROUP).len();
    for cmd in STAFF_COMMANDS {
        f.send_group_text(GROUP, &outsider(), cmd);
    }
    f.send_group_reply(
        GROUP,
        &outsider(),
        "Ik weet het antwoord!",
        Some(&post.json),
    );
    let refusals = STAFF_COMMANDS.len() + 1;
    let sent = f.wait_for_messages(GROUP, in_group + refusals, SOON).await;
    for refusal in &sent[in_group..] {
        assert!(
            refusal.text.contains("Alleen medewerkers"),
            "{}",
            refusal.text
        );
        for word in ticket_words {
            assert!(!refusal.text.contains(word), "{word}: {}", refusal.text);
        }
    }
    for data in ["k:1", "c:1"] {
        let press = f.press(&outsider(), &post.json, data);
        f.wait_callback_answered(&press, SOON).await;
        let answers = f.callback_answers(&press);
        assert_eq!(answers.len(), 1, "{data}: answered once");
        assert!(
            answers[0].as_deref().unwrap_or("").contains("Alleen"),
            "{data}"
        );
    }

    // (b) A staff member in a private chat with the bot: the commands are silent, the buttons
    // only acknowledged, and a "reply" to the ticket's post is just a question to the bot.
    let marieke = staff();
    for cmd in STAFF_COMMANDS {
        f.send_text(&marieke, cmd);
    }
    let mut reply = json!({"text": "Dat kunt u het best aan uw huisarts vragen."});
    reply["reply_to_message"] = post.json.clone();
    f.private_message(&marieke, reply);
    let answer = f.wait_for_messages(marieke.chat_id(), 1, SOON).await[0].clone();
    for data in ["k:1", "c:1"] {
        let press = f.press(&marieke, &answer.json, data);
        f.wait_callback_answered(&press, SOON).await;
        assert_eq!(f.callback_answers(&press), vec![None], "{data}");
    }
    // Barrier: the chat's updates run in order; once /taal is answered, all before it were.
    f.send_text(&marieke, "/taal");
    let private = f.wait_for_messages(marieke.chat_id(), 2, SOON).await;
    assert!(private[1].callback_data().contains(&"l:nl".to_string()));
    assert_eq!(
        private.len(),
        2,
        "only the question and /taal were answered"
    );
    for word in ticket_words {
        assert!(
            !private[0].text.contains(word),
            "{word}: {}",
            private[0].text
        );
    }

    // (c) A staff member in another group: commands, a reply to the ticket's post and the
    // ticket buttons there do nothing and send nothing.
    let other = -1_009_876_000i64;
    for cmd in STAFF_COMMANDS {
        f.send_group_text(other, &marieke, cmd);
    }
    f.send_group_reply(
        other,
        &marieke,
        "Antwoord voor de patiënt",
        Some(&post.json),
    );
    let elsewhere = json!({"message_id": 3, "chat": {"id": other, "type": "supergroup", "title": "Familie-app"}, "date": 1_750_000_000, "text": "oud bericht"});
    for data in ["k:1", "c:1"] {
        let press = f.press(&marieke, &elsewhere, data);
        // The group's updates run in order: the last press is the barrier.
        f.wait_callback_answered(&press, SOON).await;
        assert_eq!(f.callback_answers(&press), vec![None], "{data}");
    }
    assert!(
        f.sent_to(other).is_empty(),
        "nothing sent to the other group"
    );

    // Nothing was done: no relay, no status change, nothing to the patient.
    assert!(f.requests_of("copyMessage").is_empty(), "nothing relayed");
    assert_eq!(desk_state(&store), state);
    assert_eq!(
        f.sent_to(p.chat_id()).len(),
        to_patient,
        "nothing to the patient"
    );
    assert_eq!(
        f.sent_to(GROUP).len(),
        in_group + refusals,
        "only the refusals in the group"
    );

    // The same command from staff in the triage group works (so the above was refused, not
    // broken).
    f.send_group_text(GROUP, &marieke, "/close 1");
    let closed = f
        .wait_for_messages(GROUP, in_group + refusals + 1, SOON)
        .await
        .pop()
        .unwrap();
    assert!(closed.text.contains("#1 is gesloten"), "{}", closed.text);
    assert_eq!(
        store.ticket(TicketNo(1)).unwrap().unwrap().status,
        Status::Closed
    );
    bot.stop().await.unwrap();
}

/// The two kinds of urgent message, and what every message after the urgent answer must
/// keep: 113 after suicidal thoughts, 112 after an emergency.
const URGENT_KINDS: [(&str, &str, &str); 2] = [
    (
        "ik loop al weken met zelfmoordgedachten rond",
        "113",
        "zelfdoding",
    ),
    (
        "ik heb pijn op de borst en kan niet ademen",
        "112",
        "spoedadvies",
    ),
];

#[tokio::test]
async fn without_the_desk_the_urgent_answer_is_the_last_word_and_keeps_its_number() {
    let bot = launch(fake().await, support::real_engine(), |_| {}).await;
    let f = &bot.fake;
    for (i, (message, number, _)) in URGENT_KINDS.into_iter().enumerate() {
        let p = patient(2100 + i as i64);
        f.send_text(&p, message);
        let sent = f.wait_for_messages(p.chat_id(), 1, SOON).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent_now = f.sent_to(p.chat_id());
        assert_eq!(sent_now.len(), 1, "one answer: {sent_now:?}");
        assert!(sent[0].text.contains(number), "{number}: {}", sent[0].text);
    }
    bot.stop().await.unwrap();
}

#[tokio::test]
async fn every_message_after_an_urgent_answer_keeps_that_kinds_advice() {
    for (message, number, advice) in URGENT_KINDS {
        let (bot, _dir, store) = start_desk(fake().await).await;
        let f = &bot.fake;
        let p = patient(2110);

        // The urgent answer, then the note that the team was told: both name the number.
        f.send_text(&p, message);
        let sent = f.wait_for_messages(p.chat_id(), 2, SOON).await;
        for s in &sent {
            assert!(
                s.text.contains(number),
                "{message}: {number} missing in {}",
                s.text
            );
        }
        assert!(sent[1].text.contains("#1"), "{}", sent[1].text);
        if number == "113" {
            assert!(
                !sent[1]
                    .text
                    .contains("bel bij spoed 112 of de huisartsenpost"),
                "{}",
                sent[1].text
            );
        }
        // Staff see which advice the patient got.
        let post = f.wait_for_messages(GROUP, 1, SOON).await[0].clone();
        assert!(post.text.contains("SPOED #1"), "{}", post.text);
        assert!(post.text.contains(advice), "{advice}: {}", post.text);
        assert!(post.text.contains(number), "{}", post.text);
        assert!(store.ticket(TicketNo(1)).unwrap().unwrap().urgent);

        // A follow-up on the urgent ticket: the acknowledgement repeats the advice.
        f.send_text(&p, "hallo, is daar iemand?");
        let ack = wait_for_patient_text(f, &p, "Toegevoegd").await;
        assert!(
            ack.text.contains("113") && ack.text.contains("112"),
            "{}",
            ack.text
        );

        // Staff close it: the last word still says where to go.
        f.send_group_reply(GROUP, &staff(), "/close 1", None);
        let closed = wait_for_patient_text(f, &p, "afgesloten").await;
        assert!(
            closed.text.contains("113") && closed.text.contains("112"),
            "{}",
            closed.text
        );
        let last = f.sent_to(p.chat_id()).last().unwrap().clone();
        assert!(
            last.text.contains(number),
            "the last message: {}",
            last.text
        );
        bot.stop().await.unwrap();
    }
}

#[test]
fn the_flood_note_names_113_and_112() {
    // The flood note can be the next message after an urgent answer (a patient in distress
    // who keeps typing): it keeps both numbers.
    let engine = support::real_engine();
    for lang in [b12bot::text::Lang::Nl, b12bot::text::Lang::En] {
        let note = b12bot::telegram::texts::text(&engine, b12bot::telegram::texts::Tg::Flood, lang);
        assert!(note.contains("113") && note.contains("112"), "{note}");
    }
}
