//! A fake Telegram Bot API server for end-to-end tests.
//!
//! It speaks Telegram's wire format on 127.0.0.1 (random port): `POST /bot<token>/<method>`
//! with JSON (also urlencoded bodies and query strings), answers `{"ok":true,"result":…}`
//! shaped like Telegram's, and errors as `{"ok":false,"error_code":…,"description":…,
//! "parameters":{"retry_after":…}}`. It
//!
//! - queues updates that tests create ([`FakeBotApi::send_text`], [`FakeBotApi::press`], …)
//!   and serves them with `getUpdates` semantics: long-poll `timeout`, `limit`, `offset`
//!   confirming (forgetting) earlier updates, `allowed_updates` remembered between calls;
//! - records every request (method, parameters, arrival and response time, status);
//! - validates what Telegram validates for the methods the bot uses: HTML `parse_mode`
//!   (allowed tags only, balanced, `<`, `>`, `&` as entities, at most 4096 characters after
//!   entity parsing), inline keyboards (callback data 1–64 bytes), `answerCallbackQuery` ids
//!   (known, answered once), command menus — rejecting with Telegram's own 400 descriptions;
//! - can be scripted to fail the way Telegram and the network do ([`Fault`]): 429 with
//!   `retry_after`, 500, 502 from the front end, a reset connection, a reply slower than the
//!   client waits, a 200 whose body is not JSON, 409 Conflict, 401 Unauthorized.
//!
//! The model of what a failed request did (what makes retrying safe here): a request is
//! applied (a message accepted, an offset confirmed, updates handed out) only when the fake
//! answers it normally. A scripted error or a reset never applies it, and a delayed request is
//! applied only *after* its delay: if the client gives up first and closes the connection, the
//! request is dropped unapplied and recorded as [`Recorded::dropped`]. (Real Telegram can
//! apply a request and then fail to deliver the answer; see `telegram::api` in the bot.)
//!
//! Stricter than Telegram in one way: a bare `&` or `>` in HTML text is rejected (Telegram
//! tolerates some), so tests catch any missing escaping.
//!
//! Waiting is condition-based ([`FakeBotApi::wait_until`]), never fixed sleeps.

#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

pub const TELEGRAM_TEXT_LIMIT: usize = 4096;

/// How often [`FakeBotApi::wait_until`] checks its condition when nothing changes here.
pub const RECHECK: Duration = Duration::from_millis(50);

/// A formatting entity: (type, offset, length), offsets and lengths in UTF-16 units.
pub type Entity = (String, usize, usize);

/// A failure or delay scripted for the next request(s) of a method. None of them applies
/// the request (see the module's model).
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 Too Many Requests with `parameters.retry_after`.
    RetryAfter(u32),
    /// 500 Internal Server Error, as the Bot API itself sends it (JSON, `error_code` 500).
    ServerError,
    /// 502 Bad Gateway from Telegram's front end: an nginx HTML page, not the Bot API's JSON
    /// (what api.telegram.org really answers when the Bot API behind it is down).
    BadGateway,
    /// The TCP connection is reset (RST) after the request was read, without any HTTP
    /// response.
    ConnectionReset,
    /// 200 OK with a body that is not JSON (cut off mid-object, as a broken proxy delivers).
    MalformedJson,
    /// 409 Conflict: another instance of the bot is polling with the same token.
    Conflict,
    /// 401 Unauthorized (the token was revoked; for a lasting revocation see
    /// [`FakeBotApi::revoke_token`]).
    Unauthorized,
    /// Answer normally, but only after this long; applied only then, so a request whose
    /// client gave up earlier has no effect.
    Delay(Duration),
}

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub seq: usize,
    /// As the bot wrote it (Telegram accepts any case).
    pub method: String,
    pub params: Value,
    pub received: Instant,
    /// When the response was sent (None while in flight).
    pub responded: Option<Instant>,
    pub status: Option<u16>,
    pub description: Option<String>,
    /// The connection closed before an answer (the client gave up, or a scripted reset):
    /// the request had no effect.
    pub dropped: bool,
    /// The fault scripted for this request, if any.
    pub fault: Option<Fault>,
}

impl Recorded {
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }
    pub fn ok(&self) -> bool {
        self.status == Some(200)
    }
}

/// A message the server accepted from the bot.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub message_id: i64,
    /// As sent (HTML source when `parse_mode` is HTML).
    pub source: String,
    /// The text after entity parsing, as the patient sees it.
    pub text: String,
    pub parse_mode: Option<String>,
    /// `(type, offset, length)` of formatting entities (UTF-16 units), e.g. `("bold", 0, 5)`.
    pub entities: Vec<Entity>,
    pub reply_markup: Option<Value>,
    pub reply_to: Option<i64>,
    /// The Message object returned (used for callback queries on this message).
    pub json: Value,
    pub seq: usize,
    /// `copyMessage`: the (chat id, message id) copied.
    pub copied_from: Option<(i64, i64)>,
}

impl Sent {
    /// `(label, callback_data)` of every inline button, row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
        {
            for row in rows {
                for b in row.as_array().into_iter().flatten() {
                    out.push((
                        b["text"].as_str().unwrap_or_default().to_string(),
                        b["callback_data"].as_str().unwrap_or_default().to_string(),
                    ));
                }
            }
        }
        out
    }

    pub fn callback_data(&self) -> Vec<String> {
        self.buttons().into_iter().map(|(_, d)| d).collect()
    }
}

/// A person writing to the bot.
#[derive(Debug, Clone)]
pub struct Patient {
    pub user_id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl Patient {
    pub fn new(user_id: i64, first_name: &str, language_code: Option<&str>) -> Patient {
        Patient {
            user_id,
            first_name: first_name.to_string(),
            username: Some(format!("{}_{}", first_name.to_lowercase(), user_id % 1000)),
            language_code: language_code.map(str::to_string),
        }
    }

    /// In a private chat, the chat id is the user id.
    pub fn chat_id(&self) -> i64 {
        self.user_id
    }

    pub fn user_json(&self) -> Value {
        let mut u = json!({"id": self.user_id, "is_bot": false, "first_name": self.first_name});
        if let Some(name) = &self.username {
            u["username"] = json!(name);
        }
        if let Some(code) = &self.language_code {
            u["language_code"] = json!(code);
        }
        u
    }

    pub fn private_chat_json(&self) -> Value {
        let mut c = json!({"id": self.user_id, "first_name": self.first_name, "type": "private"});
        if let Some(name) = &self.username {
            c["username"] = json!(name);
        }
        c
    }
}

/// What the bot registered with setMyCommands: (language_code or "", [(command, description)]).
pub type Menus = Vec<(String, Vec<(String, String)>)>;

struct Inner {
    /// Queued updates: (update_id, the update serialized; compact for big load runs).
    updates: VecDeque<(i64, String)>,
    /// Keep only what load runs check (no copies of request bodies or returned messages).
    lean: bool,
    next_update_id: i64,
    /// Updates with a lower id have been confirmed by an offset and are forgotten.
    confirmed_offset: i64,
    /// Highest update id handed out by getUpdates.
    delivered_up_to: i64,
    allowed_updates: Option<Vec<String>>,
    dropped_updates: usize,
    requests: Vec<Recorded>,
    sent: Vec<Sent>,
    faults: HashMap<String, VecDeque<Fault>>,
    delays: HashMap<String, Duration>,
    next_message_id: HashMap<i64, i64>,
    chats: HashMap<i64, Value>,
    /// callback query id → answers received (text of each)
    callbacks: HashMap<String, Vec<Option<String>>>,
    next_callback: u64,
    menus: Menus,
    clock: i64,
    /// Messages people sent (chat id, message id) → JSON, for copyMessage.
    messages: HashMap<(i64, i64), Value>,
    /// Faults scripted for sending to one chat (sendMessage and copyMessage).
    chat_faults: HashMap<i64, VecDeque<Fault>>,
    /// Chats whose sends hang until unblocked (then fail with 502, never accepted).
    blocked: std::collections::HashSet<i64>,
    /// Requests to apply and then never answer (the bot is killed meanwhile): (method,
    /// chat or any), one request each.
    hang_after: Vec<(String, Option<i64>)>,
    /// When each such request was applied (accepted), in order.
    hung: Vec<Instant>,
}

struct Shared {
    token: String,
    /// Set when the test revokes the token: from then on every request gets 401.
    revoked: AtomicBool,
    bot_id: i64,
    bot_username: String,
    inner: Mutex<Inner>,
    version: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }
    fn bot_user(&self) -> Value {
        json!({"id": self.bot_id, "is_bot": true, "first_name": "B12 Info", "username": self.bot_username})
    }
}

/// The running fake server. Dropping it stops it.
pub struct FakeBotApi {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub const BOT_USERNAME: &str = "B12InfoTestBot";

impl FakeBotApi {
    /// Starts a server for `token` on 127.0.0.1 with a random port.
    pub async fn start(token: &str) -> FakeBotApi {
        let (version, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            token: token.to_string(),
            revoked: Default::default(),
            bot_id: token
                .split(':')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(7_000_000_001),
            bot_username: BOT_USERNAME.to_string(),
            inner: Mutex::new(Inner {
                updates: VecDeque::new(),
                lean: false,
                next_update_id: 800_000_001,
                confirmed_offset: 0,
                delivered_up_to: 0,
                allowed_updates: None,
                dropped_updates: 0,
                requests: Vec::new(),
                sent: Vec::new(),
                faults: HashMap::new(),
                delays: HashMap::new(),
                next_message_id: HashMap::new(),
                chats: HashMap::new(),
                callbacks: HashMap::new(),
                next_callback: 1,
                menus: Vec::new(),
                clock: 1_750_000_000,
                messages: HashMap::new(),
                chat_faults: HashMap::new(),
                blocked: Default::default(),
                hang_after: Vec::new(),
                hung: Vec::new(),
            }),
            version,
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<Connection>();
            let _ = axum::serve(ResettableListener(listener), app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeBotApi {
            addr,
            shared,
            stop: Some(stop),
        }
    }

    /// The value for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn bot_username(&self) -> &str {
        &self.shared.bot_username
    }

    // ---- scripting -------------------------------------------------------------------

    /// The next request(s) of `method` get these faults, one per request, in order.
    pub fn fail_next(&self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .lock()
            .faults
            .entry(method.to_ascii_lowercase())
            .or_default()
            .extend(faults);
    }

    /// The next send(s) (sendMessage, copyMessage) to `chat_id` get these faults, in order.
    pub fn fail_chat(&self, chat_id: i64, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .lock()
            .chat_faults
            .entry(chat_id)
            .or_default()
            .extend(faults);
    }

    /// Sends to `chat_id` hang (as if Telegram never answered) until [`FakeBotApi::unblock_chat`];
    /// then they fail with 502 and are never accepted.
    pub fn block_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.insert(chat_id);
        self.shared.bump();
    }

    pub fn unblock_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.remove(&chat_id);
        self.shared.bump();
    }

    /// The next request of `method` (to `chat`, when given) is applied — the message is
    /// accepted, the callback answered — and then never answered, as when the process is
    /// killed at that very moment: the test kills the bot once [`FakeBotApi::hung`] counts it.
    pub fn hang_after_accept(&self, method: &str, chat: Option<i64>) {
        self.shared
            .lock()
            .hang_after
            .push((method.to_ascii_lowercase(), chat));
    }

    /// When the requests scripted by [`FakeBotApi::hang_after_accept`] were accepted.
    pub fn hung(&self) -> Vec<Instant> {
        self.shared.lock().hung.clone()
    }

    /// Every request of `method` is answered (and applied) only after `delay` (until changed).
    pub fn delay_all(&self, method: &str, delay: Duration) {
        self.shared
            .lock()
            .delays
            .insert(method.to_ascii_lowercase(), delay);
    }

    /// Records only what a load run checks: no copies of request bodies or of the returned
    /// messages (`Sent::text` and ids are kept), so the process's peak memory is mostly the
    /// bot's.
    pub fn set_lean(&self, lean: bool) {
        self.shared.lock().lean = lean;
    }

    /// Revokes the bot's token (as /revoke in BotFather does): every request from now on,
    /// including a pending long poll, gets 401 Unauthorized.
    pub fn revoke_token(&self) {
        self.shared.revoked.store(true, Ordering::SeqCst);
        self.shared.bump();
    }

    // ---- creating updates ------------------------------------------------------------

    fn next_message_id(inner: &mut Inner, chat_id: i64) -> i64 {
        let id = inner.next_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }

    /// The date of a new message: now, as Telegram stamps it (whole seconds, so a burst
    /// shares one date), never before an earlier one.
    fn tick(inner: &mut Inner) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        inner.clock = inner.clock.max(now);
        inner.clock
    }

    /// Queues an update (`kind` is its field name: "message", "callback_query", …) and
    /// returns its update_id. Kinds the bot excluded with `allowed_updates` are dropped, as
    /// Telegram does.
    pub fn push_update(&self, kind: &str, payload: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            if let Some(allowed) = &inner.allowed_updates
                && !allowed.is_empty()
                && !allowed.iter().any(|a| a == kind)
            {
                inner.dropped_updates += 1;
                return -1;
            }
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            let mut update = json!({"update_id": id});
            update[kind] = payload;
            inner.updates.push_back((id, update.to_string()));
            id
        };
        self.shared.bump();
        id
    }

    /// A private message from `p` with any `content` (text, media, `reply_to_message`, …).
    /// Returns (update_id, message_id).
    pub fn private_message(&self, p: &Patient, content: Value) -> (i64, i64) {
        let (message_id, date) = {
            let mut inner = self.shared.lock();
            inner.chats.insert(p.chat_id(), p.private_chat_json());
            (
                Self::next_message_id(&mut inner, p.chat_id()),
                Self::tick(&mut inner),
            )
        };
        let mut msg = json!({
            "message_id": message_id,
            "from": p.user_json(),
            "chat": p.private_chat_json(),
            "date": date,
        });
        merge(&mut msg, content);
        let update_id = self.push_update("message", msg);
        (update_id, message_id)
    }

    /// A private text message (a command gets its `bot_command` entity, as Telegram adds).
    /// Returns (update_id, message_id).
    pub fn send_text(&self, p: &Patient, text: &str) -> (i64, i64) {
        self.private_message(p, text_content(text))
    }

    pub fn send_photo(&self, p: &Patient, caption: Option<&str>) -> (i64, i64) {
        let mut c = json!({"photo": [
            {"file_id": "AgACAgQAAxkBAAIBQ2Zsmall", "file_unique_id": "AQADsmall", "file_size": 1402, "width": 90, "height": 67},
            {"file_id": "AgACAgQAAxkBAAIBQ2Zlarge", "file_unique_id": "AQADlarge", "file_size": 48211, "width": 800, "height": 600}
        ]});
        if let Some(caption) = caption {
            c["caption"] = json!(caption);
        }
        self.private_message(p, c)
    }

    pub fn send_voice(&self, p: &Patient) -> (i64, i64) {
        self.private_message(
            p,
            json!({"voice": {"file_id": "AwACAgQAAxkBAAIBRGZvoice", "file_unique_id": "AgADvoice", "duration": 4, "mime_type": "audio/ogg", "file_size": 9120}}),
        )
    }

    pub fn send_sticker(&self, p: &Patient) -> (i64, i64) {
        self.private_message(
            p,
            json!({"sticker": {"file_id": "CAACAgIAAxkBAAIBRWZsticker", "file_unique_id": "AgADsticker", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍", "set_name": "HotCherry", "file_size": 22010}}),
        )
    }

    pub fn send_document(&self, p: &Patient) -> (i64, i64) {
        self.private_message(
            p,
            json!({"document": {"file_id": "BQACAgQAAxkBAAIBRmZdoc", "file_unique_id": "AgADdoc", "file_name": "uitslag-lab.pdf", "mime_type": "application/pdf", "file_size": 120331}}),
        )
    }

    pub fn send_location(&self, p: &Patient) -> (i64, i64) {
        self.private_message(
            p,
            json!({"location": {"latitude": 52.029_571, "longitude": 5.680_133}}),
        )
    }

    pub fn send_contact(&self, p: &Patient) -> (i64, i64) {
        self.private_message(
            p,
            json!({"contact": {"phone_number": "+31318000000", "first_name": "Huisartsenpraktijk", "user_id": 5550001}}),
        )
    }

    /// The patient edits an earlier text message.
    pub fn edit_text(&self, p: &Patient, message_id: i64, new_text: &str) -> i64 {
        let (date, edit_date) = {
            let mut inner = self.shared.lock();
            let d = Self::tick(&mut inner);
            (d - 1, d)
        };
        let mut msg = json!({
            "message_id": message_id,
            "from": p.user_json(),
            "chat": p.private_chat_json(),
            "date": date,
            "edit_date": edit_date,
        });
        merge(&mut msg, text_content(new_text));
        self.push_update("edited_message", msg)
    }

    /// A text in a group the bot was added to.
    pub fn send_group_text(&self, group_id: i64, from: &Patient, text: &str) -> i64 {
        let chat = json!({"id": group_id, "title": "Familie-app", "type": "supergroup"});
        let (message_id, date) = {
            let mut inner = self.shared.lock();
            inner.chats.insert(group_id, chat.clone());
            (
                Self::next_message_id(&mut inner, group_id),
                Self::tick(&mut inner),
            )
        };
        let mut msg =
            json!({"message_id": message_id, "from": from.user_json(), "chat": chat, "date": date});
        merge(&mut msg, text_content(text));
        self.push_update("message", msg)
    }

    /// A message in a group (e.g. the triage group) from `from`, with `content` (text,
    /// photo…), optionally as a reply to `reply_to` (a message JSON, e.g. `Sent::json`).
    /// Returns (update_id, message_id).
    pub fn send_group_message(
        &self,
        group_id: i64,
        from: &Patient,
        content: Value,
        reply_to: Option<&Value>,
    ) -> (i64, i64) {
        let chat = json!({"id": group_id, "title": "Triage B12", "type": "supergroup"});
        let (message_id, date) = {
            let mut inner = self.shared.lock();
            inner.chats.insert(group_id, chat.clone());
            (
                Self::next_message_id(&mut inner, group_id),
                Self::tick(&mut inner),
            )
        };
        let mut msg =
            json!({"message_id": message_id, "from": from.user_json(), "chat": chat, "date": date});
        merge(&mut msg, content);
        if let Some(r) = reply_to {
            msg["reply_to_message"] = r.clone();
        }
        self.shared
            .lock()
            .messages
            .insert((group_id, message_id), msg.clone());
        (self.push_update("message", msg), message_id)
    }

    /// A text in a group, as a reply to `reply_to` when given.
    pub fn send_group_reply(
        &self,
        group_id: i64,
        from: &Patient,
        text: &str,
        reply_to: Option<&Value>,
    ) -> (i64, i64) {
        self.send_group_message(group_id, from, text_content(text), reply_to)
    }

    /// A photo (with an optional caption) in a group, as a reply to `reply_to`.
    pub fn send_group_photo(
        &self,
        group_id: i64,
        from: &Patient,
        caption: Option<&str>,
        reply_to: Option<&Value>,
    ) -> (i64, i64) {
        let mut c = json!({"photo": [
            {"file_id": "AgACAgQAAxkBAAIBQ2Zstaff", "file_unique_id": "AQADstaff", "file_size": 48211, "width": 800, "height": 600}
        ]});
        if let Some(caption) = caption {
            c["caption"] = json!(caption);
        }
        self.send_group_message(group_id, from, c, reply_to)
    }

    /// The bot is added to a group (a `my_chat_member` update).
    pub fn add_bot_to_group(&self, group_id: i64, by: &Patient) -> i64 {
        let date = Self::tick(&mut self.shared.lock());
        let chat = json!({"id": group_id, "title": "Triage B12", "type": "supergroup"});
        let bot = self.shared.bot_user();
        self.push_update(
            "my_chat_member",
            json!({"chat": chat, "from": by.user_json(), "date": date,
                   "old_chat_member": {"user": bot, "status": "left"},
                   "new_chat_member": {"user": bot, "status": "member"}}),
        )
    }

    /// A post in a channel the bot is an admin of.
    pub fn send_channel_post(&self, channel_id: i64, text: &str) -> i64 {
        let chat = json!({"id": channel_id, "title": "Ziekenhuisnieuws", "type": "channel"});
        let (message_id, date) = {
            let mut inner = self.shared.lock();
            inner.chats.insert(channel_id, chat.clone());
            (
                Self::next_message_id(&mut inner, channel_id),
                Self::tick(&mut inner),
            )
        };
        let mut msg =
            json!({"message_id": message_id, "sender_chat": chat, "chat": chat, "date": date});
        merge(&mut msg, text_content(text));
        self.push_update("channel_post", msg)
    }

    /// The patient taps a button with `data` under `message` (a message the bot sent, or any
    /// message JSON). Returns the callback query id.
    pub fn press(&self, p: &Patient, message: &Value, data: &str) -> String {
        self.press_query(p, json!({"message": message, "data": data}))
    }

    /// A callback query from `p` with any `fields` (`message`, `data`, `inline_message_id`…;
    /// a missing `data` is a game button). Returns the callback query id.
    pub fn press_query(&self, p: &Patient, fields: Value) -> String {
        let id = {
            let mut inner = self.shared.lock();
            let id = format!(
                "{}{:06}",
                4_382_000_000_000_000u64 + p.user_id as u64,
                inner.next_callback
            );
            inner.next_callback += 1;
            inner.callbacks.insert(id.clone(), Vec::new());
            id
        };
        let chat_instance = format!("-{}", 9_000_000_000i64 + p.user_id);
        let mut query = json!({
            "id": id,
            "from": p.user_json(),
            "chat_instance": chat_instance,
        });
        merge(&mut query, fields);
        self.push_update("callback_query", query);
        id
    }

    // ---- observing -------------------------------------------------------------------

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    pub fn requests_of(&self, method: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.is(method))
            .collect()
    }

    /// Messages accepted for `chat_id`, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.shared
            .lock()
            .sent
            .iter()
            .filter(|s| s.chat_id == chat_id)
            .cloned()
            .collect()
    }

    pub fn all_sent(&self) -> Vec<Sent> {
        self.shared.lock().sent.clone()
    }

    /// How many messages were accepted (without copying them).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// The answers (notice text of each) a callback query got.
    pub fn callback_answers(&self, callback_id: &str) -> Vec<Option<String>> {
        self.shared
            .lock()
            .callbacks
            .get(callback_id)
            .cloned()
            .unwrap_or_default()
    }

    pub fn menus(&self) -> Menus {
        self.shared.lock().menus.clone()
    }

    pub fn allowed_updates(&self) -> Option<Vec<String>> {
        self.shared.lock().allowed_updates.clone()
    }

    pub fn dropped_updates(&self) -> usize {
        self.shared.lock().dropped_updates
    }

    /// The offset the bot has confirmed (updates below it are forgotten).
    pub fn confirmed_offset(&self) -> i64 {
        self.shared.lock().confirmed_offset
    }

    /// The highest update id getUpdates has handed out.
    pub fn delivered_up_to(&self) -> i64 {
        self.shared.lock().delivered_up_to
    }

    /// Updates queued and not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// Waits until `cond` holds, or panics after `timeout`. Checked on every change of this
    /// server, and every [`RECHECK`] too, for conditions on other state (the bot's database)
    /// that can come true after the server's last change.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&FakeBotApi) -> bool,
    ) {
        let mut rx = self.shared.version.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            if cond(self) {
                return;
            }
            let next = deadline.min(tokio::time::Instant::now() + RECHECK);
            match tokio::time::timeout_at(next, rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("fake server gone while waiting for: {what}"),
                Err(_) if tokio::time::Instant::now() < deadline => {}
                Err(_) => {
                    if cond(self) {
                        return;
                    }
                    let methods: Vec<String> = self
                        .requests()
                        .iter()
                        .map(|r| format!("{}({:?})", r.method, r.status))
                        .collect();
                    panic!(
                        "timed out after {timeout:?} waiting for: {what}\nrequests so far: {methods:?}"
                    );
                }
            }
        }
    }

    /// Waits until `chat_id` has received at least `n` messages; returns them all.
    pub async fn wait_for_messages(&self, chat_id: i64, n: usize, timeout: Duration) -> Vec<Sent> {
        self.wait_until(&format!("{n} message(s) to chat {chat_id}"), timeout, |f| {
            f.sent_to(chat_id).len() >= n
        })
        .await;
        self.sent_to(chat_id)
    }

    /// Waits until the bot is long-polling (its first getUpdates arrived).
    pub async fn wait_polling(&self, timeout: Duration) {
        self.wait_until("the bot to poll getUpdates", timeout, |f| {
            !f.requests_of("getUpdates").is_empty()
        })
        .await;
    }

    /// Waits until callback query `id` has been answered at least once.
    pub async fn wait_callback_answered(&self, id: &str, timeout: Duration) {
        self.wait_until(&format!("answerCallbackQuery for {id}"), timeout, |f| {
            !f.callback_answers(id).is_empty()
        })
        .await;
    }
}

/// Text message content, with a `bot_command` entity for a leading command.
fn text_content(text: &str) -> Value {
    let mut c = json!({"text": text});
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .map(|w| w.encode_utf16().count())
            .unwrap_or(0);
        c["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
    }
    c
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(t), Value::Object(e)) = (target.as_object_mut(), extra) {
        t.extend(e);
    }
}

// ---- the HTTP side ------------------------------------------------------------------------

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn ok(result: Value) -> (u16, Value) {
    (200, json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str) -> (u16, Value) {
    (
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

fn bad_request(description: &str) -> (u16, Value) {
    error(400, &format!("Bad Request: {description}"))
}

/// 502 as api.telegram.org's nginx front end sends it when the Bot API behind it is down: an
/// HTML page, not the Bot API's JSON.
const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// A 200 body cut off mid-object.
const CUT_OFF_JSON: &str = r#"{"ok":true,"result":{"message_id":"#;

/// How the fake answers a request.
enum Answer {
    /// The Bot API's JSON, with its HTTP status.
    Json(u16, Value),
    /// Anything else: (status, content type, body).
    Raw(u16, &'static str, &'static str),
}

impl From<(u16, Value)> for Answer {
    fn from((status, body): (u16, Value)) -> Answer {
        Answer::Json(status, body)
    }
}

impl Answer {
    fn status(&self) -> u16 {
        match self {
            Answer::Json(status, _) | Answer::Raw(status, _, _) => *status,
        }
    }

    fn description(&self) -> Option<String> {
        match self {
            Answer::Json(_, body) => body["description"].as_str().map(str::to_string),
            Answer::Raw(..) => None,
        }
    }

    fn into_response(self) -> Response {
        match self {
            Answer::Json(status, body) => reply(StatusCode::from_u16(status).unwrap(), body),
            Answer::Raw(status, content_type, body) => (
                StatusCode::from_u16(status).unwrap(),
                [(axum::http::header::CONTENT_TYPE, content_type)],
                body,
            )
                .into_response(),
        }
    }
}

/// A request being handled. Answering records how it ended; if the handler is dropped first
/// (the connection closed: the client gave up, or a scripted reset), it is recorded as
/// [`Recorded::dropped`], and whatever it would have applied is not applied.
struct InFlight {
    shared: Arc<Shared>,
    seq: usize,
    answered: bool,
}

impl InFlight {
    fn answer(mut self, answer: Answer) -> Response {
        {
            let mut inner = self.shared.lock();
            let r = &mut inner.requests[self.seq];
            r.responded = Some(Instant::now());
            r.status = Some(answer.status());
            r.description = answer.description();
        }
        self.answered = true;
        self.shared.bump();
        answer.into_response()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.answered {
            self.shared.lock().requests[self.seq].dropped = true;
            self.shared.bump();
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(connection): ConnectInfo<Connection>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // /bot<token>/<method>
    let path = uri.path();
    let Some(rest) = path.strip_prefix("/bot") else {
        let (s, b) = error(404, "Not Found");
        return reply(StatusCode::from_u16(s).unwrap(), b);
    };
    let Some((token, method)) = rest.split_once('/') else {
        let (s, b) = error(404, "Not Found");
        return reply(StatusCode::from_u16(s).unwrap(), b);
    };
    let method = method.to_string();
    let params = match parse_params(&headers, uri.query(), &body) {
        Ok(p) => p,
        Err(desc) => {
            let (s, b) = bad_request(&desc);
            return reply(StatusCode::from_u16(s).unwrap(), b);
        }
    };

    let fault = {
        let mut inner = shared.lock();
        let seq = inner.requests.len();
        let recorded_params = if inner.lean && method.eq_ignore_ascii_case("sendMessage") {
            json!({"chat_id": params["chat_id"]})
        } else {
            params.clone()
        };
        inner.requests.push(Recorded {
            seq,
            method: method.clone(),
            params: recorded_params,
            received: Instant::now(),
            responded: None,
            status: None,
            description: None,
            dropped: false,
            fault: None,
        });
        let key = method.to_ascii_lowercase();
        // Telegram applies allowed_updates as the request arrives (so a test that waits for
        // the first getUpdates knows which kinds will be delivered).
        if key == "getupdates"
            && token == shared.token
            && let Some(allowed) = params["allowed_updates"].as_array()
        {
            inner.allowed_updates = Some(
                allowed
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            );
        }
        let fault = if token == shared.token {
            inner.faults.get_mut(&key).and_then(VecDeque::pop_front)
        } else {
            None
        };
        let delay = inner.delays.get(&key).copied();
        let target = int_param(&params, "chat_id");
        let sending = key == "sendmessage" || key == "copymessage";
        let fault = match (fault, target) {
            (None, Some(chat)) if sending && token == shared.token => inner
                .chat_faults
                .get_mut(&chat)
                .and_then(VecDeque::pop_front),
            (f, _) => f,
        };
        inner.requests[seq].fault = fault.clone();
        let blocked_chat = target.filter(|c| sending && inner.blocked.contains(c));
        (seq, fault, delay, blocked_chat)
    };
    shared.bump();
    let in_flight = InFlight {
        shared: shared.clone(),
        seq: fault.0,
        answered: false,
    };
    let (seq, fault, delay) = match fault {
        (seq, fault, delay, None) => (seq, fault, delay),
        (_, _, _, Some(chat)) => {
            let mut rx = shared.version.subscribe();
            while shared.lock().blocked.contains(&chat) {
                if rx.changed().await.is_err() {
                    break;
                }
            }
            return in_flight.answer(Answer::Raw(502, "text/html", NGINX_502));
        }
    };

    let revoked = shared.revoked.load(Ordering::SeqCst);
    let answer = if token != shared.token || revoked {
        // Telegram: 401 for a wrong token of the right shape, 404 for garbage.
        if token.contains(':') {
            error(401, "Unauthorized").into()
        } else {
            error(404, "Not Found").into()
        }
    } else {
        let mut delay = delay;
        let scripted = match fault {
            Some(Fault::RetryAfter(secs)) => Some(Answer::Json(
                429,
                json!({"ok": false, "error_code": 429,
                       "description": format!("Too Many Requests: retry after {secs}"),
                       "parameters": {"retry_after": secs}}),
            )),
            Some(Fault::ServerError) => Some(error(500, "Internal Server Error").into()),
            Some(Fault::BadGateway) => Some(Answer::Raw(502, "text/html", NGINX_502)),
            Some(Fault::MalformedJson) => Some(Answer::Raw(200, "application/json", CUT_OFF_JSON)),
            Some(Fault::Conflict) => Some(
                error(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only \
                     one bot instance is running",
                )
                .into(),
            ),
            Some(Fault::Unauthorized) => Some(error(401, "Unauthorized").into()),
            Some(Fault::ConnectionReset) => {
                // The connection closes; hyper then drops this handler (and `in_flight`
                // records the request as dropped).
                connection.reset();
                return std::future::pending().await;
            }
            Some(Fault::Delay(d)) => {
                delay = Some(d);
                None
            }
            None => None,
        };
        // Applied only after the delay: a client that gave up has closed the connection and
        // this handler is dropped before `dispatch`.
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        match scripted {
            Some(r) => r,
            None => {
                let applied = dispatch(&shared, &method, &params, seq).await;
                let hang = {
                    let mut inner = shared.lock();
                    let key = method.to_ascii_lowercase();
                    let target = int_param(&params, "chat_id");
                    let found = inner
                        .hang_after
                        .iter()
                        .position(|(m, chat)| *m == key && chat.is_none_or(|c| Some(c) == target));
                    match (found, applied.0) {
                        (Some(i), 200) => {
                            inner.hang_after.remove(i);
                            inner.hung.push(Instant::now());
                            true
                        }
                        _ => false,
                    }
                };
                if hang {
                    shared.bump();
                    return std::future::pending().await;
                }
                applied.into()
            }
        }
    };
    in_flight.answer(answer)
}

// ---- connections that can be reset -------------------------------------------------------

/// The fake's listener: plain TCP, each connection with a switch a handler can use to reset
/// it (see [`Fault::ConnectionReset`]).
struct ResettableListener(tokio::net::TcpListener);

impl axum::serve::Listener for ResettableListener {
    type Io = ResettableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ResettableStream, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let stream = ResettableStream {
                        stream,
                        switch: Arc::default(),
                    };
                    return (stream, addr);
                }
                // Out of file descriptors and the like: try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

#[derive(Default)]
struct ResetSwitch {
    reset: AtomicBool,
    /// The connection task, to wake when the switch is thrown.
    waker: Mutex<Option<Waker>>,
}

/// A handler's handle on its own connection (axum's `ConnectInfo`).
#[derive(Clone)]
struct Connection(Arc<ResetSwitch>);

impl Connected<IncomingStream<'_, ResettableListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, ResettableListener>) -> Connection {
        Connection(stream.io().switch.clone())
    }
}

impl Connection {
    /// From now on the connection's reads and writes fail, so hyper closes it (with an RST,
    /// see [`ResettableStream`]'s `Drop`) without sending a response.
    fn reset(&self) {
        self.0.reset.store(true, Ordering::SeqCst);
        let waker = self
            .0
            .waker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct ResettableStream {
    stream: tokio::net::TcpStream,
    switch: Arc<ResetSwitch>,
}

impl ResettableStream {
    /// Whether the connection was reset; otherwise remembers who to wake when it is. (The
    /// waker is stored before the flag is read, so a reset in between is not missed.)
    fn is_reset(&self, cx: &Context<'_>) -> bool {
        *self.switch.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        self.switch.reset.load(Ordering::SeqCst)
    }
}

fn reset_error() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::ConnectionReset)
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.is_reset(cx) {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.is_reset(cx) {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        // Linger 0: closing sends RST instead of FIN, as a crashed peer or middlebox does.
        if self.switch.reset.load(Ordering::SeqCst) {
            let _ = self.stream.set_zero_linger();
        }
    }
}

/// Parameters from a JSON body, an urlencoded body, or the query string (Telegram accepts
/// all three). urlencoded values that are JSON objects/arrays are parsed, as Telegram does.
fn parse_params(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Value, String> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut map = Map::new();
    if let Some(q) = query {
        map.extend(parse_urlencoded(q));
    }
    if body.is_empty() {
        return Ok(Value::Object(map));
    }
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(o)) => map.extend(o),
            _ => return Err("can't parse JSON request body".into()),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        map.extend(parse_urlencoded(&String::from_utf8_lossy(body)));
    } else if content_type.starts_with("multipart/form-data") {
        return Err("the fake Bot API does not accept multipart (no file uploads expected)".into());
    } else {
        return Err(format!("unsupported content type {content_type:?}"));
    }
    Ok(Value::Object(map))
}

fn parse_urlencoded(s: &str) -> Map<String, Value> {
    let mut map = Map::new();
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        let value = match serde_json::from_str::<Value>(&v) {
            Ok(j @ (Value::Object(_) | Value::Array(_))) => j,
            _ => Value::String(v),
        };
        map.insert(percent_decode(k), value);
    }
    map
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn int_param(params: &Value, name: &str) -> Option<i64> {
    match &params[name] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn str_param<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params[name].as_str()
}

async fn dispatch(shared: &Arc<Shared>, method: &str, params: &Value, seq: usize) -> (u16, Value) {
    match method.to_ascii_lowercase().as_str() {
        "getme" => {
            let mut me = shared.bot_user();
            merge(
                &mut me,
                json!({"can_join_groups": true, "can_read_all_group_messages": false,
                       "supports_inline_queries": false, "can_connect_to_business": false,
                       "has_main_web_app": false}),
            );
            ok(me)
        }
        "getwebhookinfo" => {
            let pending = shared.lock().updates.len();
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": pending}))
        }
        "deletewebhook" | "close" | "logout" => ok(json!(true)),
        "getupdates" => get_updates(shared, params).await,
        "sendmessage" => send_message(shared, params, seq),
        "copymessage" => copy_message(shared, params, seq),
        "answercallbackquery" => answer_callback_query(shared, params),
        "setmycommands" => set_my_commands(shared, params),
        "sendchataction" => ok(json!(true)),
        _ => error(404, "Not Found"),
    }
}

async fn get_updates(shared: &Arc<Shared>, params: &Value) -> (u16, Value) {
    let offset = int_param(params, "offset");
    let limit = int_param(params, "limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = int_param(params, "timeout").unwrap_or(0).max(0) as u64;
    {
        let mut inner = shared.lock();
        match offset {
            Some(o) if o > 0 => {
                inner.updates.retain(|(id, _)| *id >= o);
                inner.confirmed_offset = inner.confirmed_offset.max(o);
            }
            Some(o) if o < 0 => {
                let keep = o.unsigned_abs() as usize;
                while inner.updates.len() > keep {
                    let (id, _) = inner.updates.pop_front().unwrap();
                    inner.confirmed_offset = inner.confirmed_offset.max(id + 1);
                }
            }
            _ => {}
        }
    }
    shared.bump();

    let mut rx = shared.version.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        rx.borrow_and_update();
        if shared.revoked.load(Ordering::SeqCst) {
            return error(401, "Unauthorized");
        }
        {
            let mut inner = shared.lock();
            if !inner.updates.is_empty() || timeout == 0 {
                let batch: Vec<Value> = inner
                    .updates
                    .iter()
                    .take(limit)
                    .map(|(_, u)| serde_json::from_str(u).expect("queued update is JSON"))
                    .collect();
                if let Some(last) = batch.last().and_then(|u| u["update_id"].as_i64()) {
                    inner.delivered_up_to = inner.delivered_up_to.max(last);
                }
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            return ok(json!([]));
        }
    }
}

fn send_message(shared: &Arc<Shared>, params: &Value, seq: usize) -> (u16, Value) {
    let Some(chat_id) = int_param(params, "chat_id") else {
        return bad_request("chat_id is empty");
    };
    let Some(source) = str_param(params, "text") else {
        return bad_request("message text is empty");
    };
    let parse_mode = str_param(params, "parse_mode").map(str::to_string);
    let (text, entities) = match parse_mode
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") => (source.to_string(), Vec::new()),
        Some("html") => match parse_html(source) {
            Ok(parsed) => parsed,
            Err(e) => return bad_request(&format!("can't parse entities: {e}")),
        },
        Some(other) => {
            return bad_request(&format!(
                "unsupported parse_mode {other:?} (the fake speaks HTML)"
            ));
        }
    };
    if text.trim().is_empty() {
        return bad_request("message text is empty");
    }
    if text.encode_utf16().count() > TELEGRAM_TEXT_LIMIT {
        return bad_request("message is too long");
    }
    let reply_markup = match &params["reply_markup"] {
        Value::Null => None,
        Value::String(s) => serde_json::from_str(s).ok(),
        v => Some(v.clone()),
    };
    if let Some(markup) = &reply_markup
        && let Err(e) = validate_markup(markup)
    {
        return bad_request(&e);
    }
    let reply_to = params["reply_parameters"]["message_id"].as_i64();

    let mut inner = shared.lock();
    let message_id = FakeBotApi::next_message_id(&mut inner, chat_id);
    let date = FakeBotApi::tick(&mut inner);
    let chat = inner
        .chats
        .get(&chat_id)
        .cloned()
        .unwrap_or_else(|| json!({"id": chat_id, "first_name": "Patient", "type": "private"}));
    let mut msg = json!({
        "message_id": message_id,
        "from": shared.bot_user(),
        "chat": chat,
        "date": date,
        "text": text,
    });
    if !entities.is_empty() {
        msg["entities"] = Value::Array(
            entities
                .iter()
                .map(|(t, o, l)| json!({"type": t, "offset": o, "length": l}))
                .collect(),
        );
    }
    if let Some(m) = &reply_markup {
        msg["reply_markup"] = m.clone();
    }
    let lean = inner.lean;
    inner.sent.push(Sent {
        chat_id,
        message_id,
        source: if lean {
            String::new()
        } else {
            source.to_string()
        },
        text: if lean {
            msg["text"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect()
        } else {
            msg["text"].as_str().unwrap_or("").to_string()
        },
        parse_mode,
        entities: if lean { Vec::new() } else { entities },
        reply_markup: if lean { None } else { reply_markup },
        reply_to,
        json: if lean { Value::Null } else { msg.clone() },
        seq,
        copied_from: None,
    });
    ok(msg)
}

fn copy_message(shared: &Arc<Shared>, params: &Value, seq: usize) -> (u16, Value) {
    let (Some(chat_id), Some(from), Some(id)) = (
        int_param(params, "chat_id"),
        int_param(params, "from_chat_id"),
        int_param(params, "message_id"),
    ) else {
        return bad_request("chat_id, from_chat_id and message_id are required");
    };
    let mut inner = shared.lock();
    let Some(original) = inner.messages.get(&(from, id)).cloned() else {
        return bad_request("message to copy not found");
    };
    let message_id = FakeBotApi::next_message_id(&mut inner, chat_id);
    let date = FakeBotApi::tick(&mut inner);
    let chat = inner
        .chats
        .get(&chat_id)
        .cloned()
        .unwrap_or_else(|| json!({"id": chat_id, "first_name": "Patient", "type": "private"}));
    let mut msg =
        json!({"message_id": message_id, "from": shared.bot_user(), "chat": chat, "date": date});
    for field in [
        "text",
        "entities",
        "photo",
        "caption",
        "caption_entities",
        "document",
    ] {
        if let Some(v) = original.get(field) {
            msg[field] = v.clone();
        }
    }
    let text = original["text"]
        .as_str()
        .or(original["caption"].as_str())
        .unwrap_or("")
        .to_string();
    inner.sent.push(Sent {
        chat_id,
        message_id,
        source: text.clone(),
        text,
        parse_mode: None,
        entities: Vec::new(),
        reply_markup: None,
        reply_to: params["reply_parameters"]["message_id"].as_i64(),
        json: msg,
        seq,
        copied_from: Some((from, id)),
    });
    ok(json!({"message_id": message_id}))
}

fn validate_markup(markup: &Value) -> Result<(), String> {
    let Some(rows) = markup.get("inline_keyboard") else {
        return Ok(());
    };
    let rows = rows
        .as_array()
        .ok_or("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")?;
    for row in rows {
        let row = row.as_array().ok_or(
            "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays",
        )?;
        for button in row {
            let text = button["text"].as_str().unwrap_or("");
            if text.trim().is_empty() {
                return Err("text buttons are unallowed in the inline keyboard".into());
            }
            if let Some(data) = button.get("callback_data") {
                let data = data.as_str().unwrap_or("");
                if data.is_empty() || data.len() > 64 {
                    return Err("BUTTON_DATA_INVALID".into());
                }
            } else if button.get("url").is_none() {
                return Err("can't find field \"callback_data\" or \"url\" in the button".into());
            }
        }
    }
    Ok(())
}

fn answer_callback_query(shared: &Arc<Shared>, params: &Value) -> (u16, Value) {
    let id = match &params["callback_query_id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return bad_request(
                "query is too old and response timeout expired or query ID is invalid",
            );
        }
    };
    let text = str_param(params, "text").map(str::to_string);
    if let Some(t) = &text
        && t.chars().count() > 200
    {
        return bad_request("MESSAGE_TOO_LONG");
    }
    let mut inner = shared.lock();
    match inner.callbacks.get_mut(&id) {
        Some(answers) if answers.is_empty() => {
            answers.push(text);
            ok(json!(true))
        }
        Some(answers) => {
            // Telegram refuses a second answer; record the attempt for assertions.
            answers.push(text);
            bad_request("query is too old and response timeout expired or query ID is invalid")
        }
        None => bad_request("query is too old and response timeout expired or query ID is invalid"),
    }
}

fn set_my_commands(shared: &Arc<Shared>, params: &Value) -> (u16, Value) {
    let Some(commands) = params["commands"].as_array() else {
        return bad_request("field \"commands\" must be an Array");
    };
    if commands.len() > 100 {
        return bad_request("too many commands");
    }
    let mut menu = Vec::new();
    for c in commands {
        let name = c["command"].as_str().unwrap_or("");
        let description = c["description"].as_str().unwrap_or("");
        if name.is_empty()
            || name.len() > 32
            || !name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            return bad_request("BOT_COMMAND_INVALID");
        }
        if description.trim().is_empty() || description.chars().count() > 256 {
            return bad_request("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        menu.push((name.to_string(), description.to_string()));
    }
    let language = str_param(params, "language_code").unwrap_or("").to_string();
    if !(language.is_empty()
        || language.len() == 2 && language.chars().all(|c| c.is_ascii_lowercase()))
    {
        return bad_request("invalid language code specified");
    }
    let mut inner = shared.lock();
    inner.menus.retain(|(l, _)| *l != language);
    inner.menus.push((language, menu));
    ok(json!(true))
}

// ---- Telegram's HTML ---------------------------------------------------------------------

const ALLOWED_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

fn entity_type(tag: &str) -> &'static str {
    match tag {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "span" | "tg-spoiler" => "spoiler",
        "a" => "text_link",
        "code" => "code",
        "pre" => "pre",
        "blockquote" => "blockquote",
        "tg-emoji" => "custom_emoji",
        _ => "unknown",
    }
}

/// Parses Telegram-style HTML into (plain text, entities), or Telegram's error description
/// (the part after "can't parse entities: ").
pub fn parse_html(source: &str) -> Result<(String, Vec<Entity>), String> {
    let mut text = String::new();
    let mut utf16 = 0usize;
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut entities = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let Some(end) = source[i..].find('>').map(|e| i + e) else {
                    return Err(format!("Unclosed start tag at byte offset {i}"));
                };
                let inner = &source[i + 1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match stack.pop() {
                        None => return Err(format!("Unexpected end tag at byte offset {i}")),
                        Some((open, start)) if open == name => {
                            entities.push((entity_type(&open).to_string(), start, utf16 - start));
                        }
                        Some((open, _)) => {
                            return Err(format!(
                                "Unmatched end tag at byte offset {i}, expected \"</{open}>\", found \"</{name}>\""
                            ));
                        }
                    }
                } else {
                    let (name, attrs) = match inner.find(char::is_whitespace) {
                        Some(s) => (&inner[..s], inner[s..].trim()),
                        None => (inner, ""),
                    };
                    let name = name.to_ascii_lowercase();
                    if name.is_empty()
                        || name.ends_with('/')
                        || !ALLOWED_TAGS.contains(&name.as_str())
                    {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {i}"
                        ));
                    }
                    let attrs =
                        parse_attrs(attrs).map_err(|e| format!("{e} at byte offset {i}"))?;
                    let attr =
                        |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
                    match name.as_str() {
                        "span" if attr("class") != Some("tg-spoiler") => {
                            return Err(format!(
                                "Tag \"span\" must have class \"tg-spoiler\" at byte offset {i}"
                            ));
                        }
                        "a" if attr("href").is_none_or(str::is_empty) => {
                            return Err(format!(
                                "Tag \"a\" must have attribute \"href\" at byte offset {i}"
                            ));
                        }
                        "tg-emoji" if attr("emoji-id").is_none() => {
                            return Err(format!(
                                "Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset {i}"
                            ));
                        }
                        _ => {}
                    }
                    stack.push((name, utf16));
                }
                i = end + 1;
            }
            b'>' => {
                return Err(format!(
                    "Unexpected \">\" at byte offset {i} (must be &gt;)"
                ));
            }
            b'&' => {
                let Some(semi) = source[i..]
                    .find(';')
                    .map(|e| i + e)
                    .filter(|&e| e - i <= 10)
                else {
                    return Err(format!(
                        "Unescaped \"&\" at byte offset {i} (must be &amp;)"
                    ));
                };
                let name = &source[i + 1..semi];
                let decoded = decode_entity(name).ok_or_else(|| {
                    format!("Unsupported HTML entity \"&{name};\" at byte offset {i}")
                })?;
                text.push(decoded);
                utf16 += decoded.len_utf16();
                i = semi + 1;
            }
            _ => {
                let c = source[i..].chars().next().unwrap();
                text.push(c);
                utf16 += c.len_utf16();
                i += c.len_utf8();
            }
        }
    }
    if let Some((open, _)) = stack.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{open}\""
        ));
    }
    entities.sort_by_key(|(_, o, _)| *o);
    Ok((text, entities))
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn parse_attrs(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = after[1..].find(q).ok_or("Unclosed attribute value")?;
                    (&after[1..1 + close], &after[close + 2..])
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            out.push((name, value.to_string()));
            rest = remaining.trim_start();
        } else {
            out.push((name, String::new()));
        }
    }
    Ok(out)
}
