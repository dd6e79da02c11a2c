//! The Telegram door: teloxide's dispatcher around [`Engine::answer`].
//!
//! Every answer a patient gets comes from the engine; this module only turns updates into
//! engine calls and [`Answer`]s into messages and buttons. The code map of its modules, in
//! their layers from `api` at the bottom to `serve` at the top, is in `ARCHITECTURE.md`
//! (`.ci/layering` keeps the arrows pointing down).
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
pub mod questions;
mod reply;
pub mod serve;
pub mod texts;
pub mod triage;

pub use crate::handle::{AnswerEngine, EngineHandle, engine_handle};
pub use api::TgBot;
pub use handlers::schema;
pub use triage::{FaqSource, TriageSetup};
