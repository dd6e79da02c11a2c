//! The index over FAQ phrasings and the fuzzy scoring.
//!
//! Every entry contributes phrasings (its example questions and titles, in both
//! languages) and a bag of words (all of those plus the staff's keywords). A question is
//! scored against each entry by combining
//! - how much of the question's *information* (IDF-weighted words) the entry's vocabulary
//!   covers (`coverage`), and
//! - how well it matches the single closest example phrasing, both ways (`phrase`).
//!
//! Words meet when their Snowball stems are equal, when they are a typo apart
//! (Damerau-Levenshtein / Jaro-Winkler from strsim), or when one is a part of a Dutch
//! compound ("bloedafname" ~ "bloed"). Unknown words keep their weight, so a question
//! that is mostly about something else scores low even when it shares "vitamine" or
//! "bloed" with the FAQ.

use crate::faq::Faq;
use crate::text::{self, Lang};
use std::collections::HashMap;

pub type TermId = u32;

/// One example phrasing of an entry.
#[derive(Debug)]
struct Phrase {
    entry: u32,
    terms: Vec<TermId>,
}

/// The searchable index built from a [`Faq`]. Immutable once built.
#[derive(Debug)]
pub struct Index {
    /// stem → term id
    terms: HashMap<String, TermId>,
    /// idf per term (entries as documents)
    idf: Vec<f32>,
    /// term → phrases containing it
    postings: Vec<Vec<u32>>,
    /// term → entries whose bag (phrasings + keywords) contains it
    entry_postings: Vec<Vec<u32>>,
    phrases: Vec<Phrase>,
    /// surface (folded, unstemmed) word → term id, for typo and compound matching
    surface: HashMap<String, TermId>,
    /// surface words sorted, for prefix look-ups
    sorted_surface: Vec<String>,
    /// surface words by (first char, length), for typo look-ups
    by_shape: HashMap<(char, usize), Vec<u32>>,
    entry_count: usize,
    /// weight given to a question word the FAQ does not know at all
    unknown_weight: f32,
}

/// A question word and the FAQ terms it meets, with similarity 0..=1.
#[derive(Debug, Clone)]
pub struct QueryWord {
    pub word: String,
    pub weight: f32,
    pub matches: Vec<(TermId, f32)>,
}

/// A scored entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into `Faq::entries`.
    pub entry: usize,
    /// Combined confidence, 0..=1.
    pub score: f32,
    /// Share of the question's information the entry's words cover.
    pub coverage: f32,
}

/// The outcome of scoring one question.
#[derive(Debug, Clone, Default)]
pub struct Scored {
    /// Best first; only entries that share something with the question.
    pub hits: Vec<Hit>,
    /// Share of the question's information that the FAQ as a whole knows (0..=1).
    pub known: f32,
    /// Number of content words in the question.
    pub content_words: usize,
}

impl Scored {
    pub fn best(&self) -> Option<Hit> {
        self.hits.first().copied()
    }
    pub fn second(&self) -> Option<Hit> {
        self.hits.get(1).copied()
    }
}

/// The content words of a text: folded, tokenised, without stop words and numbers.
pub fn content_words(raw: &str) -> Vec<String> {
    text::tokens(&text::fold(raw))
        .into_iter()
        .filter(|t| !text::is_stop(t) && !t.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

const MIN_FUZZY_LEN: usize = 4;

impl Index {
    /// Build the index over every entry's questions, titles and keywords.
    pub fn build(faq: &Faq) -> Index {
        let mut b = Builder::default();
        for (ei, e) in faq.entries.iter().enumerate() {
            let ei = ei as u32;
            for lang in [Lang::Nl, Lang::En] {
                for q in e.questions.get(lang) {
                    b.phrase(ei, q, lang);
                }
                b.phrase(ei, e.title.get(lang), lang);
                for k in e.keywords.get(lang) {
                    b.bag_only(ei, k, lang);
                }
            }
        }
        b.finish(faq.entries.len())
    }

    /// A term's stem, for explanations.
    pub fn term_name(&self, t: TermId) -> &str {
        self.terms
            .iter()
            .find(|(_, id)| **id == t)
            .map(|(s, _)| s.as_str())
            .unwrap_or("?")
    }

    /// A term's IDF weight.
    pub fn idf(&self, t: TermId) -> f32 {
        self.idf[t as usize]
    }

    pub fn entry_count(&self) -> usize {
        self.entry_count
    }

    /// Look up a question's words in the index.
    pub fn query_words(&self, raw: &str) -> Vec<QueryWord> {
        let mut out: Vec<QueryWord> = Vec::new();
        for w in content_words(raw) {
            if out.iter().any(|q| q.word == w) {
                continue;
            }
            let matches = self.match_word(&w);
            let weight = matches
                .iter()
                .map(|&(t, s)| self.idf[t as usize] * s.max(0.5))
                .fold(0.0f32, f32::max);
            let weight = if matches.is_empty() {
                self.unknown_weight
            } else {
                weight
            };
            out.push(QueryWord {
                word: w,
                weight,
                matches,
            });
        }
        out
    }

    /// The FAQ terms a question word meets, with their similarity.
    fn match_word(&self, w: &str) -> Vec<(TermId, f32)> {
        let mut found: Vec<(TermId, f32)> = Vec::new();
        fn add(found: &mut Vec<(TermId, f32)>, t: TermId, s: f32) {
            if let Some(x) = found.iter_mut().find(|x| x.0 == t) {
                x.1 = x.1.max(s);
            } else {
                found.push((t, s));
            }
        }
        for lang in [Lang::Nl, Lang::En] {
            if let Some(&t) = self.terms.get(&text::stem(w, lang)) {
                add(&mut found, t, 1.0);
            }
        }
        if let Some(&t) = self.surface.get(w) {
            add(&mut found, t, 1.0);
        }
        if !found.is_empty() || w.chars().count() < MIN_FUZZY_LEN || w.len() > 40 {
            return found;
        }
        // Typos: same first letter, length within 2.
        let n = w.chars().count();
        let first = w.chars().next().unwrap_or(' ');
        for len in n.saturating_sub(2)..=n + 2 {
            if let Some(ids) = self.by_shape.get(&(first, len)) {
                for &i in ids {
                    let cand = &self.sorted_surface[i as usize];
                    let s = typo_similarity(w, cand);
                    if s > 0.0 {
                        add(&mut found, self.surface[cand], s);
                    }
                }
            }
        }
        // Compounds: a known word is the head or tail of the question word
        // ("bloedafname" ~ "bloed"), or the question word starts a known compound.
        if n >= 7 {
            let chars: Vec<char> = w.chars().collect();
            for cut in MIN_FUZZY_LEN..=n - MIN_FUZZY_LEN {
                let head: String = chars[..cut].iter().collect();
                let tail: String = chars[cut..].iter().collect();
                for part in [head, tail] {
                    let known = self
                        .surface
                        .get(&part)
                        .or_else(|| self.terms.get(&part))
                        .or_else(|| self.terms.get(&text::stem(&part, Lang::Nl)));
                    if let Some(&t) = known {
                        let share = part.chars().count() as f32 / n as f32;
                        add(&mut found, t, 0.55 + 0.3 * share);
                    }
                }
            }
        }
        if n >= 5 {
            let start = self.sorted_surface.partition_point(|s| s.as_str() < w);
            for cand in self.sorted_surface[start..]
                .iter()
                .take_while(|s| s.starts_with(w))
                .take(8)
            {
                let share = n as f32 / cand.chars().count() as f32;
                add(&mut found, self.surface[cand], 0.5 + 0.3 * share);
            }
        }
        found
    }

    /// Score a question against every entry that shares a word with it.
    pub fn score(&self, raw: &str) -> Scored {
        let words = self.query_words(raw);
        self.score_words(&words)
    }

    pub fn score_words(&self, words: &[QueryWord]) -> Scored {
        let total: f32 = words.iter().map(|w| w.weight).sum();
        if words.is_empty() || total <= 0.0 {
            return Scored {
                content_words: words.len(),
                ..Scored::default()
            };
        }
        let known: f32 = words
            .iter()
            .map(|w| w.weight * w.matches.iter().map(|m| m.1).fold(0.0, f32::max))
            .sum::<f32>()
            / total;

        // Coverage per entry: for each question word, its best similarity within the entry.
        let mut cover: HashMap<u32, Vec<f32>> = HashMap::new();
        // Per phrase: best similarity per question word, and which phrase terms were met.
        let mut phrase_best: HashMap<u32, (Vec<f32>, Vec<(TermId, f32)>)> = HashMap::new();
        for (wi, w) in words.iter().enumerate() {
            for &(t, s) in &w.matches {
                for &e in &self.entry_postings[t as usize] {
                    let v = cover.entry(e).or_insert_with(|| vec![0.0; words.len()]);
                    v[wi] = v[wi].max(s);
                }
                for &p in &self.postings[t as usize] {
                    let (v, met) = phrase_best
                        .entry(p)
                        .or_insert_with(|| (vec![0.0; words.len()], Vec::new()));
                    v[wi] = v[wi].max(s);
                    if let Some(m) = met.iter_mut().find(|m| m.0 == t) {
                        m.1 = m.1.max(s);
                    } else {
                        met.push((t, s));
                    }
                }
            }
        }
        let weighted = |v: &[f32]| -> f32 {
            v.iter()
                .zip(words)
                .map(|(s, w)| s * w.weight)
                .sum::<f32>()
                / total
        };
        let mut best_phrase: HashMap<u32, f32> = HashMap::new();
        for (p, (v, met)) in &phrase_best {
            let phrase = &self.phrases[*p as usize];
            let q_cov = weighted(v);
            let p_total: f32 = phrase.terms.iter().map(|&t| self.idf[t as usize]).sum();
            let p_met: f32 = met.iter().map(|&(t, s)| self.idf[t as usize] * s).sum();
            let p_cov = if p_total > 0.0 { p_met / p_total } else { 0.0 };
            let f = if q_cov + p_cov > 0.0 {
                (q_cov * p_cov).sqrt()
            } else {
                0.0
            };
            let e = best_phrase.entry(phrase.entry).or_insert(0.0);
            *e = e.max(f);
        }
        let mut hits: Vec<Hit> = cover
            .iter()
            .map(|(&e, v)| {
                let coverage = weighted(v);
                let phrase = best_phrase.get(&e).copied().unwrap_or(0.0);
                Hit {
                    entry: e as usize,
                    score: 0.55 * coverage + 0.45 * phrase,
                    coverage,
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        Scored {
            hits,
            known,
            content_words: words.len(),
        }
    }
}

/// Similarity of two words that differ by a typo; 0 when they are not a typo apart.
fn typo_similarity(a: &str, b: &str) -> f32 {
    let n = a.chars().count().min(b.chars().count());
    if n < MIN_FUZZY_LEN {
        return 0.0;
    }
    let d = strsim::osa_distance(a, b);
    let allowed = match n {
        0..=4 => 1,
        5..=8 => 1 + usize::from(strsim::jaro_winkler(a, b) > 0.93),
        _ => 2 + usize::from(n >= 12),
    };
    if d == 0 {
        1.0
    } else if d <= allowed {
        (0.92 - 0.07 * d as f32).max(0.7)
    } else {
        0.0
    }
}

#[derive(Default)]
struct Builder {
    terms: HashMap<String, TermId>,
    postings: Vec<Vec<u32>>,
    entry_postings: Vec<Vec<u32>>,
    phrases: Vec<Phrase>,
    surface: HashMap<String, TermId>,
}

impl Builder {
    fn term(&mut self, word: &str, lang: Lang) -> TermId {
        let stem = text::stem(word, lang);
        let next = self.terms.len() as TermId;
        let id = *self.terms.entry(stem).or_insert(next);
        if id == next {
            self.postings.push(Vec::new());
            self.entry_postings.push(Vec::new());
        }
        self.surface.entry(word.to_string()).or_insert(id);
        id
    }

    fn bag_terms(&mut self, entry: u32, raw: &str, lang: Lang) -> Vec<TermId> {
        let mut ts: Vec<TermId> = Vec::new();
        for w in content_words(raw) {
            let t = self.term(&w, lang);
            if !ts.contains(&t) {
                ts.push(t);
            }
            let ep = &mut self.entry_postings[t as usize];
            if ep.last() != Some(&entry) {
                ep.push(entry);
            }
        }
        ts
    }

    fn phrase(&mut self, entry: u32, raw: &str, lang: Lang) {
        let terms = self.bag_terms(entry, raw, lang);
        if terms.is_empty() {
            return;
        }
        let pi = self.phrases.len() as u32;
        for &t in &terms {
            self.postings[t as usize].push(pi);
        }
        self.phrases.push(Phrase { entry, terms });
    }

    fn bag_only(&mut self, entry: u32, raw: &str, lang: Lang) {
        self.bag_terms(entry, raw, lang);
    }

    fn finish(self, entry_count: usize) -> Index {
        let n = entry_count.max(1) as f32;
        let idf: Vec<f32> = self
            .entry_postings
            .iter()
            .map(|ep| (1.0 + n / ep.len().max(1) as f32).ln())
            .collect();
        let unknown_weight = (1.0 + n).ln() * 0.8;
        let mut sorted_surface: Vec<String> = self.surface.keys().cloned().collect();
        sorted_surface.sort();
        let mut by_shape: HashMap<(char, usize), Vec<u32>> = HashMap::new();
        for (i, s) in sorted_surface.iter().enumerate() {
            if let Some(c) = s.chars().next() {
                by_shape
                    .entry((c, s.chars().count()))
                    .or_default()
                    .push(i as u32);
            }
        }
        Index {
            terms: self.terms,
            idf,
            postings: self.postings,
            entry_postings: self.entry_postings,
            phrases: self.phrases,
            surface: self.surface,
            sorted_surface,
            by_shape,
            entry_count,
            unknown_weight,
        }
    }
}
