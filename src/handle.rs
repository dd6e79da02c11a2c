//! The running engine as every door holds it: what a door needs from the engine
//! ([`AnswerEngine`]) and the swappable handle a FAQ reload publishes into
//! ([`EngineHandle`]). Core: no I/O, no edge types.

use crate::engine::{Answer, Context, Engine, Intent};
use crate::semantic::Model;
use crate::text::Lang;
use arc_swap::ArcSwap;
use std::sync::Arc;

/// What a door needs from the answer engine.
///
/// [`Engine`] implements it; it exists so tests can wrap the real engine (for example to make
/// one handler panic) and drive the very same dispatcher as production.
pub trait AnswerEngine: Send + Sync + 'static {
    /// Answer a patient's message.
    fn answer(&self, text: &str, ctx: &Context) -> Answer;
    /// Would this message be answered as urgent? (Flood control lets it through.) The same
    /// reading as `answer`'s first step; by default, `answer` itself.
    fn is_urgent(&self, text: &str) -> bool {
        self.answer(text, &Context::default()).intent == Intent::Urgent
    }
    /// The answer to a topic chosen with a button; `None` for an unknown id.
    fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer>;
    /// A fixed text; `""` for an unknown key.
    fn text(&self, key: &str, lang: Lang) -> &str;
    /// Topic ids and titles in FAQ order.
    fn topics(&self, lang: Lang) -> Vec<(&str, &str)>;
    /// The title of a topic.
    fn title(&self, id: &str, lang: Lang) -> Option<&str>;
    /// The sentence model the engine was built with, so a reload builds the next engine
    /// with the same model and its cache of vectors; `None` without the semantic signal.
    fn semantic_model(&self) -> Option<Arc<Model>> {
        None
    }
    /// How the matcher read `text` (the `explain` breakdown); empty when not known.
    fn explain(&self, _text: &str) -> String {
        String::new()
    }
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
    fn semantic_model(&self) -> Option<Arc<Model>> {
        Engine::semantic_model(self)
    }
    fn explain(&self, text: &str) -> String {
        Engine::explain(self, text)
    }
}

/// The engine one update is answered with, kept alive while the update needs it
/// (dereferences to the engine).
#[derive(Clone)]
pub struct Current(Arc<Box<dyn AnswerEngine>>);

impl std::ops::Deref for Current {
    type Target = dyn AnswerEngine;
    fn deref(&self) -> &(dyn AnswerEngine + 'static) {
        &**self.0
    }
}

/// The engine as a door holds it: swappable at run time. A FAQ reload builds a new engine
/// aside and stores it here; an answer in flight keeps the engine it started with, the next
/// update gets the new one. Cloning shares the same slot.
#[derive(Clone)]
pub struct EngineHandle(Arc<ArcSwap<Box<dyn AnswerEngine>>>);

impl EngineHandle {
    pub fn new(engine: impl AnswerEngine) -> Self {
        EngineHandle(Arc::new(ArcSwap::from_pointee(Box::new(engine))))
    }

    /// The engine now.
    pub fn load(&self) -> Current {
        Current(self.0.load_full())
    }

    /// Publishes `engine` for the next update.
    pub fn store(&self, engine: impl AnswerEngine) {
        self.0.store(Arc::new(Box::new(engine)));
    }
}

/// Wraps an engine for a door ([`EngineHandle::new`]).
pub fn engine_handle(engine: impl AnswerEngine) -> EngineHandle {
    EngineHandle::new(engine)
}
