//! How hard a patient text is to read: Flesch-Douma for Dutch, Flesch reading ease for
//! English, sentence lengths, long words, and jargon from the staff's glossary.
//!
//! Pure. `b12bot check` uses it to warn (`readability`) when an answer or fixed text is
//! above language level B1 (see [`TARGET`]).
//!
//! **Syllables** are counted as vowel groups, not with a hyphenation dictionary. Measured
//! with the `hyphenation` crate (0.8, TeX patterns): its break points undercount syllables
//! by design — TeX never splits off the first or last one or two letters — so "eten", "over"
//! and "ideaal" got 1, 1 and 2 syllables, and in English "every", "area", "hospital" and
//! "available" 1, 1, 2 and 2; embedding the dictionaries also adds about 3 MB to the binary.
//! The vowel-group rule below counts all of those right. For Dutch it knows the vowel
//! combinations that are one sound (aa, ee, ie, oe, ui, eeu, ooi, …, and ij), splits other
//! combinations (ea, ia, io: "re-a-geren", "spe-ci-a-list"), and starts a new syllable at a
//! diaeresis ("pa-ti-ënt", "co-ör-di-na-tie"). For English it drops a silent final e and the
//! silent -ed/-es endings. Staff can check any word with `b12bot check`'s figures.
//!
//! **What counts** is what a patient reads: placeholders (`{value}`, `{ticket}`) count as one
//! short word, a number as one word of one syllable, and each line (a bullet item, a
//! heading ending in ":") ends a sentence, like a full stop. Texts shorter than
//! [`MIN_WORDS_FOR_SCORE`] (buttons, labels, one-line notes) get no Flesch score: the formula
//! means nothing on three words; their sentence length and jargon are still checked.

use crate::text::Lang;
use serde::Serialize;

/// Language level B1: the targets every patient text must meet.
pub struct Target {
    /// Flesch-Douma (Dutch) or Flesch reading ease (English), at least.
    pub min_score: f64,
    /// Words per sentence on average, at most.
    pub max_average_sentence: f64,
    /// Words in the longest sentence, at most.
    pub max_sentence: usize,
}

pub const TARGET: Target = Target {
    min_score: 65.0,
    max_average_sentence: 15.0,
    max_sentence: 25,
};

/// Below this many words a text gets no Flesch score.
pub const MIN_WORDS_FOR_SCORE: usize = 20;

/// A word of this many syllables or more counts as a long word.
pub const LONG_WORD_SYLLABLES: usize = 4;

/// The readability figures of one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Flesch-Douma (nl) or Flesch reading ease (en); `None` for a text shorter than
    /// [`MIN_WORDS_FOR_SCORE`] words.
    pub score: Option<f64>,
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
    /// Words per sentence on average.
    pub average_sentence: f64,
    /// The longest sentence, as written, and its number of words.
    pub longest_sentence: String,
    pub longest_words: usize,
    /// Words of [`LONG_WORD_SYLLABLES`] syllables or more, each once, in text order.
    pub long_words: Vec<String>,
    /// Share of the words that are long words (0..1).
    pub long_share: f64,
}

impl Figures {
    /// The ways this text misses [`TARGET`], in words for staff; empty when it meets it.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(score) = self.score
            && score < TARGET.min_score
        {
            out.push(format!(
                "reading score {score:.1}, below {:.0}",
                TARGET.min_score
            ));
        }
        if self.average_sentence > TARGET.max_average_sentence {
            out.push(format!(
                "sentences of {:.1} words on average, more than {:.0}",
                self.average_sentence, TARGET.max_average_sentence
            ));
        }
        if self.longest_words > TARGET.max_sentence {
            out.push(format!(
                "a sentence of {} words, more than {}",
                self.longest_words, TARGET.max_sentence
            ));
        }
        out
    }
}

/// Measures a text in `lang`.
pub fn measure(text: &str, lang: Lang) -> Figures {
    let sentences = sentences(text);
    let mut words = 0;
    let mut syllables = 0;
    let mut long_words: Vec<String> = Vec::new();
    let mut long_count = 0;
    let mut longest: Option<&Sentence> = None;
    for s in &sentences {
        if longest.is_none_or(|l| s.words.len() > l.words.len()) {
            longest = Some(s);
        }
        for w in &s.words {
            let n = word_syllables(w, lang);
            words += 1;
            syllables += n;
            if n >= LONG_WORD_SYLLABLES {
                long_count += 1;
                if !long_words.iter().any(|l| l.eq_ignore_ascii_case(w)) {
                    long_words.push(w.clone());
                }
            }
        }
    }
    let count = sentences.len().max(1);
    let average_sentence = words as f64 / count as f64;
    let score = (words >= MIN_WORDS_FOR_SCORE).then(|| {
        let per_word = syllables as f64 / words as f64;
        match lang {
            Lang::Nl => 206.835 - 0.93 * average_sentence - 77.0 * per_word,
            Lang::En => 206.835 - 1.015 * average_sentence - 84.6 * per_word,
        }
    });
    Figures {
        score,
        words,
        sentences: sentences.len(),
        syllables,
        average_sentence,
        longest_sentence: longest.map(|s| s.text.clone()).unwrap_or_default(),
        longest_words: longest.map_or(0, |s| s.words.len()),
        long_words,
        long_share: if words == 0 {
            0.0
        } else {
            long_count as f64 / words as f64
        },
    }
}

/// One sentence: its text as written (placeholders kept) and its words.
#[derive(Debug)]
struct Sentence {
    text: String,
    words: Vec<String>,
}

/// The sentences of a text: a line break, or `.`, `!`, `?`, `…` before a space, ends one.
/// Bullets ("•", "-", "–") at the start of a line are not words.
fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches(['•', '-', '–', '*'])
            .trim_start();
        let mut start = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let ends = matches!(c, '.' | '!' | '?' | '…')
                && chars.peek().is_none_or(|(_, next)| next.is_whitespace());
            if ends {
                push_sentence(&line[start..i + c.len_utf8()], &mut out);
                start = i + c.len_utf8();
            }
        }
        push_sentence(&line[start..], &mut out);
    }
    out
}

fn push_sentence(text: &str, out: &mut Vec<Sentence>) {
    let text = text.trim();
    let words: Vec<String> = text.split_whitespace().filter_map(word_of).collect();
    if !words.is_empty() {
        out.push(Sentence {
            text: text.to_string(),
            words,
        });
    }
}

/// A whitespace-separated token as a word: punctuation around it removed; `None` when
/// nothing is left (a dash, an emoji). A placeholder becomes "x", one short word.
fn word_of(token: &str) -> Option<String> {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '{' && c != '}');
    if t.len() > 2 && t.starts_with('{') && t.ends_with('}') {
        return Some("x".to_string());
    }
    let word = t.trim_matches(|c: char| !c.is_alphanumeric());
    (!word.is_empty()).then(|| word.to_string())
}

/// The syllables of one word in `lang`: a number or a word without letters counts as one.
pub fn word_syllables(word: &str, lang: Lang) -> usize {
    if !word.chars().any(char::is_alphabetic) {
        return 1;
    }
    // Parts of a word written with a hyphen or slash ("MMA-test", "pmol/L") each count.
    word.split(['-', '/', '\''])
        .filter(|p| p.chars().any(char::is_alphabetic))
        .map(|p| match lang {
            Lang::Nl => dutch_syllables(p),
            Lang::En => english_syllables(p),
        })
        .sum::<usize>()
        .max(1)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// A letter folded to lower-case ASCII, and whether it had a diaeresis (ë, ï, ö, ü: in
/// Dutch a new syllable starts there).
fn fold_letter(c: char) -> (char, bool) {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match lower {
        'ä' | 'ë' | 'ï' | 'ö' | 'ü' | 'ÿ' => {
            let base = match lower {
                'ä' => 'a',
                'ë' => 'e',
                'ï' => 'i',
                'ö' => 'o',
                'ü' => 'u',
                _ => 'y',
            };
            (base, true)
        }
        'á' | 'à' | 'â' => ('a', false),
        'é' | 'è' | 'ê' => ('e', false),
        'í' | 'ì' | 'î' => ('i', false),
        'ó' | 'ò' | 'ô' => ('o', false),
        'ú' | 'ù' | 'û' => ('u', false),
        other => (other, false),
    }
}

/// Vowel combinations that are one sound in Dutch, longest first.
const DUTCH_NUCLEI: &[&str] = &[
    "aai", "ooi", "oei", "eeu", "ieu", "aa", "ee", "oo", "uu", "ie", "oe", "ei", "ij", "ui", "eu",
    "ou", "au", "ai",
];

fn dutch_syllables(word: &str) -> usize {
    // Vowel runs ("ij" counts as a vowel pair); a diaeresis starts a new run.
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in word.chars() {
        let (c, diaeresis) = fold_letter(c);
        if diaeresis && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
        if is_vowel(c) || (c == 'j' && run.ends_with('i')) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    let mut count = 0;
    for run in runs {
        let mut rest = run.as_str();
        while !rest.is_empty() {
            let len = DUTCH_NUCLEI
                .iter()
                .find(|n| rest.starts_with(*n))
                .map_or(1, |n| n.len());
            rest = &rest[len..];
            count += 1;
        }
    }
    count.max(1)
}

fn english_syllables(word: &str) -> usize {
    let w: String = word
        .chars()
        .map(|c| fold_letter(c).0)
        .filter(char::is_ascii_alphabetic)
        .collect();
    if w.is_empty() {
        return 1;
    }
    let b = w.as_bytes();
    let vowel = |i: usize| is_vowel(b[i] as char);
    let mut count = 0;
    let mut i = 0;
    while i < b.len() {
        if vowel(i) {
            count += 1;
            let start = i;
            while i < b.len() && vowel(i) {
                i += 1;
            }
            // "ia", "io", "eo" and a final "ea" are two sounds: ra-di-o, i-de-a.
            let group = &w[start..i];
            if ["ia", "io", "eo"].iter().any(|g| group.contains(g))
                || (i == b.len() && group.ends_with("ea"))
            {
                count += 1;
            }
        } else {
            i += 1;
        }
    }
    let n = b.len();
    let consonant_before = |k: usize| n >= k && !vowel(n - k);
    if count > 1 {
        if w.ends_with('e') && !w.ends_with("le") && !w.ends_with("ee") && !w.ends_with("ye") {
            count -= 1; // silent e: "care", "take"
        } else if (w.ends_with("ed") && !w.ends_with("ted") && !w.ends_with("ded"))
            && consonant_before(3)
        {
            count -= 1; // "called", "measured"
        } else if w.ends_with("es")
            && consonant_before(3)
            && !["ses", "xes", "zes", "ces", "ges", "ches", "shes"]
                .iter()
                .any(|e| w.ends_with(e))
        {
            count -= 1; // "takes", "makes"
        }
    }
    count.max(1)
}

// ---------------------------------------------------------------------------------------
// Jargon

/// A term from the glossary found in a text without an explanation where it first appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexplained {
    /// The term as the glossary spells it.
    pub term: String,
    /// The word(s) as the text has them.
    pub found: String,
}

/// `text` with every `{placeholder}` replaced by as many spaces (byte offsets stay the
/// same): the code fills those in, so their names are not words patients read.
pub fn blank_placeholders(text: &str) -> String {
    crate::faq::replace_placeholders(text, |name| Some(" ".repeat(name.len() + 2)))
}

/// Where a glossary `term` first appears in `text` (case and accents ignored; the term may
/// be followed by up to three letters of an ending: "grenswaarde" finds "grenswaarden"),
/// as a byte range of `text`.
pub fn find_term(text: &str, term: &str) -> Option<std::ops::Range<usize>> {
    let term = crate::text::fold(term);
    let term_words: Vec<&str> = term.split_whitespace().collect();
    if term_words.is_empty() {
        return None;
    }
    // The text's words with their byte ranges.
    let mut words: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            words.push((crate::text::fold(&text[s..i]), s..i));
        }
    }
    'outer: for first in 0..words.len() {
        for (k, tw) in term_words.iter().enumerate() {
            let Some((w, _)) = words.get(first + k) else {
                continue 'outer;
            };
            let last = k + 1 == term_words.len();
            let fits = if last {
                w.starts_with(tw) && w.len() - tw.len() <= 3
            } else {
                w == tw
            };
            if !fits {
                continue 'outer;
            }
        }
        let end = words[first + term_words.len() - 1].1.end;
        return Some(words[first].1.start..end);
    }
    None
}

/// Words that mark an explanation in the same sentence as a term.
const EXPLAINED_BY: &[&str] = &[
    "is een",
    "is a",
    "is an",
    "dat is",
    "dit is",
    "dat zijn",
    "dit zijn",
    "heet",
    "betekent",
    "oftewel",
    "ook wel",
    "that is",
    "this is",
    "is called",
    "also called",
    "means",
];

/// Is the term at `at` explained where it stands: followed by an explanation in brackets
/// (not just an abbreviation such as "(MMA)"), by a colon or a dash; itself the
/// explanation in brackets of the word before; or in a sentence that says "dat is …",
/// "heet …", "that is …", or followed by a sentence that starts so?
pub fn explained_at(text: &str, at: &std::ops::Range<usize>) -> bool {
    let before = text[..at.start].trim_end();
    let mut after = text[at.end..].trim_start();
    // An abbreviation in brackets ("(MMA)") explains nothing, but may stand between the
    // term and its explanation: "methylmalonzuur (MMA), een stof die …".
    if let Some(inside) = after.strip_prefix('(')
        && let Some(close) = inside.find(')')
        && inside[..close].split_whitespace().count() < 2
        && !inside[..close].chars().any(char::is_lowercase)
    {
        after = inside[close + 1..].trim_start();
    }
    if before.ends_with('(') || after.starts_with([':', '–', '—']) || after.starts_with("- ") {
        return true;
    }
    // An apposition: "methylmalonzuur, een stof die …", "cobalamin, another name for …".
    if [", een ", ", a ", ", an ", ", de ", ", the "]
        .iter()
        .any(|a| after.starts_with(a.trim_start_matches(' ')) || after.starts_with(a))
    {
        return true;
    }
    if let Some(inside) = after.strip_prefix('(') {
        let inside = &inside[..inside.find(')').unwrap_or(inside.len())];
        let abbreviation =
            inside.split_whitespace().count() < 2 && !inside.chars().any(char::is_lowercase);
        if !abbreviation {
            return true;
        }
    }
    let ends = ['.', '!', '?', '\n'];
    let start = before.rfind(ends).map_or(0, |i| i + 1);
    let end = text[at.end..]
        .find(ends)
        .map_or(text.len(), |i| at.end + i + 1);
    let sentence = format!(" {} ", crate::text::fold(&text[start..end]));
    let next = crate::text::fold(text[end.min(text.len())..].trim_start());
    EXPLAINED_BY
        .iter()
        .any(|m| sentence.contains(&format!(" {m} ")) || next.starts_with(&format!("{m} ")))
}

/// The glossary terms `text` uses without explaining them where they first appear.
pub fn unexplained<'a>(text: &str, terms: impl IntoIterator<Item = &'a str>) -> Vec<Unexplained> {
    let mut out = Vec::new();
    for term in terms {
        if let Some(at) = find_term(text, term)
            && !explained_at(text, &at)
        {
            out.push(Unexplained {
                term: term.to_string(),
                found: text[at].to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_syllables_follow_the_vowel_sounds() {
        let table = [
            ("eten", 2),
            ("over", 2),
            ("vitamine", 4),
            ("methylmalonzuur", 5),
            ("bloedarmoede", 4),
            ("ziekenhuis", 3),
            ("patiënt", 3),
            ("coördinatie", 5),
            ("ideeën", 3),
            ("ideaal", 3),
            ("eieren", 3),
            ("duizeligheid", 4),
            ("specialist", 4),
            ("geïnformeerd", 4),
            ("nieuw", 1),
            ("mooi", 1),
            ("bijvoorbeeld", 3),
            ("uw", 1),
        ];
        for (word, n) in table {
            assert_eq!(word_syllables(word, Lang::Nl), n, "{word}");
        }
    }

    #[test]
    fn english_syllables_drop_silent_endings() {
        let table = [
            ("every", 3),
            ("area", 3),
            ("idea", 3),
            ("hospital", 3),
            ("available", 4),
            ("deficiency", 4),
            ("the", 1),
            ("take", 1),
            ("measured", 2),
            ("tested", 2),
            ("takes", 1),
            ("doctor", 2),
            ("radio", 3),
        ];
        for (word, n) in table {
            assert_eq!(word_syllables(word, Lang::En), n, "{word}");
        }
    }

    #[test]
    fn numbers_units_and_placeholders_are_short_words() {
        assert_eq!(word_syllables("180", Lang::Nl), 1);
        assert_eq!(word_syllables("pmol/L", Lang::Nl), 2);
        let f = measure("U geeft een waarde van {value} {unit} door.", Lang::Nl);
        assert_eq!(f.words, 8);
        assert_eq!(f.syllables, 9);
    }

    #[test]
    fn lines_and_full_stops_end_sentences_but_not_decimal_points() {
        let f = measure(
            "Dit zijn de tests:\n• de eerste test\n• de tweede\nBel 113.nl of 0,18 nmol/L. Klaar!",
            Lang::Nl,
        );
        assert_eq!(f.sentences, 5);
        assert_eq!(f.longest_sentence, "Bel 113.nl of 0,18 nmol/L.");
    }

    #[test]
    fn the_flesch_douma_formula_is_applied_to_long_enough_texts() {
        // 20 words, 2 sentences, 1 syllable each.
        let text = "De kat zit op de mat en kijkt naar de hond. \
                    De hond zit op de stoep en kijkt naar de kat.";
        let f = measure(text, Lang::Nl);
        assert_eq!((f.words, f.sentences, f.syllables), (22, 2, 22));
        let expected = 206.835 - 0.93 * 11.0 - 77.0;
        assert!((f.score.unwrap() - expected).abs() < 1e-9);
        assert_eq!(measure("Kies een onderwerp:", Lang::Nl).score, None);
    }

    #[test]
    fn problems_name_the_score_and_the_long_sentence() {
        let long = "Dit is een erg lange zin met heel veel woorden die maar doorgaat en \
                    doorgaat zonder dat er ooit een punt komt want de schrijver vergat dat \
                    lezers ook moeten ademen.";
        let p = measure(long, Lang::Nl).problems();
        assert!(
            p.iter().any(|m| m.contains("a sentence of 31 words")),
            "{p:?}"
        );
        assert!(
            measure("Kies een onderwerp.", Lang::Nl)
                .problems()
                .is_empty()
        );
    }

    #[test]
    fn jargon_counts_as_explained_in_brackets_or_with_dat_is() {
        let terms = ["methylmalonzuur", "referentiewaarde", "oplaaddosis"];
        let text = "Het lab meet methylmalonzuur (MMA). De referentiewaarden verschillen.";
        let u = unexplained(text, terms);
        assert_eq!(u.len(), 2, "an abbreviation in brackets explains nothing");
        assert_eq!(u[1].found, "referentiewaarden");
        let next = "Het lab meet methylmalonzuur (MMA). Dat is een stof in de cellen.";
        assert!(unexplained(next, terms).is_empty());
        let apposition = "De test meet methylmalonzuur (MMA), een stof in de cellen.";
        assert!(unexplained(apposition, terms).is_empty());
        let ok = "Een oplaaddosis: dat is een hogere dosis in het begin. Later de oplaaddosis.";
        assert!(unexplained(ok, terms).is_empty());
        assert!(unexplained("De grens (referentiewaarde) is 150.", terms).is_empty());
        // A term is a whole word: "zuur" alone is not "methylmalonzuur".
        assert!(find_term("Het is zuur.", "methylmalonzuur").is_none());
        assert_eq!(
            find_term("Low methylmalonic acid levels.", "methylmalonic acid"),
            Some(4..22)
        );
    }
}
