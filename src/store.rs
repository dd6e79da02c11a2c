//! The embedded SQLite database: tickets, their messages, the outbox, processed updates and
//! per-chat preferences. One file, `b12bot.sqlite`, in the data directory.
//!
//! Invariants:
//! - **Stored before sent.** Whatever the bot must deliver goes into the outbox in the same
//!   transaction as the state it belongs to ([`Store::open_ticket`], [`Store::add_message`],
//!   [`Store::answer_update`]); a separate delivery task sends from the outbox. A crash or a
//!   Telegram outage between storing and sending delays a message, never loses it.
//! - **No duplicates from the store.** Every outbox row has a dedup key (unique), a ticket an
//!   origin key (unique), an update its `update_id`: doing the same thing twice after a
//!   restart stores it once. Marking is monotonic: a delivered row is never due again. (The
//!   one window left is a crash after Telegram accepted a message and before
//!   [`Store::mark_delivered`] committed; the Bot API has no idempotency key to close it.)
//! - **In order per chat.** [`Store::outbox_due`] offers only the oldest pending row of each
//!   chat, so a message waiting for a retry is never overtaken by a later one.
//! - **One delivery task.** `outbox_due` does not lease rows; exactly one task may deliver.
//! - **No clock inside.** Every time is passed in (unix seconds), so tests control time.
//! - **Private at rest.** The file (and SQLite's `-wal`/`-shm` beside it, which SQLite creates
//!   with the database's mode) is owner-only (0600); `secure_delete` overwrites deleted text
//!   instead of leaving it in free pages; [`Store::retention`] and [`Store::forget_chat`]
//!   truncate the write-ahead log so no old copy stays there either.
//! - **Durable.** WAL mode with `synchronous=FULL`: a committed ticket survives a crash and a
//!   power cut. Commits cost an fsync (milliseconds); the triage desk's volume is small.
//!
//! Concurrency: [`Store`] is a cheap `Clone` handle on one connection behind a mutex
//! (`Arc<Mutex<Connection>>`). Its methods are synchronous and each runs one small transaction
//! (well under a few milliseconds, including the fsync); async code calls them through
//! [`Store::call`], which runs them on tokio's blocking pool so a slow disk never stalls the
//! runtime's workers. One connection is enough at this volume and makes every operation
//! serialised within the process; other processes (`b12bot forget`) wait for the lock
//! (`busy_timeout`), which WAL keeps short.

use crate::text::Lang;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use std::fmt;
use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The database's file name in the data directory.
pub const DATABASE_FILE: &str = "b12bot.sqlite";

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
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A ticket's number, shown to staff as `#12`. Pseudonymous: it says nothing about the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNo(pub i64);

impl fmt::Display for TicketNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for staff.
    Open,
    /// Staff replied; the patient may still follow up.
    Answered,
    /// Done (`/close`); replies to it are no longer relayed.
    Closed,
}

impl Status {
    /// How the status is stored and shown to staff.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Status> {
        match s {
            "open" => Ok(Status::Open),
            "answered" => Ok(Status::Answered),
            "closed" => Ok(Status::Closed),
            _ => Err(bad_value("status", s)),
        }
    }
}

/// Who wrote a ticket message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Patient,
    Bot,
    Staff,
}

impl Author {
    fn as_str(self) -> &'static str {
        match self {
            Author::Patient => "patient",
            Author::Bot => "bot",
            Author::Staff => "staff",
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Author> {
        match s {
            "patient" => Ok(Author::Patient),
            "bot" => Ok(Author::Bot),
            "staff" => Ok(Author::Staff),
            _ => Err(bad_value("author", s)),
        }
    }
}

fn lang_str(lang: Lang) -> &'static str {
    lang.code()
}

fn parse_lang(s: &str) -> rusqlite::Result<Lang> {
    match s {
        "nl" => Ok(Lang::Nl),
        "en" => Ok(Lang::En),
        _ => Err(bad_value("lang", s)),
    }
}

fn bad_value(column: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unexpected {column} {value:?}").into(),
    )
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub number: TicketNo,
    /// The patient's chat; `None` once retention has unlinked an old, answered ticket.
    pub chat_id: Option<i64>,
    pub lang: Lang,
    pub status: Status,
    pub urgent: bool,
    pub out_of_hours: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// The ticket's post in the triage group, once delivered.
    pub group_message_id: Option<i32>,
}

/// One message of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMessage {
    pub author: Author,
    pub text: String,
    pub created_at: i64,
}

/// A new ticket, for [`Store::open_ticket`].
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// What opened it, unique (e.g. `"escalate:<update_id>"`): opening the same ticket again
    /// (a redelivered update after a restart) returns the first one's number and stores
    /// nothing new.
    pub origin: String,
    pub chat_id: i64,
    pub lang: Lang,
    pub urgent: bool,
    pub out_of_hours: bool,
    /// The conversation so far: the patient's question(s) and what the bot answered.
    pub messages: Vec<(Author, String)>,
}

/// What to send: a text, or a copy of a message (a staff reply with photos and formatting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// `sendMessage` with this text.
    Text(String),
    /// `copyMessage` of this message.
    Copy { from_chat_id: i64, message_id: i32 },
}

/// A message to deliver, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// The chat it goes to.
    pub chat_id: i64,
    pub delivery: Delivery,
    /// The Telegram door's own settings for it (JSON: parse mode, keyboard, reply-to); the
    /// store keeps it as given.
    pub options: Option<String>,
    /// Unique per message (e.g. `"ticket:12:post"`, `"update:4711:1"`): a second row with the
    /// same key is not stored.
    pub dedup_key: String,
    /// The ticket it is about: forgetting the ticket removes it too.
    pub ticket: Option<TicketNo>,
    /// It is a post about `ticket` in the triage group: once delivered, a staff reply to it
    /// belongs to the ticket.
    pub ticket_post: bool,
}

impl Outbound {
    /// A text message, unrelated to any ticket.
    pub fn text(chat_id: i64, text: impl Into<String>, dedup_key: impl Into<String>) -> Outbound {
        Outbound {
            chat_id,
            delivery: Delivery::Text(text.into()),
            options: None,
            dedup_key: dedup_key.into(),
            ticket: None,
            ticket_post: false,
        }
    }

    /// A copy of a message, unrelated to any ticket.
    pub fn copy(
        chat_id: i64,
        from_chat_id: i64,
        message_id: i32,
        dedup_key: impl Into<String>,
    ) -> Outbound {
        Outbound {
            chat_id,
            delivery: Delivery::Copy {
                from_chat_id,
                message_id,
            },
            options: None,
            dedup_key: dedup_key.into(),
            ticket: None,
            ticket_post: false,
        }
    }

    /// About this ticket.
    pub fn about(mut self, ticket: TicketNo) -> Outbound {
        self.ticket = Some(ticket);
        self
    }

    /// A post about this ticket in the triage group.
    pub fn post_of(mut self, ticket: TicketNo) -> Outbound {
        self.ticket = Some(ticket);
        self.ticket_post = true;
        self
    }

    pub fn with_options(mut self, options: impl Into<String>) -> Outbound {
        self.options = Some(options.into());
        self
    }
}

/// An outbox row due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub chat_id: i64,
    pub delivery: Delivery,
    pub options: Option<String>,
    pub dedup_key: String,
    pub ticket: Option<TicketNo>,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// What [`Store::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    Added(i64),
    /// A row with this dedup key exists (its id); nothing was stored.
    Duplicate(i64),
}

impl Enqueued {
    pub fn id(self) -> i64 {
        match self {
            Enqueued::Added(id) | Enqueued::Duplicate(id) => id,
        }
    }
}

/// What the store knew of an update when [`Store::record_update`] saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSeen {
    /// First time: recorded as received.
    New,
    /// Recorded before and not answered yet (a redelivery after a crash): answer it now.
    Unanswered,
    /// Answered already: ignore it.
    Answered,
}

/// An update as it arrives, for [`Store::record_updates`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingUpdate {
    pub update_id: i64,
    /// The chat it belongs to (so `forget` finds it); `None` for updates without a chat.
    pub chat_id: Option<i64>,
    /// The update's JSON, kept until it is answered.
    pub payload: String,
}

/// An update recorded and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    /// As the door recorded it (the update's JSON).
    pub payload: String,
}

/// Counts for `/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub open: u64,
    pub answered: u64,
    pub closed: u64,
    pub urgent: u64,
    pub out_of_hours: u64,
    /// When the oldest open ticket was opened.
    pub oldest_open_at: Option<i64>,
    /// Messages waiting for delivery.
    pub outbox_pending: u64,
    /// Messages given up on (e.g. the patient blocked the bot).
    pub outbox_abandoned: u64,
}

/// What [`Store::retention`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionCounts {
    /// Ticket messages (texts) deleted.
    pub messages: u64,
    /// Outbox rows (with their texts) deleted.
    pub outbox: u64,
    /// Processed-update records deleted.
    pub updates: u64,
    /// Answered or closed tickets, untouched for the period, no longer linked to a chat.
    pub tickets_unlinked: u64,
    /// Logged questions whose text was deleted (their intent, topic, language and feedback
    /// stay for the report).
    pub questions: u64,
    /// Escalation offers never confirmed, deleted with their texts.
    pub offers: u64,
}

/// What [`Store::forget_chat`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForgetCounts {
    pub tickets: u64,
    pub messages: u64,
    pub outbox: u64,
    pub updates: u64,
    pub prefs: u64,
    /// An escalation offered and not confirmed.
    pub offers: u64,
}

impl ForgetCounts {
    pub fn total(&self) -> u64 {
        self.tickets + self.messages + self.outbox + self.updates + self.prefs + self.offers
    }
}

/// An escalation the patient was offered and has not confirmed yet: exactly the questions
/// (and what the bot answered) the patient was shown, so the ticket holds what they agreed
/// to share, whatever happened to the process in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOffer {
    pub chat_id: i64,
    pub lang: Lang,
    /// (the patient's question, what the bot answered), oldest first; empty when the
    /// patient asked for a person without a question first.
    pub questions: Vec<(String, String)>,
    pub created_at: i64,
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data directory {} cannot be used: {source}", dir.display())]
    DataDir { dir: PathBuf, source: io::Error },
    #[error(
        "cannot create the database {}: {source} (is the data directory writable by this user?)",
        path.display()
    )]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "{}: the database is damaged or not a database ({detail}); move the file aside \
         (keep it for inspection), then restore a backup or start without it (an empty \
         database is created)",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{}: an SQLite database, but not b12bot's; set B12BOT_DATA_DIR to a folder of its own",
        path.display()
    )]
    Foreign { path: PathBuf },
    #[error(
        "{}: written by a newer b12bot (schema version {found}; this build knows up to \
         {known}); run the newer version or restore a backup",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{}: cannot write ({detail}); the file or the data directory is read-only for this user",
        path.display()
    )]
    ReadOnly { path: PathBuf, detail: String },
    #[error("{}: the disk is full; free space and the bot carries on", path.display())]
    Full { path: PathBuf },
    #[error("{}: database error: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// A database error inside a transaction, before [`Store`] names the file.
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("ticket {0} does not exist")]
    NoSuchTicket(TicketNo),
    #[error("outbox entry {0} does not exist")]
    NoSuchOutboxEntry(i64),
    #[error("the database task stopped: {0}")]
    Task(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Names the file, and tells damage, a full disk and a read-only file apart.
    fn at(self, path: &Path) -> StoreError {
        let named = path.to_path_buf();
        let source = match self {
            StoreError::Db(source) => source,
            // Raised while opening, before the file's name was at hand.
            StoreError::Corrupt { path, detail } if path.as_os_str().is_empty() => {
                return StoreError::Corrupt {
                    path: named,
                    detail,
                };
            }
            StoreError::Foreign { path } if path.as_os_str().is_empty() => {
                return StoreError::Foreign { path: named };
            }
            StoreError::ReadOnly { path, detail } if path.as_os_str().is_empty() => {
                return StoreError::ReadOnly {
                    path: named,
                    detail,
                };
            }
            StoreError::TooNew { path, found, known } if path.as_os_str().is_empty() => {
                return StoreError::TooNew {
                    path: named,
                    found,
                    known,
                };
            }
            other => return other,
        };
        let path = named;
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: source.to_string(),
            },
            Some(ErrorCode::DiskFull) => StoreError::Full { path },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                StoreError::ReadOnly {
                    path,
                    detail: source.to_string(),
                }
            }
            _ => StoreError::Sqlite { path, source },
        }
    }
}

/// The database. A cheap `Clone` handle; see the module docs for the concurrency choice.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) `b12bot.sqlite` in `data_dir`, creating the directory
    /// (owner-only) if needed, and brings the schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store> {
        if data_dir.exists() && !data_dir.is_dir() {
            return Err(StoreError::DataDir {
                dir: data_dir.to_path_buf(),
                source: io::Error::other("it exists and is not a directory"),
            });
        }
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|source| StoreError::DataDir {
                dir: data_dir.to_path_buf(),
                source,
            })?;
        Store::open_file(&data_dir.join(DATABASE_FILE))
    }

    /// Opens (creating if needed) the database at `path`.
    pub fn open_file(path: &Path) -> Result<Store> {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => log::info!("database created"),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten_permissions(path),
            Err(source) => {
                return Err(StoreError::Create {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        let conn = Connection::open(path)
            .map_err(StoreError::Db)
            .and_then(|mut conn| {
                prepare(&mut conn)?;
                Ok(conn)
            })
            .map_err(|e| e.at(path))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                conn: Mutex::new(conn),
            }),
        })
    }

    /// A second connection to the same file whose commits are not flushed to the disk
    /// (`synchronous=NORMAL`): a commit survives the process being killed (the operating
    /// system has it) but not a power cut. Only for writes whose loss is harmless and that
    /// must be quick: marking an update answered (lost, the update is answered again).
    pub fn relaxed(&self) -> Result<Store> {
        let path = self.path();
        let conn = Connection::open(path)
            .and_then(|conn| {
                conn.busy_timeout(Duration::from_secs(5))?;
                conn.execute_batch(
                    "PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA secure_delete = ON;",
                )?;
                Ok(conn)
            })
            .map_err(|e| StoreError::Db(e).at(path))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                conn: Mutex::new(conn),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock dropped its transaction (rolled back): the
        // connection is consistent, keep using it.
        self.inner.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    /// The building block of every write; callers combine writes that belong together
    /// (e.g. a staff reply: its message, the status, the copy to the patient).
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let run = || -> Result<T> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&Tx { tx: &tx })?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| e.at(&self.inner.path))
    }

    /// Runs read-only `f` on a consistent snapshot.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let run = || -> Result<T> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| e.at(&self.inner.path))
    }

    /// Runs `f` on tokio's blocking pool: how async code uses the store.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// The schema version of the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    // --- tickets ---------------------------------------------------------------------------

    /// Stores a new ticket, its messages and the outbox rows `outbox` builds from its number,
    /// in one transaction: a ticket is stored before anything about it is sent. If a ticket
    /// with the same origin exists, returns its number and stores nothing.
    pub fn open_ticket(
        &self,
        ticket: &NewTicket,
        now: i64,
        outbox: impl FnOnce(TicketNo) -> Vec<Outbound>,
    ) -> Result<TicketNo> {
        self.write(|tx| tx.open_ticket(ticket, now, outbox))
    }

    /// Adds a message to a ticket's conversation, with the outbox rows that carry it, in one
    /// transaction; the ticket's `updated_at` becomes `now`.
    pub fn add_message(
        &self,
        ticket: TicketNo,
        author: Author,
        text: &str,
        now: i64,
        outbox: &[Outbound],
    ) -> Result<()> {
        self.write(|tx| {
            tx.add_message(ticket, author, text, now)?;
            for o in outbox {
                tx.enqueue(o, now)?;
            }
            Ok(())
        })
    }

    /// Sets a ticket's status; returns the previous one.
    pub fn set_status(&self, ticket: TicketNo, status: Status, now: i64) -> Result<Status> {
        self.write(|tx| tx.set_status(ticket, status, now))
    }

    pub fn ticket(&self, number: TicketNo) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.number = ?1"),
                [number.0],
                ticket_row,
            )
            .optional()
        })
    }

    /// The ticket a message in the triage group is about (the ticket's post or a follow-up
    /// post), so a staff reply to it reaches the right patient.
    pub fn ticket_by_group_message(&self, chat_id: i64, message_id: i32) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets t
                     JOIN ticket_posts p ON p.ticket = t.number
                     WHERE p.chat_id = ?1 AND p.message_id = ?2"
                ),
                params![chat_id, message_id],
                ticket_row,
            )
            .optional()
        })
    }

    /// Records a message in the triage group as one of a ticket's posts (found afterwards,
    /// e.g. a post Telegram accepted just before a crash), so replies to it reach the ticket.
    pub fn add_post(&self, chat_id: i64, message_id: i32, ticket: TicketNo) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT OR IGNORE INTO ticket_posts (chat_id, message_id, ticket)
                 VALUES (?1, ?2, ?3)",
                params![chat_id, message_id, ticket.0],
            )?;
            Ok(())
        })
    }

    /// The chat's newest ticket that is not closed: where a follow-up goes.
    pub fn current_ticket(&self, chat_id: i64) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets t
                     WHERE t.chat_id = ?1 AND t.status != 'closed'
                     ORDER BY t.number DESC LIMIT 1"
                ),
                [chat_id],
                ticket_row,
            )
            .optional()
        })
    }

    /// Tickets not closed (open and answered), oldest first: `/open`.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.status != 'closed' ORDER BY t.number"
            ))?
            .query_map([], ticket_row)?
            .collect()
        })
    }

    /// A ticket's conversation, oldest first.
    pub fn messages(&self, ticket: TicketNo) -> Result<Vec<TicketMessage>> {
        self.read(|c| {
            c.prepare(
                "SELECT author, text, created_at FROM ticket_messages
                 WHERE ticket = ?1 ORDER BY created_at, id",
            )?
            .query_map([ticket.0], |r| {
                Ok(TicketMessage {
                    author: Author::parse(&r.get::<_, String>(0)?)?,
                    text: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    pub fn stats(&self) -> Result<Stats> {
        self.read(|c| {
            let mut stats = c.query_row(
                "SELECT
                    COALESCE(SUM(status = 'open'), 0),
                    COALESCE(SUM(status = 'answered'), 0),
                    COALESCE(SUM(status = 'closed'), 0),
                    COALESCE(SUM(urgent), 0),
                    COALESCE(SUM(out_of_hours), 0),
                    MIN(CASE WHEN status = 'open' THEN created_at END)
                 FROM tickets",
                [],
                |r| {
                    Ok(Stats {
                        open: count(r, 0)?,
                        answered: count(r, 1)?,
                        closed: count(r, 2)?,
                        urgent: count(r, 3)?,
                        out_of_hours: count(r, 4)?,
                        oldest_open_at: r.get(5)?,
                        ..Stats::default()
                    })
                },
            )?;
            (stats.outbox_pending, stats.outbox_abandoned) = c.query_row(
                "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'abandoned'), 0)
                 FROM outbox",
                [],
                |r| Ok((count(r, 0)?, count(r, 1)?)),
            )?;
            Ok(stats)
        })
    }

    // --- outbox ----------------------------------------------------------------------------

    /// Stores a message to deliver (due at `now`); a duplicate dedup key stores nothing.
    pub fn enqueue(&self, outbound: &Outbound, now: i64) -> Result<Enqueued> {
        self.write(|tx| tx.enqueue(outbound, now))
    }

    /// Up to `limit` messages to send now, oldest first, at most one per chat: the oldest
    /// pending one of its chat, and only once its retry time has come. A chat's later
    /// messages wait behind it, so they arrive in order.
    pub fn outbox_due(&self, now: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox o
                 WHERE o.state = 'pending' AND o.next_attempt_at <= ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox p
                                   WHERE p.state = 'pending' AND p.chat_id = o.chat_id
                                     AND p.id < o.id)
                 ORDER BY o.id LIMIT ?2"
            ))?
            .query_map(params![now, limit as i64], outbox_row)?
            .collect()
        })
    }

    /// When the next message falls due (`None`: nothing pending): how long the delivery task
    /// may sleep.
    pub fn outbox_next_due(&self) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT MIN(o.next_attempt_at) FROM outbox o
                 WHERE o.state = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM outbox p
                                   WHERE p.state = 'pending' AND p.chat_id = o.chat_id
                                     AND p.id < o.id)",
                [],
                |r| r.get(0),
            )
        })
    }

    /// Telegram accepted the message (its id there is `telegram_message_id`). Returns `false`
    /// when it was no longer pending (marked before): nothing changes. A delivered ticket
    /// post starts routing staff replies to its ticket.
    pub fn mark_delivered(&self, id: i64, telegram_message_id: i32) -> Result<bool> {
        self.write(|tx| tx.mark_delivered(id, telegram_message_id))
    }

    /// Sending failed for a reason that may pass (an outage, a 429, a 5xx): try again after
    /// `backoff`. Returns the number of failed attempts, or `None` when the entry is no longer
    /// pending (a late failure never revives a delivered message).
    pub fn mark_failed(&self, id: i64, now: i64, backoff: Duration) -> Result<Option<u32>> {
        self.write(|tx| {
            let attempts = tx
                .tx
                .query_row(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2
                     WHERE id = ?1 AND state = 'pending' RETURNING attempts",
                    params![id, now.saturating_add(backoff.as_secs() as i64)],
                    |r| r.get::<_, u32>(0),
                )
                .optional()?;
            if attempts.is_none() {
                tx.outbox_exists(id)?;
            }
            Ok(attempts)
        })
    }

    /// Sending can never succeed (the patient blocked the bot, the chat is gone): stop
    /// trying, so the chat's later messages are not held up. Returns `false` when it was no
    /// longer pending.
    pub fn abandon(&self, id: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx.tx.execute(
                "UPDATE outbox SET state = 'abandoned' WHERE id = ?1 AND state = 'pending'",
                [id],
            )?;
            if n == 0 {
                tx.outbox_exists(id)?;
            }
            Ok(n == 1)
        })
    }

    // --- updates (at-least-once with de-duplication) ---------------------------------------

    /// Records an update before it is acknowledged to Telegram. `payload` (the update's
    /// JSON) is kept until the update is answered, so it can be answered after a crash.
    pub fn record_update(
        &self,
        update_id: i64,
        chat_id: Option<i64>,
        payload: &str,
        now: i64,
    ) -> Result<UpdateSeen> {
        let seen = self.record_updates(
            &[IncomingUpdate {
                update_id,
                chat_id,
                payload: payload.to_string(),
            }],
            now,
        )?;
        Ok(seen[0])
    }

    /// [`Store::record_update`] for a whole `getUpdates` batch, in one transaction (one
    /// commit per batch instead of one per update). The result is in the batch's order.
    pub fn record_updates(&self, batch: &[IncomingUpdate], now: i64) -> Result<Vec<UpdateSeen>> {
        self.write(|tx| {
            let mut seen = Vec::with_capacity(batch.len());
            for u in batch {
                let status: Option<String> = tx
                    .tx
                    .query_row(
                        "SELECT status FROM updates WHERE update_id = ?1",
                        [u.update_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                seen.push(match status.as_deref() {
                    Some("answered") => UpdateSeen::Answered,
                    Some(_) => UpdateSeen::Unanswered,
                    None => {
                        tx.tx.execute(
                            "INSERT INTO updates (update_id, chat_id, status, payload, received_at)
                             VALUES (?1, ?2, 'received', ?3, ?4)",
                            params![u.update_id, u.chat_id, u.payload, now],
                        )?;
                        UpdateSeen::New
                    }
                });
            }
            Ok(seen)
        })
    }

    /// Marks an update answered and stores its replies in the outbox, in one transaction;
    /// its payload is deleted. Returns `false` (storing nothing) when it was answered before.
    /// An update never recorded is recorded as answered.
    pub fn answer_update(&self, update_id: i64, now: i64, outbox: &[Outbound]) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.tx.execute(
                "INSERT INTO updates (update_id, status, received_at, answered_at)
                 VALUES (?1, 'answered', ?2, ?2)
                 ON CONFLICT (update_id) DO UPDATE
                 SET status = 'answered', payload = NULL, answered_at = ?2
                 WHERE status != 'answered'",
                params![update_id, now],
            )?;
            // Its replies are all out: the record of which parts were sent is done with.
            tx.tx
                .execute("DELETE FROM sent_parts WHERE update_id = ?1", [update_id])?;
            if changed == 0 {
                return Ok(false);
            }
            for o in outbox {
                tx.enqueue(o, now)?;
            }
            Ok(true)
        })
    }

    /// Forgets answered updates received before `before`. Telegram redelivers an update it
    /// was not told about for at most 24 hours, so older records cannot catch a duplicate;
    /// and update ids may start afresh after a quiet week (or for a new bot), when an old
    /// record would wrongly hide a new update.
    pub fn forget_answered_updates(&self, before: i64) -> Result<u64> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "DELETE FROM updates WHERE status = 'answered' AND received_at < ?1",
                [before],
            )? as u64)
        })
    }

    /// Updates recorded and not answered, oldest first: what to answer after a restart.
    pub fn unanswered_updates(&self) -> Result<Vec<PendingUpdate>> {
        self.read(|c| {
            c.prepare(
                "SELECT update_id, chat_id, COALESCE(payload, '') FROM updates
                 WHERE status = 'received' ORDER BY update_id",
            )?
            .query_map([], |r| {
                Ok(PendingUpdate {
                    update_id: r.get(0)?,
                    chat_id: r.get(1)?,
                    payload: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    /// Whether part `part` of the direct replies to update `update_id` was accepted by
    /// Telegram in an earlier run (see [`Store::mark_part_sent`]).
    pub fn part_sent(&self, update_id: i64, part: u32) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM sent_parts WHERE update_id = ?1 AND part = ?2",
                params![update_id, part],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// The parts of update `update_id`'s direct replies recorded as sent.
    pub fn sent_parts(&self, update_id: i64) -> Result<std::collections::HashSet<u32>> {
        self.read(|c| {
            c.prepare("SELECT part FROM sent_parts WHERE update_id = ?1")?
                .query_map([update_id], |r| r.get(0))?
                .collect()
        })
    }

    /// Records that Telegram accepted part `part` (0, 1, … in the order the handler sends)
    /// of the direct replies to update `update_id`, one small transaction right after the
    /// send: if the process dies before the update is marked answered, its replay sends only
    /// the parts not recorded here. Deleted when the update is marked answered.
    pub fn mark_part_sent(&self, update_id: i64, part: u32, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT OR IGNORE INTO sent_parts (update_id, part, sent_at) VALUES (?1, ?2, ?3)",
                params![update_id, part, now],
            )?;
            Ok(())
        })
    }

    // --- escalation offers -------------------------------------------------------------------

    /// The chat's escalation offer not yet confirmed (the latest one), if any.
    pub fn offer(&self, chat_id: i64) -> Result<Option<PendingOffer>> {
        self.read(|c| {
            c.query_row(
                "SELECT chat_id, lang, questions, created_at FROM pending_offers
                 WHERE chat_id = ?1",
                [chat_id],
                |r| {
                    let questions: String = r.get(2)?;
                    Ok(PendingOffer {
                        chat_id: r.get(0)?,
                        lang: parse_lang(&r.get::<_, String>(1)?)?,
                        questions: serde_json::from_str(&questions)
                            .map_err(|_| bad_value("questions", "(not JSON)"))?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    // --- preferences -----------------------------------------------------------------------

    /// The chat's chosen language (`/taal`); `None` clears the choice.
    pub fn set_language(&self, chat_id: i64, lang: Option<Lang>, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO chat_prefs (chat_id, lang, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id) DO UPDATE SET lang = ?2, updated_at = ?3",
                params![chat_id, lang.map(lang_str), now],
            )?;
            Ok(())
        })
    }

    pub fn language(&self, chat_id: i64) -> Result<Option<Lang>> {
        self.read(|c| {
            let lang: Option<Option<String>> = c
                .query_row(
                    "SELECT lang FROM chat_prefs WHERE chat_id = ?1",
                    [chat_id],
                    |r| r.get(0),
                )
                .optional()?;
            lang.flatten().as_deref().map(parse_lang).transpose()
        })
    }

    // --- privacy ---------------------------------------------------------------------------

    /// Deletes what is older than `days` days before `now`: ticket messages, outbox rows
    /// (delivered or not: a text that old is not worth sending) and update records; and
    /// unlinks answered or closed tickets untouched for that long from their chat. Ticket
    /// numbers, statuses and times stay, so `/stats` still counts them. Open tickets keep
    /// their chat link (a late staff reply must still reach the patient), not their texts.
    /// Logged questions ([`Store::log_question`]) that old lose their text; the rest of the
    /// row (intent, topic, language, feedback) stays for the report.
    pub fn retention(&self, now: i64, days: u32) -> Result<RetentionCounts> {
        let cutoff = now.saturating_sub(i64::from(days) * 86_400);
        let counts = self.write(|tx| {
            let c = tx.tx;
            let counts = RetentionCounts {
                messages: c.execute(
                    "DELETE FROM ticket_messages WHERE created_at < ?1",
                    [cutoff],
                )? as u64,
                outbox: c.execute("DELETE FROM outbox WHERE created_at < ?1", [cutoff])? as u64,
                updates: c.execute("DELETE FROM updates WHERE received_at < ?1", [cutoff])? as u64,
                tickets_unlinked: c.execute(
                    "UPDATE tickets SET chat_id = NULL
                     WHERE chat_id IS NOT NULL AND status != 'open' AND updated_at < ?1",
                    [cutoff],
                )? as u64,
                questions: c.execute(
                    "UPDATE question_log SET text = NULL
                     WHERE text IS NOT NULL AND asked_at < ?1",
                    [cutoff],
                )? as u64,
                offers: c.execute("DELETE FROM pending_offers WHERE created_at < ?1", [cutoff])?
                    as u64,
            };
            c.execute("DELETE FROM sent_parts WHERE sent_at < ?1", [cutoff])?;
            Ok(counts)
        })?;
        self.checkpoint()?;
        Ok(counts)
    }

    /// Removes everything stored about one chat (a patient's request, `b12bot forget`): its
    /// tickets with their messages and posts, messages to it or about its tickets, its
    /// update records and preferences. Other chats are untouched. (Copies already in
    /// Telegram, like the ticket posts in the triage group, are Telegram's to delete.)
    ///
    /// The question log is not touched: it has no chat id, by design, so nothing in it can
    /// be traced to this chat. Its texts are pseudonymous and expire with
    /// [`Store::retention`] like ticket texts.
    pub fn forget_chat(&self, chat_id: i64) -> Result<ForgetCounts> {
        let counts = self.write(|tx| {
            let c = tx.tx;
            let mine = "SELECT number FROM tickets WHERE chat_id = ?1";
            let messages = c.execute(
                &format!("DELETE FROM ticket_messages WHERE ticket IN ({mine})"),
                [chat_id],
            )? as u64;
            let outbox = c.execute(
                &format!("DELETE FROM outbox WHERE chat_id = ?1 OR ticket IN ({mine})"),
                [chat_id],
            )? as u64;
            c.execute(
                &format!("DELETE FROM ticket_posts WHERE ticket IN ({mine})"),
                [chat_id],
            )?;
            Ok(ForgetCounts {
                messages,
                outbox,
                tickets: c.execute("DELETE FROM tickets WHERE chat_id = ?1", [chat_id])? as u64,
                updates: c.execute("DELETE FROM updates WHERE chat_id = ?1", [chat_id])? as u64,
                prefs: c.execute("DELETE FROM chat_prefs WHERE chat_id = ?1", [chat_id])? as u64,
                offers: c.execute("DELETE FROM pending_offers WHERE chat_id = ?1", [chat_id])?
                    as u64,
            })
        })?;
        self.checkpoint()?;
        Ok(counts)
    }

    /// Copies the write-ahead log into the database and empties it, so deleted text does not
    /// linger in the `-wal` file.
    fn checkpoint(&self) -> Result<()> {
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| StoreError::Db(e).at(&self.inner.path))
    }
}

/// One transaction of [`Store::write`].
pub struct Tx<'c> {
    tx: &'c rusqlite::Transaction<'c>,
}

impl Tx<'_> {
    /// See [`Store::open_ticket`].
    pub fn open_ticket(
        &self,
        ticket: &NewTicket,
        now: i64,
        outbox: impl FnOnce(TicketNo) -> Vec<Outbound>,
    ) -> Result<TicketNo> {
        let existing: Option<i64> = self
            .tx
            .query_row(
                "SELECT number FROM tickets WHERE origin = ?1",
                [&ticket.origin],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(n) = existing {
            return Ok(TicketNo(n));
        }
        let number = TicketNo(self.tx.query_row(
            "INSERT INTO tickets
                (origin, chat_id, lang, status, urgent, out_of_hours, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?6) RETURNING number",
            params![
                ticket.origin,
                ticket.chat_id,
                lang_str(ticket.lang),
                ticket.urgent,
                ticket.out_of_hours,
                now
            ],
            |r| r.get(0),
        )?);
        for (author, text) in &ticket.messages {
            self.add_message(number, *author, text, now)?;
        }
        for o in outbox(number) {
            self.enqueue(&o, now)?;
        }
        Ok(number)
    }

    /// Stores the escalation offer the patient is shown (replacing an older one of the
    /// chat): call it in the same transaction as the offer's outbox rows.
    pub fn save_offer(&self, offer: &PendingOffer) -> Result<()> {
        let questions = serde_json::to_string(&offer.questions)
            .map_err(|e| StoreError::Db(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        self.tx.execute(
            "INSERT INTO pending_offers (chat_id, lang, questions, created_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (chat_id) DO UPDATE SET lang = ?2, questions = ?3, created_at = ?4",
            params![
                offer.chat_id,
                lang_str(offer.lang),
                questions,
                offer.created_at
            ],
        )?;
        Ok(())
    }

    /// Removes the chat's offer (it became a ticket, or the patient declined); whether
    /// there was one.
    pub fn take_offer(&self, chat_id: i64) -> Result<bool> {
        Ok(self
            .tx
            .execute("DELETE FROM pending_offers WHERE chat_id = ?1", [chat_id])?
            > 0)
    }

    /// See [`Store::add_message`].
    pub fn add_message(
        &self,
        ticket: TicketNo,
        author: Author,
        text: &str,
        now: i64,
    ) -> Result<()> {
        let touched = self.tx.execute(
            "UPDATE tickets SET updated_at = MAX(updated_at, ?2) WHERE number = ?1",
            params![ticket.0, now],
        )?;
        if touched == 0 {
            return Err(StoreError::NoSuchTicket(ticket));
        }
        self.tx.execute(
            "INSERT INTO ticket_messages (ticket, author, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![ticket.0, author.as_str(), text, now],
        )?;
        Ok(())
    }

    /// See [`Store::set_status`].
    pub fn set_status(&self, ticket: TicketNo, status: Status, now: i64) -> Result<Status> {
        let previous: Option<String> = self
            .tx
            .query_row(
                "SELECT status FROM tickets WHERE number = ?1",
                [ticket.0],
                |r| r.get(0),
            )
            .optional()?;
        let previous = previous.ok_or(StoreError::NoSuchTicket(ticket))?;
        self.tx.execute(
            "UPDATE tickets SET status = ?2, updated_at = MAX(updated_at, ?3) WHERE number = ?1",
            params![ticket.0, status.as_str(), now],
        )?;
        Ok(Status::parse(&previous)?)
    }

    /// See [`Store::enqueue`].
    pub fn enqueue(&self, o: &Outbound, now: i64) -> Result<Enqueued> {
        let (kind, text, from_chat, from_msg) = match &o.delivery {
            Delivery::Text(t) => ("text", Some(t.as_str()), None, None),
            Delivery::Copy {
                from_chat_id,
                message_id,
            } => ("copy", None, Some(*from_chat_id), Some(*message_id)),
        };
        let added: Option<i64> = self
            .tx
            .query_row(
                "INSERT INTO outbox (chat_id, kind, text, from_chat_id, from_message_id, options,
                                     dedup_key, ticket, ticket_post, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                 ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                params![
                    o.chat_id,
                    kind,
                    text,
                    from_chat,
                    from_msg,
                    o.options,
                    o.dedup_key,
                    o.ticket.map(|t| t.0),
                    o.ticket_post,
                    now
                ],
                |r| r.get(0),
            )
            .optional()?;
        match added {
            Some(id) => Ok(Enqueued::Added(id)),
            None => Ok(Enqueued::Duplicate(self.tx.query_row(
                "SELECT id FROM outbox WHERE dedup_key = ?1",
                [&o.dedup_key],
                |r| r.get(0),
            )?)),
        }
    }

    fn mark_delivered(&self, id: i64, telegram_message_id: i32) -> Result<bool> {
        let row: Option<(i64, Option<i64>, bool)> = self
            .tx
            .query_row(
                "UPDATE outbox SET state = 'delivered', telegram_message_id = ?2
                 WHERE id = ?1 AND state = 'pending'
                 RETURNING chat_id, ticket, ticket_post",
                params![id, telegram_message_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((chat_id, ticket, ticket_post)) = row else {
            self.outbox_exists(id)?;
            return Ok(false);
        };
        if let (Some(ticket), true) = (ticket, ticket_post) {
            self.tx.execute(
                "INSERT OR IGNORE INTO ticket_posts (chat_id, message_id, ticket)
                 VALUES (?1, ?2, ?3)",
                params![chat_id, telegram_message_id, ticket],
            )?;
            self.tx.execute(
                "UPDATE tickets SET group_message_id = COALESCE(group_message_id, ?2)
                 WHERE number = ?1",
                params![ticket, telegram_message_id],
            )?;
        }
        Ok(true)
    }

    fn outbox_exists(&self, id: i64) -> Result<()> {
        let found: Option<i64> = self
            .tx
            .query_row("SELECT id FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        found.map(|_| ()).ok_or(StoreError::NoSuchOutboxEntry(id))
    }
}

/// A count column (SQLite integers are signed).
fn count(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(i)?.max(0) as u64)
}

const TICKET_COLUMNS: &str = "t.number, t.chat_id, t.lang, t.status, t.urgent, t.out_of_hours, \
                              t.created_at, t.updated_at, t.group_message_id";

fn ticket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        number: TicketNo(r.get(0)?),
        chat_id: r.get(1)?,
        lang: parse_lang(&r.get::<_, String>(2)?)?,
        status: Status::parse(&r.get::<_, String>(3)?)?,
        urgent: r.get(4)?,
        out_of_hours: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        group_message_id: r.get(8)?,
    })
}

const OUTBOX_COLUMNS: &str = "o.id, o.chat_id, o.kind, o.text, o.from_chat_id, o.from_message_id, \
                              o.options, o.dedup_key, o.ticket, o.attempts";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let kind: String = r.get(2)?;
    let delivery = match kind.as_str() {
        "text" => Delivery::Text(r.get(3)?),
        "copy" => Delivery::Copy {
            from_chat_id: r.get(4)?,
            message_id: r.get(5)?,
        },
        other => return Err(bad_value("outbox kind", other)),
    };
    Ok(OutboxEntry {
        id: r.get(0)?,
        chat_id: r.get(1)?,
        delivery,
        options: r.get(6)?,
        dedup_key: r.get(7)?,
        ticket: r.get::<_, Option<i64>>(8)?.map(TicketNo),
        attempts: r.get(9)?,
    })
}

/// An existing file with group or other permissions (restored from a backup, copied) is made
/// owner-only again; patient texts are in it.
fn tighten_permissions(path: &Path) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.permissions().mode() & 0o077 != 0 {
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => log::warn!("database file was readable by others; made it owner-only"),
            Err(e) => log::warn!("database file is readable by others and chmod failed: {e}"),
        }
    }
}

/// Connection settings, identity and integrity checks, then the migrations.
fn prepare(conn: &mut Connection) -> Result<()> {
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

// --- the question log ----------------------------------------------------------------------
//
// What patients ask, for the staff's report (`b12bot report`, `/stats`). Kept apart from the
// ticket tables and added after them so the triage desk's changes merge cleanly.

// The log's record types are the report's ([`crate::report`] owns what a logged question
// is); the store only keeps them.
pub use crate::report::{LoggedQuestion, QuestionId, QuestionRecord};

impl Store {
    /// Logs a question the bot answered, at `now`. Stores the text, intent, topic, score and
    /// language — never who asked: the log cannot be joined to a chat, so
    /// [`Store::forget_chat`] cannot (and need not) find these rows; the text expires with
    /// [`Store::retention`].
    pub fn log_question(&self, now: i64, q: &QuestionRecord) -> Result<QuestionId> {
        self.write(|tx| {
            Ok(QuestionId(tx.tx.query_row(
                "INSERT INTO question_log (asked_at, text, intent, topic, score, lang)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    now,
                    q.text,
                    q.intent.name(),
                    q.topic,
                    f64::from(q.score),
                    lang_str(q.lang)
                ],
                |r| r.get(0),
            )?))
        })
    }

    /// Records the patient's 👍 (`helpful`) or 👎 on a logged answer. Idempotent, and the
    /// last tap wins (a patient may change their mind). Returns `false` when there is no
    /// such question (e.g. a button from another database); nothing is stored then.
    pub fn set_feedback(&self, id: QuestionId, helpful: bool) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "UPDATE question_log SET helpful = ?2 WHERE id = ?1",
                params![id.0, helpful],
            )? == 1)
        })
    }

    /// The questions logged at or after `since` (unix seconds), oldest first.
    pub fn questions_since(&self, since: i64) -> Result<Vec<LoggedQuestion>> {
        self.read(|c| {
            c.prepare(
                "SELECT id, asked_at, text, intent, topic, score, lang, helpful
                 FROM question_log WHERE asked_at >= ?1 ORDER BY asked_at, id",
            )?
            .query_map([since], |r| {
                let intent: String = r.get(3)?;
                Ok(LoggedQuestion {
                    id: QuestionId(r.get(0)?),
                    asked_at: r.get(1)?,
                    text: r.get(2)?,
                    intent: crate::engine::Intent::parse(&intent)
                        .ok_or_else(|| bad_value("intent", &intent))?,
                    topic: r.get(4)?,
                    score: r.get::<_, f64>(5)? as f32,
                    lang: parse_lang(&r.get::<_, String>(6)?)?,
                    helpful: r.get(7)?,
                })
            })?
            .collect()
        })
    }
}
