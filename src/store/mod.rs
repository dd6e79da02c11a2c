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

// One file per part of the schema, each an `impl Store` block (the banners of the old
// single file): tickets and offers, the outbox, updates, preferences and privacy, the
// question log; and the schema itself (its migrations, opening checks) in `schema`.
mod outbox;
mod privacy;
mod questions;
mod schema;
mod staff;
mod tickets;
mod updates;

pub use outbox::Backlog;
pub use schema::SCHEMA_VERSION;
pub use staff::{FaqVersion, Role, StaffSession};

// The log's record types are the report's ([`crate::report`] owns what a logged question
// is); the store only keeps them.
pub use crate::report::{LoggedQuestion, QuestionId, QuestionRecord};

/// The database's file name in the data directory.
pub const DATABASE_FILE: &str = "b12bot.sqlite";

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
                schema::prepare(&mut conn)?;
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
