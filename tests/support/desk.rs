//! The triage desk for end-to-end tests: the group, its staff, an outsider, and the bot
//! started in-process with the desk on a fresh database.

use super::fake_bot_api::{FakeBotApi, Patient, Sent};
use super::{RunningBot, SOON, desk_engine, launch};
use b12bot::config::Config;
use b12bot::store::{Store, TicketNo};
use b12bot::telegram::TriageSetup;
use b12bot::telegram::serve::ServeConfig;
use std::path::Path;

/// The triage group.
pub const GROUP: i64 = -1_001_234_567_890;
/// The one configured staff member.
pub const STAFF_ID: i64 = 424_242;

pub fn staff() -> Patient {
    Patient::new(STAFF_ID, "Marieke", Some("nl"))
}

/// Someone in the triage group who is not staff.
pub fn outsider() -> Patient {
    Patient::new(515_151, "Kees", Some("nl"))
}

pub fn patient(id: i64) -> Patient {
    Patient::new(id, "Anneke", Some("nl"))
}

pub fn desk_config(dir: &Path) -> Config {
    Config {
        triage_chat_id: Some(GROUP),
        staff_ids: vec![STAFF_ID as u64],
        data_dir: dir.to_path_buf(),
        ..Config::default()
    }
}

/// The bot, in-process, with the triage desk on a fresh database.
pub async fn start_desk(fake: FakeBotApi) -> (RunningBot, tempfile::TempDir, Store) {
    start_desk_with(fake, |_| {}).await
}

/// [`start_desk`] with other settings (e.g. sending limits).
pub async fn start_desk_with(
    fake: FakeBotApi,
    configure: impl FnOnce(&mut ServeConfig),
) -> (RunningBot, tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let setup = TriageSetup {
        store: store.clone(),
        config: desk_config(dir.path()),
        faq: None,
    };
    let bot = launch(fake, desk_engine(), move |c| {
        c.triage = Some(setup);
        configure(c);
    })
    .await;
    (bot, dir, store)
}

/// The patient asks a question the bot cannot answer, asks for a person, and confirms.
/// Returns the ticket's post in the group.
pub async fn escalate(f: &FakeBotApi, p: &Patient) -> Sent {
    let before = f.sent_to(p.chat_id()).len();
    f.send_text(p, "wat is de hoofdstad van frankrijk");
    f.wait_for_messages(p.chat_id(), before + 1, SOON).await;
    f.send_text(p, "ik wil een medewerker spreken");
    let sent = f.wait_for_messages(p.chat_id(), before + 2, SOON).await;
    let offer = sent.last().unwrap().clone();
    assert!(
        offer.callback_data().contains(&"e:y".to_string()),
        "{offer:?}"
    );
    let posts = f.sent_to(GROUP).len();
    let press = f.press(p, &offer.json, "e:y");
    f.wait_callback_answered(&press, SOON).await;
    f.wait_for_messages(GROUP, posts + 1, SOON).await[posts].clone()
}

/// Waits for a message to the patient containing `needle`; returns it.
pub async fn wait_for_patient_text(f: &FakeBotApi, p: &Patient, needle: &str) -> Sent {
    let chat = p.chat_id();
    f.wait_until(&format!("{needle:?} to the patient"), SOON, |f| {
        f.sent_to(chat).iter().any(|s| s.text.contains(needle))
    })
    .await;
    f.sent_to(chat)
        .into_iter()
        .find(|s| s.text.contains(needle))
        .unwrap()
}

/// [`escalate`], then waits until the patient has been told the ticket number and the
/// outbox is empty: ticket 1 is open and settled. Returns the ticket's post.
pub async fn open_ticket(f: &FakeBotApi, store: &Store, p: &Patient) -> Sent {
    let post = escalate(f, p).await;
    wait_for_patient_text(f, p, "#1").await;
    f.wait_until("outbox empty", SOON, |_| {
        store.stats().unwrap().outbox_pending == 0
    })
    .await;
    post
}

/// What the desk has done about ticket 1: its status, its messages, the desk's counts.
pub fn desk_state(store: &Store) -> String {
    let ticket = store.ticket(TicketNo(1)).unwrap().unwrap();
    let messages = store.messages(TicketNo(1)).unwrap();
    format!(
        "status={:?} messages={} stats={:?}",
        ticket.status,
        messages.len(),
        store.stats().unwrap()
    )
}
