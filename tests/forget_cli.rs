//! `b12bot forget CHAT_ID`: on a patient's request, staff remove everything stored about
//! their chat, and nothing of anyone else's.

use b12bot::store::{Author, NewTicket, Store};
use b12bot::text::Lang;
use std::process::Command;

fn ticket(store: &Store, chat_id: i64, question: &str) {
    store
        .open_ticket(
            &NewTicket {
                origin: format!("test:{chat_id}"),
                chat_id,
                lang: Lang::Nl,
                urgent: false,
                out_of_hours: false,
                messages: vec![(Author::Patient, question.into())],
            },
            1_700_000_000,
            |_| Vec::new(),
        )
        .unwrap();
}

#[test]
fn forget_removes_one_patients_data_and_keeps_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = Store::open(&data).unwrap();
        ticket(&store, 111, "mijn geheime vraag");
        ticket(&store, 222, "een andere vraag");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(["forget", "111"])
        .env("B12BOT_DATA_DIR", &data)
        .env_remove("B12BOT_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("removed: 1 tickets, 1 ticket messages"),
        "{stdout}"
    );

    let store = Store::open(&data).unwrap();
    let open = store.open_tickets().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].chat_id, Some(222));
}

#[test]
fn forget_without_a_database_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(["forget", "111"])
        .env("B12BOT_DATA_DIR", dir.path().join("nowhere"))
        .env_remove("B12BOT_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at"));
}
