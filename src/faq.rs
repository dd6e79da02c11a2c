//! The FAQ: TOML schema, loading a folder, validation with file:line:column errors.
//!
//! One entry per file (`faq/<id>.toml`), plus `faq/texts.toml` with the fixed texts
//! (greeting, GP referral, no-match, urgent advice, value explanations) in both languages.

//!
//! Staff who are not programmers edit these files, and a bad edit must never take the bot
//! down: [`load_dir`] either returns a complete, validated [`Faq`] or *every* problem it
//! found, each with `file:line:column`, the field, and a plain-language message — so the
//! caller can keep serving the previous FAQ and show staff the whole list at once.
//!
//! Why the loader walks a spanned TOML tree ([`toml::de::DeTable`]) instead of deriving
//! `Deserialize` on raw structs: serde stops at the first problem in a file (an unknown
//! field, a wrong type), and its messages are written for programmers. Walking the tree
//! ourselves lets one pass report every problem in a file with the exact position of the
//! key or value, in words staff understand.

use crate::diagnostics::join;
use crate::safety::RedFlags;
use crate::text::Lang;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedList {
    #[serde(default)]
    pub nl: Vec<String>,
    #[serde(default)]
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
    "urgent_112",
    "urgent_huisartsenpost",
    "urgent_112_huisartsenpost",
    "urgent_113",
    "urgent_also_113",
    "safety_net",
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
    "value_other_unit",
    "value_other_lab",
    "value_table_other_lab",
    "test_active_b12",
    "test_mma",
    "test_homocysteine",
    "test_folate",
    "test_ferritin",
    "test_haemoglobin",
    "test_iron",
    "test_other_vitamin",
];

/// A loaded, validated FAQ.
#[derive(Debug, Clone, Default)]
pub struct Faq {
    /// In file-name order.
    pub entries: Vec<Entry>,
    pub texts: Texts,
    /// Groups of words patients use for the same thing (`synonyms.toml`, optional).
    pub synonyms: Vec<Vec<String>>,
    /// Jargon and internal words, with plain words for them (`glossary.toml`, optional).
    pub glossary: Glossary,
    /// The red flags (`red-flags.toml`), compiled and checked against their own examples.
    pub red_flags: RedFlags,
    /// Who reviewed the red flags, and when (from `red-flags.toml`).
    pub red_flags_review: Option<crate::red_flags::Review>,
    /// Labelled whole messages for the encoder's second opinion on emergencies: every
    /// category's examples and near-misses, and `red-flag-neighbours.toml` (optional).
    pub red_flag_neighbours: crate::red_flag_neighbours::Neighbours,
    /// Who reviewed `red-flag-neighbours.toml`, and when (when the folder has it).
    pub red_flag_neighbours_review: Option<crate::red_flags::Review>,
    /// What the bot must not answer (`out-of-scope.toml`, optional).
    pub out_of_scope: Vec<OutOfScope>,
    /// Examples of thanks, goodbyes, greetings and asking for a person
    /// (`conversation.toml`, optional).
    pub conversation: Conversation,
}

/// Terms per language, each with a text for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    #[serde(default)]
    pub nl: BTreeMap<String, String>,
    #[serde(default)]
    pub en: BTreeMap<String, String>,
}

impl Terms {
    pub fn get(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Nl => &self.nl,
            Lang::En => &self.en,
        }
    }
}

/// The staff's glossary (`glossary.toml`): words patients may not know, and words that are
/// the hospital's own. `b12bot check` warns about both in patient texts; the explanations
/// are part of the FAQ the engine answers from.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    /// Jargon a patient text must explain where it first uses it (or replace): term →
    /// plain explanation.
    #[serde(default)]
    pub explain: Terms,
    /// Internal words that do not belong in a patient text: word → what to write instead.
    #[serde(default)]
    pub avoid: Terms,
}

impl Glossary {
    /// The plain explanation of `term` in `lang`, if the glossary has it (case and accents
    /// ignored).
    pub fn explanation(&self, term: &str, lang: Lang) -> Option<&str> {
        let folded = crate::text::fold(term.trim());
        self.explain
            .get(lang)
            .iter()
            .find(|(t, _)| crate::text::fold(t) == folded)
            .map(|(_, e)| e.as_str())
    }
}

impl Faq {
    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// `text` with each `{name}` (letters, digits, `_`) for which `fill` returns a text replaced
/// by it; other braces stay as written. How placeholders are found everywhere: the engine
/// fills in included texts, the readability check blanks out the code's own placeholders.
pub fn replace_placeholders(text: &str, mut fill: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        match (!name.is_empty() && after[len..].starts_with('}'))
            .then(|| fill(name))
            .flatten()
        {
            Some(filled) => {
                out.push_str(&filled);
                rest = &after[len + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name of the file with the fixed texts; every other `*.toml` file is an entry.
pub const TEXTS_FILE: &str = "texts.toml";

/// The red flags: triage categories, their concepts, rules and examples (required).
pub const RED_FLAGS_FILE: &str = "red-flags.toml";

/// The optional file of synonym groups: `groups = [["verwijzen", "sturen"], …]`.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// The optional glossary: `[explain.nl]`, `[explain.en]`, `[avoid.nl]`, `[avoid.en]`, each
/// with `"term" = "text"` lines.
pub const GLOSSARY_FILE: &str = "glossary.toml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    groups: Vec<Vec<String>>,
}

/// The optional file of things the bot must not answer: `[[topic]]` tables with an `id` and
/// example messages in `nl` and `en`. A message nearer to these than to any FAQ entry gets
/// the no-match answer.
pub const OUT_OF_SCOPE_FILE: &str = "out-of-scope.toml";

/// The optional file of conversation examples: `[thanks]`, `[bye]`, `[greeting]` and
/// `[human]` (asking for a person), each with `nl` and `en` lists.
pub const CONVERSATION_FILE: &str = "conversation.toml";

/// One kind of thing the bot does not answer (`out-of-scope.toml`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutOfScope {
    pub id: String,
    #[serde(default)]
    pub nl: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    /// Words that name this subject ("fysiotherapie", "vitamine d", "parkeer*"): named in a
    /// question that does not name B12, they make it out of scope whatever else it shares
    /// with the FAQ. Patterns as [`crate::text::has_phrase`] reads them, stored folded.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The file it came from (set on load).
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OutOfScopeFile {
    topic: Vec<OutOfScope>,
}

/// Examples of what patients write that is not a question (`conversation.toml`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    #[serde(default)]
    pub thanks: LocalizedList,
    #[serde(default)]
    pub bye: LocalizedList,
    #[serde(default)]
    pub greeting: LocalizedList,
    #[serde(default)]
    pub human: LocalizedList,
}

impl Conversation {
    /// Each kind with its name.
    pub fn kinds(&self) -> [(&'static str, &LocalizedList); 4] {
        [
            ("thanks", &self.thanks),
            ("bye", &self.bye),
            ("greeting", &self.greeting),
            ("human", &self.human),
        ]
    }
}

/// Checks `out-of-scope.toml`; the topics, or none when it has problems (reported in `cx`).
fn check_out_of_scope(cx: &mut FileCheck<'_>, text: &str, path: &Path) -> Vec<OutOfScope> {
    let f = match toml::from_str::<OutOfScopeFile>(text) {
        Ok(f) => f,
        Err(e) => {
            cx.shape_error(
                &e,
                None,
                "write [[topic]] tables, each with id = \"...\", nl = [\"...\"] and \
                     en = [\"...\"]",
            );
            return Vec::new();
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut topics = Vec::new();
    for (n, mut t) in f.topic.into_iter().enumerate() {
        let field = format!("topic[{n}]");
        if t.id.trim().is_empty() {
            cx.error(0, Some(&field), "a topic needs an id");
        } else if !seen.insert(t.id.clone()) {
            cx.error(
                0,
                Some(&field),
                format!("the id \"{}\" is used twice", t.id),
            );
        }
        for (lang, list) in [("nl", &t.nl), ("en", &t.en)] {
            if list.is_empty() {
                cx.error(
                    0,
                    Some(&format!("{field}.{lang}")),
                    format!("topic \"{}\" needs examples in {lang}", t.id),
                );
            }
            if list.iter().any(|q| q.trim().is_empty()) {
                cx.error(
                    0,
                    Some(&format!("{field}.{lang}")),
                    format!("topic \"{}\": an example is empty", t.id),
                );
            }
        }
        for (k, subject) in t.subjects.iter_mut().enumerate() {
            let folded = crate::text::fold(subject)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let field = format!("{field}.subjects[{k}]");
            let words = crate::text::tokens(&folded);
            let plain = |w: &str| {
                w == "~"
                    || (!w.is_empty() && w.trim_end_matches('*').chars().all(char::is_alphanumeric))
            };
            if words.is_empty() {
                cx.error(0, Some(&field), "a subject needs a word");
            } else if !folded.split(' ').all(plain) {
                cx.error(
                    0,
                    Some(&field),
                    format!(
                        "\"{subject}\": write words (letters and digits), a * at the end of \
                         a word for any ending, or ~ for up to three words between"
                    ),
                );
            } else if crate::intents::names_b12(&words) {
                cx.error(
                    0,
                    Some(&field),
                    format!(
                        "\"{subject}\" names B12 itself: questions with it would never be \
                         answered"
                    ),
                );
            }
            *subject = folded;
        }
        t.file = path.to_path_buf();
        topics.push(t);
    }
    topics
}

/// Checks `conversation.toml`.
fn check_conversation(cx: &mut FileCheck<'_>, text: &str) -> Conversation {
    let c = match toml::from_str::<Conversation>(text) {
        Ok(c) => c,
        Err(e) => {
            cx.shape_error(
                &e,
                None,
                "write [thanks], [bye], [greeting] and [human], each with nl = [\"...\"] \
                     and en = [\"...\"]",
            );
            return Conversation::default();
        }
    };
    for (kind, list) in c.kinds() {
        for (lang, l) in [("nl", &list.nl), ("en", &list.en)] {
            if l.iter().any(|q| q.trim().is_empty()) {
                cx.error(0, Some(&format!("{kind}.{lang}")), "an example is empty");
            }
        }
    }
    c
}

/// Telegram refuses messages longer than this (counted in characters, not bytes).
pub const MAX_ANSWER_CHARS: usize = 4096;

/// The fields an entry file may contain; anything else is a typo we point out.
const ENTRY_FIELDS: &[&str] = &[
    "id",
    "related",
    "source",
    "reviewed_by",
    "reviewed_on",
    "title",
    "questions",
    "keywords",
    "answer",
];

/// The language keys inside `[title]`, `[questions]`, `[keywords]`, `[answer]` and every
/// table of `texts.toml`.
const LANGS: &[&str] = &["nl", "en"];

// ---------------------------------------------------------------------------------------
// Errors

/// One problem in one FAQ file, for staff to fix.
///
/// `line` and `column` are 1-based (columns count characters, not bytes). They are 0 when
/// the problem has no place inside a file (a missing `texts.toml`, an unreadable folder);
/// `Display` then leaves the position out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The field, e.g. `answer.en`, when the problem belongs to one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    /// `faq/insurance.toml:12:3: answer.en: <message>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl LoadError {
    /// A problem with a whole file or folder, not with a place inside it.
    fn unplaced(file: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            field: None,
            message: message.into(),
        }
    }
}

/// Every problem found in one load, sorted by file and position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    /// One problem per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The edge: reading a folder

/// Loads and validates the FAQ folder `dir`: every `*.toml` file directly in it (sorted by
/// file name; sub-folders, hidden files and other files are ignored), one of which must be
/// [`TEXTS_FILE`].
///
/// Returns all problems of all files at once; a missing or unreadable folder is a problem
/// too. Nothing is half-loaded: on any problem the caller gets no `Faq` and should keep the
/// one it has.
pub fn load_dir(dir: &Path) -> Result<Faq, LoadErrors> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) => {
            let message = format!("cannot open the FAQ folder: {}", io_message(&e));
            return Err(LoadErrors(vec![LoadError::unplaced(dir, message)]));
        }
    };
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for item in listing {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                let message = format!("cannot list the FAQ folder: {}", io_message(&e));
                errors.push(LoadError::unplaced(dir, message));
                continue;
            }
        };
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        // Hidden files include editor leftovers and macOS `._name.toml` resource forks,
        // which are binary and would otherwise read as broken entries.
        if !name.ends_with(".toml") || name.starts_with('.') {
            continue;
        }
        let path = item.path();
        // `metadata` follows symlinks, so a linked file is read and a linked folder skipped.
        let content = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => std::fs::read(&path).map_err(|e| io_message(&e)),
            Err(e) => Err(io_message(&e)),
        };
        files.push((path, content));
    }
    check_files(Some(dir), files, errors)
}

/// An I/O error in words, without the OS error number.
fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "it does not exist".to_string(),
        ErrorKind::PermissionDenied => "no permission to read it".to_string(),
        ErrorKind::NotADirectory => "it is not a folder".to_string(),
        _ => e.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// The pure part

/// Validates FAQ files given as `(path, contents)`: the pure part of [`load_dir`], for
/// tests and benchmarks. The file named [`TEXTS_FILE`] holds the fixed texts; every other
/// file is an entry whose id must equal its file name without extension. Files are
/// processed in path order, whatever order they are given in.
pub fn from_files(files: Vec<(PathBuf, Vec<u8>)>) -> Result<Faq, LoadErrors> {
    let files = files.into_iter().map(|(p, b)| (p, Ok(b))).collect();
    check_files(None, files, Vec::new())
}

/// What one entry file contributed, kept for the checks that need all files (duplicate
/// ids, `related`), even when the file itself had problems.
struct EntryFile {
    path: PathBuf,
    /// The file name without `.toml`.
    stem: String,
    /// The id as written, with its position.
    id: Option<Placed>,
    /// The `related` ids as written, with their positions.
    related: Vec<Placed>,
    /// The validated entry, when the file had no problems of its own.
    entry: Option<Entry>,
}

/// A value with its 1-based line and column.
struct Placed {
    value: String,
    line: usize,
    column: usize,
}

fn check_files(
    dir: Option<&Path>,
    mut files: Vec<(PathBuf, Result<Vec<u8>, String>)>,
    mut errors: Vec<LoadError>,
) -> Result<Faq, LoadErrors> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => files
            .first()
            .and_then(|(path, _)| path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };

    let mut texts = None;
    let mut texts_seen = false;
    let mut synonyms: Vec<Vec<String>> = Vec::new();
    let mut glossary = Glossary::default();
    let mut entries: Vec<EntryFile> = Vec::new();
    let mut red_flags = None;
    let mut red_flags_seen = false;
    let mut out_of_scope = Vec::new();
    let mut conversation = Conversation::default();
    let mut neighbours_file = None;
    for (path, content) in &files {
        if path.file_name() == Some(OsStr::new(crate::red_flag_neighbours::FILE)) {
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                match &root.table {
                    Ok(table) => {
                        let checked =
                            crate::red_flag_neighbours::check(&mut cx, root.text, table.get_ref());
                        if let Some(mut checked) = checked {
                            checked.review.file = path.clone();
                            neighbours_file = Some((path, root.text, checked));
                        }
                    }
                    Err(e) => cx.syntax_error(e),
                }
                errors.extend(cx.errors);
            }
            continue;
        }
        if path.file_name() == Some(OsStr::new(OUT_OF_SCOPE_FILE)) {
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                out_of_scope = check_out_of_scope(&mut cx, root.text, path);
                errors.extend(cx.errors);
            }
            continue;
        }
        if path.file_name() == Some(OsStr::new(CONVERSATION_FILE)) {
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                conversation = check_conversation(&mut cx, root.text);
                errors.extend(cx.errors);
            }
            continue;
        }
        let is_texts = path.file_name() == Some(OsStr::new(TEXTS_FILE));
        texts_seen |= is_texts;
        if path.file_name() == Some(OsStr::new(GLOSSARY_FILE)) {
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                match toml::from_str::<Glossary>(root.text) {
                    Ok(g) => {
                        for (part, terms) in [("explain", &g.explain), ("avoid", &g.avoid)] {
                            for (lang, map) in [("nl", &terms.nl), ("en", &terms.en)] {
                                for (term, text) in map {
                                    if term.trim().is_empty() || text.trim().is_empty() {
                                        cx.error(
                                            0,
                                            Some(&format!("{part}.{lang}")),
                                            format!(
                                                "\"{term}\": both the term and its text must \
                                                 be filled in: \"term\" = \"plain words\""
                                            ),
                                        );
                                    }
                                }
                            }
                        }
                        glossary = g;
                    }
                    Err(e) => cx.shape_error(
                        &e,
                        None,
                        "write [explain.nl] and then lines \"term\" = \"plain \
                             explanation\" (also [explain.en], [avoid.nl], [avoid.en])",
                    ),
                }
                errors.extend(cx.errors);
            }
            continue;
        }
        if path.file_name() == Some(OsStr::new(RED_FLAGS_FILE)) {
            red_flags_seen = true;
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                match &root.table {
                    Ok(table) => {
                        red_flags = crate::red_flags::check(&mut cx, table.get_ref()).map(
                            |(flags, review, labelled)| {
                                let file = path.clone();
                                (flags, crate::red_flags::Review { file, ..review }, labelled)
                            },
                        )
                    }
                    Err(e) => cx.syntax_error(e),
                }
                errors.extend(cx.errors);
            }
            continue;
        }
        if path.file_name() == Some(OsStr::new(SYNONYMS_FILE)) {
            if let Some(root) = parse_file(path, content, &mut errors) {
                let mut cx = FileCheck::new(path, root.text);
                match toml::from_str::<SynonymsFile>(root.text) {
                    Ok(f) => {
                        for (n, g) in f.groups.into_iter().enumerate() {
                            if g.len() < 2 || g.iter().any(|w| w.trim().is_empty()) {
                                cx.error(
                                    0,
                                    Some("groups"),
                                    format!(
                                        "group {} needs at least two words, none of them empty",
                                        n + 1
                                    ),
                                );
                            }
                            synonyms.push(g);
                        }
                    }
                    Err(e) => cx.shape_error(
                        &e,
                        Some("groups"),
                        "write groups = [[\"word\", \"same word\"], …]",
                    ),
                }
                errors.extend(cx.errors);
            }
            continue;
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut file = EntryFile {
            path: path.clone(),
            stem,
            id: None,
            related: Vec::new(),
            entry: None,
        };
        if let Some(root) = parse_file(path, content, &mut errors) {
            let mut cx = FileCheck::new(path, root.text);
            match &root.table {
                Ok(table) if is_texts => texts = cx.texts(table.get_ref()),
                Ok(table) => cx.entry(table.get_ref(), &mut file),
                Err(e) => cx.syntax_error(e),
            }
            errors.extend(cx.errors);
        }
        if !is_texts {
            entries.push(file);
        }
    }

    if !texts_seen {
        errors.push(LoadError::unplaced(
            &dir.join(TEXTS_FILE),
            format!(
                "{TEXTS_FILE} is missing; the FAQ folder needs it for the fixed texts ({} …)",
                REQUIRED_TEXTS[..3].join(", ")
            ),
        ));
    }
    if !red_flags_seen {
        errors.push(LoadError::unplaced(
            &dir.join(RED_FLAGS_FILE),
            format!(
                "{RED_FLAGS_FILE} is missing; the FAQ folder needs it: without it the bot cannot \
                 recognise emergencies"
            ),
        ));
    }
    if entries.is_empty() {
        let folder = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        };
        errors.push(LoadError::unplaced(
            folder,
            "the FAQ folder has no entries; add one <id>.toml file per topic",
        ));
    }
    check_ids(&entries, &mut errors);
    let mut neighbours_review = None;
    if let (Some((flags, _, labelled)), Some((path, text, checked))) =
        (red_flags.as_mut(), neighbours_file)
    {
        let mut cx = FileCheck::new(path, text);
        neighbours_review = Some(checked.review.clone());
        let own = crate::red_flag_neighbours::resolve(&mut cx, checked, flags);
        errors.extend(cx.errors);
        labelled.urgent.extend(own.urgent);
        labelled.calm.extend(own.calm);
        labelled.nearest = own.nearest;
        labelled.margin = own.margin;
    }

    if !errors.is_empty() {
        // Stable: problems at the same place keep the order they were found in.
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(LoadErrors(errors));
    }
    Ok(Faq {
        entries: entries.into_iter().filter_map(|f| f.entry).collect(),
        texts: texts.unwrap_or_default(),
        synonyms,
        glossary,
        red_flags_review: red_flags.as_ref().map(|(_, review, _)| review.clone()),
        red_flag_neighbours_review: neighbours_review,
        red_flag_neighbours: red_flags
            .as_ref()
            .map(|(_, _, labelled)| labelled.clone())
            .unwrap_or_default(),
        red_flags: red_flags.map(|(flags, _, _)| flags).unwrap_or_default(),
        out_of_scope,
        conversation,
    })
}

/// A file decoded and parsed as far as it goes.
pub(crate) struct Parsed<'a> {
    text: &'a str,
    table: Result<Spanned<DeTable<'a>>, toml::de::Error>,
}

/// Parses a TOML document; on syntax errors, returns the one that comes first in the file.
/// (`DeTable::parse` returns the first one *found*, which for a `"…"` string broken over
/// two lines is a confusing consequence on the next line rather than the slip itself.)
fn parse_toml(text: &str) -> Result<Spanned<DeTable<'_>>, toml::de::Error> {
    let (table, errors) = DeTable::parse_recoverable(text);
    match errors
        .into_iter()
        .min_by_key(|e| e.span().map_or(0, |span| span.start))
    {
        Some(first) => Err(first),
        None => Ok(table),
    }
}

/// Decodes `content` as UTF-8 and parses it as TOML; an unreadable or non-UTF-8 file is
/// reported here (a TOML syntax error is reported by the caller, who has the positions).
pub(crate) fn parse_file<'a>(
    path: &Path,
    content: &'a Result<Vec<u8>, String>,
    errors: &mut Vec<LoadError>,
) -> Option<Parsed<'a>> {
    let bytes = match content {
        Ok(bytes) => bytes,
        Err(message) => {
            errors.push(LoadError::unplaced(
                path,
                format!("cannot read the file: {message}"),
            ));
            return None;
        }
    };
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(Parsed {
            text,
            table: parse_toml(text),
        }),
        Err(e) => {
            let good = e.valid_up_to();
            // The prefix before the bad byte is valid UTF-8, so positions can be counted in it.
            let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
            let mut cx = FileCheck::new(path, prefix);
            cx.error(
                good,
                None,
                format!(
                    "the file is not valid UTF-8 text (byte 0x{:02X} here); \
                     save it with the encoding UTF-8 in your editor",
                    bytes[good]
                ),
            );
            errors.extend(cx.errors);
            None
        }
    }
}

/// The checks across files: every id once, every `related` id known and not the entry
/// itself.
fn check_ids(entries: &[EntryFile], errors: &mut Vec<LoadError>) {
    // A file whose id could not be read (syntax error, id missing, id ≠ file name) is
    // already reported; counting its file name as known keeps references to it from adding
    // a second, misleading "unknown id" problem elsewhere.
    let known: BTreeSet<&str> = entries
        .iter()
        .flat_map(|f| {
            [
                Some(f.stem.as_str()),
                f.id.as_ref().map(|p| p.value.as_str()),
            ]
        })
        .flatten()
        .collect();

    let mut first: HashMap<&str, &EntryFile> = HashMap::new();
    for file in entries {
        let Some(id) = &file.id else { continue };
        match first.get(id.value.as_str()) {
            Some(earlier) => {
                let earlier_line = earlier.id.as_ref().map_or(1, |p| p.line);
                errors.push(LoadError {
                    file: file.path.clone(),
                    line: id.line,
                    column: id.column,
                    field: Some("id".into()),
                    message: format!(
                        "the id \"{}\" is already used by {} (line {earlier_line}); \
                         every entry needs its own id",
                        id.value,
                        earlier.path.display()
                    ),
                });
            }
            None => {
                first.insert(&id.value, file);
            }
        }
    }

    for file in entries {
        let own = file
            .id
            .as_ref()
            .map_or(file.stem.as_str(), |p| p.value.as_str());
        for item in &file.related {
            let message = if item.value == own {
                format!("an entry cannot be related to itself; remove \"{own}\" from related")
            } else if !known.contains(item.value.as_str()) {
                let others = known.iter().copied().filter(|k| *k != own);
                match closest(&item.value, others) {
                    Some(best) => format!(
                        "no entry has the id \"{}\"; did you mean \"{best}\"?",
                        item.value
                    ),
                    None => format!(
                        "no entry has the id \"{}\"; use the id of another entry (its file name without .toml)",
                        item.value
                    ),
                }
            } else {
                continue;
            };
            errors.push(LoadError {
                file: file.path.clone(),
                line: item.line,
                column: item.column,
                field: Some("related".into()),
                message,
            });
        }
    }
}

use crate::diagnostics::closest;

// ---------------------------------------------------------------------------------------
// Checking one file

/// Checks one parsed file and collects its problems with positions.
pub(crate) struct FileCheck<'a> {
    path: &'a Path,
    lines: crate::diagnostics::Lines<'a>,
    pub(crate) errors: Vec<LoadError>,
}

/// A value in the parsed file, with its byte span.
pub(crate) type Value<'t, 'i> = &'t Spanned<DeValue<'i>>;

impl<'a> FileCheck<'a> {
    pub(crate) fn new(path: &'a Path, text: &'a str) -> FileCheck<'a> {
        FileCheck {
            path,
            lines: crate::diagnostics::Lines::new(text),
            errors: Vec::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        self.lines.position(offset)
    }

    fn placed(&self, value: &str, offset: usize) -> Placed {
        let (line, column) = self.position(offset);
        Placed {
            value: value.to_string(),
            line,
            column,
        }
    }

    pub(crate) fn error(&mut self, offset: usize, field: Option<&str>, message: impl Into<String>) {
        let (line, column) = self.position(offset);
        self.errors.push(LoadError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: field.map(str::to_string),
            message: message.into(),
        });
    }

    /// A problem with the file as a whole (e.g. a missing top-level field): position 1:1.
    pub(crate) fn file_error(&mut self, field: &str, message: impl Into<String>) {
        self.error(0, Some(field), message);
    }

    /// A file that is valid TOML but not of the expected shape: serde's message at its place,
    /// then `how` the file should be written.
    pub(crate) fn shape_error(&mut self, e: &toml::de::Error, field: Option<&str>, how: &str) {
        let offset = e.span().map_or(0, |span| span.start);
        self.error(offset, field, format!("{}; {how}", e.message()));
    }

    pub(crate) fn syntax_error(&mut self, e: &toml::de::Error) {
        let offset = e.span().map_or(0, |span| span.start);
        let said = e.message().trim();
        let message = match syntax_hint(said) {
            Some(hint) => format!("{hint} (TOML syntax error: {said})"),
            None => format!("TOML syntax error: {said}"),
        };
        self.error(offset, None, message);
    }

    /// Reports every key of `table` not in `allowed`, suggesting the closest allowed one.
    /// `prefix` is the table's name (`""` for the top level); `top_level` are the fields
    /// that belong at the top of the file, for the hint when one slipped into a table.
    pub(crate) fn unknown_keys(
        &mut self,
        table: &DeTable<'_>,
        prefix: &str,
        allowed: &[&str],
        top_level: &[&str],
    ) {
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let field = join(prefix, name);
            let mut message = format!("unknown field \"{name}\"");
            if !prefix.is_empty() && top_level.contains(&name) {
                // The classic TOML slip: a top-level line written below a [table] header
                // belongs to that table.
                message.push_str(&format!(
                    " in [{prefix}]; \"{name}\" belongs at the top of the file, \
                     above the first [table] line"
                ));
            } else if let Some(best) = closest(name, allowed.iter().copied()) {
                message.push_str(&format!("; did you mean \"{best}\"?"));
            } else {
                message.push_str(&format!("; allowed here: {}", allowed.join(", ")));
            }
            self.error(key.span().start, Some(&field), message);
        }
    }

    /// A string value: text in quotes, not blank. Line endings are normalised to `\n` and
    /// surrounding whitespace trimmed, so what is checked is what gets sent.
    pub(crate) fn string(&mut self, value: Value<'_, '_>, field: &str) -> Option<String> {
        let DeValue::String(s) = value.get_ref() else {
            self.wrong_type(value, field, "text in quotes, like \"…\"");
            return None;
        };
        let s = s.replace("\r\n", "\n").trim().to_string();
        if s.is_empty() {
            self.error(
                value.span().start,
                Some(field),
                "is empty; write the text between the quotes",
            );
            return None;
        }
        Some(s)
    }

    pub(crate) fn wrong_type(&mut self, value: Value<'_, '_>, field: &str, expected: &str) {
        let message = format!("must be {expected}, but is {}", type_name(value));
        self.error(value.span().start, Some(field), message);
    }

    /// A list of non-blank strings; `noun` names one item in messages ("question").
    pub(crate) fn string_list(
        &mut self,
        value: Value<'_, '_>,
        field: &str,
        noun: &str,
        required: bool,
    ) -> Option<Vec<Spanned<String>>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                value,
                field,
                &format!("a list of {noun}s in quotes, like [\"…\", \"…\"]"),
            );
            return None;
        };
        if required && items.is_empty() {
            self.error(
                value.span().start,
                Some(field),
                format!("the list is empty; give at least one {noun}"),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.error(
                        item.span().start,
                        Some(field),
                        format!("{noun} {} is empty; remove it or fill it in", i + 1),
                    );
                    ok = false;
                }
                DeValue::String(s) => {
                    let s = s.replace("\r\n", "\n").trim().to_string();
                    out.push(Spanned::new(item.span(), s));
                }
                _ => {
                    let message = format!(
                        "{noun} {} must be text in quotes, but is {}",
                        i + 1,
                        type_name(item)
                    );
                    self.error(item.span().start, Some(field), message);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A `[name]` table with `nl` / `en`: returns it with the offset to report a missing
    /// language at. A missing table is reported at 1:1 when `required`.
    fn lang_table<'t, 'i>(
        &mut self,
        root: &'t DeTable<'i>,
        name: &str,
        required: bool,
        what: &str,
    ) -> Option<(&'t DeTable<'i>, usize)> {
        let Some(value) = root.get(name) else {
            if required {
                self.file_error(
                    name,
                    format!(
                        "missing; every entry needs the table [{name}] with {what} in nl and en"
                    ),
                );
            }
            return None;
        };
        let DeValue::Table(table) = value.get_ref() else {
            self.wrong_type(
                value,
                name,
                &format!("a table: a line [{name}] followed by nl = … and en = … lines"),
            );
            return None;
        };
        self.unknown_keys(table, name, LANGS, ENTRY_FIELDS);
        Some((table, value.span().start))
    }

    /// The value for `lang` in a language table; a missing one is reported at the table.
    fn lang_value<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        at: usize,
        name: &str,
        lang: &str,
        required: bool,
    ) -> Option<Value<'t, 'i>> {
        let value = table.get(lang);
        if value.is_none() && required {
            let language = if lang == "nl" { "Dutch" } else { "English" };
            self.error(
                at,
                Some(&join(name, lang)),
                format!("the {language} text is missing; add a line {lang} = \"…\" in [{name}]"),
            );
        }
        value
    }

    fn localized(&mut self, root: &DeTable<'_>, name: &str, what: &str) -> Option<Localized> {
        let (table, at) = self.lang_table(root, name, true, what)?;
        let mut get = |lang: &str| {
            let value = self.lang_value(table, at, name, lang, true)?;
            let field = join(name, lang);
            let text = self.string(value, &field)?;
            let chars = text.chars().count();
            if name == "answer" && chars > MAX_ANSWER_CHARS {
                self.error(
                    value.span().start,
                    Some(&field),
                    format!(
                        "the answer is {chars} characters long, but Telegram allows at most \
                         {MAX_ANSWER_CHARS}; shorten it by at least {} characters",
                        chars - MAX_ANSWER_CHARS
                    ),
                );
                return None;
            }
            Some(text)
        };
        let nl = get("nl");
        let en = get("en");
        Some(Localized { nl: nl?, en: en? })
    }

    fn localized_list(
        &mut self,
        root: &DeTable<'_>,
        name: &str,
        noun: &str,
        required: bool,
    ) -> Option<LocalizedList> {
        let Some((table, at)) = self.lang_table(root, name, required, &format!("{noun}s")) else {
            // An optional table that is absent is fine; a broken one is already reported.
            return (!required && root.get(name).is_none()).then(LocalizedList::default);
        };
        let mut get = |lang: &str| match self.lang_value(table, at, name, lang, required) {
            None => Some(Vec::new()),
            Some(value) => Some(
                self.string_list(value, &join(name, lang), noun, required)?
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            ),
        };
        let nl = get("nl");
        let en = get("en");
        Some(LocalizedList { nl: nl?, en: en? })
    }

    /// Checks one entry file; fills in `file` with what the checks across files need.
    fn entry(&mut self, root: &DeTable<'_>, file: &mut EntryFile) {
        let before = self.errors.len();
        self.unknown_keys(root, "", ENTRY_FIELDS, &[]);

        let id = match root.get("id") {
            None => {
                self.file_error(
                    "id",
                    format!(
                        "missing; add id = \"{}\" (the file name without .toml)",
                        file.stem
                    ),
                );
                None
            }
            Some(value) => self.string(value, "id").map(|id| (id, value.span().start)),
        };
        if let Some((id, at)) = &id {
            if !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                self.error(
                    *at,
                    Some("id"),
                    format!(
                        "\"{id}\" is not a valid id; use only lowercase letters a-z, digits 0-9 and '-'"
                    ),
                );
            }
            if *id != file.stem {
                self.error(
                    *at,
                    Some("id"),
                    format!(
                        "the id \"{id}\" does not match the file name \"{}.toml\"; they must \
                         be the same (rename the file to \"{id}.toml\" or change the id)",
                        file.stem
                    ),
                );
            }
            file.id = Some(self.placed(id, *at));
        }

        let related = match root.get("related") {
            None => {
                self.file_error(
                    "related",
                    "missing; add related = [\"…\"] with the ids of related entries, or related = [] for none",
                );
                None
            }
            Some(value) => self.string_list(value, "related", "id", false),
        };
        if let Some(related) = &related {
            file.related = related
                .iter()
                .map(|r| self.placed(r.get_ref(), r.span().start))
                .collect();
        }

        let source = match root.get("source") {
            None => {
                self.file_error(
                    "source",
                    "missing; add source = \"…\" naming where the answer's facts come from",
                );
                None
            }
            Some(value) => self.string(value, "source"),
        };

        let reviewed_by = match root.get("reviewed_by") {
            Some(value) if !is_blank(value) => self.string(value, "reviewed_by").map(Some),
            _ => Some(None),
        };
        let reviewed_on = match root.get("reviewed_on") {
            Some(value) if !is_blank(value) => self.date(value, "reviewed_on").map(Some),
            _ => Some(None),
        };

        let title = self.localized(root, "title", "the topic's title");
        let questions = self.localized_list(root, "questions", "question", true);
        let keywords = self.localized_list(root, "keywords", "keyword", false);
        let answer = self.localized(root, "answer", "the answer");

        if self.errors.len() > before {
            return;
        }
        // No problem reported means every part is present; `?`-style bail-outs above only
        // happen together with a reported problem.
        if let (
            Some((id, _)),
            Some(related),
            Some(source),
            Some(reviewed_by),
            Some(reviewed_on),
            Some(title),
            Some(questions),
            Some(keywords),
            Some(answer),
        ) = (
            id,
            related,
            source,
            reviewed_by,
            reviewed_on,
            title,
            questions,
            keywords,
            answer,
        ) {
            file.entry = Some(Entry {
                id,
                title,
                questions,
                keywords,
                answer,
                related: related.into_iter().map(Spanned::into_inner).collect(),
                source,
                reviewed_by,
                reviewed_on,
                file: self.path.to_path_buf(),
            });
        }
    }

    /// A date `YYYY-MM-DD`, written as text or as a TOML date.
    pub(crate) fn date(&mut self, value: Value<'_, '_>, field: &str) -> Option<String> {
        const EXPECTED: &str = "a date like 2026-11-25 (year-month-day)";
        let text = match value.get_ref() {
            DeValue::String(s) => s.trim().to_string(),
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
                _ => {
                    self.error(
                        value.span().start,
                        Some(field),
                        format!("must be only {EXPECTED}, without a time"),
                    );
                    return None;
                }
            },
            _ => {
                self.wrong_type(value, field, EXPECTED);
                return None;
            }
        };
        if !is_valid_date(&text) {
            self.error(
                value.span().start,
                Some(field),
                format!("\"{text}\" is not {EXPECTED}"),
            );
            return None;
        }
        Some(text)
    }

    /// Checks `texts.toml`: every table has non-blank `nl` and `en`; every key in
    /// [`REQUIRED_TEXTS`] is present. Staff may add texts of their own.
    fn texts(&mut self, root: &DeTable<'_>) -> Option<Texts> {
        let before = self.errors.len();
        let mut map = BTreeMap::new();
        for (key, value) in root.iter() {
            let name = key.get_ref().as_ref();
            let DeValue::Table(table) = value.get_ref() else {
                self.wrong_type(
                    value,
                    name,
                    &format!("a table: a line [{name}] followed by nl = \"…\" and en = \"…\""),
                );
                continue;
            };
            self.unknown_keys(table, name, LANGS, &[]);
            let at = value.span().start;
            let mut get = |lang: &str| {
                let value = self.lang_value(table, at, name, lang, true)?;
                self.string(value, &join(name, lang))
            };
            let nl = get("nl");
            let en = get("en");
            if let (Some(nl), Some(en)) = (nl, en) {
                map.insert(name.to_string(), Localized { nl, en });
            }
        }
        for required in REQUIRED_TEXTS {
            if root.get(*required).is_none() {
                self.file_error(
                    required,
                    format!(
                        "the required text \"{required}\" is missing; add the table [{required}] with nl and en"
                    ),
                );
            }
        }
        (self.errors.len() == before).then_some(Texts { map })
    }
}

/// What a TOML parser message means for someone who edits these files by hand.
fn syntax_hint(message: &str) -> Option<&'static str> {
    const HINTS: &[(&str, &str)] = &[
        (
            "invalid basic string",
            "the text is not closed with \" on this line; text in \"…\" must fit on one \
             line (use \"\"\"…\"\"\" for text over several lines)",
        ),
        (
            "invalid multi-line basic string",
            "the text is not closed with \"\"\"",
        ),
        (
            "invalid literal string",
            "the text is not closed with ' on this line",
        ),
        // `source = folder` reads as a misspelt `false`.
        ("invalid boolean", "text must be in quotes, like \"…\""),
        ("must be quoted", "text must be in quotes, like \"…\""),
        (
            "expected newline",
            "something follows the value on the same line; put each field on its own \
             line, and write a quote inside text as \\\"",
        ),
        ("key with no value", "expected = after the field name"),
        ("missing comma", "put a comma between the items of the list"),
        ("unclosed array", "the list is not closed with ]"),
        ("unclosed table", "the table name is not closed with ]"),
        (
            "duplicate key",
            "this field or table is already set earlier",
        ),
    ];
    HINTS
        .iter()
        .find(|(said, _)| message.contains(said))
        .map(|(_, hint)| *hint)
}

/// A value's type in words staff know ([`crate::diagnostics::type_name`]).
pub(crate) fn type_name(value: Value<'_, '_>) -> &'static str {
    crate::diagnostics::type_name(value.get_ref())
}

/// An optional text left empty (`reviewed_by = ""` in a template) counts as absent.
pub(crate) fn is_blank(value: Value<'_, '_>) -> bool {
    matches!(value.get_ref(), DeValue::String(s) if s.trim().is_empty())
}

/// `YYYY-MM-DD` naming a real calendar day.
pub(crate) fn is_valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || ![0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
    {
        return false;
    }
    let number = |range: std::ops::Range<usize>| s[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    crate::time::is_real_date(i64::from(year), month, day)
}
