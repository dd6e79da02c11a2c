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

// TEMPORARY minimal loader until the validating loader lands (wip-loader).
#[derive(Debug)]
pub struct LoadErrors(pub Vec<String>);
impl std::fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}
impl std::error::Error for LoadErrors {}
pub fn load_dir(dir: &std::path::Path) -> Result<Faq, LoadErrors> {
    let mut faq = Faq::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| LoadErrors(vec![e.to_string()]))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for p in files {
        let s = std::fs::read_to_string(&p).map_err(|e| LoadErrors(vec![e.to_string()]))?;
        let v: toml::Table = toml::from_str(&s).map_err(|e| LoadErrors(vec![format!("{}: {e}", p.display())]))?;
        let loc = |v: &toml::Value| Localized {
            nl: v.get("nl").and_then(|x| x.as_str()).unwrap_or("").to_string(),
            en: v.get("en").and_then(|x| x.as_str()).unwrap_or("").to_string(),
        };
        let list = |v: Option<&toml::Value>, l: &str| -> Vec<String> {
            v.and_then(|v| v.get(l)).and_then(|x| x.as_array()).map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default()
        };
        if p.file_name().is_some_and(|n| n == "texts.toml") {
            for (k, val) in &v {
                faq.texts.map.insert(k.clone(), loc(val));
            }
            continue;
        }
        faq.entries.push(Entry {
            id: v["id"].as_str().unwrap_or("").to_string(),
            title: loc(&v["title"]),
            questions: LocalizedList { nl: list(v.get("questions"), "nl"), en: list(v.get("questions"), "en") },
            keywords: LocalizedList { nl: list(v.get("keywords"), "nl"), en: list(v.get("keywords"), "en") },
            answer: loc(&v["answer"]),
            related: v.get("related").and_then(|x| x.as_array()).map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default(),
            source: String::new(),
            reviewed_by: None,
            reviewed_on: None,
            file: p.clone(),
        });
    }
    Ok(faq)
}
