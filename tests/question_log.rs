//! The question log in the store: what it keeps (and what it never keeps), feedback,
//! retention of its texts, and the migration that adds it to an existing database.

use b12bot::engine::Intent;
use b12bot::store::{Author, DATABASE_FILE, NewTicket, QuestionRecord, SCHEMA_VERSION, Store};
use b12bot::text::Lang;
use rusqlite::Connection;
use tempfile::TempDir;

const T0: i64 = 1_789_000_000;
const DAY: i64 = 86_400;

fn fresh() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    (dir, store)
}

fn raw(dir: &TempDir) -> Connection {
    Connection::open(dir.path().join("data").join(DATABASE_FILE)).unwrap()
}

fn q(text: &str, intent: Intent, topic: Option<&str>) -> QuestionRecord {
    QuestionRecord {
        text: text.into(),
        intent,
        topic: topic.map(Into::into),
        score: 0.42,
        lang: Lang::Nl,
    }
}

fn file_bytes(dir: &TempDir) -> Vec<u8> {
    let path = dir.path().join("data").join(DATABASE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("sqlite-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn intent_names_are_the_contracts() {
    for i in Intent::ALL {
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            format!("\"{}\"", i.name())
        );
        assert_eq!(Intent::parse(i.name()), Some(i));
    }
    assert_eq!(Intent::parse("nonsense"), None);
}

#[test]
fn a_logged_question_comes_back_with_everything_but_who_asked() {
    let (_dir, store) = fresh();
    let a = store
        .log_question(T0, &q("wat is b12", Intent::Faq, Some("what-is-b12")))
        .unwrap();
    let b = store
        .log_question(
            T0 + 10,
            &QuestionRecord {
                lang: Lang::En,
                score: 0.1,
                ..q("can my dog eat b12", Intent::NoMatch, None)
            },
        )
        .unwrap();
    assert_ne!(a, b);
    let all = store.questions_since(T0).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, a);
    assert_eq!(all[0].asked_at, T0);
    assert_eq!(all[0].text.as_deref(), Some("wat is b12"));
    assert_eq!(all[0].intent, Intent::Faq);
    assert_eq!(all[0].topic.as_deref(), Some("what-is-b12"));
    assert!((all[0].score - 0.42).abs() < 1e-6);
    assert_eq!(all[0].lang, Lang::Nl);
    assert_eq!(all[0].helpful, None);
    assert_eq!(
        (all[1].intent, all[1].lang, all[1].topic.clone()),
        (Intent::NoMatch, Lang::En, None)
    );
    // `since` is inclusive and filters older ones out.
    assert_eq!(store.questions_since(T0 + 10).unwrap().len(), 1);
    assert!(store.questions_since(T0 + 11).unwrap().is_empty());
}

#[test]
fn feedback_is_idempotent_and_the_last_tap_wins() {
    let (_dir, store) = fresh();
    let id = store
        .log_question(
            T0,
            &q("hoe lang duurt herstel", Intent::Faq, Some("recovery")),
        )
        .unwrap();
    let helpful = |store: &Store| store.questions_since(0).unwrap()[0].helpful;
    assert!(store.set_feedback(id, true).unwrap());
    assert!(store.set_feedback(id, true).unwrap());
    assert_eq!(helpful(&store), Some(true));
    assert!(store.set_feedback(id, false).unwrap());
    assert_eq!(helpful(&store), Some(false));
    // A button from another database: nothing happens.
    assert!(
        !store
            .set_feedback(b12bot::store::QuestionId(id.0 + 99), true)
            .unwrap()
    );
    assert_eq!(store.questions_since(0).unwrap().len(), 1);
}

#[test]
fn the_log_has_no_column_that_could_name_the_patient() {
    let (dir, _store) = fresh();
    let conn = raw(&dir);
    let mut columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('question_log')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    columns.sort();
    assert_eq!(
        columns,
        [
            "asked_at", "helpful", "id", "intent", "lang", "score", "text", "topic"
        ],
        "a new column in the question log must not identify the patient"
    );
    for c in &columns {
        for bad in ["chat", "user", "name", "from", "sender"] {
            assert!(!c.contains(bad), "column {c}");
        }
    }
}

#[test]
fn retention_deletes_old_question_texts_and_keeps_the_counts() {
    let (dir, store) = fresh();
    let old = store
        .log_question(T0, &q("OUDE-VRAAG-LOG", Intent::NoMatch, None))
        .unwrap();
    store.set_feedback(old, false).unwrap();
    store
        .log_question(
            T0 + 20 * DAY,
            &q("NIEUWE-VRAAG-LOG", Intent::Faq, Some("diet")),
        )
        .unwrap();

    let counts = store.retention(T0 + 30 * DAY + DAY / 2, 30).unwrap();
    assert_eq!(counts.questions, 1, "{counts:?}");
    let all = store.questions_since(0).unwrap();
    assert_eq!(all.len(), 2, "the rows stay, for the counts");
    assert_eq!(all[0].text, None);
    assert_eq!(
        (all[0].intent, all[0].helpful),
        (Intent::NoMatch, Some(false))
    );
    assert_eq!(all[1].text.as_deref(), Some("NIEUWE-VRAAG-LOG"));

    // Again: nothing more to delete.
    assert_eq!(
        store
            .retention(T0 + 30 * DAY + DAY / 2, 30)
            .unwrap()
            .questions,
        0
    );

    let bytes = file_bytes(&dir);
    assert!(
        !contains(&bytes, "OUDE-VRAAG-LOG"),
        "the deleted text is still in the database file"
    );
    assert!(contains(&bytes, "NIEUWE-VRAAG-LOG"));
}

#[test]
fn forget_chat_leaves_the_pseudonymous_log_alone() {
    let (_dir, store) = fresh();
    store
        .open_ticket(
            &NewTicket {
                origin: "o1".into(),
                chat_id: 1001,
                lang: Lang::Nl,
                urgent: false,
                out_of_hours: false,
                messages: vec![(Author::Patient, "vraag".into())],
            },
            T0,
            |_| Vec::new(),
        )
        .unwrap();
    store
        .log_question(T0, &q("vraag", Intent::Human, None))
        .unwrap();
    store.forget_chat(1001).unwrap();
    assert_eq!(store.questions_since(0).unwrap().len(), 1);
}

#[test]
fn a_version_1_database_gains_the_log_and_keeps_its_tickets() {
    let (dir, store) = fresh();
    let n = store
        .open_ticket(
            &NewTicket {
                origin: "o1".into(),
                chat_id: 1001,
                lang: Lang::Nl,
                urgent: false,
                out_of_hours: false,
                messages: vec![(Author::Patient, "vraag".into())],
            },
            T0,
            |_| Vec::new(),
        )
        .unwrap();
    drop(store);
    // What a version-1 file looks like: no question log.
    raw(&dir)
        .execute_batch("DROP TABLE question_log; PRAGMA user_version = 1;")
        .unwrap();

    let store = Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.messages(n).unwrap().len(), 1);
    store
        .log_question(T0, &q("wat is b12", Intent::Faq, Some("what-is-b12")))
        .unwrap();
    assert_eq!(store.questions_since(0).unwrap().len(), 1);
}
