//! The staff's report on what patients ask (`b12bot report`, `/stats`): the questions the
//! bot could not answer or had to ask back about, grouped so near-identical ones count
//! together; per topic how often it was asked and how patients rated the answer; per
//! language; per intent. Markdown for people, CSV for spreadsheets, JSON for tools.
//!
//! Pure: the records come in (from [`crate::store::Store::questions_since`]), text goes out.
//!
//! **Grouping.** Each question is folded (case, accents), split into words, and stripped of
//! stop words ("kan", "ik", "de", "the"…); what is left is a *set* of words, so word order
//! does not matter ("tabletten zwanger b12" = "b12 tabletten zwanger"). Two words are the same
//! when they are equal, share a Snowball stem (Dutch or English: "honden" = "hond"), or are a
//! typo apart (one edit for words of 5–7 letters, two from 8 on; shorter words must be equal,
//! so "kat" never meets "kan"). Two questions are near-identical when the weighted Jaccard
//! similarity of their word sets (shared weight / combined weight) is at least
//! [`SIMILARITY`] = 0.6; the words every question has ("b12", "vitamine") weigh a quarter, so
//! "b12 hond" and "b12 kat" stay apart. Jaccard on word sets rather than an edit distance on
//! the whole string: a string distance is thrown by word order ("zwanger b12 tabletten"
//! vs "b12 tabletten zwanger") and forgives one different word in a long question, which is
//! exactly the word that makes it a different question; 0.6 lets one typo-free extra or
//! missing word through in a question of four or more words, and keeps a different word in a
//! three-word question apart.
//!
//! Groups are formed greedily, most frequent wording first: a wording joins the group whose
//! first (most frequent) wording it is most similar to, or starts a new one. Comparing with
//! the first wording only (not every member) stops chains of small differences from gluing
//! unrelated questions together; the result does not depend on the order the questions came
//! in.

use crate::engine::Intent;
use crate::text::{self, Lang};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;

// --- the question log's records (kept by the store, read here) ---------------------------

/// A logged question's id: what the 👍/👎 buttons under an answer carry back
/// (`Store::set_feedback`). Says nothing about the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuestionId(pub i64);

/// A question the bot answered, for `Store::log_question`. There is no field for a chat
/// id, user id, name or username, and the table has no column for one.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    /// The patient's text, as sent. Deleted by `Store::retention` like ticket texts.
    pub text: String,
    pub intent: crate::engine::Intent,
    /// The FAQ entry answered (`faq` intent), if any.
    pub topic: Option<String>,
    /// The matcher's confidence in the best topic (0..1).
    pub score: f32,
    /// The language the bot answered in.
    pub lang: Lang,
}

impl QuestionRecord {
    /// The record of `answer`, the engine's reply to `text`.
    pub fn from_answer(text: &str, answer: &crate::engine::Answer) -> QuestionRecord {
        QuestionRecord {
            text: text.to_owned(),
            intent: answer.intent,
            topic: answer.faq_id.clone(),
            score: answer.score,
            lang: answer.lang,
        }
    }
}

/// A logged question as stored, from `Store::questions_since`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedQuestion {
    pub id: QuestionId,
    pub asked_at: i64,
    /// `None` once retention has deleted it.
    pub text: Option<String>,
    pub intent: crate::engine::Intent,
    pub topic: Option<String>,
    pub score: f32,
    pub lang: Lang,
    /// The patient's last tap: `Some(true)` 👍, `Some(false)` 👎, `None` no tap.
    pub helpful: Option<bool>,
}

/// Two questions with at least this word-set similarity count as one (see the module docs).
pub const SIMILARITY: f64 = 0.6;

/// Words nearly every question has: they say little about what is asked.
const COMMON: &[&str] = &["b12", "vitamine", "vitamin", "cobalamine", "cobalamin"];

/// The report over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The period, unix seconds (`since` inclusive).
    pub since: i64,
    pub until: i64,
    /// Questions logged in the period.
    pub questions: u64,
    /// Of which not answered with a topic: `no_match` plus `clarify`.
    pub unanswered: u64,
    /// Unanswered questions whose text retention already deleted (counted above, in no group).
    pub unanswered_expired: u64,
    /// Unanswered questions grouped, most frequent first.
    pub groups: Vec<Group>,
    /// Per topic answered, most asked first.
    pub topics: Vec<TopicCount>,
    /// Per language, most used first.
    pub languages: Vec<LangCount>,
    /// Per intent, most frequent first.
    pub intents: Vec<IntentCount>,
    /// Per day (UTC) of the period, oldest first, days without questions included.
    pub days: Vec<DayCount>,
}

/// The questions of one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    /// The day's start, unix seconds (UTC midnight).
    pub day: i64,
    pub questions: u64,
    /// Of which not answered with a topic (`no_match` plus `clarify`).
    pub unanswered: u64,
}

impl DayCount {
    /// The share of the day's questions not answered with a topic (0 on a day without any).
    pub fn unanswered_rate(&self) -> f64 {
        if self.questions == 0 {
            0.0
        } else {
            self.unanswered as f64 / self.questions as f64
        }
    }
}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Not answered with a topic: the bot found none (`no_match`) or was unsure (`clarify`).
fn unanswered(intent: Intent) -> bool {
    matches!(intent, Intent::NoMatch | Intent::Clarify)
}

/// Every day from `since` to `until` (at most a year of them), with its questions.
fn per_day(records: &[LoggedQuestion], since: i64, until: i64) -> Vec<DayCount> {
    let first = since.div_euclid(DAY);
    let last = until.max(since).div_euclid(DAY).min(first + 366);
    let mut days: Vec<DayCount> = (first..=last)
        .map(|d| DayCount {
            day: d * DAY,
            questions: 0,
            unanswered: 0,
        })
        .collect();
    for q in records {
        let d = q.asked_at.div_euclid(DAY) - first;
        if let Some(day) = usize::try_from(d).ok().and_then(|d| days.get_mut(d)) {
            day.questions += 1;
            if unanswered(q.intent) {
                day.unanswered += 1;
            }
        }
    }
    days
}

/// Near-identical unanswered questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// How often it was asked.
    pub count: u64,
    /// Of which the bot found no topic.
    pub no_match: u64,
    /// Of which the bot offered topics to choose from.
    pub clarify: u64,
    /// Different wordings in the group.
    pub wordings: u64,
    /// Its most frequent wording, as a patient typed it.
    pub example: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicCount {
    pub topic: String,
    pub asked: u64,
    pub helpful: u64,
    pub not_helpful: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LangCount {
    pub lang: Lang,
    pub questions: u64,
    pub unanswered: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentCount {
    pub intent: Intent,
    pub count: u64,
}

impl Report {
    /// The report of `records`, labelled as covering `since..until`.
    pub fn build(records: &[LoggedQuestion], since: i64, until: i64) -> Report {
        let open: Vec<&LoggedQuestion> = records.iter().filter(|q| unanswered(q.intent)).collect();
        let with_text: Vec<(&str, Intent)> = open
            .iter()
            .filter_map(|q| q.text.as_deref().map(|t| (t, q.intent)))
            .collect();

        let mut topics: HashMap<&str, TopicCount> = HashMap::new();
        for q in records {
            if let Some(t) = &q.topic {
                let row = topics.entry(t).or_insert_with(|| TopicCount {
                    topic: t.clone(),
                    asked: 0,
                    helpful: 0,
                    not_helpful: 0,
                });
                row.asked += 1;
                match q.helpful {
                    Some(true) => row.helpful += 1,
                    Some(false) => row.not_helpful += 1,
                    None => {}
                }
            }
        }
        let mut topics: Vec<TopicCount> = topics.into_values().collect();
        topics.sort_by(|a, b| b.asked.cmp(&a.asked).then_with(|| a.topic.cmp(&b.topic)));

        let mut languages: Vec<LangCount> = [Lang::Nl, Lang::En]
            .into_iter()
            .map(|lang| LangCount {
                lang,
                questions: records.iter().filter(|q| q.lang == lang).count() as u64,
                unanswered: open.iter().filter(|q| q.lang == lang).count() as u64,
            })
            .filter(|l| l.questions > 0)
            .collect();
        languages.sort_by_key(|l| std::cmp::Reverse(l.questions));

        let mut intents: Vec<IntentCount> = Intent::ALL
            .into_iter()
            .map(|intent| IntentCount {
                intent,
                count: records.iter().filter(|q| q.intent == intent).count() as u64,
            })
            .filter(|i| i.count > 0)
            .collect();
        intents.sort_by_key(|i| std::cmp::Reverse(i.count));

        Report {
            since,
            until,
            questions: records.len() as u64,
            unanswered: open.len() as u64,
            unanswered_expired: (open.len() - with_text.len()) as u64,
            groups: group(&with_text),
            topics,
            languages,
            intents,
            days: per_day(records, since, until),
        }
    }

    /// Helpful / not helpful over all topics.
    pub fn feedback(&self) -> (u64, u64) {
        self.topics
            .iter()
            .fold((0, 0), |(h, n), t| (h + t.helpful, n + t.not_helpful))
    }

    fn days(&self) -> i64 {
        ((self.until - self.since + 86_399) / 86_400).max(0)
    }

    /// The report as Markdown, for people.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# What patients asked\n");
        let _ = writeln!(
            s,
            "From {} to {} (UTC, {} days): {} questions, {} of them unanswered or unclear.\n",
            date(self.since),
            date(self.until),
            self.days(),
            self.questions,
            self.unanswered
        );
        let _ = writeln!(s, "## Unanswered or unclear questions\n");
        let _ = writeln!(
            s,
            "*No match*: the bot found no topic and said it could not help. *Clarify*: it was \
             unsure and offered topics to choose from. Questions that differ only in spelling, \
             word order or small words are counted together; the example is the most common \
             wording.\n"
        );
        if self.groups.is_empty() {
            let _ = writeln!(s, "None.\n");
        } else {
            let _ = writeln!(s, "| # | asked | no match | clarify | wordings | example |");
            let _ = writeln!(s, "|---:|---:|---:|---:|---:|---|");
            for (i, g) in self.groups.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} |",
                    i + 1,
                    g.count,
                    g.no_match,
                    g.clarify,
                    g.wordings,
                    md_cell(&g.example)
                );
            }
            let _ = writeln!(s);
        }
        if self.unanswered_expired > 0 {
            let _ = writeln!(
                s,
                "{} more unanswered questions are counted without their text: it was deleted \
                 after the retention period.\n",
                self.unanswered_expired
            );
        }
        let _ = writeln!(s, "## Topics\n");
        if self.topics.is_empty() {
            let _ = writeln!(s, "None.\n");
        } else {
            let _ = writeln!(
                s,
                "| topic | asked | helpful 👍 | not helpful 👎 | no rating |"
            );
            let _ = writeln!(s, "|---|---:|---:|---:|---:|");
            for t in &self.topics {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    md_cell(&t.topic),
                    t.asked,
                    t.helpful,
                    t.not_helpful,
                    t.asked.saturating_sub(t.helpful + t.not_helpful)
                );
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## Languages\n");
        let _ = writeln!(s, "| language | questions | unanswered or unclear |");
        let _ = writeln!(s, "|---|---:|---:|");
        for l in &self.languages {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                lang_name(l.lang),
                l.questions,
                l.unanswered
            );
        }
        let _ = writeln!(s, "\n## What the bot did\n");
        let _ = writeln!(s, "| intent | questions | meaning |");
        let _ = writeln!(s, "|---|---:|---|");
        for i in &self.intents {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                i.intent.name(),
                i.count,
                intent_meaning(i.intent)
            );
        }
        let _ = writeln!(s, "\n## Per day\n");
        let _ = writeln!(s, "| day | questions | unanswered or unclear | rate |");
        let _ = writeln!(s, "|---|---:|---:|---:|");
        for d in self.days.iter().filter(|d| d.questions > 0) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.0} % |",
                date(d.day),
                d.questions,
                d.unanswered,
                d.unanswered_rate() * 100.0
            );
        }
        s
    }

    /// The report as CSV (RFC 4180), one table with a `section` column: `unanswered` (one row
    /// per group, `name` is its rank), `topic`, `language`, `intent`.
    pub fn to_csv(&self) -> String {
        let mut s =
            String::from("section,name,count,no_match,clarify,helpful,not_helpful,example\r\n");
        let mut row = |cells: [String; 8]| {
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            s.push_str(&line.join(","));
            s.push_str("\r\n");
        };
        for (i, g) in self.groups.iter().enumerate() {
            row([
                "unanswered".into(),
                (i + 1).to_string(),
                g.count.to_string(),
                g.no_match.to_string(),
                g.clarify.to_string(),
                String::new(),
                String::new(),
                g.example.clone(),
            ]);
        }
        for t in &self.topics {
            row([
                "topic".into(),
                t.topic.clone(),
                t.asked.to_string(),
                String::new(),
                String::new(),
                t.helpful.to_string(),
                t.not_helpful.to_string(),
                String::new(),
            ]);
        }
        for l in &self.languages {
            row([
                "language".into(),
                l.lang.code().into(),
                l.questions.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for i in &self.intents {
            row([
                "intent".into(),
                i.intent.name().into(),
                i.count.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        s
    }

    /// The report as one JSON document (the fields of [`Report`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serialises")
    }
}

/// The short version for `/stats` in the triage group: plain text (the caller escapes it
/// for Telegram's HTML), a few lines.
pub fn short(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Last {} days: {} questions, {} unanswered or unclear.",
        report.days(),
        report.questions,
        report.unanswered
    );
    if !report.topics.is_empty() {
        let top: Vec<String> = report
            .topics
            .iter()
            .take(3)
            .map(|t| format!("{} ({})", t.topic, t.asked))
            .collect();
        let _ = writeln!(s, "Most asked: {}.", top.join(", "));
    }
    let (helpful, not_helpful) = report.feedback();
    let _ = writeln!(s, "Ratings: {helpful} helpful, {not_helpful} not helpful.");
    if !report.groups.is_empty() {
        let _ = writeln!(s, "Most often unanswered:");
        for (i, g) in report.groups.iter().take(3).enumerate() {
            let _ = writeln!(s, "{}. \"{}\" ({}×)", i + 1, clip(&g.example, 80), g.count);
        }
    }
    s.push_str("Full report: b12bot report");
    s
}

// --- grouping ------------------------------------------------------------------------------

/// A wording's words, for comparing.
struct Words {
    words: Vec<Word>,
}

struct Word {
    text: String,
    stems: [String; 2],
    weight: f64,
}

impl Words {
    fn of(key: &[String]) -> Words {
        Words {
            words: key
                .iter()
                .map(|w| Word {
                    text: w.clone(),
                    stems: [text::stem(w, Lang::Nl), text::stem(w, Lang::En)],
                    weight: if COMMON.contains(&w.as_str()) {
                        0.25
                    } else {
                        1.0
                    },
                })
                .collect(),
        }
    }

    fn weight(&self) -> f64 {
        self.words.iter().map(|w| w.weight).sum()
    }
}

/// The words of a question that say what it is about: folded, no stop words, each once,
/// sorted (so word order does not matter). A question of stop words only keeps them all.
pub fn key(question: &str) -> Vec<String> {
    let all = text::tokens(&text::fold(question));
    let mut words: Vec<String> = all.iter().filter(|t| !text::is_stop(t)).cloned().collect();
    if words.is_empty() {
        words = all;
    }
    words.sort();
    words.dedup();
    words
}

fn same_word(a: &Word, b: &Word) -> bool {
    if a.text == b.text || a.stems[0] == b.stems[0] || a.stems[1] == b.stems[1] {
        return true;
    }
    let len = a.text.chars().count().min(b.text.chars().count());
    let allowed = match len {
        0..=4 => return false,
        5..=7 => 1,
        _ => 2,
    };
    strsim::osa_distance(&a.text, &b.text) <= allowed
}

/// Weighted Jaccard similarity of two word sets, a word of one meeting at most one of the
/// other (see the module docs).
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    sim(&Words::of(a), &Words::of(b))
}

fn sim(a: &Words, b: &Words) -> f64 {
    let total = a.weight() + b.weight();
    if total == 0.0 {
        return 1.0;
    }
    let mut used = vec![false; b.words.len()];
    let mut shared = 0.0;
    for wa in &a.words {
        if let Some(j) = (0..b.words.len()).find(|&j| !used[j] && same_word(wa, &b.words[j])) {
            used[j] = true;
            shared += wa.weight.min(b.words[j].weight);
        }
    }
    shared / (total - shared)
}

/// Groups `(text, intent)` pairs of unanswered questions, most frequent group first.
fn group(questions: &[(&str, Intent)]) -> Vec<Group> {
    // Identical keys first: one entry per wording-key, with its texts and counts.
    struct Wording<'a> {
        key: Vec<String>,
        first: usize,
        count: u64,
        no_match: u64,
        clarify: u64,
        texts: Vec<(&'a str, u64)>,
    }
    let mut by_key: HashMap<Vec<String>, usize> = HashMap::new();
    let mut wordings: Vec<Wording> = Vec::new();
    for (i, (t, intent)) in questions.iter().enumerate() {
        let k = key(t);
        let w = *by_key.entry(k.clone()).or_insert_with(|| {
            wordings.push(Wording {
                key: k,
                first: i,
                count: 0,
                no_match: 0,
                clarify: 0,
                texts: Vec::new(),
            });
            wordings.len() - 1
        });
        let w = &mut wordings[w];
        w.count += 1;
        match intent {
            Intent::Clarify => w.clarify += 1,
            _ => w.no_match += 1,
        }
        let t = t.trim();
        match w.texts.iter_mut().find(|(x, _)| *x == t) {
            Some((_, n)) => *n += 1,
            None => w.texts.push((t, 1)),
        }
    }
    // Most frequent first; ties by first appearance, so the result is deterministic.
    wordings.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));

    struct Building {
        leader: Words,
        group: Group,
        first: usize,
        best_text: (String, u64),
    }
    let mut groups: Vec<Building> = Vec::new();
    for w in wordings {
        let words = Words::of(&w.key);
        let best = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (i, sim(&words, &g.leader)))
            .filter(|&(_, s)| s >= SIMILARITY)
            .fold(None::<(usize, f64)>, |best, (i, s)| match best {
                Some((_, b)) if b >= s => best,
                _ => Some((i, s)),
            });
        // The wording's most frequent text (first seen on ties).
        let (text, n) = w
            .texts
            .iter()
            .fold(("", 0), |acc, &(t, n)| if n > acc.1 { (t, n) } else { acc });
        match best {
            Some((i, _)) => {
                let g = &mut groups[i];
                g.group.count += w.count;
                g.group.no_match += w.no_match;
                g.group.clarify += w.clarify;
                g.group.wordings += w.texts.len() as u64;
                if n > g.best_text.1 {
                    g.best_text = (text.to_owned(), n);
                }
            }
            None => groups.push(Building {
                leader: words,
                first: w.first,
                best_text: (text.to_owned(), n),
                group: Group {
                    count: w.count,
                    no_match: w.no_match,
                    clarify: w.clarify,
                    wordings: w.texts.len() as u64,
                    example: String::new(),
                },
            }),
        }
    }
    groups.sort_by(|a, b| {
        b.group
            .count
            .cmp(&a.group.count)
            .then(a.first.cmp(&b.first))
    });
    groups
        .into_iter()
        .map(|b| Group {
            example: b.best_text.0,
            ..b.group
        })
        .collect()
}

// --- formatting ----------------------------------------------------------------------------

/// `YYYY-MM-DD` (UTC) of unix seconds.
pub fn date(unix: i64) -> String {
    let (y, m, d) = crate::time::civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "Dutch (nl)",
        Lang::En => "English (en)",
    }
}

fn intent_meaning(intent: Intent) -> &'static str {
    match intent {
        Intent::Faq => "answered with a topic",
        Intent::Clarify => "unsure; offered topics to choose from",
        Intent::B12Value => "explained a reported B12 value",
        Intent::Urgent => "urgent advice (112 / huisartsenpost / 113)",
        Intent::Human => "asked for a person",
        Intent::Smalltalk => "hello, thanks, goodbye",
        Intent::NoMatch => "no topic found",
    }
}

/// A patient's text in a Markdown table cell: one line, `|` and Markdown's markup escaped so
/// it shows as typed.
fn md_cell(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(one_line.len());
    for c in clip(&one_line, 200).chars() {
        if matches!(
            c,
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A CSV cell: quoted when needed; a text that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading `'`, since patient text
/// goes into it.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// At most `max` characters, with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("zeg \"hoi\""), "\"zeg \"\"hoi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-3"), "'-3");
    }

    #[test]
    fn markdown_cells_stay_in_their_cell() {
        assert_eq!(md_cell("a | b\nc *d*"), "a \\| b c \\*d\\*");
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_789_000_000), "2026-09-10");
    }
}
