//! `b12bot check`'s review: what a FAQ that *loads* can still get wrong for patients.
//!
//! The loader ([`crate::faq`]) refuses what the bot cannot use at all; those are errors.
//! This module finds what the bot can use but patients would be worse off with: example
//! questions the bot answers with another entry, duplicated questions, a language with far
//! fewer questions, stale reviews, answers too long for a phone, fixed texts that lost a
//! placeholder, answers that do not send the patient to their GP. Those are warnings: the
//! FAQ can still be published.
//!
//! [`review`] is pure (the caller passes today's date). A loaded [`Faq`] carries no spans,
//! so [`review`] names the file and field and [`place`] adds line and column afterwards
//! from the files' text, at the edge.

use crate::diagnostics;
use crate::engine::{self, Context, Engine, EngineConfig, Intent};
use crate::faq::{self, Entry, Faq, GLOSSARY_FILE, LoadError, TEXTS_FILE};
use crate::readability::{self, Figures, TARGET};
use crate::text::{self, Lang};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// An answer longer than this many characters is more than a phone screen or two.
/// (Telegram's hard limit, [`faq::MAX_ANSWER_CHARS`], is an error in the loader.)
pub const LONG_ANSWER_CHARS: usize = 1200;

/// Fewer example questions than this in a language and the matcher has little to go on.
pub const MIN_QUESTIONS: usize = 6;

/// A review older than this many years is due again.
pub const REVIEW_YEARS: i32 = 1;

/// The fixed texts the engine fills in, with the placeholders it fills in for each
/// (see `Engine::value` in `src/engine.rs`; keep the two in step).
pub const PLACEHOLDERS: &[(&str, &[&str])] = &[
    ("value_intro", &["{value}", "{unit}"]),
    ("value_intro_converted", &["{value}", "{unit}", "{pmol}"]),
    ("value_not_interpretable", &["{value}"]),
    ("value_unknown_unit", &["{unit}"]),
    ("value_other_test", &["{test}"]),
    ("value_other_unit", &["{unit}"]),
];

/// What a placeholder stands for, in words for staff.
fn placeholder_meaning(placeholder: &str) -> &'static str {
    match placeholder {
        "{value}" => "the number the patient reported",
        "{unit}" => "the unit the patient wrote (such as pg/mL)",
        "{pmol}" => "the value converted to pmol/L",
        "{test}" => "the name of the other test (such as ferritine)",
        _ => "a value the bot fills in",
    }
}

/// What kind of warning; the name staff look up in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// An example question of one entry that the bot answers with another entry, or by
    /// asking the patient to choose: patients cannot tell these entries apart.
    Confusable,
    /// An example question that the bot does not recognise as being about the FAQ at all.
    Unrecognised,
    /// The same example question (ignoring case, accents and punctuation) twice.
    DuplicateQuestion,
    /// Far fewer example questions in one language than in the other.
    UnbalancedQuestions,
    /// Fewer than [`MIN_QUESTIONS`] example questions in a language.
    FewQuestions,
    /// Keywords in one language only.
    MissingLanguage,
    /// No `reviewed_by` or `reviewed_on`.
    ReviewMissing,
    /// `reviewed_on` more than a year ago.
    ReviewOutdated,
    /// `reviewed_on` after today: probably a typo.
    ReviewInFuture,
    /// An answer over [`LONG_ANSWER_CHARS`] characters.
    LongAnswer,
    /// A fixed text without a placeholder the bot fills in for it.
    MissingPlaceholder,
    /// A fixed text with a `{placeholder}` the bot does not fill in there.
    UnknownPlaceholder,
    /// An answer that does not mention the huisarts / GP.
    NoGpReferral,
    /// An answer or fixed text harder to read than language level B1, or with jargon it
    /// does not explain, or with the hospital's internal words.
    Readability,
    /// An out-of-scope example (`out-of-scope.toml`) that the bot answers with an FAQ topic,
    /// or an FAQ question that it takes for out of scope.
    OutOfScope,
    /// A conversation example (`conversation.toml`) that the bot does not take for that
    /// kind of conversation.
    Conversation,
}

impl WarningKind {
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::Confusable => "confusable",
            WarningKind::Unrecognised => "unrecognised",
            WarningKind::DuplicateQuestion => "duplicate_question",
            WarningKind::UnbalancedQuestions => "unbalanced_questions",
            WarningKind::FewQuestions => "few_questions",
            WarningKind::MissingLanguage => "missing_language",
            WarningKind::ReviewMissing => "review_missing",
            WarningKind::ReviewOutdated => "review_outdated",
            WarningKind::ReviewInFuture => "review_in_future",
            WarningKind::LongAnswer => "long_answer",
            WarningKind::MissingPlaceholder => "missing_placeholder",
            WarningKind::UnknownPlaceholder => "unknown_placeholder",
            WarningKind::NoGpReferral => "no_gp_referral",
            WarningKind::Readability => "readability",
            WarningKind::OutOfScope => "out_of_scope",
            WarningKind::Conversation => "conversation",
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something in a FAQ that loads but that staff should look at.
///
/// Like [`LoadError`], `line` and `column` are 1-based and 0 when the warning has no place
/// (yet: [`review`] leaves them 0, [`place`] fills them in); JSON shows 0 as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    #[serde(serialize_with = "path")]
    pub file: PathBuf,
    #[serde(serialize_with = "position")]
    pub line: usize,
    #[serde(serialize_with = "position")]
    pub column: usize,
    /// The field, e.g. `questions.nl` or `answer.en`.
    pub field: Option<String>,
    pub kind: WarningKind,
    pub message: String,
    /// The list item (0-based) the warning is about, so [`place`] can point at its line.
    #[serde(skip)]
    pub item: Option<usize>,
}

/// A file name as shown to people: serde refuses paths that are not valid UTF-8, and a
/// report must not fail over a file name.
fn path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&p.display())
}

fn position<S: Serializer>(n: &usize, s: S) -> Result<S::Ok, S::Error> {
    match n {
        0 => s.serialize_none(),
        n => s.serialize_some(n),
    }
}

impl fmt::Display for Warning {
    /// `faq/insurance.toml:14:3: warning [confusable]: questions.nl: <message>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = format!("warning [{}]", self.kind);
        write_finding(
            f,
            &self.file,
            self.line,
            self.column,
            &label,
            self.field.as_deref(),
            &self.message,
        )
    }
}

/// One line of `check`'s text output, errors and warnings alike.
fn write_finding(
    f: &mut impl fmt::Write,
    file: &Path,
    line: usize,
    column: usize,
    label: &str,
    field: Option<&str>,
    message: &str,
) -> fmt::Result {
    write!(f, "{}", file.display())?;
    if line > 0 {
        write!(f, ":{line}:{column}")?;
    }
    write!(f, ": {label}: ")?;
    if let Some(field) = field {
        write!(f, "{field}: ")?;
    }
    f.write_str(message)
}

/// A year, month and day.
pub type Date = (i32, u32, u32);

/// Reviews a loaded FAQ with the engine built from it. `today` is the date reviews are
/// dated against. The warnings come per file, in the FAQ's file order, without positions
/// (see [`place`]).
pub fn review(faq: &Faq, engine: &Engine, today: Date) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, (usize, Lang)> = HashMap::new();
    for (n, entry) in faq.entries.iter().enumerate() {
        routing(engine, entry, &mut out);
        duplicates(faq, n, &mut seen, &mut out);
        question_counts(entry, &mut out);
        keywords(entry, &mut out);
        reviewed(entry, today, &mut out);
        answers(engine, entry, &mut out);
    }
    placeholders(faq, &mut out);
    answer_placeholders(faq, &mut out);
    let (_, readable) = readability_of(faq);
    out.extend(readable);
    red_flags_reviewed(faq, today, &mut out);
    examples(faq, engine, &mut out);
    out
}

/// The out-of-scope and conversation examples as the engine answers them: an out-of-scope
/// example must get the no-match answer, a conversation example its own kind. (Without the
/// sentence encoder these files are not used, and not checked here.)
fn examples(faq: &Faq, engine: &Engine, out: &mut Vec<Warning>) {
    if engine.semantic_model().is_none() {
        return;
    }
    let file = |name: &str| {
        faq.entries
            .first()
            .and_then(|e| e.file.parent())
            .map(|d| d.join(name))
            .unwrap_or_else(|| PathBuf::from(name))
    };
    for (n, t) in faq.out_of_scope.iter().enumerate() {
        for (lang, list) in [(Lang::Nl, &t.nl), (Lang::En, &t.en)] {
            for (i, q) in list.iter().enumerate() {
                let a = engine.answer(
                    q,
                    &Context {
                        lang_hint: Some(lang),
                    },
                );
                if matches!(a.intent, Intent::Faq | Intent::Clarify) {
                    let to = a
                        .faq_id
                        .clone()
                        .or_else(|| a.suggestions.first().cloned())
                        .unwrap_or_default();
                    out.push(warning(
                        &t.file,
                        format!("topic[{n}].{}", lang.code()),
                        Some(i),
                        WarningKind::OutOfScope,
                        format!(
                            "the bot answers this out-of-scope example, \"{q}\", with the FAQ \
                             topic \"{to}\": make the example more clearly about \"{}\", or \
                             remove it if the topic should answer it",
                            t.id
                        ),
                    ));
                }
            }
        }
    }
    let conv = file(crate::faq::CONVERSATION_FILE);
    for (kind, list) in faq.conversation.kinds() {
        let want = if kind == "human" {
            Intent::Human
        } else {
            Intent::Smalltalk
        };
        for (lang, l) in [(Lang::Nl, &list.nl), (Lang::En, &list.en)] {
            for (i, q) in l.iter().enumerate() {
                let a = engine.answer(
                    q,
                    &Context {
                        lang_hint: Some(lang),
                    },
                );
                if a.intent != want && a.intent != Intent::Urgent {
                    out.push(warning(
                        &conv,
                        format!("{kind}.{}", lang.code()),
                        Some(i),
                        WarningKind::Conversation,
                        format!(
                            "the bot does not take this {kind} example, \"{q}\", for {kind} \
                             (it answers {}): make it shorter and plainer, or remove it",
                            a.intent.name()
                        ),
                    ));
                }
            }
        }
    }
}

fn warning(
    file: &Path,
    field: impl Into<String>,
    item: Option<usize>,
    kind: WarningKind,
    message: String,
) -> Warning {
    Warning {
        file: file.to_path_buf(),
        line: 0,
        column: 0,
        field: Some(field.into()),
        kind,
        message,
        item,
    }
}

fn questions_field(lang: Lang) -> String {
    format!("questions.{}", lang.code())
}

fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "Dutch",
        Lang::En => "English",
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Nl => Lang::En,
        Lang::En => Lang::Nl,
    }
}

const LANGS: [Lang; 2] = [Lang::Nl, Lang::En];

/// Asks the engine every example question of `entry`, as a patient with that language
/// would: the question must come back to `entry`. Answers by the safety, value, person and
/// small-talk rules come before the FAQ by design and are not the FAQ's problem.
fn routing(engine: &Engine, entry: &Entry, out: &mut Vec<Warning>) {
    for lang in LANGS {
        for (i, question) in entry.questions.get(lang).iter().enumerate() {
            let answer = engine.answer(
                question,
                &Context {
                    lang_hint: Some(lang),
                },
            );
            let named = |id: &str| match engine.title(id, lang) {
                Some(title) => format!("\"{id}\" ({title})"),
                None => format!("\"{id}\""),
            };
            let message = match answer.intent {
                Intent::Faq if answer.faq_id.as_deref() == Some(entry.id.as_str()) => continue,
                Intent::Faq => {
                    let Some(to) = answer.faq_id.as_deref() else {
                        continue;
                    };
                    format!(
                        "the bot answers this example question, \"{question}\", with {} \
                         instead of this entry: patients cannot tell \"{}\" and \"{to}\" \
                         apart. Make the questions of the two entries more different (use \
                         the words that set this topic apart), or move the question to \
                         \"{to}\" if it belongs there",
                        named(to),
                        entry.id,
                    )
                }
                Intent::Clarify => {
                    let others: Vec<String> = answer
                        .suggestions
                        .iter()
                        .filter(|id| **id != entry.id)
                        .map(|id| named(id))
                        .collect();
                    format!(
                        "the bot is not sure about this example question, \"{question}\", \
                         and asks the patient to choose between {}: patients cannot tell \
                         \"{}\" and {} apart. Make the questions of these entries more \
                         different (use the words that set this topic apart)",
                        answer
                            .suggestions
                            .iter()
                            .map(|id| format!("\"{id}\""))
                            .collect::<Vec<_>>()
                            .join(", "),
                        entry.id,
                        others.join(" and "),
                    )
                }
                Intent::NoMatch => format!(
                    "the bot does not recognise this example question, \"{question}\", as a \
                     question about the FAQ and answers that it cannot help. Use more of the \
                     words patients use for this topic, or add them as keywords"
                ),
                _ => continue,
            };
            let kind = if answer.intent == Intent::NoMatch {
                WarningKind::Unrecognised
            } else {
                WarningKind::Confusable
            };
            out.push(warning(
                &entry.file,
                questions_field(lang),
                Some(i),
                kind,
                message,
            ));
        }
    }
}

/// A question as the matcher sees it: case, accents and punctuation folded away.
fn normalise(question: &str) -> String {
    text::tokens(&text::fold(question)).join(" ")
}

/// The same example question twice: in two entries (the bot cannot answer both with one
/// question), or twice in one list (harmless, but one of them does nothing).
fn duplicates(
    faq: &Faq,
    n: usize,
    seen: &mut HashMap<String, (usize, Lang)>,
    out: &mut Vec<Warning>,
) {
    let entry = &faq.entries[n];
    for lang in LANGS {
        for (i, question) in entry.questions.get(lang).iter().enumerate() {
            let key = normalise(question);
            if key.is_empty() {
                continue;
            }
            let message = match seen.get(&key) {
                None => {
                    seen.insert(key, (n, lang));
                    continue;
                }
                Some(&(m, _)) if m != n => {
                    let first = &faq.entries[m];
                    format!(
                        "the example question \"{question}\" is also in \"{}\" ({}); one \
                         question can lead to only one answer. Keep it in the entry whose \
                         answer fits it and remove it here, or reword one of them",
                        first.id,
                        first.file.display()
                    )
                }
                Some(&(_, first_lang)) if first_lang == lang => format!(
                    "the example question \"{question}\" appears twice in this list \
                     (ignoring capitals, accents and punctuation); remove one"
                ),
                // The same words in both languages of one entry ("MMA test") are fine.
                Some(_) => continue,
            };
            out.push(warning(
                &entry.file,
                questions_field(lang),
                Some(i),
                WarningKind::DuplicateQuestion,
                message,
            ));
        }
    }
}

/// Each language needs enough example questions, and not far fewer than the other: the
/// matcher knows a topic only by the ways patients ask it.
fn question_counts(entry: &Entry, out: &mut Vec<Warning>) {
    for lang in LANGS {
        let count = entry.questions.get(lang).len();
        let others = entry.questions.get(other(lang)).len();
        let (kind, message) = if count < others && (count < 3 || count * 2 < others) {
            (
                WarningKind::UnbalancedQuestions,
                format!(
                    "only {count} {} example question{} against {others} in {}; patients \
                     who write {} will find this topic less often. Add at least {} more, \
                     in the words patients use",
                    language_name(lang),
                    if count == 1 { "" } else { "s" },
                    language_name(other(lang)),
                    language_name(lang),
                    (others.div_ceil(2))
                        .max(MIN_QUESTIONS)
                        .saturating_sub(count)
                        .max(1),
                ),
            )
        } else if count < MIN_QUESTIONS {
            (
                WarningKind::FewQuestions,
                format!(
                    "only {count} {} example question{}; the bot learns a topic from the \
                     ways patients ask it. Add at least {} more (10 or more is best)",
                    language_name(lang),
                    if count == 1 { "" } else { "s" },
                    MIN_QUESTIONS - count,
                ),
            )
        } else {
            continue;
        };
        out.push(warning(
            &entry.file,
            questions_field(lang),
            None,
            kind,
            message,
        ));
    }
}

/// Keywords are optional, but keywords in one language only help only those patients.
fn keywords(entry: &Entry, out: &mut Vec<Warning>) {
    for lang in LANGS {
        if entry.keywords.get(lang).is_empty() && !entry.keywords.get(other(lang)).is_empty() {
            out.push(warning(
                &entry.file,
                format!("keywords.{}", lang.code()),
                None,
                WarningKind::MissingLanguage,
                format!(
                    "there are {} keywords but no {} ones; add a line {} = [\"…\"] in \
                     [keywords] so that patients who write {} get the same help",
                    language_name(other(lang)),
                    language_name(lang),
                    lang.code(),
                    language_name(lang),
                ),
            ));
        }
    }
}

/// Every answer is checked by a named person, and again after a year.
fn reviewed(entry: &Entry, today: Date, out: &mut Vec<Warning>) {
    if entry.reviewed_by.is_none() {
        out.push(warning(
            &entry.file,
            "reviewed_by",
            None,
            WarningKind::ReviewMissing,
            "nobody is named as the reviewer of this entry; add reviewed_by = \"name, \
             department\" once a colleague has checked the answer"
                .to_string(),
        ));
    }
    let Some(date) = entry.reviewed_on.as_deref().and_then(parse_date) else {
        out.push(warning(
            &entry.file,
            "reviewed_on",
            None,
            WarningKind::ReviewMissing,
            "the entry has no review date; add reviewed_on = \"YYYY-MM-DD\" with the date \
             the answer was last checked"
                .to_string(),
        ));
        return;
    };
    let (y, m, d) = date;
    if (y + REVIEW_YEARS, m, d) < today {
        out.push(warning(
            &entry.file,
            "reviewed_on",
            None,
            WarningKind::ReviewOutdated,
            format!(
                "the answer was last reviewed on {y:04}-{m:02}-{d:02}, more than a year ago; \
                 have it checked against the current leaflet and update reviewed_on"
            ),
        ));
    } else if days_from_civil(date) > days_from_civil(today) + 1 {
        // One day of slack: the CLI's "today" is in UTC, staff write the Dutch date.
        out.push(warning(
            &entry.file,
            "reviewed_on",
            None,
            WarningKind::ReviewInFuture,
            format!(
                "the review date {y:04}-{m:02}-{d:02} is in the future; is it a typo? Use \
                 the date the answer was actually checked"
            ),
        ));
    }
}

/// The answers as patients get them: short enough for a phone, ending with the GP.
fn answers(engine: &Engine, entry: &Entry, out: &mut Vec<Warning>) {
    // As patients get it: with the fixed texts it includes.
    let shown = engine::resolve_answer(&entry.answer, &engine.faq().texts, engine.config());
    for lang in LANGS {
        let answer = shown.get(lang);
        let field = format!("answer.{}", lang.code());
        let chars = answer.chars().count();
        if chars > LONG_ANSWER_CHARS {
            out.push(warning(
                &entry.file,
                field.clone(),
                None,
                WarningKind::LongAnswer,
                format!(
                    "the {} answer is {chars} characters long; on a phone that is several \
                     screens. Aim for at most {LONG_ANSWER_CHARS} (shorten it by {}), for \
                     example by moving details to a related entry",
                    language_name(lang),
                    chars - LONG_ANSWER_CHARS
                ),
            ));
        }
        if !engine::mentions_gp(answer) {
            let (gp, standard) = match lang {
                Lang::Nl => ("huisarts", engine.text("gp_referral", lang)),
                Lang::En => ("GP (huisarts)", engine.text("gp_referral", lang)),
            };
            out.push(warning(
                &entry.file,
                field,
                None,
                WarningKind::NoGpReferral,
                format!(
                    "the {} answer does not mention the {gp}. The bot then adds its \
                     standard sentence at the end (\"{}\"); it reads better to end the \
                     answer with your own sentence that sends the patient to the {gp}",
                    language_name(lang),
                    standard.trim()
                ),
            ));
        }
    }
}

/// The `{…}` words in a text.
fn placeholders_in(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open..];
        let Some(close) = rest.find('}') else { break };
        let inner = &rest[1..close];
        if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            found.push(&rest[..=close]);
            rest = &rest[close + 1..];
        } else {
            rest = &rest[1..];
        }
    }
    found
}

/// The red flags, and the messages labelled for the encoder's second opinion on them, must
/// be signed off by a clinician, and again every year.
fn red_flags_reviewed(faq: &Faq, today: Date, out: &mut Vec<Warning>) {
    let files = [
        ("the red flags", &faq.red_flags_review, "every category"),
        (
            "the red-flag neighbours",
            &faq.red_flag_neighbours_review,
            "every labelled message",
        ),
    ];
    for (what, review, scope) in files {
        let Some(r) = review else {
            continue;
        };
        let signed = r.reviewed_by.is_some() && r.reviewed_on.is_some();
        let date = r.reviewed_on.as_deref().and_then(parse_date);
        match date {
            Some((y, m, d)) if signed && (y + REVIEW_YEARS, m, d) < today => out.push(warning(
                &r.file,
                "reviewed_on",
                None,
                WarningKind::ReviewOutdated,
                format!(
                    "{what} were last signed off on {y:04}-{m:02}-{d:02}, more than a year \
                     ago; have a clinician review them against the current triage standards \
                     and update reviewed_on"
                ),
            )),
            Some(_) if signed => {}
            _ => out.push(warning(
                &r.file,
                "reviewed_on",
                None,
                WarningKind::ReviewMissing,
                format!(
                    "{what} are not signed off yet; have a clinician (the clinical safety \
                     officer, a triage nurse) review {scope}, then fill in reviewed_by and \
                     reviewed_on"
                ),
            )),
        }
    }
}

/// The fixed texts the bot fills in must keep their placeholders; the others must not
/// have any (patients would see `{value}` as written).
fn placeholders(faq: &Faq, out: &mut Vec<Warning>) {
    let file = faq
        .entries
        .first()
        .and_then(|e| e.file.parent())
        .map_or_else(|| PathBuf::from(TEXTS_FILE), |dir| dir.join(TEXTS_FILE));
    for key in faq::REQUIRED_TEXTS {
        let Some(text) = faq.texts.map.get(*key) else {
            continue;
        };
        let filled: &[&str] = PLACEHOLDERS
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&[], |(_, p)| p);
        for lang in LANGS {
            let value = text.get(lang);
            let field = format!("{key}.{}", lang.code());
            for placeholder in filled {
                if !value.contains(placeholder) {
                    out.push(warning(
                        &file,
                        field.clone(),
                        None,
                        WarningKind::MissingPlaceholder,
                        format!(
                            "the {} text has no {placeholder}; the bot puts {} there, so \
                             without it patients do not see it. Add {placeholder} where it \
                             belongs, written exactly like that",
                            language_name(lang),
                            placeholder_meaning(placeholder)
                        ),
                    ));
                }
            }
            for found in placeholders_in(value) {
                if filled.contains(&found) || names_text(faq, found) {
                    continue;
                }
                let hint = if filled.is_empty() {
                    "the bot fills in nothing in this text, and no fixed text has that name"
                        .to_string()
                } else {
                    format!("here the bot fills in only {}", filled.join(" "))
                };
                out.push(warning(
                    &file,
                    field.clone(),
                    None,
                    WarningKind::UnknownPlaceholder,
                    format!(
                        "the {} text has {found}, but {hint}; patients would see \
                         \"{found}\" as written. Check the spelling or remove it",
                        language_name(lang),
                    ),
                ));
            }
        }
    }
}

/// `{name}` names a fixed text: the bot puts that text there (see
/// [`engine::include_texts`]).
fn names_text(faq: &Faq, placeholder: &str) -> bool {
    let name = placeholder.trim_start_matches('{').trim_end_matches('}');
    engine::includes_text(&faq.texts, name)
}

/// An answer may include fixed texts (`{ask_staff}`), nothing else.
fn answer_placeholders(faq: &Faq, out: &mut Vec<Warning>) {
    for entry in &faq.entries {
        for lang in LANGS {
            for found in placeholders_in(entry.answer.get(lang)) {
                if names_text(faq, found) {
                    continue;
                }
                out.push(warning(
                    &entry.file,
                    format!("answer.{}", lang.code()),
                    None,
                    WarningKind::UnknownPlaceholder,
                    format!(
                        "the {} answer has {found}, but no fixed text in {TEXTS_FILE} has that \
                         name; patients would see \"{found}\" as written. Check the spelling \
                         or remove it",
                        language_name(lang)
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Readability

/// The readability figures of one answer or fixed text in one language.
#[derive(Debug, Clone, Serialize)]
pub struct TextFigures {
    #[serde(serialize_with = "path")]
    pub file: PathBuf,
    /// The entry id or the text's key.
    pub name: String,
    /// `answer.nl`, `greeting.en`, …
    pub field: String,
    #[serde(serialize_with = "lang_code")]
    pub lang: Lang,
    /// The configuration the figures are for, when the text differs between
    /// configurations (the hardest one is kept); `None` when it is the same in all.
    pub config: Option<String>,
    pub figures: Figures,
    /// Glossary terms used without an explanation where they first appear.
    pub unexplained: Vec<String>,
    /// Internal words (the glossary's `avoid` list) the text uses.
    pub internal: Vec<String>,
}

impl TextFigures {
    /// Whether the text meets language level B1 with nothing left to explain.
    pub fn within_target(&self) -> bool {
        self.figures.problems().is_empty()
            && self.unexplained.is_empty()
            && self.internal.is_empty()
    }
}

fn lang_code<S: Serializer>(l: &Lang, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(l.code())
}

/// Texts staff write for staff (the triage group's posts and replies): measured, but
/// internal words are allowed there.
fn is_staff_text(key: &str) -> bool {
    key.starts_with("tg_desk_")
}

/// Measures every answer and fixed text as patients see it in each configuration (value
/// policy, triage desk), keeping the hardest configuration of each, and warns
/// (`readability`) about those above language level B1.
pub fn readability_of(faq: &Faq) -> (Vec<TextFigures>, Vec<Warning>) {
    let dir = faq
        .entries
        .first()
        .and_then(|e| e.file.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let texts_file = dir.join(TEXTS_FILE);
    let configs = EngineConfig::all();
    let resolved: Vec<(EngineConfig, faq::Texts)> = configs
        .iter()
        .map(|&c| (c, engine::resolve_texts(&faq.texts, c)))
        .collect();
    let mut figures = Vec::new();
    let mut measure_one = |file: &Path,
                           name: &str,
                           field: String,
                           lang: Lang,
                           shown: Vec<(EngineConfig, String)>| {
        let mut best: Option<(TextFigures, f64)> = None;
        let all_same = shown.windows(2).all(|w| w[0].1 == w[1].1);
        for (config, text) in &shown {
            let f = readability::measure(text, lang);
            // A placeholder's name ("{ticket}") is not a word the patient reads.
            let text = &readability::blank_placeholders(text);
            let unexplained: Vec<String> = readability::unexplained(
                text,
                faq.glossary.explain.get(lang).keys().map(String::as_str),
            )
            .into_iter()
            .map(|u| u.found)
            .collect();
            let internal: Vec<String> = if is_staff_text(name) {
                Vec::new()
            } else {
                faq.glossary
                    .avoid
                    .get(lang)
                    .keys()
                    .filter_map(|t| readability::find_term(text, t).map(|r| text[r].to_string()))
                    .collect()
            };
            // Harder: more problems first, then the lower score.
            let badness = (f.problems().len() + unexplained.len() + internal.len()) as f64 * 1000.0
                - f.score.unwrap_or(100.0);
            let tf = TextFigures {
                file: file.to_path_buf(),
                name: name.to_string(),
                field: field.clone(),
                lang,
                config: (!all_same).then(|| config.describe()),
                figures: f,
                unexplained,
                internal,
            };
            if best.as_ref().is_none_or(|(_, b)| badness > *b) {
                best = Some((tf, badness));
            }
            if all_same {
                break;
            }
        }
        if let Some((tf, _)) = best {
            figures.push(tf);
        }
    };
    for entry in &faq.entries {
        for lang in LANGS {
            let shown = resolved
                .iter()
                .map(|(c, _)| {
                    let a = engine::resolve_answer(&entry.answer, &faq.texts, *c);
                    (*c, a.get(lang).to_string())
                })
                .collect();
            measure_one(
                &entry.file,
                &entry.id,
                format!("answer.{}", lang.code()),
                lang,
                shown,
            );
        }
    }
    for key in faq.texts.map.keys() {
        for lang in LANGS {
            let shown = resolved
                .iter()
                .map(|(c, t)| (*c, t.get(key, lang).to_string()))
                .collect();
            measure_one(
                &texts_file,
                key,
                format!("{key}.{}", lang.code()),
                lang,
                shown,
            );
        }
    }
    let warnings = figures
        .iter()
        .filter(|tf| !tf.within_target())
        .map(|tf| readability_warning(faq, tf))
        .collect();
    (figures, warnings)
}

fn readability_warning(faq: &Faq, tf: &TextFigures) -> Warning {
    let f = &tf.figures;
    let what = if tf.field.starts_with("answer.") {
        format!("the {} answer", language_name(tf.lang))
    } else {
        format!("the {} text", language_name(tf.lang))
    };
    let formula = match tf.lang {
        Lang::Nl => "Flesch-Douma",
        Lang::En => "Flesch reading ease",
    };
    let mut parts = Vec::new();
    let problems = f.problems();
    if !problems.is_empty() {
        parts.push(format!(
            "{what} is harder to read than language level B1: {} (target: {formula} score at \
             least {:.0}, at most {:.0} words per sentence on average, none over {})",
            problems.join(", "),
            TARGET.min_score,
            TARGET.max_average_sentence,
            TARGET.max_sentence
        ));
        parts.push(format!(
            "its longest sentence ({} words) is \"{}\"",
            f.longest_words, f.longest_sentence
        ));
        if !f.long_words.is_empty() {
            parts.push(format!(
                "long words ({}+ syllables): {}",
                readability::LONG_WORD_SYLLABLES,
                f.long_words.join(", ")
            ));
        }
    }
    // The glossary's text for a term as the text has it ("grenswaarden" → "grenswaarde").
    let glossary_text = |terms: &faq::Terms, found: &str| -> String {
        terms
            .get(tf.lang)
            .iter()
            .find(|(t, _)| readability::find_term(found, t).is_some())
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    };
    for found in &tf.unexplained {
        let plain = glossary_text(&faq.glossary.explain, found);
        parts.push(format!(
            "\"{found}\" is not explained where it first appears; explain it there (in \
             brackets, or \"dat is …\" / \"that is …\"), for example \"{plain}\" (from \
             {GLOSSARY_FILE}), or use plain words instead"
        ));
    }
    for found in &tf.internal {
        let instead = glossary_text(&faq.glossary.avoid, found);
        parts.push(format!(
            "\"{found}\" is the hospital's own word, not the patient's; write \"{instead}\" \
             instead (from {GLOSSARY_FILE})"
        ));
    }
    let mut message = parts.join("; ");
    if problems.is_empty() {
        message = format!("{what} meets language level B1, but {message}");
    }
    if let Some(config) = &tf.config {
        message.push_str(&format!(" (as shown with {config})"));
    }
    message.push_str(". Shorter sentences and everyday words help; check again after editing");
    warning(
        &tf.file,
        tf.field.clone(),
        None,
        WarningKind::Readability,
        message,
    )
}

/// A one-line summary of the figures for `check`: the range of scores per language, for
/// answers and for fixed texts.
pub fn readability_summary(figures: &[TextFigures]) -> String {
    let range = |answers: bool, lang: Lang| {
        let scores: Vec<f64> = figures
            .iter()
            .filter(|t| t.lang == lang && t.field.starts_with("answer.") == answers)
            .filter_map(|t| t.figures.score)
            .collect();
        if scores.is_empty() {
            return "-".to_string();
        }
        let min = scores.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let avg = scores.iter().sum::<f64>() / scores.len() as f64;
        format!("{min:.0}–{max:.0} (average {avg:.0})")
    };
    let above = figures.iter().filter(|t| !t.within_target()).count();
    format!(
        "readability (B1 target: score ≥ {:.0}, ≤ {:.0} words per sentence on average, none \
         over {}): answers nl {}, en {}; fixed texts nl {}, en {}; {} of {} texts above the target",
        TARGET.min_score,
        TARGET.max_average_sentence,
        TARGET.max_sentence,
        range(true, Lang::Nl),
        range(true, Lang::En),
        range(false, Lang::Nl),
        range(false, Lang::En),
        above,
        figures.len()
    )
}

/// The figures as a table for people (`check --readability`).
pub fn readability_table(figures: &[TextFigures]) -> String {
    use fmt::Write as _;
    let mut out = String::from(
        "text                          lang  score  words  avg/sentence  longest  long words\n",
    );
    for t in figures {
        let f = &t.figures;
        let _ = writeln!(
            out,
            "{:<30} {:<4} {:>6} {:>6} {:>13.1} {:>8}  {:.0}%{}",
            t.name,
            t.lang.code(),
            f.score.map_or("-".to_string(), |s| format!("{s:.1}")),
            f.words,
            f.average_sentence,
            f.longest_words,
            f.long_share * 100.0,
            if t.within_target() {
                ""
            } else {
                "  ← above target"
            }
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// Sign-off

/// Words in `reviewed_by` that say the entry is a draft nobody has signed off yet.
pub const DRAFT_MARKERS: &[&str] = &["concept", "draft", "to be reviewed", "nog te beoordelen"];

/// The entries no clinician has signed off: no `reviewed_by`, or one that says it is a
/// draft ("concept, to be reviewed by the department").
pub fn unreviewed(faq: &Faq) -> Vec<String> {
    faq.entries
        .iter()
        .filter(|e| match &e.reviewed_by {
            None => true,
            Some(by) => {
                let by = text::fold(by);
                by.trim().is_empty() || DRAFT_MARKERS.iter().any(|m| by.contains(m))
            }
        })
        .map(|e| e.id.clone())
        .collect()
}

/// `check`'s one line about sign-off; `None` when every entry is signed off.
pub fn unreviewed_line(dir: &Path, faq_entries: usize, unreviewed: &[String]) -> Option<String> {
    (!unreviewed.is_empty()).then(|| {
        format!(
            "{}: not signed off by a clinician yet: {} of {} entries ({}); their reviewed_by \
             says concept or names nobody. A clinician checks each against the leaflet, then \
             writes their name in reviewed_by and the date in reviewed_on (docs/staff-guide.md: \"Signing \
             off\")",
            dir.display(),
            unreviewed.len(),
            faq_entries,
            unreviewed.join(", ")
        )
    })
}

// ---------------------------------------------------------------------------------------
// Positions (the edge supplies the files' text)

/// Fills in line and column of each warning from its file's text (`read` returns `None`
/// for a file it cannot read; those warnings keep no position), then sorts the warnings by
/// file and position. A list item is placed on its own line; a field that is not in the
/// file (a missing `reviewed_on`) at its table, or at 1:1 like the loader's errors.
pub fn place(warnings: &mut [Warning], read: impl Fn(&Path) -> Option<String>) {
    let mut files: HashMap<PathBuf, BTreeMap<String, (usize, usize)>> = HashMap::new();
    for w in warnings.iter_mut() {
        let Some(field) = &w.field else { continue };
        let positions = files.entry(w.file.clone()).or_insert_with(|| {
            read(&w.file).map_or_else(BTreeMap::new, |text| diagnostics::field_positions(&text))
        });
        if positions.is_empty() {
            continue;
        }
        let mut key = match w.item {
            Some(i) => format!("{field}[{i}]"),
            None => field.clone(),
        };
        (w.line, w.column) = loop {
            if let Some(&at) = positions.get(&key) {
                break at;
            }
            match key.rfind(['.', '[']) {
                Some(cut) => key.truncate(cut),
                None => break (1, 1),
            }
        };
    }
    // Stable: warnings at one place keep the order they were found in.
    warnings.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

// ---------------------------------------------------------------------------------------
// Output

/// `check`'s output for people: errors, then warnings, then a one-line summary.
/// `loaded` is the number of entries and fixed texts when the FAQ loaded.
/// What `check` found besides errors and warnings, for its output.
#[derive(Debug, Default)]
pub struct Status {
    /// The number of entries and fixed texts, when the FAQ loaded.
    pub loaded: Option<(usize, usize)>,
    /// Entries not signed off by a clinician ([`unreviewed`]).
    pub unreviewed: Vec<String>,
    /// Readability figures of every answer and text ([`readability_of`]).
    pub figures: Vec<TextFigures>,
    /// Print the figures as a table too (`check --readability`).
    pub table: bool,
}

pub fn to_text(dir: &Path, errors: &[LoadError], warnings: &[Warning], status: &Status) -> String {
    let loaded = status.loaded;
    use fmt::Write as _;
    let mut out = String::new();
    for e in errors {
        let _ = write_finding(
            &mut out,
            &e.file,
            e.line,
            e.column,
            "error",
            e.field.as_deref(),
            &e.message,
        );
        out.push('\n');
    }
    for w in warnings {
        let _ = writeln!(out, "{w}");
    }
    if status.table && !status.figures.is_empty() {
        out.push_str(&readability_table(&status.figures));
    }
    if !status.figures.is_empty() {
        let _ = writeln!(
            out,
            "{}: {}",
            dir.display(),
            readability_summary(&status.figures)
        );
    }
    if let Some((entries, _)) = loaded
        && let Some(line) = unreviewed_line(dir, entries, &status.unreviewed)
    {
        let _ = writeln!(out, "{line}");
    }
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let _ = match (errors.len(), warnings.len(), loaded) {
        (0, 0, Some((entries, texts))) => writeln!(
            out,
            "{}: OK, {entries} entries and {texts} fixed texts, no warnings",
            dir.display()
        ),
        (0, w, Some((entries, texts))) => writeln!(
            out,
            "{}: OK, {entries} entries and {texts} fixed texts, {}: the FAQ can be \
             published, but please look at them",
            dir.display(),
            plural(w, "warning")
        ),
        (e, _, _) => writeln!(
            out,
            "{}: {}: the bot cannot use this FAQ until they are fixed \
             (warnings are checked once there are no errors)",
            dir.display(),
            plural(e.max(1), "error")
        ),
    };
    out
}

/// An error in the JSON output: the same fields as a [`Warning`], with kind `error`.
#[derive(Serialize)]
struct ErrorRow<'a> {
    #[serde(serialize_with = "path")]
    file: &'a Path,
    #[serde(serialize_with = "position")]
    line: usize,
    #[serde(serialize_with = "position")]
    column: usize,
    field: Option<&'a str>,
    kind: &'static str,
    message: &'a str,
}

/// `check --format json`: `{"ok": bool, "errors": […], "warnings": […], "unreviewed": […],
/// "readability": […]}`, each error and warning with `file`, `line`, `column`, `field`,
/// `kind` and `message` (`line`/`column` null without a place). `ok` is true when there are
/// no errors; warnings do not make it false.
pub fn to_json(errors: &[LoadError], warnings: &[Warning], status: &Status) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        ok: bool,
        errors: Vec<ErrorRow<'a>>,
        warnings: &'a [Warning],
        unreviewed: &'a [String],
        readability: &'a [TextFigures],
    }
    let errors: Vec<ErrorRow<'_>> = errors
        .iter()
        .map(|e| ErrorRow {
            file: &e.file,
            line: e.line,
            column: e.column,
            field: e.field.as_deref(),
            kind: "error",
            message: &e.message,
        })
        .collect();
    let report = Report {
        ok: errors.is_empty(),
        errors,
        warnings,
        unreviewed: &status.unreviewed,
        readability: &status.figures,
    };
    // Strings, numbers and string-keyed structs only: serialising cannot fail.
    serde_json::to_string(&report).expect("a check report serialises")
}

// ---------------------------------------------------------------------------------------
// Dates

/// `YYYY-MM-DD` (the loader has checked it is a real day).
fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Some((y, m, d))
}

/// Days since 1970-01-01 of a date ([`crate::time`]).
fn days_from_civil((y, m, d): Date) -> i64 {
    crate::time::days_from_civil(i64::from(y), m, d)
}

/// The date `days` days after 1970-01-01: how the CLI turns the system clock into `today`.
pub fn date_from_unix_days(days: i64) -> Date {
    let (y, m, d) = crate::time::civil_from_days(days);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        let table = [
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (11_016, (2000, 2, 29)),
            (20_513, (2026, 3, 1)),
            (20_782, (2026, 11, 25)),
        ];
        for (days, date) in table {
            assert_eq!(date_from_unix_days(days), date, "{days}");
            assert_eq!(days_from_civil(date), days, "{date:?}");
        }
        for days in -1000..30_000 {
            assert_eq!(days_from_civil(date_from_unix_days(days)), days);
        }
    }

    #[test]
    fn placeholders_are_found_in_braces_only() {
        assert_eq!(
            placeholders_in("van {value} {unit}; {pmol} pmol/L"),
            ["{value}", "{unit}", "{pmol}"]
        );
        assert_eq!(placeholders_in("{valeu}{ unit } {} {"), ["{valeu}"]);
        assert!(placeholders_in("geen {accolades hier}").is_empty());
    }

    #[test]
    fn questions_are_compared_without_case_accents_or_punctuation() {
        assert_eq!(
            normalise("Wat is Vitamine B-12?"),
            normalise("wat is vitamine b12")
        );
        assert_eq!(
            normalise("Hoe zit het met cafeïne…"),
            "hoe zit het met cafeine"
        );
    }
}
