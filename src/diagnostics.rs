//! The one home of TOML diagnostics, shared by every file staff or operators edit (the FAQ
//! folder, red flags, texts, the configuration): byte spans to line:column, field paths and
//! where each field starts, the value types in words staff know, and "did you mean" for a
//! misspelt name. Pure.

use std::collections::BTreeMap;
use toml::de::{DeTable, DeValue};

/// The candidate most like `word` (ignoring case), if it is alike enough to suggest
/// (Jaro-Winkler ≥ 0.8). The first best wins on ties, so suggestions follow the order of
/// the candidates.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .fold(None, |best: Option<(f64, &str)>, (score, c)| match best {
            Some((s, _)) if s >= score => best,
            _ => Some((score, c)),
        })
        .map(|(_, c)| c)
}

/// A value's type in words staff know ("must be text, but is a whole number").
pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date or time",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// Line starts of a file, to turn byte offsets (TOML spans) into line:column.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset. Counting lines by `\n`
    /// makes Windows line endings (`\r\n`) come out right too; a byte-order mark (Windows
    /// editors) is invisible, so it is not a column.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let mut column = self.text[start..offset].chars().count() + 1;
        if start == 0 && offset > 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        (line, column)
    }
}

/// A field's path: `prefix.name`, or `name` at the top level.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Where each field of a TOML file starts: 1-based line and column (in characters), the
/// same positions the loaders' errors use. For messages about a file that *loaded* — `b12bot
/// check`'s warnings — so a loaded FAQ need not carry spans it never uses otherwise.
///
/// Keys are field paths as [`join`] writes them (`reviewed_on`, `answer`, `answer.en`); a
/// list item adds its 0-based index (`questions.nl[2]`). A field's position is where its
/// value starts (for a `[table]`, its header). A file that does not parse gives an empty map.
pub fn field_positions(text: &str) -> BTreeMap<String, (usize, usize)> {
    fn walk(
        lines: &Lines<'_>,
        path: &str,
        value: &toml::Spanned<DeValue<'_>>,
        out: &mut BTreeMap<String, (usize, usize)>,
    ) {
        out.insert(path.to_string(), lines.position(value.span().start));
        match value.get_ref() {
            DeValue::Table(table) => {
                for (key, value) in table.iter() {
                    walk(lines, &join(path, key.get_ref()), value, out);
                }
            }
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(lines, &format!("{path}[{i}]"), item, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return out;
    }
    let lines = Lines::new(text);
    for (key, value) in root.get_ref().iter() {
        walk(&lines, key.get_ref(), value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_skip_a_byte_order_mark() {
        let lines = Lines::new("a = 1\né = \"x\"\r\nz");
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(6), (2, 1));
        assert_eq!(lines.position(9), (2, 3));
        assert_eq!(lines.position(1000), (3, 2));
        assert_eq!(Lines::new("\u{feff}k = 1").position(3), (1, 1));
    }

    #[test]
    fn suggestions_need_a_close_name() {
        assert_eq!(
            closest("retension_days", ["retention_days", "flood"]),
            Some("retention_days")
        );
        assert_eq!(closest("xyz", ["retention_days"]), None);
    }
}
