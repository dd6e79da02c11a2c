//! Recognising the conversational intents that are not FAQ topics: asking for a person
//! (`human`), greetings/thanks/goodbyes (`smalltalk`), and the signs that a question is
//! about something the FAQ does not cover (another vitamin or mineral, hospital logistics).
//!
//! The lexicons are data: folded, tokenised phrase patterns (see [`text::has_phrase`]).

use crate::text;

/// Asking for a human being: a staff member, a call back, being put through.
const HUMAN: &[&str] = &[
    "medewerker*",
    "verpleegkundig*",
    "verpleger*",
    "zuster",
    "een mens",
    "echt* mens*",
    "echt* persoon",
    "vlees en bloed",
    "geen robot",
    "geen bot",
    "geen computer",
    "collega",
    "iemand ~ spreken",
    "iemand ~ praten",
    "iemand ~ bellen",
    "persoonlijk ~ spreken",
    "persoon ~ spreken",
    "arts ~ spreken",
    "dokter ~ spreken",
    "specialist ~ spreken",
    "terugbel*",
    "terug ~ bellen",
    "bel ~ terug",
    "bel me",
    "bel mij",
    "mij ~ bellen",
    "me ~ bellen",
    "doorverbind*",
    "doorverbonden",
    "doorverbinden",
    "secretariaat",
    "secretaresse",
    "receptie",
    "telefonist*",
    "staff",
    "a person",
    "a human",
    "real person",
    "real human",
    "actual person",
    "human being",
    "speak ~ someone",
    "speak ~ somebody",
    "talk ~ someone",
    "talk ~ somebody",
    "speak ~ nurse",
    "talk ~ nurse",
    "speak ~ doctor",
    "talk ~ doctor",
    "speak ~ person",
    "talk ~ person",
    "call me",
    "call ~ back",
    "callback",
    "ring me",
    "put me through",
    "connect me",
    "transfer me",
    "secretary",
    "receptionist",
    "operator",
    "not a bot",
    "not a robot",
    "mens ~ praten",
    "mens ~ spreken",
    "iemand ~ klappen",
    "dokter ~ klappen",
    "arts ~ klappen",
    "iemand ~ lijn",
    "iemand ~ telefoon",
    "geef ~ iemand",
    // Said to the bot, not of a partner or a GP ("mijn man begrijpt me niet").
    "je snapt me niet",
    "jij snapt me niet",
    "u snapt me niet",
    "je begrijpt me niet",
    "jij begrijpt me niet",
    "u begrijpt me niet",
    "someone ~ phone",
    "you dont understand me",
    "you dont understand my",
    "you dont get it",
];

/// Words that make a message about the bot's own topics again ("should I talk to my
/// GP?" is a question, not a request for our staff).
const HUMAN_NOT: &[&str] = &["huisarts", "my gp", "my doctor", "mijn dokter", "mijn arts"];

const GREETING: &[&str] = &[
    "hoi",
    "hallo",
    "hey",
    "hee",
    "hi",
    "hello",
    "hiya",
    "yo",
    "goedemorgen",
    "goedemiddag",
    "goedenavond",
    "goeiemorgen",
    "goeiemiddag",
    "goeienavond",
    "goeiendag",
    "goedendag",
    "morgen",
    "middag",
    "avond",
    "dag",
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
    "daag",
    "hallo*",
    "moi",
    "hoihoi",
];

/// Words that praise an answer and so, alone or beside a thanks, close a conversation like
/// one ("top", "duidelijk"); they also judge a thing, so they are small talk only when nothing
/// else is said (see [`THANKING`] for the words that only thank).
const APPROVING: &[&str] = &[
    "top",
    "super",
    "fijn",
    "helder",
    "duidelijk",
    "perfect",
    "great",
    "dankzij",
];

/// Every word of thanks or praise.
const THANKS: [&[&str]; 2] = [THANKING, APPROVING];

/// Goodbyes that are not only goodbyes ("dag" is also a day, "later" later on), or that
/// [`closes`] does not read as one.
const BYE_ALSO: &[&str] = &["dag", "tot later", "later", "fijne dag", "have a nice day"];

/// Every goodbye.
const BYE: [&[&str]; 2] = [LEAVING, BYE_ALSO];

/// Words that may accompany small talk without making it a question.
const SMALLTALK_FILLER: &[&str] = &[
    "uitleg",
    "explanation",
    "info",
    "informatie",
    "information",
    "hulp",
    "help",
    "genoeg",
    "enough",
    "ok",
    "oke",
    "okay",
    "okey",
    "goed",
    "good",
    "well",
    "nice",
    "so",
    "wel",
    "vriendelijk",
    "lot",
    "alot",
    "lots",
    "heel",
    "veel",
    "much",
    "nogmaals",
    "again",
    "alvast",
    "voorlopig",
    "nu",
    "now",
    "antwoord",
    "answer",
    "answers",
    "antwoorden",
    "reactie",
    "hartelijk",
    "vriendelijke",
    "groet",
    "groeten",
    "regards",
    "everyone",
    "allemaal",
    "daar",
    "bot",
    "jij",
    "chatbot",
    "you",
    "all",
    "that",
    "everything",
    "alles",
    "weer",
    "verder",
    // a letter's opening, and Flemish "allee"
    "geachte",
    "heer",
    "mevrouw",
    "dear",
    "sir",
    "madam",
    "allee",
    "allez",
    "schone",
    "night",
    // "that was just what I wanted to know"
    "precies",
    "wilde",
    "wou",
    "weten",
    "zocht",
    "nodig",
    "exactly",
    "just",
    "wanted",
    "needed",
    "know",
    "looking",
];

/// What kind of small talk a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smalltalk {
    Greeting,
    Thanks,
    Bye,
}

/// Does the patient ask for a person? A word one typo from a word of the requests
/// ("iemnd", "belle", "sprekn") reads as that word.
pub fn wants_human(tokens: &[String]) -> bool {
    let fixed: Vec<String> = tokens.iter().map(|t| human_word(t)).collect();
    text::has_any(&fixed, HUMAN) && !text::has_any(&fixed, HUMAN_NOT)
}

/// `t`, or the word of the [`HUMAN`] requests it is one typo from (words of five letters or
/// more, against words of six or more: "iemnd" is "iemand", "mendewerker" "medewerker").
fn human_word(t: &str) -> String {
    // A real word one letter from a request's word is not a typo of it, nor is a word of
    // the requests themselves ("person" is not "persoon").
    let words = || HUMAN.iter().flat_map(|p| p.split(' '));
    let own = words().any(|p| text::word_matches(t, p));
    if !own && t.chars().count() >= 5 && !matches!(t, "niemand" | "spreekt") {
        for p in words() {
            let w = p.trim_end_matches('*');
            if w.len() >= 6 && t != w && one_typo(t, w) {
                return w.to_string();
            }
        }
    }
    t.to_string()
}

/// Strip leading greetings ("hoi, wat is b12?" → "wat is b12?" as tokens).
pub fn without_smalltalk(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !is_smalltalk_word(t))
        .cloned()
        .collect()
}

fn is_smalltalk_word(t: &str) -> bool {
    let one = [t.to_string()];
    let mut closing = THANKS.iter().chain(&BYE);
    std::iter::once(&GREETING)
        .chain(closing.clone())
        .any(|lex| {
            lex.iter()
                .any(|p| !p.contains(' ') && text::has_phrase(&one, p))
        })
        || closing.any(|lex| typo_of_one(t, lex))
}

/// Does `tokens` hold a word or phrase of one of `lists`?
fn has_any_of(tokens: &[String], lists: &[&[&str]]) -> bool {
    lists.iter().any(|l| text::has_any(tokens, l))
}

/// Does `tokens` hold a word of one of `lists`, or a one-word entry with a typo?
fn says(tokens: &[String], lists: &[&[&str]]) -> bool {
    has_any_of(tokens, lists)
        || tokens
            .iter()
            .any(|t| lists.iter().any(|l| typo_of_one(t, l)))
}

/// Is `t` one typo from a one-word entry of `lex` ("bedanktt", "dankjwel")? Only for words of
/// six letters or more, so short words do not become thanks.
fn typo_of_one(t: &str, lex: &[&str]) -> bool {
    t.chars().count() >= 6
        && lex
            .iter()
            .any(|w| !w.contains([' ', '*']) && w.len() >= 6 && one_typo(t, w))
}

/// Exactly one typo apart (Damerau-Levenshtein 1). Words whose lengths differ by more than
/// one never are; checking that first keeps this off the hot path of every message.
fn one_typo(t: &str, w: &str) -> bool {
    t.len().abs_diff(w.len()) <= 1 && strsim::damerau_levenshtein(t, w) == 1
}

/// The words that close a letter ("met vriendelijke groet", "kind regards"): the name
/// signed after them is not part of the message.
const CLOSING: &[&str] = &["groet", "groeten", "regards", "sincerely"];

/// Is the whole message small talk (nothing else asked)? Returns its kind.
pub fn smalltalk(tokens: &[String]) -> Option<Smalltalk> {
    let signed = tokens
        .iter()
        .rposition(|t| CLOSING.contains(&t.as_str()))
        .map_or(tokens.len(), |at| at + 1);
    let tokens = &tokens[..signed];
    let kind = if says(tokens, &THANKS) {
        Smalltalk::Thanks
    } else if has_any_of(tokens, &BYE) && !text::has_any(tokens, &["dag"]) {
        Smalltalk::Bye
    } else if text::has_any(tokens, GREETING) {
        Smalltalk::Greeting
    } else if has_any_of(tokens, &BYE) {
        Smalltalk::Bye
    } else {
        return None;
    };
    let rest = tokens.iter().filter(|t| {
        !is_smalltalk_word(t)
            && !text::is_stop(t)
            && !SMALLTALK_FILLER.contains(&t.as_str())
            && !t.chars().all(|c| c.is_ascii_digit())
    });
    (rest.count() == 0).then_some(kind)
}

/// Words that only thank (not "top", "fijn" or "duidelijk", which also judge a thing).
const THANKING: &[&str] = &[
    "bedankt",
    "dank",
    "dankjewel",
    "dankje",
    "dankuwel",
    "merci",
    "thanks",
    "thank*",
    "thx",
    "ty",
    "tnx",
    "cheers",
    "appreciated",
];

/// Words that only take leave ("dag" and "later" also mean a day and later on).
const LEAVING: &[&str] = &[
    "doei",
    "doeg",
    "daag",
    "tot ziens",
    "bye",
    "goodbye",
    "ciao",
    "see you",
    "houdoe",
    "salut",
    "ajuus",
    "adios",
    "welterusten",
    "goedenacht",
    "goodnight",
];

/// Does the message thank or take leave in so many words (perhaps with a typo), whatever
/// else it says? The kind it names: thanks before a goodbye. (Whether the rest is a question
/// is for the caller to judge.)
pub fn closes(tokens: &[String]) -> Option<Smalltalk> {
    if says(tokens, &[THANKING]) {
        Some(Smalltalk::Thanks)
    } else if says(tokens, &[LEAVING]) {
        Some(Smalltalk::Bye)
    } else {
        None
    }
}

/// Words that tie a message to vitamin B12 itself.
const DOMAIN: &[&str] = &[
    "b12",
    "cobalamine",
    "cobalamin",
    "cobalamines",
    "cyanocobalamine",
    "cyanocobalamin",
    "hydroxocobalamine",
    "hydroxocobalamin",
    "methylcobalamine",
    "methylcobalamin",
    "methylmalonzuur",
    "methylmalonic",
    "mma",
    "holotc",
    "holotranscobalamine",
    "zbc",
    "b12kliniek",
];

/// Does the message name vitamin B12 (or its tests) itself?
pub fn names_b12(tokens: &[String]) -> bool {
    tokens.iter().any(|t| DOMAIN.contains(&t.as_str()))
}

/// Does the message name a subject the FAQ does not cover (`subjects`: the out-of-scope
/// file's, folded patterns as [`text::has_phrase`] reads them)? Named without B12, such a
/// subject makes a question out of scope even when it shares words like "vitamine" or
/// "tekort" with the FAQ.
pub fn names_other_subject<'a>(
    tokens: &[String],
    subjects: impl IntoIterator<Item = &'a String>,
) -> bool {
    subjects.into_iter().any(|p| text::has_phrase(tokens, p))
}
