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
    terms: Vec<TermId>,
}

/// The searchable index built from a [`Faq`]. Immutable once built.
#[derive(Debug)]
pub struct Index {
    /// stem → term id
    terms: HashMap<String, TermId>,
    /// idf per term (entries as documents)
    idf: Vec<f32>,
    /// entry → its phrases
    entry_phrases: Vec<Vec<u32>>,
    /// term → entries whose bag contains it, with its strength there (1 for phrasings
    /// and keywords, less for words that only occur in the answer)
    entry_postings: Vec<Vec<(u32, f32)>>,
    /// term → entries that list it among their staff keywords
    keyword_postings: Vec<Vec<u32>>,
    phrases: Vec<Phrase>,
    /// surface (folded, unstemmed) word → term id, for typo and compound matching
    surface: HashMap<String, TermId>,
    /// surface words sorted, for prefix look-ups
    sorted_surface: Vec<String>,
    /// surface words by (first char, length), for typo look-ups
    by_shape: HashMap<(char, usize), Vec<u32>>,
    entry_count: usize,
    /// stem or word → synonym groups it belongs to (staff's `synonyms.toml`)
    synonym_of: HashMap<String, Vec<u32>>,
    /// synonym groups, folded
    synonym_groups: Vec<Vec<String>>,
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

/// How similar a staff synonym counts (an exact word or stem counts 1).
const SYNONYM_SIMILARITY: f32 = 0.9;

/// How many of the best-covering entries get the (costlier) phrase-by-phrase scoring.
const CANDIDATES: usize = 48;

/// How much a word that occurs only in an entry's answer counts, against 1 for a word
/// of its questions or keywords.
const ANSWER_STRENGTH: f32 = 0.6;

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
                    b.keyword(ei, k, lang);
                }
                b.answer(ei, e.answer.get(lang), lang);
            }
        }
        let mut index = b.finish(faq.entries.len());
        for (gi, group) in faq.synonyms.iter().enumerate() {
            let folded: Vec<String> = group.iter().map(|w| text::fold(w.trim())).collect();
            for w in &folded {
                for key in [w.clone(), text::stem(w, Lang::Nl), text::stem(w, Lang::En)] {
                    let groups = index.synonym_of.entry(key).or_default();
                    if !groups.contains(&(gi as u32)) {
                        groups.push(gi as u32);
                    }
                }
            }
            index.synonym_groups.push(folded);
        }
        index
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

    /// Look up a question's words in the index. Unknown Dutch compounds are split into
    /// known parts first ("behandelmogelijkheden" → "behandel" + "mogelijkheden").
    pub fn query_words(&self, raw: &str) -> Vec<QueryWord> {
        let mut words: Vec<(String, f32)> = Vec::new();
        for w in content_words(raw) {
            if self.exact(&w).is_none()
                && !self.synonym_of.contains_key(&w)
                && let Some((head, tail)) = self.split_compound(&w)
            {
                words.push((head, 1.0));
                words.push((tail, 0.5));
            } else {
                words.push((w, 1.0));
            }
        }
        let mut out: Vec<QueryWord> = Vec::new();
        for (w, share) in words {
            if out.iter().any(|q| q.word == w) {
                continue;
            }
            let matches = self.match_word(&w);
            let weight = matches
                .iter()
                .map(|&(t, s)| self.idf[t as usize] * s.max(0.5))
                .fold(0.0f32, f32::max);
            let weight = if matches.is_empty() {
                self.unknown_weight * share
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

    /// The term a word is, by its stem in either language or as written; Dutch past
    /// participles are tried without their "ge-" ("geprikt" → "prik").
    fn exact(&self, w: &str) -> Option<TermId> {
        let direct = [Lang::Nl, Lang::En]
            .iter()
            .find_map(|&l| self.terms.get(&text::stem(w, l)))
            .or_else(|| self.surface.get(w))
            .copied();
        if direct.is_some() {
            return direct;
        }
        let rest = w.strip_prefix("ge").filter(|r| r.chars().count() >= 4)?;
        let trimmed = rest.strip_suffix(['t', 'd']).unwrap_or(rest);
        [rest, trimmed].iter().find_map(|r| {
            self.surface
                .get(*r)
                .or_else(|| self.terms.get(&text::stem(r, Lang::Nl)))
                .copied()
        })
    }

    /// Split an unknown word into a known head and a tail of at least four letters
    /// (preferring the longest known head), or a short prefix and a known tail.
    fn split_compound(&self, w: &str) -> Option<(String, String)> {
        let chars: Vec<char> = w.chars().collect();
        let n = chars.len();
        if !(7..=40).contains(&n) {
            return None;
        }
        let part = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        // Both parts known: the best evidence.
        for cut in (3..=n - 4).rev() {
            let (h, t) = (part(0, cut), part(cut, n));
            if self.exact(&h).is_some() && self.exact(&t).is_some() {
                return Some((h, t));
            }
        }
        for cut in (4..=n - 4).rev() {
            let (h, t) = (part(0, cut), part(cut, n));
            if self.exact(&h).is_some() {
                return Some((h, t));
            }
        }
        for cut in 2..=n - 4 {
            let (h, t) = (part(0, cut), part(cut, n));
            if self.exact(&t).is_some() {
                return Some((t, h));
            }
        }
        None
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
        if let Some(t) = self.exact(w) {
            add(&mut found, t, 1.0);
        }
        // Staff synonyms: the word meets every other word of its groups.
        let keys = [
            w.to_string(),
            text::stem(w, Lang::Nl),
            text::stem(w, Lang::En),
        ];
        for gi in keys.iter().filter_map(|k| self.synonym_of.get(k)).flatten() {
            for other in &self.synonym_groups[*gi as usize] {
                if let Some(t) = self.exact(other) {
                    add(&mut found, t, SYNONYM_SIMILARITY);
                }
            }
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
        if n >= 4 {
            // The word begins a known compound ("hart" ~ "hartkloppingen").
            let start = self.sorted_surface.partition_point(|s| s.as_str() < w);
            for cand in self.sorted_surface[start..]
                .iter()
                .take_while(|s| s.starts_with(w))
                .filter(|s| s.chars().count() >= n + 3)
                .take(8)
            {
                let share = n as f32 / cand.chars().count() as f32;
                add(&mut found, self.surface[cand], 0.45 + 0.3 * share);
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

        // Coverage per entry: for each question word, its best similarity within the
        // entry (dense: entries × words), and the same counting only staff keywords.
        let nw = words.len();
        let ne = self.entry_count;
        let mut cover = vec![0.0f32; ne * nw];
        let mut keyword = vec![0.0f32; ne * nw];
        let mut touched: Vec<u32> = Vec::new();
        let mut seen = vec![false; ne];
        // Query terms → (word, similarity), for phrase scoring.
        let mut query_terms: HashMap<TermId, Vec<(usize, f32)>> = HashMap::new();
        for (wi, w) in words.iter().enumerate() {
            for &(t, s) in &w.matches {
                query_terms.entry(t).or_default().push((wi, s));
                for &(e, strength) in &self.entry_postings[t as usize] {
                    let c = &mut cover[e as usize * nw + wi];
                    *c = c.max(s * strength);
                    if !seen[e as usize] {
                        seen[e as usize] = true;
                        touched.push(e);
                    }
                }
                for &e in &self.keyword_postings[t as usize] {
                    let k = &mut keyword[e as usize * nw + wi];
                    *k = k.max(s);
                }
            }
        }
        let weighted = |v: &[f32]| -> f32 {
            v.iter().zip(words).map(|(s, w)| s * w.weight).sum::<f32>() / total
        };
        let mut pre: Vec<(u32, f32, f32)> = touched
            .iter()
            .map(|&e| {
                let r = e as usize * nw..(e as usize + 1) * nw;
                (e, weighted(&cover[r.clone()]), weighted(&keyword[r]))
            })
            .collect();
        // Phrase matching is the costly part: only for the entries whose words cover the
        // question best (the phrase score can add at most 0.4 to any entry).
        pre.sort_by(|a, b| (0.5 * b.1 + 0.2 * b.2).total_cmp(&(0.5 * a.1 + 0.2 * a.2)));
        pre.truncate(CANDIDATES);
        let mut best_word = vec![0.0f32; nw];
        let mut hits: Vec<Hit> = pre
            .iter()
            .map(|&(e, coverage, keywords)| {
                let mut phrase = 0.0f32;
                for &p in &self.entry_phrases[e as usize] {
                    let terms = &self.phrases[p as usize].terms;
                    best_word.iter_mut().for_each(|x| *x = 0.0);
                    let (mut p_total, mut p_met) = (0.0f32, 0.0f32);
                    for &t in terms {
                        let idf = self.idf[t as usize];
                        p_total += idf;
                        if let Some(list) = query_terms.get(&t) {
                            let mut met = 0.0f32;
                            for &(wi, s) in list {
                                best_word[wi] = best_word[wi].max(s);
                                met = met.max(s);
                            }
                            p_met += idf * met;
                        }
                    }
                    if p_met > 0.0 && p_total > 0.0 {
                        // Both ways: harmonic mean of how much of the question the phrase
                        // covers and how much of the phrase the question covers, so a
                        // one-word phrasing ("b12?") does not match every B12 question.
                        let (q, r) = (weighted(&best_word), p_met / p_total);
                        phrase = phrase.max(2.0 * q * r / (q + r));
                    }
                }
                Hit {
                    entry: e as usize,
                    score: (0.5 * coverage + 0.4 * phrase + 0.2 * keywords).min(1.0),
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
///
/// Short words are left alone (one letter turns "hart" into "harm"): five letters
/// allow one edit, nine allow two, and the words must share their first two letters
/// unless the edit is a swap of two neighbours.
fn typo_similarity(a: &str, b: &str) -> f32 {
    let n = a.chars().count().min(b.chars().count());
    if n < 5 {
        return 0.0;
    }
    let d = strsim::osa_distance(a, b);
    let allowed = if n >= 9 { 2 } else { 1 };
    let same_start = a.chars().take(2).eq(b.chars().take(2));
    if d == 0 {
        1.0
    } else if d <= allowed && (same_start || d == 1) {
        0.85 - 0.1 * (d as f32 - 1.0)
    } else {
        0.0
    }
}

#[derive(Default)]
struct Builder {
    terms: HashMap<String, TermId>,
    entry_phrases: Vec<Vec<u32>>,
    entry_postings: Vec<Vec<(u32, f32)>>,
    keyword_postings: Vec<Vec<u32>>,
    phrases: Vec<Phrase>,
    surface: HashMap<String, TermId>,
}

impl Builder {
    fn term(&mut self, word: &str, lang: Lang) -> TermId {
        let stem = text::stem(word, lang);
        let next = self.terms.len() as TermId;
        let id = *self.terms.entry(stem).or_insert(next);
        if id == next {
            self.entry_postings.push(Vec::new());
            self.keyword_postings.push(Vec::new());
        }
        self.surface.entry(word.to_string()).or_insert(id);
        id
    }

    fn bag_terms(&mut self, entry: u32, raw: &str, lang: Lang) -> Vec<TermId> {
        self.bag_terms_with(entry, raw, lang, 1.0)
    }

    fn bag_terms_with(&mut self, entry: u32, raw: &str, lang: Lang, strength: f32) -> Vec<TermId> {
        let mut ts: Vec<TermId> = Vec::new();
        for w in content_words(raw) {
            let t = self.term(&w, lang);
            if !ts.contains(&t) {
                ts.push(t);
            }
            let ep = &mut self.entry_postings[t as usize];
            match ep.last_mut() {
                Some(last) if last.0 == entry => last.1 = last.1.max(strength),
                _ => ep.push((entry, strength)),
            }
        }
        ts
    }

    /// Words of the answer text: they widen an entry's vocabulary, more weakly than
    /// the questions patients ask.
    fn answer(&mut self, entry: u32, raw: &str, lang: Lang) {
        self.bag_terms_with(entry, raw, lang, ANSWER_STRENGTH);
    }

    fn phrase(&mut self, entry: u32, raw: &str, lang: Lang) {
        let terms = self.bag_terms(entry, raw, lang);
        if terms.is_empty() {
            return;
        }
        let pi = self.phrases.len() as u32;
        if self.entry_phrases.len() <= entry as usize {
            self.entry_phrases.resize(entry as usize + 1, Vec::new());
        }
        self.entry_phrases[entry as usize].push(pi);
        self.phrases.push(Phrase { terms });
    }

    fn keyword(&mut self, entry: u32, raw: &str, lang: Lang) {
        for t in self.bag_terms(entry, raw, lang) {
            let kp = &mut self.keyword_postings[t as usize];
            if kp.last() != Some(&entry) {
                kp.push(entry);
            }
        }
    }

    fn finish(mut self, entry_count: usize) -> Index {
        self.entry_phrases.resize(entry_count, Vec::new());
        let n = entry_count.max(1) as f32;
        let idf: Vec<f32> = self
            .entry_postings
            .iter()
            .map(|ep| (1.0 + n / ep.len().max(1) as f32).ln())
            .collect();
        let unknown_weight = (1.0 + n).ln() * 0.8;
        // A keyword that half the entries share ("B12" in "B12 Kliniek") points nowhere.
        let mut keyword_postings = self.keyword_postings;
        for (t, kp) in keyword_postings.iter_mut().enumerate() {
            if self.entry_postings[t].len() as f32 >= n / 2.0 {
                kp.clear();
            }
        }
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
            entry_phrases: self.entry_phrases,
            entry_postings: self.entry_postings,
            keyword_postings,
            phrases: self.phrases,
            surface: self.surface,
            sorted_surface,
            by_shape,
            entry_count,
            synonym_of: HashMap::new(),
            synonym_groups: Vec::new(),
            unknown_weight,
        }
    }
}
