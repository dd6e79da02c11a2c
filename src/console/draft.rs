//! The console's draft: a copy of the FAQ folder that staff edit. It goes live only through
//! [`crate::reload`] after the same validation as `b12bot check`; each publish is stored as
//! a version (its files and a diff) that can be restored in one step.

use crate::engine::{Engine, EngineConfig};
use crate::faq::{self, LoadError};
use crate::handle::EngineHandle;
use crate::review::{self, Warning};
use crate::store::Store;
use crate::text::Lang;
use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The files of a FAQ folder that are not topics.
pub const NOT_TOPICS: &[&str] = &[
    faq::TEXTS_FILE,
    faq::RED_FLAGS_FILE,
    crate::red_flag_neighbours::FILE,
    faq::SYNONYMS_FILE,
    faq::GLOSSARY_FILE,
    faq::OUT_OF_SCOPE_FILE,
    faq::CONVERSATION_FILE,
];

/// A text in both languages, as an entry file writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Both {
    #[serde(default)]
    pub nl: String,
    #[serde(default)]
    pub en: String,
}

/// A list per language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BothList {
    #[serde(default)]
    pub nl: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
}

/// One topic's file, field by field (the fields `faq` accepts).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntryFile {
    pub id: String,
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<String>,
    #[serde(default)]
    pub title: Both,
    #[serde(default)]
    pub questions: BothList,
    #[serde(default)]
    pub keywords: BothList,
    #[serde(default)]
    pub answer: Both,
}

/// What `check` says about a folder.
#[derive(Default)]
pub struct Checked {
    pub errors: Vec<LoadError>,
    pub warnings: Vec<Warning>,
    /// The engine over the folder, when it loads.
    pub engine: Option<Engine>,
}

/// A `check` result and the fingerprint of the files it was computed from.
pub type CachedCheck = (String, Arc<Checked>);

/// The FAQ folder that is live, the draft beside it, and the handle the reload publishes into.
#[derive(Clone)]
pub struct Faqs {
    pub live: PathBuf,
    pub draft: PathBuf,
    pub config: EngineConfig,
    pub handle: EngineHandle,
    /// The last `check`, by the fingerprint of the folder's files: a page shows the draft's
    /// errors and warnings without checking the whole FAQ again until a file changes.
    pub checked: Arc<Mutex<Option<CachedCheck>>>,
}

/// A short, stable fingerprint of a file's content (for detecting concurrent edits).
pub fn fingerprint(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// The `*.toml` files directly in `dir`, by name.
pub fn read_files(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !name.ends_with(".toml") || !path.is_file() {
            continue;
        }
        files.insert(name.to_string(), std::fs::read_to_string(&path)?);
    }
    Ok(files)
}

/// Writes `text` to `dir/name` through a hidden temporary file and a rename (the loader
/// ignores hidden files, so a reader never sees half a file).
pub fn write_file(dir: &Path, name: &str, text: &str) -> Result<()> {
    if name.contains('/') || name.starts_with('.') || !name.ends_with(".toml") {
        bail!("not a FAQ file name: {name}");
    }
    write_atomically(dir, name, text)
}

/// Writes `dir/name` through a hidden temporary file and a rename.
fn write_atomically(dir: &Path, name: &str, text: &str) -> Result<()> {
    let tmp = dir.join(format!(".{}.tmp", name.trim_start_matches('.')));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(name))?;
    Ok(())
}

/// Makes `dir` hold exactly `files` (removes the other `*.toml` files).
pub fn replace_files(dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    for (name, text) in files {
        write_file(dir, name, text)?;
    }
    for name in read_files(dir)?.keys() {
        if !files.contains_key(name) {
            std::fs::remove_file(dir.join(name))?;
        }
    }
    Ok(())
}

/// A unified diff of two folders' files, file by file.
pub fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        let a = old.get(name).map(String::as_str).unwrap_or("");
        let b = new.get(name).map(String::as_str).unwrap_or("");
        if a == b {
            continue;
        }
        let d = similar::TextDiff::from_lines(a, b);
        out.push_str(
            &d.unified_diff()
                .context_radius(2)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

impl Faqs {
    /// Creates the draft as a copy of the live folder when there is none yet.
    pub fn prepare(&self) -> Result<()> {
        if !self.draft.is_dir() {
            std::fs::create_dir_all(&self.draft)?;
            replace_files(&self.draft, &read_files(&self.live)?)?;
        }
        Ok(())
    }

    /// `check` over `dir`: the loader's errors, or the reviewer's warnings; the last result
    /// again while the folder's files are unchanged (and the running engine's sentence model
    /// is the same).
    pub fn check(&self, dir: &Path) -> Arc<Checked> {
        let key = match read_files(dir) {
            Ok(files) => format!(
                "{}:{:?}:{}",
                dir.display(),
                today(),
                fingerprint(&serde_json::to_string(&files).unwrap_or_default())
            ),
            Err(_) => return Arc::new(check_now(dir, self)),
        };
        let mut cache = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, checked)) = cache.as_ref()
            && *k == key
        {
            return checked.clone();
        }
        let checked = Arc::new(check_now(dir, self));
        *cache = Some((key, checked.clone()));
        checked
    }
}

fn check_now(dir: &Path, this: &Faqs) -> Checked {
    {
        match faq::load_dir(dir) {
            Ok(faq) => {
                let mut engine = Engine::new(faq, this.config);
                if let Some(model) = this.handle.load().semantic_model() {
                    engine = engine.with_semantic(model);
                }
                let mut warnings = review::review(engine.faq(), &engine, today());
                review::place(&mut warnings, |file| std::fs::read_to_string(file).ok());
                Checked {
                    errors: Vec::new(),
                    warnings,
                    engine: Some(engine),
                }
            }
            Err(faq::LoadErrors(errors)) => Checked {
                errors,
                ..Checked::default()
            },
        }
    }
}

impl Faqs {
    /// The topic files of the draft, by file stem.
    pub fn topic_names(&self) -> Result<Vec<String>> {
        Ok(read_files(&self.draft)?
            .into_keys()
            .filter(|n| !NOT_TOPICS.contains(&n.as_str()))
            .map(|n| n.trim_end_matches(".toml").to_string())
            .collect())
    }

    /// The draft's text of topic `stem`.
    pub fn draft_text(&self, stem: &str) -> Result<String> {
        let name = topic_file(stem)?;
        Ok(std::fs::read_to_string(self.draft.join(name))?)
    }

    /// Saves `entry` as the draft of `stem`, unless the draft changed since the editor read
    /// it (`base`, its fingerprint then): the second of two concurrent saves is refused. The
    /// file is edited in place, so comments and untouched fields stay as staff wrote them.
    pub fn save_entry(&self, stem: &str, base: &str, entry: &EntryFile) -> Result<Saved> {
        let name = topic_file(stem)?;
        let now = self.draft_text(stem)?;
        if fingerprint(&now) != base {
            return Ok(Saved::Conflict);
        }
        write_file(&self.draft, &name, &super::edit::write_entry(&now, entry)?)?;
        Ok(Saved::Saved)
    }

    /// Publishes the draft: refused (nothing changes) when `check` finds errors; otherwise
    /// the files replace the live folder, the reload path swaps the engine in, and the
    /// version is stored.
    pub fn publish(&self, store: &Store, who: &str) -> Result<Published> {
        let checked = self.check(&self.draft);
        if !checked.errors.is_empty() {
            return Ok(Published::Refused(checked.errors.clone()));
        }
        let files = read_files(&self.draft)?;
        self.go_live(store, who, "publish", &files)
    }

    /// Restores version `id`: its files become the live folder and the draft.
    pub fn restore(&self, store: &Store, who: &str, id: i64) -> Result<Published> {
        let Some(json) = store.faq_version_files(id)? else {
            bail!("no version {id}");
        };
        let files: BTreeMap<String, String> = serde_json::from_str(&json)?;
        let published = self.go_live(store, who, &format!("restore of version {id}"), &files)?;
        if matches!(published, Published::Live { .. }) {
            replace_files(&self.draft, &files)?;
        }
        Ok(published)
    }

    fn go_live(
        &self,
        store: &Store,
        who: &str,
        note: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<Published> {
        let before = read_files(&self.live)?;
        if store.faq_versions()?.is_empty() {
            // The folder as it was before the console's first publish is version 1, so
            // that it can be restored too.
            store.add_faq_version(
                who,
                crate::time::now(),
                "as found before the first publish",
                &serde_json::to_string(&before)?,
                "",
            )?;
        }
        replace_files(&self.live, files)?;
        match crate::reload::reload(&self.live, self.config, &self.handle) {
            crate::reload::Outcome::Published { entries } => {
                let id = store.add_faq_version(
                    who,
                    crate::time::now(),
                    note,
                    &serde_json::to_string(files)?,
                    &diff(&before, files),
                )?;
                Ok(Published::Live {
                    version: id,
                    entries,
                })
            }
            crate::reload::Outcome::Refused(errors) => {
                // The running engine was kept; put the folder back as it was.
                replace_files(&self.live, &before)?;
                Ok(Published::Refused(errors.0))
            }
        }
    }
}

pub enum Saved {
    Saved,
    Conflict,
}

pub enum Published {
    Live { version: i64, entries: usize },
    Refused(Vec<LoadError>),
}

fn topic_file(stem: &str) -> Result<String> {
    let name = format!("{stem}.toml");
    if stem.is_empty()
        || !stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || NOT_TOPICS.contains(&name.as_str())
    {
        bail!("no such topic: {stem}");
    }
    Ok(name)
}

pub fn today() -> review::Date {
    review::date_from_unix_days(crate::time::now().div_euclid(86_400))
}

/// The hidden file in the draft folder that lists the inbox groups staff chose to ignore,
/// as fingerprints of their words (no patient text); never published.
const IGNORED_FILE: &str = ".inbox-ignored";

/// The fingerprint of an unanswered question's group: the words the report groups by.
pub fn group_key(question: &str) -> String {
    fingerprint(&crate::report::key(question).join(" "))
}

impl Faqs {
    /// Adds `question` to the questions of topic `stem` in the draft, in `lang`. `false`
    /// when the topic has it already (case and accents ignored).
    pub fn add_question(&self, stem: &str, lang: Lang, question: &str) -> Result<bool> {
        let name = topic_file(stem)?;
        let text = self.draft_text(stem)?;
        let mut entry: EntryFile = toml::from_str(&text)
            .with_context(|| format!("the draft of {stem} does not parse; fix it in the editor"))?;
        let list = match lang {
            Lang::Nl => &mut entry.questions.nl,
            Lang::En => &mut entry.questions.en,
        };
        if !is_new(list.iter().map(String::as_str), question) {
            return Ok(false);
        }
        list.push(question.trim().to_string());
        write_file(
            &self.draft,
            &name,
            &super::edit::write_entry(&text, &entry)?,
        )?;
        Ok(true)
    }

    /// The topic ids of the draft's out-of-scope file.
    pub fn out_of_scope_topics(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(self.draft.join(faq::OUT_OF_SCOPE_FILE)) else {
            return Vec::new();
        };
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            return Vec::new();
        };
        doc.get("topic")
            .and_then(|t| t.as_array_of_tables())
            .map(|topics| {
                topics
                    .iter()
                    .filter_map(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds `example` to out-of-scope topic `id` in the draft, in `lang`, editing the file in
    /// place (its comments stay). `false` when the topic has it already.
    pub fn add_out_of_scope(&self, id: &str, lang: Lang, example: &str) -> Result<bool> {
        let path = self.draft.join(faq::OUT_OF_SCOPE_FILE);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .context("the draft's out-of-scope file does not parse")?;
        let Some(topic) = doc
            .get_mut("topic")
            .and_then(|t| t.as_array_of_tables_mut())
            .and_then(|topics| {
                topics
                    .iter_mut()
                    .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))
            })
        else {
            bail!("no out-of-scope topic {id}");
        };
        let key = lang.code();
        if !topic.contains_key(key) {
            topic.insert(key, toml_edit::value(toml_edit::Array::new()));
        }
        let Some(list) = topic.get_mut(key).and_then(|v| v.as_array_mut()) else {
            bail!("{id}.{key} is not a list");
        };
        if !is_new(list.iter().filter_map(|v| v.as_str()), example) {
            return Ok(false);
        }
        list.push(example.trim());
        write_file(&self.draft, faq::OUT_OF_SCOPE_FILE, &doc.to_string())?;
        Ok(true)
    }

    /// The fingerprints of the ignored inbox groups.
    pub fn ignored(&self) -> std::collections::HashSet<String> {
        std::fs::read_to_string(self.draft.join(IGNORED_FILE))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Ignores the group of `question` in the inbox from now on.
    pub fn ignore(&self, question: &str) -> Result<()> {
        let mut ignored = self.ignored();
        ignored.insert(group_key(question));
        let mut lines: Vec<String> = ignored.into_iter().collect();
        lines.sort();
        write_atomically(&self.draft, IGNORED_FILE, &(lines.join("\n") + "\n"))
    }
}

/// Where each FAQ question and out-of-scope example of folder `dir` stands, by its folded
/// text: "topic ID" or "out-of-scope ID". The inbox leaves out what the published FAQ holds
/// and marks what only the draft does.
pub fn placed(dir: &Path) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let Ok(files) = read_files(dir) else {
        return out;
    };
    let mut put = |text: &str, at: &str| {
        out.entry(crate::text::fold(text.trim()))
            .or_insert_with(|| at.to_string());
    };
    for (name, text) in &files {
        if name == faq::OUT_OF_SCOPE_FILE {
            let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
                continue;
            };
            let topics = doc.get("topic").and_then(|t| t.as_array_of_tables());
            for topic in topics.into_iter().flat_map(|t| t.iter()) {
                let id = topic.get("id").and_then(|v| v.as_str()).unwrap_or("");
                let at = format!("out-of-scope {id}");
                for lang in [Lang::Nl, Lang::En] {
                    let list = topic.get(lang.code()).and_then(|v| v.as_array());
                    for example in list.into_iter().flat_map(|a| a.iter()) {
                        if let Some(example) = example.as_str() {
                            put(example, &at);
                        }
                    }
                }
            }
        } else if !NOT_TOPICS.contains(&name.as_str())
            && let Ok(entry) = toml::from_str::<EntryFile>(text)
        {
            let at = format!("topic {}", name.trim_end_matches(".toml"));
            for q in entry.questions.nl.iter().chain(&entry.questions.en) {
                put(q, &at);
            }
        }
    }
    out
}

/// `text` is worth adding to a list that holds `existing`: not blank, and not there already
/// (case and accents ignored).
fn is_new<'a>(mut existing: impl Iterator<Item = &'a str>, text: &str) -> bool {
    let folded = crate::text::fold(text.trim());
    !text.trim().is_empty() && !existing.any(|e| crate::text::fold(e) == folded)
}
