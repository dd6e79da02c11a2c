//! The FAQ: TOML schema, loading a folder, validation with file:line:column errors.
//!
//! One entry per file (`faq/<id>.toml`), plus `faq/texts.toml` with the fixed texts
//! (greeting, GP referral, no-match, urgent advice, value explanations) in both languages.

use crate::text::Lang;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A text in both languages (both present after validation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    pub nl: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.nl,
            Lang::En => &self.en,
        }
    }
}

/// A list of texts per language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalizedList {
    pub nl: Vec<String>,
    pub en: Vec<String>,
}

impl LocalizedList {
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Nl => &self.nl,
            Lang::En => &self.en,
        }
    }
}

/// One FAQ entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: Localized,
    pub questions: LocalizedList,
    /// Synonyms and keywords staff add; they count in matching.
    pub keywords: LocalizedList,
    pub answer: Localized,
    pub related: Vec<String>,
    pub source: String,
    pub reviewed_by: Option<String>,
    /// `YYYY-MM-DD`
    pub reviewed_on: Option<String>,
    /// The file it came from (for messages to staff).
    pub file: PathBuf,
}

/// The fixed texts (`texts.toml`), keyed by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub map: BTreeMap<String, Localized>,
}

impl Texts {
    /// The text for `key` in `lang`; an empty string for an unknown key
    /// (validation guarantees every key in [`REQUIRED_TEXTS`] exists).
    pub fn get(&self, key: &str, lang: Lang) -> &str {
        self.map.get(key).map(|l| l.get(lang)).unwrap_or("")
    }
}

/// The fixed texts every FAQ folder must define, each in `nl` and `en`.
pub const REQUIRED_TEXTS: &[&str] = &[
    "greeting",
    "help",
    "thanks",
    "bye",
    "gp_referral",
    "no_match",
    "clarify_intro",
    "urgent",
    "urgent_suicide",
    "human",
    "related_intro",
    "value_intro",
    "value_intro_converted",
    "value_high_chance",
    "value_extra_test",
    "value_very_small_chance",
    "value_other_labs",
    "value_not_interpretable",
    "value_unknown_unit",
    "value_other_test",
    "value_table_only",
    "value_refer_only",
];

/// A loaded, validated FAQ.
#[derive(Debug, Clone, Default)]
pub struct Faq {
    pub entries: Vec<Entry>,
    pub texts: Texts,
}
