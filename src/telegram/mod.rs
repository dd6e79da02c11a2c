//! The Telegram door: teloxide's dispatcher around [`Engine::answer`].
//!
//! Every answer a patient gets comes from the engine; this module only turns updates into
//! engine calls and [`Answer`]s into messages and buttons. Code map:
//!
//! | file | owns |
//! |---|---|
//! | `handlers` | the whole handler tree in one [`schema`] function, and the small handlers |
//! | `isolate` | catching a panic in one handler so the bot keeps serving that chat |
//! | `serve` | the production entry point: token, startup checks, polling, shutdown |
//! | `ledger` | long polling that records each update before confirming it: at-least-once, de-duplicated |
//! | `html` | escaping and splitting replies (pure) |
//! | `commands` | parsing commands and button callback data (pure) |
//! | `flood` | flood control per chat: a sliding-window limit, one slow-down note (pure) |
//! | `prefs` | per-chat language memory |
//! | `texts` | the door's own `tg_` texts with built-in fallbacks |
//! | `triage` | the triage desk: escalation, tickets in the staff group, staff replies, staff commands |
//! | `outbox` | the delivery task: sends the store's outbox in order, with retries, once |
//! | `parts` | which parts of an update's direct replies Telegram accepted, so a replay sends only the rest |
//! | `retry` | sending a reply again after a transient failure (5xx, network, timeout) |
//!
//! Invariants: only private chats and the configured triage group are ever answered; every callback query is answered
//! exactly once; a private chat over its flood allowance gets one slow-down note and no
//! answers for the rest of the minute, except to urgent messages; every dynamic piece of text
//! is escaped; logs carry no message text, names, usernames or chat ids.

mod api;
pub mod commands;
pub mod flood;
mod handlers;
pub mod html;
mod isolate;
pub mod ledger;
pub mod outbox;
mod parts;
pub mod prefs;
mod reply;
pub mod serve;
pub mod texts;
pub mod triage;

pub use crate::handle::{AnswerEngine, EngineHandle, engine_handle};
pub use api::TgBot;
pub use handlers::schema;
pub use triage::{FaqSource, TriageSetup};
