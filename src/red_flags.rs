//! `faq/red-flags.toml`: the red flags as data clinicians review — schema, validation with
//! file:line:column errors, and the check that every example behaves as labelled.
//!
//! Loaded with the FAQ ([`crate::faq::load_dir`]), so it is checked by `b12bot check` and
//! reloaded with every FAQ edit: a red-flag file with a problem never replaces the running
//! one. The detector itself is [`crate::safety`].
//!
//! The file (every key is explained in the file's own header):
//!
//! ```toml
//! reviewed_by = "…"            # honest: "concept, to be reviewed by …" until signed off
//! reviewed_on = 2026-12-01     # or "" until then
//! source = "…"
//! window = 10                  # the concepts of one rule lie within this many words
//! neighbours = ["beroerde"]    # real words one typo from a term: never read as a typo
//!
//! [variants]                   # spellings read as another word first (Flemish, chat)
//! ni = "niet"
//!
//! [concepts.negation]          # shared concept classes (some have a fixed role)
//! nl = ["geen", "niet"]
//! en = ["no", "not"]
//!
//! [safety_net]
//! rules = ["listed + sudden|worsening"]
//!
//! [[category]]
//! id = "chest_pain"
//! route = "112"                # "112", "huisartsenpost" or "113"
//! second_route = "…"           # optional: "112 if …, otherwise the huisartsenpost"
//! title = { nl = "…", en = "…" }
//! advice = { nl = "…", en = "…" }   # optional line of its own under the route's first line
//! rules = ["chest + pain"]
//! net_rules = []               # optional: combinations that get the safety net
//! timeless = false             # optional: past, long-standing and passed do not hold it back
//! even_if_over = false         # optional: "it is over again" does not hold it back
//! in_questions = false         # optional: urgent even in a question about a sign
//! [category.concepts.chest]
//! nl = ["borst"]
//! en = ["chest"]
//! reported = false             # optional: a reported form, urgent even in a question
//! whole_message = false        # optional: counts in every sentence (the baby, a pregnancy)
//! [category.examples]          # must trigger this category
//! nl = ["…"]
//! en = ["…"]
//! [category.near_misses]       # must not be answered as urgent at all
//! nl = ["…"]
//! en = ["…"]
//! ```

use crate::analysis::Analysis;
use crate::diagnostics::{closest, join};
use crate::faq::{FileCheck, Localized, Value, is_blank};
use crate::red_flag_neighbours::Neighbours;
use crate::safety::{
    self, At, CATEGORY_IDS, CategorySpec, ConceptSpec, ROLES, RedFlags, Route, Spec,
};
use std::collections::HashSet;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Who reviewed the red flags, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The file (for `check`'s warnings).
    pub file: std::path::PathBuf,
    pub reviewed_by: Option<String>,
    /// `YYYY-MM-DD`
    pub reviewed_on: Option<String>,
}

/// A reviewed data file's `reviewed_by` and `reviewed_on` (blank or missing: not signed off
/// yet); the loader sets `file`. Problems go to `cx` at the value.
pub(crate) fn read_review(cx: &mut FileCheck<'_>, root: &DeTable<'_>) -> Review {
    let reviewed_by = match root.get("reviewed_by") {
        Some(v) if !is_blank(v) => cx.string(v, "reviewed_by"),
        _ => None,
    };
    let reviewed_on = match root.get("reviewed_on") {
        Some(v) if !is_blank(v) => cx.date(v, "reviewed_on"),
        _ => None,
    };
    Review {
        file: std::path::PathBuf::new(),
        reviewed_by,
        reviewed_on,
    }
}

const TOP_FIELDS: &[&str] = &[
    "reviewed_by",
    "reviewed_on",
    "source",
    "window",
    "neighbours",
    "variants",
    "concepts",
    "safety_net",
    "category",
];

/// A category's own messages: those that must trigger it, those that must not be urgent.
struct Labelled {
    examples: Vec<At<String>>,
    near_misses: Vec<At<String>>,
}

const CATEGORY_FIELDS: &[&str] = &[
    "id",
    "route",
    "second_route",
    "title",
    "advice",
    "rules",
    "net_rules",
    "timeless",
    "even_if_over",
    "in_questions",
    "concepts",
    "examples",
    "near_misses",
];

const CONCEPT_FIELDS: &[&str] = &["nl", "en", "reported", "whole_message"];
const LANGS: &[&str] = &["nl", "en"];

/// The window when the file does not set one.
pub const DEFAULT_WINDOW: usize = 10;

/// Checks a parsed `red-flags.toml`; the compiled red flags when it has no problem. Every
/// problem goes to `cx` with its position.
pub(crate) fn check(
    cx: &mut FileCheck<'_>,
    root: &DeTable<'_>,
) -> Option<(RedFlags, Review, Neighbours)> {
    let before = cx.errors.len();
    cx.unknown_keys(root, "", TOP_FIELDS, &[]);

    let review = read_review(cx, root);
    if let Some(v) = root.get("source") {
        cx.string(v, "source");
    }
    let window = match root.get("window") {
        None => DEFAULT_WINDOW,
        Some(v) => match v.get_ref() {
            DeValue::Integer(i) => match i.as_str().parse::<usize>() {
                Ok(n) if (2..=40).contains(&n) && i.radix() == 10 => n,
                _ => {
                    cx.error(
                        v.span().start,
                        Some("window"),
                        "must be a whole number of words from 2 to 40",
                    );
                    DEFAULT_WINDOW
                }
            },
            _ => {
                cx.wrong_type(v, "window", "a whole number of words, like 10");
                DEFAULT_WINDOW
            }
        },
    };
    let neighbours = match root.get("neighbours") {
        Some(v) => placed_list(cx, v, "neighbours", "word", false),
        None => Vec::new(),
    };

    let variants = match root.get("variants") {
        None => Vec::new(),
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => {
                let mut out = Vec::new();
                for (key, value) in t.iter() {
                    let field = join("variants", key.get_ref());
                    if let Some(to) = cx.string(value, &field) {
                        out.push((
                            At {
                                value: key.get_ref().to_string(),
                                at: key.span().start,
                            },
                            At {
                                value: to,
                                at: value.span().start,
                            },
                        ));
                    }
                }
                out
            }
            _ => {
                cx.wrong_type(
                    v,
                    "variants",
                    "a table [variants] of lines like ni = \"niet\"",
                );
                Vec::new()
            }
        },
    };

    let concepts = match root.get("concepts") {
        Some(v) => concept_table(cx, v, "concepts", Some(ROLES.iter().map(|r| r.1).collect())),
        None => {
            cx.file_error(
                "concepts",
                "missing; the shared concept classes ([concepts.negation], …) are needed",
            );
            Vec::new()
        }
    };

    let net_rules = match root.get("safety_net") {
        None => Vec::new(),
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => {
                cx.unknown_keys(t, "safety_net", &["rules"], TOP_FIELDS);
                match t.get("rules") {
                    Some(r) => placed_list(cx, r, "safety_net.rules", "rule", false),
                    None => Vec::new(),
                }
            }
            _ => {
                cx.wrong_type(v, "safety_net", "a table [safety_net] with rules = [...]");
                Vec::new()
            }
        },
    };

    let mut categories = Vec::new();
    let mut examples: Vec<(usize, Labelled)> = Vec::new();
    match root.get("category") {
        None => cx.file_error(
            "category",
            "missing; add one [[category]] per triage category",
        ),
        Some(v) => match v.get_ref() {
            DeValue::Array(items) => {
                let mut seen: HashSet<String> = HashSet::new();
                for (n, item) in items.iter().enumerate() {
                    if let Some((cat, labelled)) = category(cx, item, n, &mut seen) {
                        examples.push((categories.len(), labelled));
                        categories.push(cat);
                    }
                }
                for id in CATEGORY_IDS {
                    if !seen.contains(*id) {
                        cx.error(
                            v.span().start,
                            Some("category"),
                            format!(
                                "the category \"{id}\" is missing; every triage category of the \
                                 standards needs its [[category]] (id = \"{id}\")"
                            ),
                        );
                    }
                }
            }
            _ => cx.wrong_type(v, "category", "a list of [[category]] tables"),
        },
    }

    if cx.errors.len() > before {
        return None;
    }
    let spec = Spec {
        window,
        concepts,
        neighbours,
        variants,
        net_rules,
        categories,
    };
    let flags = match safety::compile(&spec) {
        Ok(flags) => flags,
        Err(errors) => {
            for e in errors {
                cx.error(e.at, None, e.message);
            }
            return None;
        }
    };
    check_examples(cx, &flags, &examples);
    if cx.errors.len() > before {
        return None;
    }
    let mut labelled = Neighbours::default();
    for (ci, l) in examples {
        labelled
            .urgent
            .extend(l.examples.into_iter().map(|e| (ci, e.value)));
        labelled
            .calm
            .extend(l.near_misses.into_iter().map(|e| e.value));
    }
    Some((flags, review, labelled))
}

/// Every example must trigger its category; no near-miss may be answered as urgent.
fn check_examples(cx: &mut FileCheck<'_>, flags: &RedFlags, examples: &[(usize, Labelled)]) {
    let names = |cats: &[usize]| -> String {
        if cats.is_empty() {
            return "nothing".into();
        }
        cats.iter()
            .map(|&c| flags.categories()[c].id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (ci, labelled) in examples {
        let id = &flags.categories()[*ci].id;
        for ex in &labelled.examples {
            let d = flags.detect(&Analysis::new(&ex.value));
            if !d.categories.contains(ci) {
                cx.error(
                    ex.at,
                    Some("examples"),
                    format!(
                        "this example does not trigger \"{id}\" (it triggers {}): \"{}\". \
                         Add the missing words to a concept, or a rule that combines them \
                         (b12bot explain shows how the detector reads it)",
                        names(&d.categories),
                        ex.value
                    ),
                );
            }
        }
        for ex in &labelled.near_misses {
            let d = flags.detect(&Analysis::new(&ex.value));
            if d.is_urgent() {
                cx.error(
                    ex.at,
                    Some("near_misses"),
                    format!(
                        "this near-miss is answered as urgent ({}): \"{}\". Make the rule \
                         stricter, add the words that make it harmless (an idiom, a \
                         !exclusion), or remove it if it is an emergency after all",
                        names(&d.categories),
                        ex.value
                    ),
                );
            }
        }
    }
}

/// One `[[category]]`.
fn category(
    cx: &mut FileCheck<'_>,
    item: Value<'_, '_>,
    n: usize,
    seen: &mut HashSet<String>,
) -> Option<(CategorySpec, Labelled)> {
    let DeValue::Table(t) = item.get_ref() else {
        cx.wrong_type(item, "category", "a [[category]] table");
        return None;
    };
    let before = cx.errors.len();
    let prefix = format!("category[{n}]");
    cx.unknown_keys(t, &prefix, CATEGORY_FIELDS, TOP_FIELDS);

    let id = match t.get("id") {
        None => {
            cx.error(
                item.span().start,
                Some(&join(&prefix, "id")),
                format!(
                    "missing; add id = \"…\", one of: {}",
                    CATEGORY_IDS.join(", ")
                ),
            );
            None
        }
        Some(v) => cx.string(v, &join(&prefix, "id")).and_then(|id| {
            if !CATEGORY_IDS.contains(&id.as_str()) {
                let hint = match closest(&id, CATEGORY_IDS.iter().copied()) {
                    Some(best) => format!("did you mean \"{best}\"?"),
                    None => format!("use one of: {}", CATEGORY_IDS.join(", ")),
                };
                cx.error(
                    v.span().start,
                    Some(&join(&prefix, "id")),
                    format!("\"{id}\" is not a triage category; {hint}"),
                );
                return None;
            }
            if !seen.insert(id.clone()) {
                cx.error(
                    v.span().start,
                    Some(&join(&prefix, "id")),
                    format!("the category \"{id}\" is already defined above; merge the two"),
                );
                return None;
            }
            Some(At {
                value: id,
                at: v.span().start,
            })
        }),
    };
    let prefix = match &id {
        Some(id) => format!("category.{}", id.value),
        None => prefix,
    };

    let route = match t.get("route") {
        None => {
            cx.error(
                item.span().start,
                Some(&join(&prefix, "route")),
                "missing; add route = \"112\", \"huisartsenpost\" or \"113\"",
            );
            None
        }
        Some(v) => parse_route(cx, v, &join(&prefix, "route")),
    };
    let second_route = match t.get("second_route") {
        None => Some(None),
        Some(v) => parse_route(cx, v, &join(&prefix, "second_route")).map(Some),
    };
    if let (Some(first), Some(Some(second))) = (route, second_route) {
        let v = t.get("second_route").map_or(0, |v| v.span().start);
        let pair = [first, second];
        if !(pair.contains(&Route::Emergency112) && pair.contains(&Route::Huisartsenpost)) {
            cx.error(
                v,
                Some(&join(&prefix, "second_route")),
                "two routes must be \"112\" and \"huisartsenpost\" (113's text already names \
                 112 for immediate danger)",
            );
        }
        if t.get("advice").is_none() {
            cx.error(
                v,
                Some(&join(&prefix, "advice")),
                "a category with two routes needs advice = { nl = \"…\", en = \"…\" } saying \
                 when to call which",
            );
        }
    }

    let title = localized(cx, t, "title", &prefix, true, item.span().start);
    let advice = localized(cx, t, "advice", &prefix, false, item.span().start);
    let timeless = flag(cx, t, "timeless", &prefix);
    let even_if_over = flag(cx, t, "even_if_over", &prefix);
    let in_questions = flag(cx, t, "in_questions", &prefix);
    let rules = match t.get("rules") {
        Some(v) => placed_list(cx, v, &join(&prefix, "rules"), "rule", true),
        None => {
            cx.error(
                item.span().start,
                Some(&join(&prefix, "rules")),
                "missing; add rules = [\"concept + concept\", …]",
            );
            Vec::new()
        }
    };
    let net_rules = match t.get("net_rules") {
        Some(v) => placed_list(cx, v, &join(&prefix, "net_rules"), "rule", false),
        None => Vec::new(),
    };
    let concepts = match t.get("concepts") {
        Some(v) => concept_table(cx, v, &join(&prefix, "concepts"), None),
        None => Vec::new(),
    };
    let examples = lang_lists(cx, t, "examples", &prefix, item.span().start);
    let near_misses = lang_lists(cx, t, "near_misses", &prefix, item.span().start);

    if cx.errors.len() > before {
        return None;
    }
    Some((
        CategorySpec {
            id: id?,
            disposition: safety::Disposition {
                route: route?,
                second_route: second_route?,
                title: title?,
                advice,
                timeless,
                even_if_over,
                in_questions,
            },
            concepts,
            rules,
            net_rules,
        },
        Labelled {
            examples,
            near_misses,
        },
    ))
}

fn parse_route(cx: &mut FileCheck<'_>, v: Value<'_, '_>, field: &str) -> Option<Route> {
    let s = cx.string(v, field)?;
    let r = Route::parse(&s);
    if r.is_none() {
        let names: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
        let hint = match closest(&s, names.iter().copied()) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None => format!("use one of: {}", names.join(", ")),
        };
        cx.error(
            v.span().start,
            Some(field),
            format!("\"{s}\" is not a route; {hint}"),
        );
    }
    r
}

fn flag(cx: &mut FileCheck<'_>, t: &DeTable<'_>, name: &str, prefix: &str) -> bool {
    match t.get(name) {
        None => false,
        Some(v) => match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                cx.wrong_type(v, &join(prefix, name), "true or false");
                false
            }
        },
    }
}

/// `{ nl = "…", en = "…" }` or a `[….name]` table with both.
fn localized(
    cx: &mut FileCheck<'_>,
    t: &DeTable<'_>,
    name: &str,
    prefix: &str,
    required: bool,
    at: usize,
) -> Option<Localized> {
    let field = join(prefix, name);
    let Some(v) = t.get(name) else {
        if required {
            cx.error(
                at,
                Some(&field),
                format!("missing; add {name} = {{ nl = \"…\", en = \"…\" }}"),
            );
        }
        return None;
    };
    let DeValue::Table(table) = v.get_ref() else {
        cx.wrong_type(v, &field, "a table { nl = \"…\", en = \"…\" }");
        return None;
    };
    cx.unknown_keys(table, &field, LANGS, &[]);
    let mut get = |lang: &str| match table.get(lang) {
        Some(value) => cx.string(value, &join(&field, lang)),
        None => {
            cx.error(
                v.span().start,
                Some(&join(&field, lang)),
                format!("the {lang} text is missing"),
            );
            None
        }
    };
    let nl = get("nl");
    let en = get("en");
    Some(Localized { nl: nl?, en: en? })
}

/// `[….examples]` / `[….near_misses]`: a list per language, both required and not empty.
fn lang_lists(
    cx: &mut FileCheck<'_>,
    t: &DeTable<'_>,
    name: &str,
    prefix: &str,
    at: usize,
) -> Vec<At<String>> {
    let field = join(prefix, name);
    let what = if name == "examples" {
        "messages that must trigger this category"
    } else {
        "messages that look alike but must not be answered as urgent"
    };
    let Some(v) = t.get(name) else {
        cx.error(
            at,
            Some(&field),
            format!("missing; add [category.{name}] with nl = [...] and en = [...]: {what}"),
        );
        return Vec::new();
    };
    let DeValue::Table(table) = v.get_ref() else {
        cx.wrong_type(v, &field, "a table with nl = [...] and en = [...]");
        return Vec::new();
    };
    cx.unknown_keys(table, &field, LANGS, &[]);
    let mut out = Vec::new();
    for lang in LANGS {
        match table.get(*lang) {
            Some(list) => out.extend(placed_list(cx, list, &join(&field, lang), "message", true)),
            None => cx.error(
                v.span().start,
                Some(&join(&field, lang)),
                format!("missing; give {what}, in this language too"),
            ),
        }
    }
    out
}

/// A list of non-empty strings with their positions.
fn placed_list(
    cx: &mut FileCheck<'_>,
    v: Value<'_, '_>,
    field: &str,
    noun: &str,
    required: bool,
) -> Vec<At<String>> {
    cx.string_list(v, field, noun, required)
        .unwrap_or_default()
        .into_iter()
        .map(|s: Spanned<String>| At {
            at: s.span().start,
            value: s.into_inner(),
        })
        .collect()
}

/// `[concepts]` / `[category.concepts]`: a table of concept tables. For the shared table,
/// `roles` names the concepts the detector needs (so an unknown one can get a "did you
/// mean" when it looks like a misspelt role).
fn concept_table(
    cx: &mut FileCheck<'_>,
    v: Value<'_, '_>,
    field: &str,
    roles: Option<Vec<&str>>,
) -> Vec<ConceptSpec> {
    let DeValue::Table(table) = v.get_ref() else {
        cx.wrong_type(
            v,
            field,
            "a table of concepts: [concepts.name] with nl = [...]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let cfield = join(field, name);
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || name.is_empty()
        {
            cx.error(
                key.span().start,
                Some(&cfield),
                format!("\"{name}\" is not a valid concept name; use a-z, 0-9 and _"),
            );
            continue;
        }
        if let Some(roles) = &roles
            && !roles.contains(&name)
            && let Some(best) = closest(name, roles.iter().copied())
            && best != name
            && strsim::osa_distance(best, name) <= 2
        {
            cx.error(
                key.span().start,
                Some(&cfield),
                format!(
                    "\"{name}\" looks like the shared marker \"{best}\" misspelt; did you mean \
                     \"{best}\"?"
                ),
            );
            continue;
        }
        let DeValue::Table(ct) = value.get_ref() else {
            cx.wrong_type(value, &cfield, "a table with nl = [...] and en = [...]");
            continue;
        };
        cx.unknown_keys(ct, &cfield, CONCEPT_FIELDS, &[]);
        let mut terms = Vec::new();
        for lang in LANGS {
            if let Some(list) = ct.get(*lang) {
                terms.extend(placed_list(cx, list, &join(&cfield, lang), "word", false));
            }
        }
        if terms.is_empty() {
            cx.error(
                value.span().start,
                Some(&cfield),
                format!(
                    "the concept \"{name}\" has no words; give it nl = [...] and/or en = [...]"
                ),
            );
            continue;
        }
        let reported = flag(cx, ct, "reported", &cfield);
        let whole_message = flag(cx, ct, "whole_message", &cfield);
        out.push(ConceptSpec {
            name: At {
                value: name.to_string(),
                at: key.span().start,
            },
            terms,
            reported,
            whole_message,
        });
    }
    out
}
