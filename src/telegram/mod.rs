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

pub mod commands;
pub mod flood;
mod handlers;
pub mod html;
mod isolate;
pub mod ledger;
pub mod outbox;
mod parts;
pub mod prefs;
mod retry;
mod serve;
pub mod texts;
pub mod triage;

pub use handlers::schema;
pub use serve::{ServeConfig, ServeError, run, serve, serve_blocking};
pub use triage::{FaqSource, TriageSetup};

use crate::engine::{Answer, Context, Engine};
use crate::text::Lang;
use arc_swap::ArcSwap;
use std::sync::Arc;
use teloxide::Bot;
use teloxide::adaptors::Throttle;

/// The engine as the bot holds it: swappable at run time (a FAQ reload builds a new engine
/// and stores it here; handlers pick it up on their next update).
pub type EngineHandle<E = Engine> = Arc<ArcSwap<E>>;

/// The bot as the handlers see it: Telegram's rate limits respected (and 429 `retry_after`
/// obeyed) by [`Throttle`].
pub type TgBot = Throttle<Bot>;

/// What the Telegram door needs from the answer engine.
///
/// [`Engine`] implements it; it exists so tests can wrap the real engine (for example to make
/// one handler panic) and drive the very same dispatcher as production.
pub trait AnswerEngine: Send + Sync + 'static {
    /// Answer a patient's message.
    fn answer(&self, text: &str, ctx: &Context) -> Answer;
    /// Would this message be answered as urgent? (Flood control lets it through.) The same
    /// reading as `answer`'s first step; by default, `answer` itself.
    fn is_urgent(&self, text: &str) -> bool {
        self.answer(text, &Context::default()).intent == crate::engine::Intent::Urgent
    }
    /// The answer to a topic chosen with a button; `None` for an unknown id.
    fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer>;
    /// A fixed text; `""` for an unknown key.
    fn text(&self, key: &str, lang: Lang) -> &str;
    /// Topic ids and titles in FAQ order.
    fn topics(&self, lang: Lang) -> Vec<(&str, &str)>;
    /// The title of a topic.
    fn title(&self, id: &str, lang: Lang) -> Option<&str>;
}

impl AnswerEngine for Engine {
    fn answer(&self, text: &str, ctx: &Context) -> Answer {
        Engine::answer(self, text, ctx)
    }
    fn is_urgent(&self, text: &str) -> bool {
        Engine::is_urgent(self, text)
    }
    fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer> {
        Engine::answer_topic(self, id, lang)
    }
    fn text(&self, key: &str, lang: Lang) -> &str {
        Engine::text(self, key, lang)
    }
    fn topics(&self, lang: Lang) -> Vec<(&str, &str)> {
        Engine::topics(self, lang)
    }
    fn title(&self, id: &str, lang: Lang) -> Option<&str> {
        Engine::title(self, id, lang)
    }
}

/// Wraps an engine for [`run`]/[`serve`].
pub fn engine_handle<E: AnswerEngine>(engine: E) -> EngineHandle<E> {
    Arc::new(ArcSwap::from_pointee(engine))
}
