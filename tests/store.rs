//! The SQLite store: migrations, atomic tickets, the outbox's ordering and retries, update
//! de-duplication, restarts, retention, forget, permissions and damaged files.

use b12bot::store::{
    Author, DATABASE_FILE, Delivery, Enqueued, NewTicket, Outbound, SCHEMA_VERSION, Status, Store,
    StoreError, TicketNo, UpdateSeen,
};
use b12bot::text::Lang;
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

const GROUP: i64 = -100_500;
const ALICE: i64 = 1001;
const BOB: i64 = 2002;
/// Some Wednesday in 2026, unix seconds.
const T0: i64 = 1_789_000_000;
const DAY: i64 = 86_400;

fn fresh() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    (dir, store)
}

fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("data").join(DATABASE_FILE)
}

/// A side connection, to look at what is really in the file.
fn raw(dir: &TempDir) -> Connection {
    Connection::open(db_path(dir)).unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn new_ticket(origin: &str, chat: i64, question: &str) -> NewTicket {
    NewTicket {
        origin: origin.into(),
        chat_id: chat,
        lang: Lang::Nl,
        urgent: false,
        out_of_hours: false,
        messages: vec![
            (Author::Patient, question.into()),
            (
                Author::Bot,
                "Dat weet ik niet; ik vraag het een medewerker.".into(),
            ),
        ],
    }
}

/// Opens a ticket whose post goes to the triage group.
fn escalate(store: &Store, origin: &str, chat: i64, question: &str, now: i64) -> TicketNo {
    store
        .open_ticket(&new_ticket(origin, chat, question), now, |n| {
            vec![
                Outbound::text(
                    GROUP,
                    format!("Ticket {n}: {question}"),
                    format!("post:{}", n.0),
                )
                .post_of(n),
            ]
        })
        .unwrap()
}

fn text_of(delivery: &Delivery) -> &str {
    match delivery {
        Delivery::Text(t) => t,
        Delivery::Copy { .. } => panic!("expected a text"),
    }
}

/// The database file and its write-ahead log, as bytes: what a thief of the disk would see.
fn file_bytes(dir: &TempDir) -> Vec<u8> {
    let mut bytes = std::fs::read(db_path(dir)).unwrap();
    if let Ok(wal) = std::fs::read(db_path(dir).with_extension("sqlite-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// --- opening and migrations ----------------------------------------------------------------

#[test]
fn a_new_data_directory_gets_a_migrated_database() {
    let (dir, store) = fresh();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.path(), db_path(&dir));
    let conn = raw(&dir);
    for table in [
        "tickets",
        "ticket_posts",
        "ticket_messages",
        "outbox",
        "updates",
        "chat_prefs",
    ] {
        let n = count(
            &conn,
            &format!(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '{table}'"
            ),
        );
        assert_eq!(n, 1, "table {table}");
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_empty_file_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open_file(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn reopening_is_idempotent_and_keeps_the_data() {
    let (dir, store) = fresh();
    let n = escalate(&store, "u1", ALICE, "Mag ik B12 spuiten?", T0);
    drop(store);
    for _ in 0..3 {
        let store = Store::open(&dir.path().join("data")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.ticket(n).unwrap().unwrap().chat_id, Some(ALICE));
    }
    // Two handles on one file (the bot and `b12bot forget`) work side by side.
    let a = Store::open(&dir.path().join("data")).unwrap();
    let b = Store::open(&dir.path().join("data")).unwrap();
    escalate(&a, "u2", BOB, "Waar is de polikliniek?", T0);
    assert_eq!(b.open_tickets().unwrap().len(), 2);
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let (dir, store) = fresh();
    drop(store);
    raw(&dir).execute_batch("PRAGMA user_version = 99").unwrap();
    let e = Store::open(&dir.path().join("data")).unwrap_err();
    assert!(
        matches!(e, StoreError::TooNew { found: 99, .. }),
        "got {e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains(DATABASE_FILE) && msg.contains("newer b12bot"),
        "{msg}"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
        .unwrap();
    let e = Store::open_file(&path).unwrap_err();
    assert!(matches!(e, StoreError::Foreign { .. }), "got {e:?}");
    assert!(e.to_string().contains("not b12bot's"), "{e}");
}

#[test]
fn a_corrupt_database_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join(DATABASE_FILE), vec![b'x'; 8192]).unwrap();
    let e = Store::open(&data).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "got {e:?}");
    let msg = e.to_string();
    assert!(msg.contains(DATABASE_FILE), "{msg}");
    assert!(
        msg.contains("damaged") && msg.contains("move the file aside"),
        "{msg}"
    );
}

#[test]
fn a_database_damaged_inside_gives_a_clear_error() {
    let (dir, store) = fresh();
    for i in 0..200 {
        escalate(
            &store,
            &format!("u{i}"),
            ALICE + i,
            &"lange vraag ".repeat(40),
            T0,
        );
    }
    drop(store);
    // Checkpointed into the main file (closing the last connection does that); now overwrite
    // pages in the middle, past the header.
    let path = db_path(&dir);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.len() > 64 * 1024,
        "database too small: {}",
        bytes.len()
    );
    for b in &mut bytes[8192..40_960] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let e = Store::open(&dir.path().join("data")).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "got {e:?}");
    assert!(e.to_string().contains(DATABASE_FILE), "{e}");
}

#[test]
fn a_data_directory_that_is_a_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("data");
    std::fs::write(&not_a_dir, b"oops").unwrap();
    let e = Store::open(&not_a_dir).unwrap_err();
    assert!(matches!(e, StoreError::DataDir { .. }), "got {e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("data directory") && msg.contains("not a directory"),
        "{msg}"
    );
}

/// Root ignores permission bits, so this only means something for an ordinary user (as the
/// bot runs in production); as root it says so and passes.
#[test]
fn a_read_only_data_directory_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(data.join("probe"), b"").is_ok() {
        eprintln!("running as root: permission bits are not enforced; skipped");
        return;
    }
    let e = Store::open(&data).unwrap_err();
    assert!(matches!(e, StoreError::Create { .. }), "got {e:?}");
    assert!(e.to_string().contains("writable"), "{e}");
}

/// As above: meaningful for an ordinary user only.
#[test]
fn a_read_only_database_file_is_refused_at_open_not_at_the_first_ticket() {
    let (dir, store) = fresh();
    drop(store);
    std::fs::set_permissions(db_path(&dir), std::fs::Permissions::from_mode(0o400)).unwrap();
    if std::fs::OpenOptions::new()
        .write(true)
        .open(db_path(&dir))
        .is_ok()
    {
        eprintln!("running as root: permission bits are not enforced; skipped");
        return;
    }
    let e = Store::open(&dir.path().join("data")).unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly { .. }), "got {e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(DATABASE_FILE) && msg.contains("read-only"),
        "{msg}"
    );
}

// --- permissions ---------------------------------------------------------------------------

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_database_and_its_log_are_owner_only() {
    let (dir, store) = fresh();
    escalate(&store, "u1", ALICE, "vraag", T0);
    assert_eq!(mode(&db_path(&dir)), 0o600);
    let wal = db_path(&dir).with_extension("sqlite-wal");
    assert!(wal.exists(), "WAL mode keeps a -wal file while open");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
}

#[test]
fn an_existing_database_readable_by_others_is_made_owner_only() {
    let (dir, store) = fresh();
    drop(store);
    std::fs::set_permissions(db_path(&dir), std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(mode(&db_path(&dir)), 0o600);
}

// --- tickets -------------------------------------------------------------------------------

#[test]
fn a_ticket_and_its_outbox_entry_are_stored_together() {
    let (_dir, store) = fresh();
    let n = escalate(&store, "u1", ALICE, "Mag ik B12 spuiten?", T0);
    let t = store.ticket(n).unwrap().unwrap();
    assert_eq!(
        (t.chat_id, t.status, t.created_at, t.group_message_id),
        (Some(ALICE), Status::Open, T0, None)
    );
    let messages = store.messages(n).unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].author, Author::Patient);
    assert_eq!(messages[0].text, "Mag ik B12 spuiten?");
    let due = store.outbox_due(T0, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].chat_id, GROUP);
    assert_eq!(due[0].ticket, Some(n));
    assert_eq!(
        text_of(&due[0].delivery),
        format!("Ticket {n}: Mag ik B12 spuiten?")
    );
}

#[test]
fn a_failing_outbox_entry_stores_no_ticket_either() {
    let (dir, store) = fresh();
    let e = store
        .open_ticket(&new_ticket("u1", ALICE, "vraag"), T0, |_| {
            // Refers to a ticket that does not exist: the foreign key fails the transaction.
            vec![Outbound::text(GROUP, "post", "post:x").about(TicketNo(9_999))]
        })
        .unwrap_err();
    assert!(e.to_string().contains("FOREIGN KEY"), "{e}");
    let conn = raw(&dir);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM tickets"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM ticket_messages"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM outbox"), 0);
    // The store carries on.
    escalate(&store, "u1", ALICE, "vraag", T0);
}

#[test]
fn a_write_that_fails_halfway_is_rolled_back() {
    let (_dir, store) = fresh();
    let n = escalate(&store, "u1", ALICE, "vraag", T0);
    let e = store
        .write(|tx| {
            tx.set_status(n, Status::Answered, T0 + 5)?;
            tx.add_message(n, Author::Staff, "Ja, dat mag.", T0 + 5)?;
            tx.add_message(TicketNo(77), Author::Staff, "?", T0 + 5)
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::NoSuchTicket(TicketNo(77))), "{e:?}");
    assert_eq!(store.ticket(n).unwrap().unwrap().status, Status::Open);
    assert_eq!(store.messages(n).unwrap().len(), 2);
}

#[test]
fn the_same_origin_opens_one_ticket() {
    let (dir, store) = fresh();
    let a = escalate(&store, "update:42", ALICE, "vraag", T0);
    let b = escalate(&store, "update:42", ALICE, "vraag", T0 + 1);
    assert_eq!(a, b);
    let conn = raw(&dir);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM tickets"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM ticket_messages"), 2);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM outbox"), 1);
}

#[test]
fn ticket_numbers_are_never_reused() {
    let (_dir, store) = fresh();
    let a = escalate(&store, "u1", ALICE, "vraag", T0);
    store.forget_chat(ALICE).unwrap();
    let b = escalate(&store, "u2", BOB, "vraag", T0);
    assert!(b > a, "{b} after forgetting {a}");
    assert_eq!(a.to_string(), format!("#{}", a.0));
}

#[test]
fn a_delivered_post_routes_staff_replies_to_its_ticket() {
    let (_dir, store) = fresh();
    let n = escalate(&store, "u1", ALICE, "vraag", T0);
    let post = store.outbox_due(T0, 10).unwrap().remove(0);
    assert!(store.ticket_by_group_message(GROUP, 555).unwrap().is_none());
    assert!(store.mark_delivered(post.id, 555).unwrap());
    let t = store.ticket_by_group_message(GROUP, 555).unwrap().unwrap();
    assert_eq!((t.number, t.chat_id), (n, Some(ALICE)));
    assert_eq!(t.group_message_id, Some(555));
    // Message ids are per chat: the same id elsewhere is another message.
    assert!(
        store
            .ticket_by_group_message(-100_600, 555)
            .unwrap()
            .is_none()
    );

    // A follow-up posted later also routes to the ticket; the ticket keeps its first post.
    store
        .add_message(
            n,
            Author::Patient,
            "En nog iets",
            T0 + 60,
            &[Outbound::text(GROUP, "Ticket: en nog iets", "followup:1").post_of(n)],
        )
        .unwrap();
    let follow = store.outbox_due(T0 + 60, 10).unwrap().remove(0);
    store.mark_delivered(follow.id, 560).unwrap();
    assert_eq!(
        store
            .ticket_by_group_message(GROUP, 560)
            .unwrap()
            .unwrap()
            .number,
        n
    );
    let t = store.ticket(n).unwrap().unwrap();
    assert_eq!((t.group_message_id, t.updated_at), (Some(555), T0 + 60));

    // A message to the patient is not a post: its id routes nothing.
    store
        .enqueue(
            &Outbound::copy(ALICE, GROUP, 561, "reply:561").about(n),
            T0 + 70,
        )
        .unwrap();
    let copy = store.outbox_due(T0 + 70, 10).unwrap().remove(0);
    assert_eq!(
        copy.delivery,
        Delivery::Copy {
            from_chat_id: GROUP,
            message_id: 561
        }
    );
    store.mark_delivered(copy.id, 900).unwrap();
    assert!(store.ticket_by_group_message(ALICE, 900).unwrap().is_none());
}

#[test]
fn status_changes_and_the_open_list() {
    let (_dir, store) = fresh();
    let a = escalate(&store, "u1", ALICE, "vraag a", T0);
    let b = escalate(&store, "u2", BOB, "vraag b", T0 + 10);
    let c = escalate(&store, "u3", ALICE + 1, "vraag c", T0 + 20);
    assert_eq!(
        store.set_status(b, Status::Answered, T0 + 30).unwrap(),
        Status::Open
    );
    assert_eq!(
        store.set_status(c, Status::Closed, T0 + 40).unwrap(),
        Status::Open
    );
    let open: Vec<_> = store
        .open_tickets()
        .unwrap()
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(open, vec![a, b], "not closed, oldest first");
    assert_eq!(store.ticket(c).unwrap().unwrap().updated_at, T0 + 40);
    assert!(matches!(
        store.set_status(TicketNo(404), Status::Closed, T0),
        Err(StoreError::NoSuchTicket(TicketNo(404)))
    ));

    // A follow-up goes to the chat's ticket that is not closed.
    assert_eq!(store.current_ticket(BOB).unwrap().unwrap().number, b);
    assert!(store.current_ticket(ALICE + 1).unwrap().is_none(), "closed");
    assert!(store.current_ticket(99).unwrap().is_none());
}

#[test]
fn stats_count_tickets_and_the_outbox() {
    let (_dir, store) = fresh();
    let empty = store.stats().unwrap();
    assert_eq!(
        (empty.open, empty.outbox_pending, empty.oldest_open_at),
        (0, 0, None)
    );
    let mut urgent = new_ticket("u9", BOB, "ik kan niet ademen");
    urgent.urgent = true;
    urgent.out_of_hours = true;
    store.open_ticket(&urgent, T0 + 5, |_| Vec::new()).unwrap();
    let a = escalate(&store, "u1", ALICE, "vraag", T0);
    store.set_status(a, Status::Closed, T0 + 9).unwrap();
    escalate(&store, "u2", ALICE + 1, "vraag", T0 + 7);
    let s = store.stats().unwrap();
    assert_eq!((s.open, s.answered, s.closed), (2, 0, 1));
    assert_eq!((s.urgent, s.out_of_hours), (1, 1));
    assert_eq!(s.oldest_open_at, Some(T0 + 5));
    assert_eq!((s.outbox_pending, s.outbox_abandoned), (2, 0));
}

// --- the outbox ----------------------------------------------------------------------------

#[test]
fn the_outbox_releases_one_message_per_chat_in_order() {
    let (_dir, store) = fresh();
    let a1 = store
        .enqueue(&Outbound::text(ALICE, "a1", "a1"), T0)
        .unwrap()
        .id();
    let b1 = store
        .enqueue(&Outbound::text(BOB, "b1", "b1"), T0)
        .unwrap()
        .id();
    let a2 = store
        .enqueue(&Outbound::text(ALICE, "a2", "a2"), T0)
        .unwrap()
        .id();
    let b2 = store
        .enqueue(&Outbound::text(BOB, "b2", "b2"), T0 + 1)
        .unwrap()
        .id();
    let ids = |now| -> Vec<i64> {
        store
            .outbox_due(now, 10)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(
        ids(T0 - 1),
        Vec::<i64>::new(),
        "nothing is due before it was stored"
    );
    assert_eq!(ids(T0 + 1), vec![a1, b1]);
    assert_eq!(store.outbox_due(T0 + 1, 1).unwrap().len(), 1, "limit");
    store.mark_delivered(a1, 10).unwrap();
    assert_eq!(ids(T0 + 1), vec![b1, a2]);
    store.mark_delivered(b1, 11).unwrap();
    store.mark_delivered(a2, 12).unwrap();
    assert_eq!(ids(T0 + 1), vec![b2]);
    store.mark_delivered(b2, 13).unwrap();
    assert!(ids(T0 + 1).is_empty());
    assert_eq!(store.outbox_next_due().unwrap(), None);
}

#[test]
fn a_failed_message_is_retried_after_its_backoff_and_holds_back_its_chat() {
    let (_dir, store) = fresh();
    let a1 = store
        .enqueue(&Outbound::text(ALICE, "a1", "a1"), T0)
        .unwrap()
        .id();
    let a2 = store
        .enqueue(&Outbound::text(ALICE, "a2", "a2"), T0)
        .unwrap()
        .id();
    let b1 = store
        .enqueue(&Outbound::text(BOB, "b1", "b1"), T0)
        .unwrap()
        .id();

    assert_eq!(
        store.mark_failed(a1, T0, Duration::from_secs(30)).unwrap(),
        Some(1)
    );
    let due: Vec<_> = store
        .outbox_due(T0, 10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(due, vec![b1], "a2 waits behind a1; Bob is not held up");
    assert_eq!(store.outbox_next_due().unwrap(), Some(T0), "b1 is due now");
    store.mark_delivered(b1, 1).unwrap();
    assert_eq!(store.outbox_next_due().unwrap(), Some(T0 + 30));
    assert!(store.outbox_due(T0 + 29, 10).unwrap().is_empty());

    let again = store.outbox_due(T0 + 30, 10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (a1, 1));
    assert_eq!(
        store
            .mark_failed(a1, T0 + 30, Duration::from_secs(60))
            .unwrap(),
        Some(2)
    );
    assert!(store.outbox_due(T0 + 89, 10).unwrap().is_empty());
    assert_eq!(store.outbox_due(T0 + 90, 10).unwrap()[0].attempts, 2);

    store.mark_delivered(a1, 2).unwrap();
    let next = store.outbox_due(T0 + 90, 10).unwrap();
    assert_eq!(next[0].id, a2);
    assert_eq!(next[0].attempts, 0);
}

#[test]
fn marking_is_exactly_once() {
    let (_dir, store) = fresh();
    let id = store
        .enqueue(&Outbound::text(ALICE, "hallo", "k1"), T0)
        .unwrap()
        .id();
    assert!(store.mark_delivered(id, 10).unwrap());
    assert!(
        !store.mark_delivered(id, 11).unwrap(),
        "second marking changes nothing"
    );
    assert_eq!(
        store.mark_failed(id, T0, Duration::from_secs(5)).unwrap(),
        None,
        "a late failure does not revive a delivered message"
    );
    assert!(!store.abandon(id).unwrap());
    assert!(store.outbox_due(T0 + 3600, 10).unwrap().is_empty());
    assert!(matches!(
        store.mark_delivered(12345, 1),
        Err(StoreError::NoSuchOutboxEntry(12345))
    ));
    assert!(matches!(
        store.mark_failed(12345, T0, Duration::ZERO),
        Err(StoreError::NoSuchOutboxEntry(12345))
    ));
}

#[test]
fn an_abandoned_message_stops_holding_back_its_chat() {
    let (_dir, store) = fresh();
    let a1 = store
        .enqueue(&Outbound::text(ALICE, "a1", "a1"), T0)
        .unwrap()
        .id();
    let a2 = store
        .enqueue(&Outbound::text(ALICE, "a2", "a2"), T0)
        .unwrap()
        .id();
    assert!(store.abandon(a1).unwrap());
    assert_eq!(store.outbox_due(T0, 10).unwrap()[0].id, a2);
    assert_eq!(store.stats().unwrap().outbox_abandoned, 1);
}

#[test]
fn a_dedup_key_prevents_a_duplicate_outbox_row() {
    let (dir, store) = fresh();
    let first = store
        .enqueue(&Outbound::text(ALICE, "hallo", "update:7:0"), T0)
        .unwrap();
    let again = store
        .enqueue(
            &Outbound::text(ALICE, "hallo (again)", "update:7:0"),
            T0 + 5,
        )
        .unwrap();
    assert!(matches!(first, Enqueued::Added(_)));
    assert_eq!(again, Enqueued::Duplicate(first.id()));
    // Also once delivered: a replayed update does not send it a second time.
    store.mark_delivered(first.id(), 1).unwrap();
    let later = store
        .enqueue(&Outbound::text(ALICE, "hallo", "update:7:0"), T0 + 9)
        .unwrap();
    assert_eq!(later, Enqueued::Duplicate(first.id()));
    assert_eq!(count(&raw(&dir), "SELECT COUNT(*) FROM outbox"), 1);
    assert!(store.outbox_due(T0 + 10, 10).unwrap().is_empty());
}

#[test]
fn outbox_options_are_kept_as_given() {
    let (_dir, store) = fresh();
    let o = Outbound::text(ALICE, "<b>hallo</b>", "k").with_options(r#"{"parse_mode":"HTML"}"#);
    store.enqueue(&o, T0).unwrap();
    let e = store.outbox_due(T0, 1).unwrap().remove(0);
    assert_eq!(e.options.as_deref(), Some(r#"{"parse_mode":"HTML"}"#));
    assert_eq!(e.dedup_key, "k");
    assert_eq!(text_of(&e.delivery), "<b>hallo</b>");
}

// --- restarts and updates ------------------------------------------------------------------

#[test]
fn a_restart_keeps_tickets_outbox_updates_and_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (n, post_id) = {
        let store = Store::open(&data).unwrap();
        let n = escalate(&store, "u1", ALICE, "Mag ik B12 spuiten?", T0);
        let post_id = store.outbox_due(T0, 1).unwrap()[0].id;
        store
            .mark_failed(post_id, T0, Duration::from_secs(10))
            .unwrap();
        store
            .record_update(70, Some(BOB), r#"{"update_id":70}"#, T0)
            .unwrap();
        store.set_language(BOB, Some(Lang::En), T0).unwrap();
        (n, post_id)
        // The store is dropped here: the process "stops" between storing and sending.
    };
    let store = Store::open(&data).unwrap();
    assert_eq!(store.ticket(n).unwrap().unwrap().status, Status::Open);
    assert_eq!(store.messages(n).unwrap().len(), 2);
    let due = store.outbox_due(T0 + 10, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].attempts), (post_id, 1));
    assert_eq!(store.unanswered_updates().unwrap()[0].update_id, 70);
    assert_eq!(store.language(BOB).unwrap(), Some(Lang::En));
}

#[test]
fn an_update_is_answered_exactly_once() {
    let (dir, store) = fresh();
    let payload = r#"{"update_id":70,"message":{"text":"wat is b12"}}"#;
    assert_eq!(
        store.record_update(70, Some(ALICE), payload, T0).unwrap(),
        UpdateSeen::New
    );
    // Telegram redelivers it (the bot crashed before acknowledging).
    assert_eq!(
        store
            .record_update(70, Some(ALICE), payload, T0 + 1)
            .unwrap(),
        UpdateSeen::Unanswered
    );
    let pending = store.unanswered_updates().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].update_id,
            pending[0].chat_id,
            pending[0].payload.as_str()
        ),
        (70, Some(ALICE), payload)
    );

    let reply = [Outbound::text(ALICE, "B12 is een vitamine.", "update:70:0")];
    assert!(store.answer_update(70, T0 + 2, &reply).unwrap());
    assert!(
        !store.answer_update(70, T0 + 3, &reply).unwrap(),
        "answered before"
    );
    assert_eq!(
        store
            .record_update(70, Some(ALICE), payload, T0 + 4)
            .unwrap(),
        UpdateSeen::Answered
    );
    assert!(store.unanswered_updates().unwrap().is_empty());
    assert_eq!(store.outbox_due(T0 + 5, 10).unwrap().len(), 1);
    // The update's text is not kept once answered.
    let conn = raw(&dir);
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM updates WHERE payload IS NOT NULL"
        ),
        0
    );
}

#[test]
fn unanswered_updates_come_oldest_first() {
    let (_dir, store) = fresh();
    for id in [12, 10, 11] {
        store.record_update(id, Some(ALICE), "{}", T0).unwrap();
    }
    store.answer_update(11, T0, &[]).unwrap();
    let ids: Vec<_> = store
        .unanswered_updates()
        .unwrap()
        .iter()
        .map(|u| u.update_id)
        .collect();
    assert_eq!(ids, vec![10, 12]);
}

#[test]
fn answered_update_records_are_forgotten_after_the_redelivery_window_unanswered_ones_kept() {
    let (dir, store) = fresh();
    store.record_update(20, Some(ALICE), "{}", T0).unwrap();
    store.record_update(21, Some(BOB), "{}", T0).unwrap();
    store.record_update(22, Some(BOB), "{}", T0 + 100).unwrap();
    store.answer_update(20, T0 + 1, &[]).unwrap();
    store.answer_update(22, T0 + 101, &[]).unwrap();

    // Received before T0 + 50 and answered: only update 20.
    assert_eq!(store.forget_answered_updates(T0 + 50).unwrap(), 1);
    let conn = raw(&dir);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM updates"), 2);
    // The unanswered one is still answered after the next start.
    assert_eq!(store.unanswered_updates().unwrap()[0].update_id, 21);
    // A forgotten id seen again counts as new (update ids can start afresh).
    assert_eq!(
        store
            .record_update(20, Some(ALICE), "{}", T0 + 200)
            .unwrap(),
        UpdateSeen::New
    );
}

#[test]
fn language_preferences() {
    let (_dir, store) = fresh();
    assert_eq!(store.language(ALICE).unwrap(), None);
    store.set_language(ALICE, Some(Lang::En), T0).unwrap();
    store.set_language(BOB, Some(Lang::Nl), T0).unwrap();
    assert_eq!(store.language(ALICE).unwrap(), Some(Lang::En));
    store.set_language(ALICE, None, T0 + 1).unwrap();
    assert_eq!(store.language(ALICE).unwrap(), None);
    assert_eq!(store.language(BOB).unwrap(), Some(Lang::Nl));
}

// --- retention and forget ------------------------------------------------------------------

#[test]
fn retention_deletes_texts_older_than_the_period_and_keeps_newer_ones() {
    let (dir, store) = fresh();
    // An old ticket (day 0), answered on day 1; a newer one on day 20, still open.
    let old = escalate(&store, "u1", ALICE, "OUDE-VRAAG-ALICE", T0);
    store
        .add_message(old, Author::Staff, "OUD-ANTWOORD-STAF", T0 + DAY, &[])
        .unwrap();
    store.set_status(old, Status::Answered, T0 + DAY).unwrap();
    store
        .record_update(1, Some(ALICE), "OUDE-UPDATE", T0)
        .unwrap();
    let new = escalate(&store, "u2", BOB, "NIEUWE-VRAAG-BOB", T0 + 20 * DAY);
    store
        .record_update(2, Some(BOB), "NIEUWE-UPDATE", T0 + 20 * DAY)
        .unwrap();
    let stats_before = store.stats().unwrap();

    // Day 30.5: only day 0 is past 30 days.
    let counts = store.retention(T0 + 30 * DAY + DAY / 2, 30).unwrap();
    assert_eq!(counts.messages, 2, "{counts:?}");
    assert_eq!(counts.outbox, 1);
    assert_eq!(counts.updates, 1);
    assert_eq!(
        counts.tickets_unlinked, 0,
        "the old ticket was touched on day 1"
    );
    let texts: Vec<_> = store
        .messages(old)
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, vec!["OUD-ANTWOORD-STAF"]);
    assert_eq!(store.messages(new).unwrap().len(), 2);
    assert_eq!(
        store.outbox_due(T0 + 31 * DAY, 10).unwrap().len(),
        1,
        "the newer post"
    );
    assert_eq!(store.unanswered_updates().unwrap()[0].update_id, 2);

    // Day 32: the staff reply (day 1) goes too, and the answered ticket is unlinked from Alice.
    let counts = store.retention(T0 + 32 * DAY, 30).unwrap();
    assert_eq!(
        (counts.messages, counts.tickets_unlinked),
        (1, 1),
        "{counts:?}"
    );
    let t = store.ticket(old).unwrap().unwrap();
    assert_eq!((t.chat_id, t.status), (None, Status::Answered));
    assert_eq!(store.ticket(new).unwrap().unwrap().chat_id, Some(BOB));

    // Numbers and status counts stay for /stats.
    let stats_after = store.stats().unwrap();
    assert_eq!(
        (stats_after.open, stats_after.answered),
        (stats_before.open, stats_before.answered)
    );
    // The deleted texts are gone from the file and its log, not just from queries.
    let bytes = file_bytes(&dir);
    for gone in ["OUDE-VRAAG-ALICE", "OUD-ANTWOORD-STAF", "OUDE-UPDATE"] {
        assert!(!contains(&bytes, gone), "{gone} still in the database file");
    }
    assert!(contains(&bytes, "NIEUWE-VRAAG-BOB"));
}

#[test]
fn an_open_ticket_keeps_its_patient_link_past_retention() {
    let (_dir, store) = fresh();
    let n = escalate(&store, "u1", ALICE, "vraag", T0);
    let counts = store.retention(T0 + 100 * DAY, 30).unwrap();
    assert_eq!(counts.tickets_unlinked, 0);
    let t = store.ticket(n).unwrap().unwrap();
    assert_eq!(
        t.chat_id,
        Some(ALICE),
        "a late staff reply must still reach the patient"
    );
    assert!(
        store.messages(n).unwrap().is_empty(),
        "but its texts are gone"
    );
}

#[test]
fn forget_chat_removes_everything_of_one_chat_and_nothing_of_another() {
    let (dir, store) = fresh();
    let fill = |chat: i64, tag: &str, update: i64| {
        let n = escalate(
            &store,
            &format!("o-{tag}"),
            chat,
            &format!("VRAAG-{tag}"),
            T0,
        );
        let post = store
            .outbox_due(T0, 10)
            .unwrap()
            .into_iter()
            .find(|e| e.ticket == Some(n))
            .unwrap();
        store.mark_delivered(post.id, update as i32).unwrap();
        store
            .add_message(
                n,
                Author::Staff,
                &format!("ANTWOORD-{tag}"),
                T0 + 1,
                &[Outbound::copy(chat, GROUP, 900 + update as i32, format!("r-{tag}")).about(n)],
            )
            .unwrap();
        store
            .enqueue(
                &Outbound::text(chat, format!("ZOMAAR-{tag}"), format!("z-{tag}")),
                T0,
            )
            .unwrap();
        store
            .record_update(update, Some(chat), &format!("UPDATE-{tag}"), T0)
            .unwrap();
        store.set_language(chat, Some(Lang::En), T0).unwrap();
        n
    };
    let alice = fill(ALICE, "ALICE", 1);
    let bob = fill(BOB, "BOB", 2);
    let before_bob = (
        store.messages(bob).unwrap(),
        store.ticket(bob).unwrap(),
        store.language(BOB).unwrap(),
    );

    let counts = store.forget_chat(ALICE).unwrap();
    assert_eq!(counts.tickets, 1);
    assert_eq!(counts.messages, 3);
    assert_eq!(
        counts.outbox, 3,
        "the post about her, the copy to her, a message to her"
    );
    assert_eq!((counts.updates, counts.prefs), (1, 1));
    assert_eq!(counts.total(), 9);

    assert!(store.ticket(alice).unwrap().is_none());
    assert!(store.ticket_by_group_message(GROUP, 1).unwrap().is_none());
    assert!(store.current_ticket(ALICE).unwrap().is_none());
    assert_eq!(store.language(ALICE).unwrap(), None);
    let conn = raw(&dir);
    for (table, column) in [
        ("tickets", "chat_id"),
        ("outbox", "chat_id"),
        ("updates", "chat_id"),
        ("chat_prefs", "chat_id"),
    ] {
        let n = count(
            &conn,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} = {ALICE}"),
        );
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(
        count(
            &conn,
            &format!(
                "SELECT COUNT(*) FROM ticket_posts WHERE ticket = {}",
                alice.0
            )
        ),
        0
    );
    let bytes = file_bytes(&dir);
    for gone in [
        "VRAAG-ALICE",
        "ANTWOORD-ALICE",
        "ZOMAAR-ALICE",
        "UPDATE-ALICE",
    ] {
        assert!(!contains(&bytes, gone), "{gone} still in the database file");
    }

    // Bob is untouched.
    let after_bob = (
        store.messages(bob).unwrap(),
        store.ticket(bob).unwrap(),
        store.language(BOB).unwrap(),
    );
    assert_eq!(before_bob, after_bob);
    assert_eq!(
        store
            .ticket_by_group_message(GROUP, 2)
            .unwrap()
            .unwrap()
            .number,
        bob
    );
    assert_eq!(store.unanswered_updates().unwrap()[0].chat_id, Some(BOB));
    assert!(contains(&bytes, "VRAAG-BOB"));
    // Forgetting a chat the store never saw deletes nothing.
    assert_eq!(store.forget_chat(42).unwrap().total(), 0);
}

// --- async use -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_is_usable_from_many_tasks() {
    let (_dir, store) = fresh();
    let mut tasks = Vec::new();
    for i in 0..50i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .call(move |s| {
                    s.open_ticket(
                        &new_ticket(&format!("u{i}"), 5000 + i, "vraag"),
                        T0 + i,
                        |n| vec![Outbound::text(GROUP, "post", format!("post:{}", n.0)).post_of(n)],
                    )
                })
                .await
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 50);
    let stats = store.call(|s| s.stats()).await.unwrap();
    assert_eq!((stats.open, stats.outbox_pending), (50, 50));
}

// --- escalation offers and sent reply parts ------------------------------------------------

fn offer(chat: i64, at: i64) -> b12bot::store::PendingOffer {
    b12bot::store::PendingOffer {
        chat_id: chat,
        lang: Lang::En,
        questions: vec![("what is b12".into(), "B12 is a vitamin …".into())],
        created_at: at,
    }
}

#[test]
fn an_offer_is_kept_until_taken_replaced_by_a_newer_one_and_expires_with_retention() {
    let (_dir, store) = fresh();
    store.write(|tx| tx.save_offer(&offer(ALICE, T0))).unwrap();
    store.write(|tx| tx.save_offer(&offer(BOB, T0))).unwrap();
    assert_eq!(store.offer(ALICE).unwrap(), Some(offer(ALICE, T0)));
    // A newer offer in the same chat replaces the older one.
    let mut newer = offer(ALICE, T0 + 60);
    newer
        .questions
        .push(("and folate?".into(), "asked for a person".into()));
    store.write(|tx| tx.save_offer(&newer)).unwrap();
    assert_eq!(store.offer(ALICE).unwrap(), Some(newer));
    assert!(store.write(|tx| tx.take_offer(ALICE)).unwrap());
    assert!(!store.write(|tx| tx.take_offer(ALICE)).unwrap());
    assert_eq!(store.offer(ALICE).unwrap(), None);
    // Retention deletes offers as old as ticket texts; forget deletes a chat's offer.
    store
        .write(|tx| tx.save_offer(&offer(ALICE, T0 + 40 * DAY)))
        .unwrap();
    let counts = store.retention(T0 + 31 * DAY, 30).unwrap();
    assert_eq!(counts.offers, 1);
    assert_eq!(store.offer(BOB).unwrap(), None);
    assert!(store.offer(ALICE).unwrap().is_some());
    assert_eq!(store.forget_chat(ALICE).unwrap().offers, 1);
    assert_eq!(store.offer(ALICE).unwrap(), None);
}

#[test]
fn sent_parts_are_recorded_per_update_and_dropped_once_it_is_answered() {
    let (_dir, store) = fresh();
    store.mark_part_sent(7, 0, T0).unwrap();
    store.mark_part_sent(7, 1, T0).unwrap();
    store.mark_part_sent(7, 1, T0).unwrap();
    store.mark_part_sent(8, 0, T0).unwrap();
    assert!(store.part_sent(7, 1).unwrap());
    assert!(!store.part_sent(7, 2).unwrap());
    assert_eq!(store.sent_parts(7).unwrap().len(), 2);
    store.answer_update(7, T0, &[]).unwrap();
    assert!(store.sent_parts(7).unwrap().is_empty());
    assert_eq!(store.sent_parts(8).unwrap().len(), 1);
}
