//! Normalising patient text: case, diacritics, punctuation, tokens, language.

use serde::{Deserialize, Serialize};

/// The two languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lowercase, strip diacritics (é → e, ï → i), map ligatures; keeps everything else.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// [`fold`] for one character, for tokenizers that walk the text themselves: lowercase,
/// diacritics stripped, ĳ → ij, ß → ss, µ/μ → u (so "µmol" is "umol"), curly quotes → `'`.
pub fn fold_char(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        decompose_canonical(l, |d| {
            if is_combining_mark(d) {
                return;
            }
            match d {
                'ĳ' => out.push_str("ij"),
                'ß' => out.push_str("ss"),
                'µ' | 'μ' => out.push('u'),
                '\u{2019}' | '\u{2018}' | '`' | '´' => out.push('\''),
                _ => out.push(d),
            }
        });
    }
}

/// Split folded text into word tokens.
///
/// Letters and digits form tokens; everything else separates them. A digit followed by
/// a letter starts a new token ("b12tekort" → "b12", "tekort"), and "b 12" / "b-12" are
/// joined to "b12" so the vitamin's name is always one token.
pub fn tokens(folded: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_digit = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            let digit = c.is_ascii_digit();
            if prev_digit && !digit && !cur.is_empty() {
                raw.push(std::mem::take(&mut cur));
            }
            cur.push(c);
            prev_digit = digit;
        } else {
            if !cur.is_empty() {
                raw.push(std::mem::take(&mut cur));
            }
            prev_digit = false;
        }
    }
    if !cur.is_empty() {
        raw.push(cur);
    }
    // Join "b" + "12" (from "b 12", "b-12", "vit. b 12"), and the names as speech-to-text
    // spells them: "b twaalf", "be twaalf", "b twelve" are b12; "em em a", "m m a" are mma.
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for t in raw {
        let last = out.last().map(String::as_str);
        let letter_m = |w: Option<&String>| w.is_some_and(|w| w == "m" || w == "em");
        if matches!(
            (last, t.as_str()),
            (Some("b" | "bee"), "12" | "twaalf" | "twelve") | (Some("be"), "twaalf")
        ) {
            out.pop();
            out.push("b12".to_string());
        } else if t == "a"
            && out.len() >= 2
            && letter_m(out.last())
            && letter_m(out.get(out.len() - 2))
        {
            out.truncate(out.len() - 2);
            out.push("mma".to_string());
        } else if t.len() > 3 && (t.starts_with("vitb12") || t.starts_with("vitamineb12")) {
            out.push("vitamine".to_string());
            out.push("b12".to_string());
        } else {
            out.push(t);
        }
    }
    out
}

const NL_STOP: &[&str] = &[
    "de",
    "het",
    "een",
    "en",
    "of",
    "van",
    "in",
    "op",
    "te",
    "dat",
    "die",
    "dit",
    "deze",
    "is",
    "zijn",
    "was",
    "ik",
    "je",
    "jij",
    "u",
    "uw",
    "mijn",
    "me",
    "mij",
    "we",
    "wij",
    "ze",
    "zij",
    "hij",
    "haar",
    "hem",
    "ons",
    "onze",
    "jullie",
    "er",
    "aan",
    "met",
    "voor",
    "bij",
    "naar",
    "om",
    "als",
    "dan",
    "ook",
    "nog",
    "wel",
    "niet",
    "geen",
    "maar",
    "want",
    "dus",
    "toch",
    "al",
    "wat",
    "wie",
    "hoe",
    "waar",
    "wanneer",
    "waarom",
    "welke",
    "welk",
    "kan",
    "kun",
    "kunt",
    "kunnen",
    "moet",
    "moeten",
    "mag",
    "mogen",
    "wil",
    "wilt",
    "willen",
    "zou",
    "zouden",
    "heb",
    "hebt",
    "heeft",
    "hebben",
    "had",
    "ben",
    "bent",
    "word",
    "wordt",
    "worden",
    "werd",
    "zo",
    "zoals",
    "heel",
    "erg",
    "even",
    "eens",
    "nu",
    "hier",
    "daar",
    "iets",
    "alle",
    "alles",
    "veel",
    "meer",
    "dat",
    "tot",
    "uit",
    "over",
    "door",
    "na",
    "per",
    "zonder",
    "tegen",
    "tussen",
    "da",
    "wa",
    "ge",
    "gij",
    "nen",
    "ne",
    "eigenlijk",
    "precies",
    "gewoon",
    "zn",
    "z",
    "n",
    "s",
    "t",
    "d",
    "m",
    "k",
    "hoor",
    "eh",
    "he",
    "nou",
    "effe",
    "ff",
    "dr",
    "d'r",
    "m'n",
    "mn",
    "zon",
    "lijkt",
    "weet",
    "weten",
    "graag",
    "daarvan",
    "daarmee",
    "ervan",
    "erbij",
    "hun",
    "men",
    "jou",
    "jouw",
    "zich",
    "zelf",
    "wordt",
    "gaat",
    "gaan",
    "ga",
    "doe",
    "doet",
    "doen",
    "komt",
    "laten",
    "laat",
    "vaak",
    "soms",
    "meestal",
    "steeds",
    "weer",
    "ergens",
    "iemand",
    "liggen",
    "ligt",
    "staat",
    "staan",
    "zit",
    "zitten",
    "krijg",
    "krijgt",
    "krijgen",
    "kreeg",
    "via",
    "sinds",
    "toen",
    "omdat",
    "terwijl",
    "hoeveel",
    "waarvoor",
    "waardoor",
    "welk",
    "zeker",
    "misschien",
    "echt",
    "best",
    "beetje",
    "zoiets",
    "dingen",
    "ding",
    "iemands",
    "mezelf",
    "jezelf",
    "uzelf",
    "hé",
    "hey",
    "ok",
    "oke",
    "ja",
    "nee",
    "jа",
    "hallo",
];

const EN_STOP: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "in",
    "on",
    "to",
    "that",
    "this",
    "these",
    "those",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "i",
    "im",
    "you",
    "your",
    "my",
    "me",
    "we",
    "our",
    "us",
    "they",
    "them",
    "their",
    "he",
    "she",
    "his",
    "her",
    "it",
    "its",
    "for",
    "with",
    "at",
    "by",
    "from",
    "as",
    "if",
    "then",
    "also",
    "still",
    "not",
    "no",
    "but",
    "so",
    "what",
    "who",
    "how",
    "where",
    "when",
    "why",
    "which",
    "can",
    "could",
    "should",
    "must",
    "may",
    "might",
    "will",
    "would",
    "shall",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "am",
    "there",
    "here",
    "any",
    "anything",
    "some",
    "something",
    "very",
    "really",
    "just",
    "about",
    "than",
    "too",
    "more",
    "much",
    "many",
    "get",
    "got",
    "s",
    "t",
    "d",
    "ll",
    "ve",
    "re",
    "m",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "cant",
    "wont",
    "whats",
    "hows",
    "thats",
    "please",
    "exactly",
    "actually",
    "know",
    "tell",
    "into",
    "out",
    "up",
    "over",
    "all",
    "one",
    "often",
    "sometimes",
    "usually",
    "again",
    "since",
    "because",
    "while",
    "there",
    "someone",
    "somebody",
    "anyone",
    "thing",
    "things",
    "stuff",
    "maybe",
    "probably",
    "quite",
    "bit",
    "lot",
    "lots",
    "ive",
    "youre",
    "theyre",
    "id",
    "ill",
    "yes",
    "ok",
    "okay",
    "let",
    "want",
    "make",
    "does",
    "being",
    "having",
    "other",
    "another",
    "such",
    "same",
];

/// Is `token` a stop word in either language (carries no topic information)?
pub fn is_stop(token: &str) -> bool {
    NL_STOP.contains(&token) || EN_STOP.contains(&token)
}

/// Words that only one of the two languages uses: evidence for language detection.
const NL_MARKERS: &[&str] = &[
    "de",
    "het",
    "een",
    "en",
    "ik",
    "mijn",
    "is",
    "van",
    "wat",
    "hoe",
    "kan",
    "moet",
    "ik",
    "ben",
    "heb",
    "je",
    "jullie",
    "u",
    "uw",
    "niet",
    "geen",
    "ook",
    "dat",
    "die",
    "bij",
    "naar",
    "wordt",
    "zijn",
    "waarom",
    "welke",
    "wanneer",
    "tekort",
    "uitslag",
    "bloed",
    "huisarts",
    "klachten",
    "vitamine",
    "dank",
    "bedankt",
    "hoi",
    "hallo",
    "goedemorgen",
    "goedemiddag",
    "goedenavond",
    "goeiemorgen",
    "goeienavond",
    "doei",
    "dag",
    "wa",
    "da",
    "ge",
    "nen",
    "met",
    "voor",
    "als",
    "maar",
    "nog",
    "wel",
    "er",
    "te",
    "op",
    "kind",
    "zoon",
    "dochter",
    "man",
    "vrouw",
    "mag",
    "eten",
    "laag",
    "hoog",
];

const EN_MARKERS: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "i",
    "my",
    "is",
    "of",
    "what",
    "how",
    "can",
    "should",
    "am",
    "have",
    "you",
    "your",
    "not",
    "no",
    "also",
    "that",
    "with",
    "to",
    "does",
    "do",
    "are",
    "why",
    "which",
    "when",
    "deficiency",
    "result",
    "blood",
    "doctor",
    "gp",
    "symptoms",
    "vitamin",
    "thanks",
    "thank",
    "hello",
    "hi",
    "bye",
    "cheers",
    "it",
    "for",
    "at",
    "in",
    "if",
    "low",
    "high",
    "kids",
    "child",
    "son",
    "daughter",
    "husband",
    "wife",
    "please",
    "was",
    "there",
    "will",
    "me",
    "be",
    "get",
    "from",
    "on",
    "this",
    "about",
];

/// Detect the language of a message from its words; `None` when there is no evidence
/// either way (numbers only, a single ambiguous word).
pub fn detect_lang(tokens: &[String]) -> Option<Lang> {
    let (mut nl, mut en) = (0i32, 0i32);
    for t in tokens {
        let t = t.as_str();
        // "is", "in", "me" … are shared: they count for neither.
        let in_nl = NL_MARKERS.contains(&t) || NL_STOP.contains(&t);
        let in_en = EN_MARKERS.contains(&t) || EN_STOP.contains(&t);
        match (in_nl, in_en) {
            (true, false) => nl += 1,
            (false, true) => en += 1,
            _ => {
                if t.len() > 4 && dutch_shape(t) {
                    nl += 1;
                } else if t.len() > 4 && english_shape(t) {
                    en += 1;
                }
            }
        }
    }
    match nl.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Nl),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

fn dutch_shape(t: &str) -> bool {
    t.contains("ij")
        || t.contains("oe")
        || t.contains("aa")
        || t.contains("uu")
        || t.ends_with("heid")
        || t.ends_with("lijk")
        || t.starts_with("ge") && t.ends_with('d')
        || t.starts_with("ge") && t.ends_with('t')
        || t.ends_with("en") && !t.ends_with("een")
}

fn english_shape(t: &str) -> bool {
    t.ends_with("ing")
        || t.ends_with("tion")
        || t.ends_with("ly")
        || t.contains("th")
        || t.contains("wh")
        || t.ends_with("ed")
}

/// Stem a token with the Snowball stemmer of `lang`.
pub fn stem(token: &str, lang: Lang) -> String {
    use rust_stemmers::{Algorithm, Stemmer};
    use std::sync::OnceLock;
    static NL: OnceLock<Stemmer> = OnceLock::new();
    static EN: OnceLock<Stemmer> = OnceLock::new();
    match lang {
        Lang::Nl => {
            let s = NL.get_or_init(|| Stemmer::create(Algorithm::Dutch));
            // Past participles meet their verb: "gemeten" ~ "meten", "gebruikt" ~ "bruik".
            let token = match token.strip_prefix("ge") {
                Some(rest) if token.chars().count() >= 7 => rest,
                _ => token,
            };
            s.stem(token).into_owned()
        }
        Lang::En => EN
            .get_or_init(|| Stemmer::create(Algorithm::English))
            .stem(token)
            .into_owned(),
    }
}

/// Does `tokens` contain `pattern`? A pattern is words separated by spaces, matched in
/// order; a word ending in `*` matches any word it starts, and a lone `~` allows up to
/// three other words in between ("bel ~ terug" matches "bel mij even terug").
pub fn has_phrase(tokens: &[String], pattern: &str) -> bool {
    let pat = pattern.split_whitespace();
    (0..tokens.len()).any(|start| phrase_at(tokens, start, pat.clone()))
}

fn phrase_at<'a>(
    tokens: &[String],
    at: usize,
    mut pat: impl Iterator<Item = &'a str> + Clone,
) -> bool {
    let Some(first) = pat.next() else {
        return true;
    };
    if first == "~" {
        return (0..=3)
            .any(|skip| at + skip <= tokens.len() && phrase_at(tokens, at + skip, pat.clone()));
    }
    let Some(tok) = tokens.get(at) else {
        return false;
    };
    word_matches(tok, first) && phrase_at(tokens, at + 1, pat)
}

/// Does one token match one pattern word (`word`, or `prefix*`)?
pub fn word_matches(token: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => token.starts_with(prefix),
        None => token == pattern,
    }
}

/// Does `tokens` contain any of `patterns` (see [`has_phrase`])?
pub fn has_any(tokens: &[String], patterns: &[&str]) -> bool {
    patterns.iter().any(|p| has_phrase(tokens, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(&fold(s))
    }

    #[test]
    fn diacritics_and_case_are_folded() {
        assert_eq!(
            fold("Vegetariër CAFÉ Coördinatie"),
            "vegetarier cafe coordinatie"
        );
    }

    #[test]
    fn b12_compounds_split_and_join() {
        assert_eq!(toks("b12tekort"), ["b12", "tekort"]);
        assert_eq!(toks("B12-tekort"), ["b12", "tekort"]);
        assert_eq!(toks("vitamine B 12"), ["vitamine", "b12"]);
        assert_eq!(toks("vit.b12"), ["vit", "b12"]);
        assert_eq!(toks("vitamine be twaalf"), ["vitamine", "b12"]);
        assert_eq!(toks("vitamin B twelve"), ["vitamin", "b12"]);
        assert_eq!(toks("de em em a test"), ["de", "mma", "test"]);
        assert_eq!(toks("he will be twelve"), ["he", "will", "be", "twelve"]);
        assert_eq!(toks("be 12"), ["be", "12"]);
        assert_eq!(toks("0,18 nmol/l"), ["0", "18", "nmol", "l"]);
    }

    #[test]
    fn phrases_match_in_order_with_gaps_and_prefixes() {
        let t = toks("Kan iemand mij vanmiddag even terugbellen?");
        assert!(has_phrase(&t, "terugbel*"));
        assert!(has_phrase(&t, "iemand ~ terugbel*"));
        assert!(!has_phrase(&t, "terugbel* ~ iemand"));
        assert!(!has_phrase(&t, "bel"));
        assert!(has_phrase(&toks("vlees en bloed"), "vlees en bloed"));
    }

    #[test]
    fn language_is_detected_from_function_words() {
        assert_eq!(
            detect_lang(&toks("wat is vitamine b12 eigenlijk")),
            Some(Lang::Nl)
        );
        assert_eq!(
            detect_lang(&toks("what is vitamin b12 for")),
            Some(Lang::En)
        );
        assert_eq!(detect_lang(&toks("wa doet da in uw lijf")), Some(Lang::Nl));
        assert_eq!(detect_lang(&toks("250")), None);
    }
}
