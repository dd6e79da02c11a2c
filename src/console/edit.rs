//! Writes an edited topic back into its file in place (with `toml_edit`): only the fields
//! that changed are rewritten, so staff's comments, the order of the fields and the layout of
//! untouched lists stay as they were, and a published version's diff shows only the edit.

use super::draft::{Both, BothList, EntryFile};
use anyhow::{Context as _, Result};
use toml_edit::{Array, DocumentMut, Item, Table, Value, value};

/// `text` (a topic file) with the fields of `entry` written into it. A file that does not
/// parse any more is written afresh from `entry`.
pub fn write_entry(text: &str, entry: &EntryFile) -> Result<String> {
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return toml::to_string_pretty(entry).context("writing the entry");
    };
    let root = doc.as_table_mut();
    set_str(root, "id", &entry.id, false);
    set_list(root, "related", &entry.related);
    set_str(root, "source", &entry.source, true);
    set_str(
        root,
        "reviewed_by",
        entry.reviewed_by.as_deref().unwrap_or(""),
        true,
    );
    set_str(
        root,
        "reviewed_on",
        entry.reviewed_on.as_deref().unwrap_or(""),
        true,
    );
    set_both(root, "title", &entry.title);
    set_lists(root, "questions", &entry.questions);
    set_lists(root, "keywords", &entry.keywords);
    set_both(root, "answer", &entry.answer);
    Ok(doc.to_string())
}

/// Sets `key` to `new` unless it holds that already; an empty `new` removes an optional key.
fn set_str(table: &mut Table, key: &str, new: &str, optional: bool) {
    match table.get(key).and_then(Item::as_str) {
        Some(old) if old == new => {}
        _ if optional && new.is_empty() => {
            table.remove(key);
        }
        _ => match table.get_mut(key).and_then(Item::as_value_mut) {
            // Keeps the comment or spacing around the value.
            Some(old) => {
                let decor = old.decor().clone();
                *old = Value::from(new);
                *old.decor_mut() = decor;
            }
            None => {
                table.insert(key, value(new));
            }
        },
    }
}

/// Sets list `key` to `new` unless it holds that already (a missing list stays missing while
/// `new` is empty): one item per line, an item that was there before keeps its comment.
fn set_list(table: &mut Table, key: &str, new: &[String]) {
    let old = table.get(key).and_then(Item::as_array);
    let same = old.is_some_and(|a| {
        a.iter()
            .map(Value::as_str)
            .eq(new.iter().map(|s| Some(s.as_str())))
    });
    if same || (new.is_empty() && old.is_none()) {
        return;
    }
    let mut array = Array::new();
    for item in new {
        let mut v = Value::from(item.as_str());
        if let Some(kept) = old.and_then(|a| a.iter().find(|o| o.as_str() == Some(item))) {
            *v.decor_mut() = kept.decor().clone();
        }
        array.push_formatted(v);
    }
    // Two or more items one per line, as the shipped files write them; one stays inline.
    if new.len() > 1 {
        for v in array.iter_mut() {
            let suffix = v
                .decor()
                .suffix()
                .and_then(|s| s.as_str())
                .unwrap_or("")
                .to_string();
            let prefix = v.decor().prefix().and_then(|s| s.as_str()).unwrap_or("");
            let prefix = if prefix.contains('\n') {
                prefix.to_string()
            } else {
                "\n  ".into()
            };
            v.decor_mut().set_prefix(prefix);
            v.decor_mut().set_suffix(suffix);
        }
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    } else {
        array.fmt();
    }
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = Value::Array(array);
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, value(array));
        }
    }
}

/// The `[key]` table of a per-language pair, made when missing.
fn lang_table<'t>(table: &'t mut Table, key: &str) -> Option<&'t mut Table> {
    if !table.contains_key(key) {
        table.insert(key, Item::Table(Table::new()));
    }
    table.get_mut(key).and_then(Item::as_table_mut)
}

fn set_both(table: &mut Table, key: &str, new: &Both) {
    let same = table.get(key).is_some_and(|t| {
        t.get("nl").and_then(Item::as_str) == Some(new.nl.as_str())
            && t.get("en").and_then(Item::as_str) == Some(new.en.as_str())
    });
    if same {
        return;
    }
    if let Some(t) = lang_table(table, key) {
        set_str(t, "nl", &new.nl, false);
        set_str(t, "en", &new.en, false);
    }
}

fn set_lists(table: &mut Table, key: &str, new: &BothList) {
    let absent = !table.contains_key(key);
    if absent && new.nl.is_empty() && new.en.is_empty() {
        return;
    }
    if let Some(t) = lang_table(table, key) {
        set_list(t, "nl", &new.nl);
        set_list(t, "en", &new.en);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# Checked with the department on 1 December.
id = "x"
related = ["a", "b"]
source = "leaflet"

[title]
nl = "Titel" # kort houden
en = "Title"

[questions]
nl = [
  "eerste vraag", # van de balie
  "tweede vraag",
]
en = ["first question"]

[answer]
nl = """
Regel een.
"""
en = "Line one."
"#;

    fn entry() -> EntryFile {
        toml::from_str(FILE).unwrap()
    }

    #[test]
    fn an_unchanged_entry_writes_the_file_byte_for_byte() {
        assert_eq!(write_entry(FILE, &entry()).unwrap(), FILE);
    }

    #[test]
    fn an_added_question_changes_only_that_list_and_keeps_the_comments() {
        let mut e = entry();
        e.questions.nl.push("derde vraag".into());
        e.title.en = "New title".into();
        let out = write_entry(FILE, &e).unwrap();
        assert!(out.starts_with("# Checked with the department on 1 December.\n"));
        assert!(out.contains("\"eerste vraag\", # van de balie\n"));
        assert!(out.contains("  \"derde vraag\",\n]"), "{out}");
        assert!(out.contains("nl = \"Titel\" # kort houden\n"));
        assert!(out.contains("en = \"New title\"\n"));
        assert!(out.contains("en = [\"first question\"]\n"));
        assert_eq!(toml::from_str::<EntryFile>(&out).unwrap(), e);
    }

    #[test]
    fn emptied_optional_fields_go_and_new_ones_come_in_place() {
        let mut e = entry();
        e.source = String::new();
        e.reviewed_by = Some("Dr. Jansen".into());
        e.keywords.nl = vec!["prik".into()];
        let out = write_entry(FILE, &e).unwrap();
        assert!(!out.contains("source"));
        assert!(out.contains("reviewed_by = \"Dr. Jansen\""));
        assert_eq!(toml::from_str::<EntryFile>(&out).unwrap(), e);
    }

    #[test]
    fn a_changed_answer_of_several_lines_stays_readable_as_lines() {
        let mut e = entry();
        e.answer.nl = "Regel een.\nRegel twee.\n".into();
        let out = write_entry(FILE, &e).unwrap();
        assert!(out.contains("Regel een.\nRegel twee.\n"), "{out}");
        assert!(!out.contains("\\n"), "{out}");
        assert_eq!(toml::from_str::<EntryFile>(&out).unwrap(), e);
    }

    #[test]
    fn a_file_that_does_not_parse_is_written_afresh() {
        let out = write_entry("id = ", &entry()).unwrap();
        assert_eq!(toml::from_str::<EntryFile>(&out).unwrap(), entry());
    }
}
