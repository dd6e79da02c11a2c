//! `faq/red-flag-neighbours.toml`: labelled whole messages that the sentence encoder compares
//! a patient's message with when the red-flag words ([`crate::safety`]) find nothing — the
//! second opinion on emergencies. Loaded and checked with the FAQ, so a bad edit never
//! replaces the running file.
//!
//! ```toml
//! reviewed_by = "…"
//! reviewed_on = ""          # or 2026-12-01
//! nearest = 2               # how many nearest messages of each side are averaged
//! margin = 0.10             # how much nearer the urgent side must be
//!
//! [[urgent]]
//! category = "stroke"       # an id of red-flags.toml: the route the reply names
//! nl = ["…"]
//! en = ["…"]
//!
//! [not_urgent]
//! nl = ["…"]
//! en = ["…"]
//! ```
//!
//! The decision itself is [`crate::semantic::SemanticIndex::red_flag_opinion`]; the urgent
//! side also holds every category's `examples`, the calm side every `near_misses`, FAQ
//! question, out-of-scope and conversation example.

use crate::faq::FileCheck;
use crate::red_flags::{self, Review};
use crate::safety::RedFlags;
use std::collections::HashMap;
use toml::Spanned;

/// The file's name in the FAQ folder (optional: without it only the red-flag file's own
/// examples and near-misses are compared with).
pub const FILE: &str = "red-flag-neighbours.toml";

/// Nearest messages averaged on each side when the file does not say.
pub const DEFAULT_NEAREST: usize = 2;
/// The margin when the file does not say.
pub const DEFAULT_MARGIN: f32 = 0.10;

/// Labelled messages for the encoder's second opinion on emergencies.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    /// Messages that must be answered as urgent, with the index of their category in
    /// [`RedFlags::categories`].
    pub urgent: Vec<(usize, String)>,
    /// Messages that must not.
    pub calm: Vec<String>,
    /// How many nearest messages of each side are averaged.
    pub nearest: usize,
    /// How much nearer (in mean cosine) the urgent side must be.
    pub margin: f32,
}

impl Default for Neighbours {
    fn default() -> Self {
        Neighbours {
            urgent: Vec::new(),
            calm: Vec::new(),
            nearest: DEFAULT_NEAREST,
            margin: DEFAULT_MARGIN,
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NeighboursFile {
    // Accepted here, read from the parsed table by the checks every reviewed file shares.
    #[serde(default)]
    #[allow(dead_code)]
    reviewed_by: serde::de::IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    reviewed_on: serde::de::IgnoredAny,
    #[serde(default)]
    nearest: Option<Spanned<i64>>,
    #[serde(default)]
    margin: Option<Spanned<f64>>,
    #[serde(default)]
    urgent: Vec<UrgentGroup>,
    #[serde(default)]
    not_urgent: Lists,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UrgentGroup {
    category: Spanned<String>,
    #[serde(default)]
    nl: Vec<Spanned<String>>,
    #[serde(default)]
    en: Vec<Spanned<String>>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Lists {
    #[serde(default)]
    nl: Vec<Spanned<String>>,
    #[serde(default)]
    en: Vec<Spanned<String>>,
}

/// Each message of two lists with its language.
fn both<'a>(
    nl: &'a [Spanned<String>],
    en: &'a [Spanned<String>],
) -> impl Iterator<Item = (&'static str, &'a Spanned<String>)> {
    let nl = nl.iter().map(|m| ("nl", m));
    nl.chain(en.iter().map(|m| ("en", m)))
}

/// The file, checked on its own; its categories are resolved by [`resolve`] once the red
/// flags are known.
pub(crate) struct Checked {
    urgent: Vec<(Spanned<String>, String)>,
    calm: Vec<String>,
    nearest: usize,
    margin: f32,
    pub(crate) review: Review,
}

/// Checks the file's shape and messages (`root`: the file parsed, `text` as written): every
/// problem goes to `cx` with its position.
pub(crate) fn check(
    cx: &mut FileCheck<'_>,
    text: &str,
    root: &toml::de::DeTable<'_>,
) -> Option<Checked> {
    let f = match toml::from_str::<NeighboursFile>(text) {
        Ok(f) => f,
        Err(e) => {
            cx.shape_error(
                &e,
                None,
                "write [[urgent]] tables, each with category = \"<id of red-flags.toml>\", \
                 nl = [\"...\"] and en = [\"...\"], and one [not_urgent] table with nl and en",
            );
            return None;
        }
    };
    let before = cx.errors.len();
    let nearest = match &f.nearest {
        None => DEFAULT_NEAREST,
        Some(n) if (1..=10).contains(n.get_ref()) => *n.get_ref() as usize,
        Some(n) => {
            cx.error(
                n.span().start,
                Some("nearest"),
                "must be a whole number from 1 to 10",
            );
            DEFAULT_NEAREST
        }
    };
    let margin = match &f.margin {
        None => DEFAULT_MARGIN,
        Some(m) if (0.0..=0.5).contains(m.get_ref()) => *m.get_ref() as f32,
        Some(m) => {
            cx.error(
                m.span().start,
                Some("margin"),
                "must be a number from 0.0 to 0.5 (a difference of cosines, like 0.10)",
            );
            DEFAULT_MARGIN
        }
    };
    let review = red_flags::read_review(cx, root);
    // Every message once, on one side only (case and accents do not matter).
    let mut seen: HashMap<String, &'static str> = HashMap::new();
    let mut urgent = Vec::new();
    let mut calm = Vec::new();
    let groups = f
        .urgent
        .iter()
        .map(|g| ("urgent", Some(&g.category), both(&g.nl, &g.en)));
    let not_urgent = [("not_urgent", None, both(&f.not_urgent.nl, &f.not_urgent.en))];
    for (side, category, messages) in groups.chain(not_urgent) {
        for (lang, m) in messages {
            let field = format!("{side}.{lang}");
            let text = m.get_ref().trim();
            if text.is_empty() {
                cx.error(m.span().start, Some(&field), "a message is empty");
                continue;
            }
            match seen.insert(crate::text::fold(text), side) {
                Some(earlier) if earlier == side => cx.error(
                    m.span().start,
                    Some(&field),
                    format!("\"{text}\" is listed twice"),
                ),
                Some(_) => cx.error(
                    m.span().start,
                    Some(&field),
                    format!(
                        "\"{text}\" is listed as urgent and as not urgent; decide which it is \
                         and keep it on one side only"
                    ),
                ),
                None => match category {
                    Some(c) => urgent.push((c.clone(), text.to_string())),
                    None => calm.push(text.to_string()),
                },
            }
        }
    }
    (cx.errors.len() == before).then_some(Checked {
        urgent,
        calm,
        nearest,
        margin,
        review,
    })
}

/// The checked file with its categories looked up in the red flags; an unknown category is
/// an error at its place.
pub(crate) fn resolve(cx: &mut FileCheck<'_>, file: Checked, flags: &RedFlags) -> Neighbours {
    let ids: Vec<&str> = flags.categories().iter().map(|c| c.id.as_str()).collect();
    let mut urgent = Vec::with_capacity(file.urgent.len());
    let mut reported = std::collections::HashSet::new();
    for (category, text) in file.urgent {
        match ids.iter().position(|id| id == category.get_ref()) {
            Some(ci) => urgent.push((ci, text)),
            None if !reported.insert(category.span().start) => {}
            None => {
                let mut message = format!(
                    "unknown category \"{}\"; use an id of red-flags.toml",
                    category.get_ref()
                );
                if let Some(best) =
                    crate::diagnostics::closest(category.get_ref(), ids.iter().copied())
                {
                    message.push_str(&format!(": did you mean \"{best}\"?"));
                }
                cx.error(category.span().start, Some("urgent.category"), message);
            }
        }
    }
    Neighbours {
        urgent,
        calm: file.calm,
        nearest: file.nearest,
        margin: file.margin,
    }
}
