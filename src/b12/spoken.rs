//! Numbers written out in words, as speech-to-text and some patients write them: "honderd
//! vijftig", "tweehonderdvijfendertig", "one hundred and forty-five". They become number
//! tokens, so everything the reader knows about numbers (units, anchors, bounds, doses) holds
//! for them too.
//!
//! Only a run of number words that holds a hundred or a thousand is read: a B12 value in
//! pmol/L is one of those, while "een", "twee", "a" or "one" alone are far more often an
//! article or a count. The vitamin's own number spoken out ("b twaalf", "be twaalf",
//! "vitamin b twelve") becomes the name `b 12`, never a value.

use super::tokens::{Kind, Tok};

const NL_UNITS: [&str; 9] = [
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
];
const NL_TEENS: [&str; 10] = [
    "tien",
    "elf",
    "twaalf",
    "dertien",
    "veertien",
    "vijftien",
    "zestien",
    "zeventien",
    "achttien",
    "negentien",
];
const NL_TENS: [&str; 8] = [
    "twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig",
];
const EN_UNITS: [&str; 9] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];
const EN_TEENS: [&str; 10] = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn position(list: &[&str], w: &str) -> Option<u32> {
    list.iter().position(|x| *x == w).map(|i| i as u32)
}

/// A Dutch number below a hundred written as one word: "vijf", "twaalf", "veertig",
/// "vijfenveertig", "tweeentwintig" (the diaeresis folded away).
fn nl_below_100(w: &str) -> Option<u32> {
    if let Some(u) = position(&NL_UNITS, w) {
        return Some(u + 1);
    }
    if let Some(t) = position(&NL_TEENS, w) {
        return Some(t + 10);
    }
    if let Some(t) = position(&NL_TENS, w) {
        return Some(20 + 10 * t);
    }
    // "<unit>en<ten>": the joining "en" may come after an "en" inside the unit ("negen").
    w.match_indices("en").find_map(|(at, _)| {
        let u = position(&NL_UNITS, &w[..at])?;
        let t = position(&NL_TENS, &w[at + 2..])?;
        Some(20 + 10 * t + u + 1)
    })
}

/// `w` around its scale word (`honderd`, `duizend`): `[head] word [en] [rest]`, the head (1
/// when absent) times `scale` plus the rest (0 when absent). The inner `None`: a part does not
/// read; the outer: `w` does not hold `word`.
fn nl_scaled(
    w: &str,
    word: &str,
    scale: u32,
    head: impl Fn(&str) -> Option<u32>,
    rest: impl Fn(&str) -> Option<u32>,
) -> Option<Option<u32>> {
    let (h, r) = w.split_once(word)?;
    let h = if h.is_empty() { Some(1) } else { head(h) };
    let r = r.strip_prefix("en").filter(|x| !x.is_empty()).unwrap_or(r);
    let r = if r.is_empty() { Some(0) } else { rest(r) };
    Some(h.zip(r).map(|(h, r)| h * scale + r))
}

/// A Dutch number below a thousand written as one word ("honderd", "tweehonderdvijftig",
/// "honderdenvijf"); the flag says whether it holds "honderd".
fn nl_below_1000(w: &str) -> Option<(u32, bool)> {
    let unit = |h: &str| position(&NL_UNITS, h).map(|u| u + 1);
    match nl_scaled(w, "honderd", 100, unit, nl_below_100) {
        Some(n) => n.map(|n| (n, true)),
        None => nl_below_100(w).map(|n| (n, false)),
    }
}

/// A Dutch number written as one word (the words of a run joined): "duizend", "tweeduizend",
/// "duizendtweehonderd", "honderdvijftig". The flag: it holds a hundred or a thousand.
fn nl_number(w: &str) -> Option<(u32, bool)> {
    let below = |p: &str| nl_below_1000(p).map(|(n, _)| n);
    match nl_scaled(w, "duizend", 1000, below, below) {
        Some(n) => n.map(|n| (n, true)),
        None => nl_below_1000(w),
    }
}

/// An English number from its words ("one", "hundred", "and", "forty", "five"); the flag:
/// it holds a hundred or a thousand. `None` for words that do not make one number ("five
/// forty", "hundred and").
fn en_number(words: &[&str]) -> Option<(u32, bool)> {
    let (mut total, mut current, mut big) = (0u32, 0u32, false);
    // What the previous word allows next: 0 anything, 1 a unit only (after a ten), 2 nothing
    // small (after a unit or teen).
    let mut after = 0u8;
    for (k, &w) in words.iter().enumerate() {
        let last = k + 1 == words.len();
        match w {
            "a" if k == 0 && !last => current = 1,
            "and" if big && !last && current % 100 == 0 => {}
            "hundred" => {
                if current >= 10 || big && current == 0 {
                    return None;
                }
                current = current.max(1) * 100;
                big = true;
                after = 0;
            }
            "thousand" => {
                if total > 0 {
                    return None;
                }
                total = current.max(1) * 1000;
                current = 0;
                big = true;
                after = 0;
            }
            _ => {
                if let Some(u) = position(&EN_UNITS, w) {
                    if after == 2 {
                        return None;
                    }
                    current += u + 1;
                    after = 2;
                } else if let Some(t) = position(&EN_TEENS, w) {
                    if after != 0 {
                        return None;
                    }
                    current += t + 10;
                    after = 2;
                } else if let Some(t) = position(&EN_TENS, w) {
                    if after != 0 {
                        return None;
                    }
                    current += 20 + 10 * t;
                    after = 1;
                } else {
                    return None;
                }
            }
        }
    }
    Some((total + current, big))
}

/// The value of one number word, Dutch or English ("zeven", "twintig", "vijfenveertig",
/// "seven", "twenty"; one word, so not "forty-five" split), for counts and ages. Not "een",
/// "one" or "a": far more often an article than a number.
pub(super) fn word_value(w: &str) -> Option<u32> {
    if matches!(w, "een" | "one" | "a" | "en" | "and") {
        return None;
    }
    if let Some((n, _)) = nl_number(w) {
        return Some(n);
    }
    position(&EN_UNITS, w)
        .map(|u| u + 1)
        .or_else(|| position(&EN_TEENS, w).map(|t| t + 10))
        .or_else(|| position(&EN_TENS, w).map(|t| 20 + 10 * t))
        .or_else(|| (w == "hundred").then_some(100))
}

/// Could `w` be one of the words of a written-out number (in either language)?
fn number_word(w: &str) -> bool {
    matches!(w, "en" | "and" | "a" | "hundred" | "thousand")
        || position(&EN_UNITS, w).is_some()
        || position(&EN_TEENS, w).is_some()
        || position(&EN_TENS, w).is_some()
        || nl_number(w).is_some()
}

/// The value of the words of `toks` as one written-out number holding a hundred or a
/// thousand (a hyphen may join two of them: "forty-five").
fn value_of(toks: &[Tok]) -> Option<u32> {
    let words: Vec<&str> = toks.iter().filter_map(Tok::word).collect();
    let first = *words.first()?;
    let last = *words.last()?;
    if matches!(first, "en" | "and") || matches!(last, "en" | "and" | "a") {
        return None;
    }
    let nl = nl_number(&words.concat());
    let en = en_number(&words);
    match nl.or(en) {
        Some((n, true)) if n > 0 => Some(n),
        _ => None,
    }
}

/// `toks` with written-out numbers made number tokens (see the module's text).
pub(super) fn read_spoken(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        // The vitamin's number spoken: "b twaalf", "be twaalf", "b twelve", "bee twelve".
        if let (Some(b), Some(n)) = (toks[i].word(), toks.get(i + 1).and_then(Tok::word))
            && matches!((b, n), ("b" | "be", "twaalf") | ("b" | "bee", "twelve"))
        {
            let mut name = toks[i].clone();
            name.text = "b".into();
            let mut twelve = toks[i + 1].clone();
            twelve.kind = Kind::Num;
            twelve.text = "12".into();
            out.push(name);
            out.push(twelve);
            i += 2;
            continue;
        }
        // The longest run of number words (and hyphens between them) from here that reads as
        // one number.
        let mut end = i;
        let mut best: Option<(usize, u32)> = None;
        while end < toks.len() {
            let t = &toks[end];
            let joins = t.punct() == Some('-')
                && end > i
                && toks
                    .get(end + 1)
                    .is_some_and(|n| n.glued && n.word().is_some());
            if !(joins || t.word().is_some_and(number_word)) || (end > i && t.brk) {
                break;
            }
            end += 1;
            if let Some(v) = value_of(&toks[i..end]) {
                best = Some((end, v));
            }
        }
        match best {
            Some((end, v)) => {
                out.push(Tok {
                    kind: Kind::Num,
                    text: v.to_string(),
                    start: toks[i].start,
                    end: toks[end - 1].end,
                    glued: toks[i].glued,
                    brk: false,
                });
                i = end;
            }
            None => {
                out.push(toks[i].clone());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(text: &str) -> Vec<String> {
        read_spoken(super::super::tokens::tokenize(text))
            .into_iter()
            .filter(|t| t.kind == Kind::Num)
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn dutch_numbers_in_words_and_compounds() {
        assert_eq!(nums("het was honderd zeventig"), ["170"]);
        assert_eq!(nums("tweehonderdvijfendertig"), ["235"]);
        assert_eq!(nums("twee honderd en negen"), ["209"]);
        assert_eq!(nums("honderd drie en tachtig"), ["183"]);
        assert_eq!(nums("duizend tweehonderd"), ["1200"]);
        assert_eq!(nums("honderd"), ["100"]);
        assert_eq!(nums("honderdnegenenveertig"), ["149"]);
    }

    #[test]
    fn english_numbers_in_words() {
        assert_eq!(nums("it was one hundred and sixty-two"), ["162"]);
        assert_eq!(nums("a hundred ninety"), ["190"]);
        assert_eq!(nums("two thousand three hundred"), ["2300"]);
        assert_eq!(nums("three hundred and"), ["300"]);
    }

    #[test]
    fn small_number_words_and_articles_stay_words() {
        assert!(nums("ik heb een vraag over twee tabletten").is_empty());
        assert!(nums("one more question and a thank you").is_empty());
        assert!(nums("vijf en twintig dagen").is_empty());
    }

    #[test]
    fn one_number_word_has_its_value_but_an_article_does_not() {
        for (w, n) in [
            ("zeven", 7),
            ("twintig", 20),
            ("vijfenveertig", 45),
            ("seven", 7),
        ] {
            assert_eq!(word_value(w), Some(n), "{w}");
        }
        for (w, n) in [("twelve", 12), ("thirty", 30), ("hundred", 100)] {
            assert_eq!(word_value(w), Some(n), "{w}");
        }
        for w in ["een", "one", "a", "week", "weken"] {
            assert_eq!(word_value(w), None, "{w}");
        }
    }

    #[test]
    fn the_vitamins_spoken_number_is_its_name() {
        let toks = read_spoken(super::super::tokens::tokenize("vitamine be twaalf"));
        assert_eq!(toks[1].text, "b");
        assert_eq!((toks[2].kind, toks[2].text.as_str()), (Kind::Num, "12"));
        assert_eq!(nums("b twelve was two hundred"), ["12", "200"]);
    }
}
