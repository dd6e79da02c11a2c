//! The database's schema: its migrations, one step per version, and what opening a file
//! checks before migrating it (writable, b12bot's, not newer than this build, intact), with
//! the connection's settings (WAL, `synchronous=FULL`, foreign keys, `secure_delete`).

use super::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::PathBuf;
use std::time::Duration;

/// Marks the file as b12bot's (`PRAGMA application_id`, "B12B").
const APPLICATION_ID: i64 = 0x4231_3242;

/// The schema, one step per version: `MIGRATIONS[n]` takes `user_version` n to n + 1. Never
/// edit a released step; add one.
const MIGRATIONS: &[&str] = &[
    // 1: tickets, their messages and posts, the outbox, processed updates, chat preferences.
    r#"
    CREATE TABLE tickets (
        number           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after forget
        origin           TEXT    NOT NULL UNIQUE,           -- what opened it (dedup)
        chat_id          INTEGER,                           -- NULL once retention unlinks it
        lang             TEXT    NOT NULL CHECK (lang IN ('nl', 'en')),
        status           TEXT    NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
        urgent           INTEGER NOT NULL CHECK (urgent IN (0, 1)),
        out_of_hours     INTEGER NOT NULL CHECK (out_of_hours IN (0, 1)),
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        group_message_id INTEGER                            -- the ticket's post, once delivered
    );
    CREATE INDEX tickets_by_chat ON tickets (chat_id, status);

    -- Every message posted in the triage group about a ticket (the post, follow-ups): a staff
    -- reply to any of them belongs to the ticket.
    CREATE TABLE ticket_posts (
        chat_id    INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        ticket     INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
        PRIMARY KEY (chat_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX ticket_posts_by_ticket ON ticket_posts (ticket);

    CREATE TABLE ticket_messages (
        id         INTEGER PRIMARY KEY,
        ticket     INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
        author     TEXT    NOT NULL CHECK (author IN ('patient', 'bot', 'staff')),
        text       TEXT    NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket);
    CREATE INDEX ticket_messages_by_time ON ticket_messages (created_at);

    CREATE TABLE outbox (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id             INTEGER NOT NULL,               -- where it goes
        kind                TEXT    NOT NULL CHECK (kind IN ('text', 'copy')),
        text                TEXT,                           -- kind 'text'
        from_chat_id        INTEGER,                        -- kind 'copy'
        from_message_id     INTEGER,                        -- kind 'copy'
        options             TEXT,                           -- the door's own (JSON), opaque here
        dedup_key           TEXT    NOT NULL UNIQUE,
        ticket              INTEGER REFERENCES tickets (number) ON DELETE CASCADE,
        ticket_post         INTEGER NOT NULL DEFAULT 0 CHECK (ticket_post IN (0, 1)),
        state               TEXT    NOT NULL DEFAULT 'pending'
                                    CHECK (state IN ('pending', 'delivered', 'abandoned')),
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     INTEGER NOT NULL,
        created_at          INTEGER NOT NULL,
        telegram_message_id INTEGER,
        CHECK ((kind = 'text' AND text IS NOT NULL)
            OR (kind = 'copy' AND from_chat_id IS NOT NULL AND from_message_id IS NOT NULL))
    );
    CREATE INDEX outbox_pending ON outbox (state, chat_id, id);
    CREATE INDEX outbox_by_time ON outbox (created_at);

    CREATE TABLE updates (
        update_id   INTEGER PRIMARY KEY,
        chat_id     INTEGER,
        status      TEXT    NOT NULL CHECK (status IN ('received', 'answered')),
        payload     TEXT,                                   -- kept only until answered
        received_at INTEGER NOT NULL,
        answered_at INTEGER
    );
    CREATE INDEX updates_by_status ON updates (status, update_id);
    CREATE INDEX updates_by_chat ON updates (chat_id);

    CREATE TABLE chat_prefs (
        chat_id    INTEGER PRIMARY KEY,
        lang       TEXT CHECK (lang IN ('nl', 'en')),
        updated_at INTEGER NOT NULL
    );
    "#,
    // 2: the question log, for the staff's report (what patients ask, what went unanswered).
    // Deliberately no chat id, user id, name or username: see `Store::log_question`.
    r#"
    CREATE TABLE question_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        asked_at    INTEGER NOT NULL,
        text        TEXT,                                   -- NULL once retention deletes it
        intent      TEXT    NOT NULL,
        topic       TEXT,                                   -- the FAQ entry answered, if any
        score       REAL    NOT NULL,
        lang        TEXT    NOT NULL CHECK (lang IN ('nl', 'en')),
        helpful     INTEGER CHECK (helpful IN (0, 1))       -- NULL: no feedback; last tap wins
    );
    CREATE INDEX question_log_by_time ON question_log (asked_at);
    "#,
    // 3: escalations offered and not yet confirmed (what the patient was shown is what the
    // ticket gets, across a restart), and the parts of a direct reply Telegram accepted (a
    // restart sends only what is missing).
    r#"
    CREATE TABLE IF NOT EXISTS pending_offers (
        chat_id    INTEGER PRIMARY KEY,                     -- one offer per chat: the latest
        lang       TEXT    NOT NULL CHECK (lang IN ('nl', 'en')),
        questions  TEXT    NOT NULL,                        -- JSON [[question, answered], ...]
        created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS pending_offers_by_time ON pending_offers (created_at);

    CREATE TABLE IF NOT EXISTS sent_parts (
        update_id INTEGER NOT NULL,
        part      INTEGER NOT NULL,
        sent_at   INTEGER NOT NULL,
        PRIMARY KEY (update_id, part)
    ) WITHOUT ROWID;
    "#,
    // 4: the staff console: accounts (Argon2id hashes only), sessions, failed logins (for
    // slowing down password guessing), published FAQ versions and the audit log. No patient
    // text in any of them.
    r#"
    CREATE TABLE IF NOT EXISTS staff_users (
        name       TEXT    PRIMARY KEY,
        role       TEXT    NOT NULL CHECK (role IN ('viewer', 'editor', 'reviewer')),
        hash       TEXT    NOT NULL,                        -- Argon2id, PHC string
        created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS staff_sessions (
        token      TEXT    PRIMARY KEY,
        name       TEXT    NOT NULL REFERENCES staff_users (name) ON DELETE CASCADE,
        csrf       TEXT    NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS staff_failed_logins (
        id   INTEGER PRIMARY KEY,
        name TEXT    NOT NULL,
        at   INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS staff_failed_logins_by_name ON staff_failed_logins (name, at);
    CREATE TABLE IF NOT EXISTS faq_versions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        author     TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        note       TEXT    NOT NULL,                        -- e.g. 'publish', 'restore of 3'
        files      TEXT    NOT NULL,                        -- JSON {file name: content}
        diff       TEXT    NOT NULL                         -- against the version before
    );
    CREATE TABLE IF NOT EXISTS audit_log (
        id     INTEGER PRIMARY KEY,
        at     INTEGER NOT NULL,
        who    TEXT    NOT NULL,
        action TEXT    NOT NULL,
        detail TEXT    NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Connection settings, identity and integrity checks, then the migrations.
pub(super) fn prepare(conn: &mut Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // SQLite quietly opens a file it may not write read-only; the bot would then fail at its
    // first ticket. Say so now.
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(StoreError::ReadOnly {
            path: PathBuf::new(),
            detail: "the file is not writable".into(),
        });
    }
    // Reading the header: a file that is not a database fails here (SQLITE_NOTADB).
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    if app_id != APPLICATION_ID && (app_id != 0 || version != 0 || tables != 0) {
        return Err(StoreError::Foreign {
            path: PathBuf::new(),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: PathBuf::new(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            path: PathBuf::new(),
            detail: check,
        });
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        log::warn!("database: WAL mode unavailable, using {mode}");
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )?;
    migrate(conn, version)
}

fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (version, step) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now > version as i64 {
            continue;
        }
        tx.execute_batch(step)?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
            version + 1
        ))?;
        tx.commit()?;
        log::info!("database schema migrated to version {}", version + 1);
    }
    Ok(())
}
