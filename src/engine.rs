//! Routing a patient's message to an intent and building the [`Answer`].
//!
//! Pure: no I/O, no clock, no globals. Built once from a loaded [`Faq`]; immutable.

use crate::b12::Band;
use crate::faq::Faq;
use crate::text::Lang;
use serde::Serialize;

/// What the bot understood the message to be (the answer contract's `intent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Faq,
    Clarify,
    B12Value,
    Urgent,
    Human,
    Smalltalk,
    NoMatch,
}

/// The `b12` object of the answer contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct B12Info {
    pub pmol_per_l: Option<f64>,
    pub band: Band,
    pub unit: Option<String>,
}

/// The engine's answer: exactly the JSON fields of DESIGN.md, plus data for the doors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub intent: Intent,
    pub faq_id: Option<String>,
    pub suggestions: Vec<String>,
    pub b12: Option<B12Info>,
    pub lang: Lang,
    pub refers_to_gp: bool,
    pub reply: String,
    /// Follow-up topic ids to offer (related entries of a `faq` answer).
    #[serde(skip)]
    pub related: Vec<String>,
    /// Matcher confidence of the best topic (0..1), for logs and reports.
    #[serde(skip)]
    pub score: f32,
}

/// What the caller knows besides the text.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Language to use when the text itself does not tell (chat setting, Telegram's
    /// `language_code`).
    pub lang_hint: Option<Lang>,
}

/// How far the bot goes with a reported value (the hospital chooses; EU MDR Rule 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValuePolicy {
    /// Say which of the hospital's bands the value falls in.
    #[default]
    ExplainBand,
    /// Show the hospital's table without placing the value.
    TableOnly,
    /// Do not read the value; refer to the GP.
    ReferOnly,
}

/// Engine settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineConfig {
    pub value_policy: ValuePolicy,
}

/// The answer engine.
pub struct Engine {
    faq: Faq,
    config: EngineConfig,
}

impl Engine {
    pub fn new(faq: Faq, config: EngineConfig) -> Engine {
        Engine { faq, config }
    }

    /// The FAQ this engine answers from.
    pub fn faq(&self) -> &Faq {
        &self.faq
    }

    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// A fixed text (`texts.toml`) in `lang`.
    pub fn text(&self, key: &str, lang: Lang) -> &str {
        self.faq.texts.get(key, lang)
    }

    /// Topic ids and titles in `lang`, in FAQ order (for topic buttons).
    pub fn topics(&self, lang: Lang) -> Vec<(&str, &str)> {
        self.faq
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e.title.get(lang)))
            .collect()
    }

    /// The title of a topic in `lang`.
    pub fn title(&self, id: &str, lang: Lang) -> Option<&str> {
        self.faq
            .entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.title.get(lang))
    }

    /// The answer to a topic chosen directly (a button tap); `None` for an unknown id.
    pub fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer> {
        let _ = (id, lang);
        todo!()
    }

    /// Answer a patient's message.
    pub fn answer(&self, text: &str, ctx: &Context) -> Answer {
        let _ = (text, ctx);
        todo!()
    }
}
