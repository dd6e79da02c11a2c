//! Candidates: every other number, looked at through a small, fixed window of neighbouring
//! tokens (what it is not: an age, a date, a dose, a bound…), associated with the nearest
//! test name before it, and ranked.

use super::lexicon::{
    AGE_BEFORE, COMPARATORS, COPULAS, COUNT_WORDS, CURRENT_WORDS, DOSE_BEFORE, FILLERS,
    GLUED_SUFFIXES, LABEL_BEFORE, PERSONS, PRONOUNS, REFERENCE_AFTER, REFERENCE_BEFORE,
    RESULT_WORDS, SUPPLEMENT_FORMS, TIME_WORDS, is_month,
};
use super::names::{Role, TestRef};
use super::numbers::{NumVal, parse_number};
use super::tokens::{Kind, Tok};
use super::units::{UnitRead, read_unit};
use super::{Band, Problem, Reading, Unit, band_for, is_plausible};

/// How far back (in words and numbers) a number looks for its test's name.
const NAME_WINDOW: usize = 8;
/// Within this distance a name is "near".
const NEAR: usize = 4;

#[derive(Debug, Clone)]
pub(super) struct Candidate {
    num: NumVal,
    pub(super) unit: Option<UnitRead>,
    test: Option<TestRef>,
    dist: usize,
    tight: bool,
    result_word: bool,
    /// Marked as the current value ("en nu 250", "latest 300").
    current: bool,
}

pub(super) enum Class {
    /// A total-B12 candidate with its score.
    B12(i32),
    /// A number named as another test.
    Other,
    Drop,
}

impl Candidate {
    /// The value in pmol/L (and the number it came from), when it is a plausible total B12.
    fn plausible_pmol(&self) -> Option<(f64, f64)> {
        let unit = match &self.unit {
            Some(UnitRead::B12(u)) => *u,
            None => Unit::PmolPerL,
            _ => return None,
        };
        std::iter::once(self.num.value)
            .chain(self.num.alt)
            .map(|n| (n, unit.to_pmol_per_l(n)))
            .find(|&(_, p)| is_plausible(p))
    }

    pub(super) fn class(&self) -> Class {
        let b12_unit = matches!(self.unit, Some(UnitRead::B12(_)));
        let plausible = self.plausible_pmol().is_some();
        let mut score = 0;
        match self.test {
            Some(TestRef::Other(_)) if self.dist <= NEAR => return Class::Other,
            Some(TestRef::Other(_) | TestRef::Unlisted) => return Class::Drop,
            Some(TestRef::Total) => {
                // A loosely linked bare number that is no plausible B12 value is something
                // else ("b12 tekort, 3 vragen"); a tightly linked one is a typo to report.
                if !self.tight && self.unit.is_none() && !plausible {
                    return Class::Drop;
                }
                score += if self.tight {
                    5
                } else if self.dist <= NEAR {
                    3
                } else {
                    2
                };
            }
            None => {
                let anchored = b12_unit || (self.result_word && self.unit.is_none() && plausible);
                if !anchored {
                    return Class::Drop;
                }
                score += i32::from(self.result_word);
            }
        }
        if b12_unit {
            score += 4;
        }
        if plausible {
            score += 1;
        }
        if self.current {
            score += 2;
        }
        Class::B12(score)
    }

    pub(super) fn reading(&self) -> Reading {
        let not_interpretable = |number, unit, problem| Reading {
            number,
            unit,
            pmol_per_l: None,
            band: Band::NotInterpretable,
            problem: Some(problem),
        };
        let given = match &self.unit {
            Some(UnitRead::B12(u)) => Some(*u),
            _ => None,
        };
        if let Some(TestRef::Other(t)) = self.test {
            return not_interpretable(self.num.value, given, Problem::OtherTest(t));
        }
        if let Some(UnitRead::Unknown(u)) = &self.unit {
            return not_interpretable(self.num.value, None, Problem::UnknownUnit(u.clone()));
        }
        match self.plausible_pmol() {
            Some((number, pmol)) => Reading {
                number,
                unit: given,
                pmol_per_l: Some(pmol),
                band: band_for(pmol),
                problem: None,
            },
            None => not_interpretable(self.num.value, given, Problem::Implausible),
        }
    }
}

/// The previous word before `toks[i]` (skipping `:` and `=`), with its index.
fn word_before(toks: &[Tok], i: usize) -> Option<(usize, &str)> {
    let mut k = i;
    for _ in 0..4 {
        let p = k.checked_sub(1)?;
        let t = &toks[p];
        if let Some(w) = t.word() {
            return Some((p, w));
        }
        if !matches!(t.punct(), Some(':' | '=')) {
            return None;
        }
        k = p;
    }
    None
}

/// Up to `n` words before `toks[i]`, nearest first, stopping at punctuation other than
/// `:`, `=`, `(`, `-`.
fn words_before(toks: &[Tok], i: usize, n: usize) -> impl Iterator<Item = &str> {
    // Bounded: a number looks at a fixed number of tokens, never at the whole message.
    toks[i.saturating_sub(2 * n + 2)..i]
        .iter()
        .rev()
        .take_while(|t| t.kind != Kind::Punct || matches!(t.punct(), Some(':' | '=' | '(' | '-')))
        .filter_map(Tok::word)
        .take(n)
}

/// Whether `toks[j]` ends a plain number, possibly followed by its unit ("150", "150 pmol/l").
fn number_ends_at(text: &str, toks: &[Tok], roles: &[Role], j: usize) -> bool {
    let plain_num = |k: usize| toks[k].kind == Kind::Num && roles[k] == Role::Plain;
    if plain_num(j) {
        return true;
    }
    (j.saturating_sub(3)..j)
        .any(|k| plain_num(k) && read_unit(text, toks, k + 1).is_some_and(|(_, end)| end == j + 1))
}

/// Number, range and time patterns around `toks[i]` (unit ends at `after`) that are never a
/// result: "14:30", "150-220", "21/03", "150 tot 220", "tussen 150 en 220", "< 150", "€ 30".
fn is_range_time_or_symbol(
    text: &str,
    toks: &[Tok],
    roles: &[Role],
    i: usize,
    after: usize,
) -> bool {
    // Times: "14:30" (hours of one or two digits, minutes of two; "b12:180" is no time).
    let hours =
        |k: usize| toks[k].kind == Kind::Num && roles[k] == Role::Plain && toks[k].text.len() <= 2;
    let minutes = |k: usize| {
        toks.get(k)
            .is_some_and(|n| n.kind == Kind::Num && n.glued && n.text.len() == 2)
    };
    let colon = |k: usize| {
        toks.get(k)
            .is_some_and(|c| c.punct() == Some(':') && c.glued)
    };
    if hours(i) && colon(i + 1) && minutes(i + 2) {
        return true;
    }
    if i >= 2 && minutes(i) && colon(i - 1) && hours(i - 2) {
        return true;
    }
    // Ranges and dates after: "150-220", "150 - 220 pmol/l", "21/03", "150 tot 220".
    if let Some(n) = toks.get(after) {
        let joins = matches!(n.punct(), Some('-' | '/'))
            || matches!(
                n.word(),
                Some("tot" | "to" | "a" | "till" | "until" | "tm" | "of" | "or")
            );
        // "van 120 naar 450": the first is the old value, the second the current one.
        let changes = n.is_word("naar");
        if (joins || changes) && toks.get(after + 1).is_some_and(|x| x.kind == Kind::Num) {
            return true;
        }
        if n.punct() == Some('%') {
            return true;
        }
    }
    // Ranges before: "150-220" (the 220), "150 tot 220", "tussen 150 en 220".
    if let Some(p) = i.checked_sub(1) {
        let prev = &toks[p];
        let joins = matches!(prev.punct(), Some('-' | '/'))
            || matches!(
                prev.word(),
                Some("tot" | "to" | "a" | "till" | "until" | "tm" | "of" | "or")
            );
        if joins && p >= 1 && number_ends_at(text, toks, roles, p - 1) {
            return true;
        }
        if matches!(prev.word(), Some("en" | "and"))
            && p >= 2
            && number_ends_at(text, toks, roles, p - 1)
            && (p.saturating_sub(6)..p - 1)
                .any(|k| matches!(toks[k].word(), Some("tussen" | "between")))
        {
            return true;
        }
        if matches!(
            prev.punct(),
            Some('<' | '>' | '≤' | '≥' | '+' | '€' | '$' | '£' | '#')
        ) {
            return true;
        }
    }
    false
}

/// Whether the number at `i` (unit ending at `after`) is a threshold or reference value.
fn is_threshold_or_reference(toks: &[Tok], i: usize, after: usize) -> bool {
    for (k, w) in words_before(toks, i, 4).enumerate() {
        if k < 2 && COMPARATORS.contains(&w) {
            return true;
        }
        if REFERENCE_BEFORE.contains(&w) {
            return true;
        }
    }
    toks[after.min(toks.len())..]
        .iter()
        .take_while(|t| t.kind == Kind::Word)
        .take(2)
        .any(|t| REFERENCE_AFTER.contains(&t.text.as_str()))
}

/// Whether a bare number (no unit) at `i` is an age, a date, a year, a count, a dose or a label.
fn is_something_else(
    toks: &[Tok],
    roles: &[Role],
    i: usize,
    num: &NumVal,
    right_after_b12: bool,
) -> bool {
    let small_int = num.integer && num.value <= 120.0;
    // After: "3 maanden", "52 jaar", "34-year-old", "12 maart", "1000 per dag".
    let mut a = i + 1;
    if toks
        .get(a)
        .is_some_and(|t| t.punct() == Some('-') && t.glued)
    {
        a += 1;
    }
    if let Some(w) = toks.get(a).and_then(Tok::word) {
        if COUNT_WORDS.contains(&w) || (num.integer && num.value <= 31.0 && is_month(w)) {
            return true;
        }
        if matches!(w, "per" | "a" | "elke" | "iedere" | "every" | "each" | "in")
            && toks
                .get(a + 1)
                .and_then(Tok::word)
                .is_some_and(|w| TIME_WORDS.contains(&w))
        {
            return true;
        }
    }
    // A year: "2024".
    if num.integer
        && num.int_digits == 4
        && (1900.0..=2100.0).contains(&num.value)
        && !right_after_b12
    {
        return true;
    }
    // Before.
    let before = word_before(toks, i);
    if let Some((p, w)) = before {
        if LABEL_BEFORE.contains(&w) && p + 1 == i {
            return true;
        }
        if num.integer && num.value <= 31.0 && is_month(w) {
            return true;
        }
        if small_int {
            if AGE_BEFORE.contains(&w) {
                return true;
            }
            let before2 = word_before(toks, p);
            if let Some((q, w2)) = before2 {
                if COPULAS.contains(&w) && PRONOUNS.contains(&w2) {
                    return true;
                }
                if w == "van" && PERSONS.contains(&w2) {
                    return true;
                }
                // "mijn zoon is 12" — but not "de b12 van mijn vrouw is 160".
                if COPULAS.contains(&w)
                    && PERSONS.contains(&w2)
                    && !(q.saturating_sub(3)..q).any(|k| roles[k] == Role::Name(TestRef::Total))
                {
                    return true;
                }
            }
        }
    }
    // "mijn man (67)".
    if small_int
        && i >= 2
        && toks[i - 1].punct() == Some('(')
        && toks[i - 2].word().is_some_and(|w| PERSONS.contains(&w))
    {
        return true;
    }
    // Doses: "ik slik 1000", "methylcobalamine 1000".
    if words_before(toks, i, 3)
        .any(|w| DOSE_BEFORE.contains(&w) || SUPPLEMENT_FORMS.iter().any(|f| w.starts_with(f)))
    {
        return true;
    }
    false
}

/// The test name a number belongs to: the nearest name before it in the same sentence.
/// Returns (test, distance in words, tight, reached a result word through fillers).
fn associate(toks: &[Tok], roles: &[Role], i: usize) -> (Option<TestRef>, usize, bool, bool) {
    let mut dist = 0;
    let mut tight = true;
    let mut result_word = false;
    for k in (0..i).rev() {
        let t = &toks[k];
        match roles[k] {
            Role::Name(test) => return (Some(test), dist + 1, tight, result_word),
            Role::Part => continue,
            Role::Plain => {}
        }
        match t.kind {
            Kind::Punct => {
                if t.brk {
                    break;
                }
                if !matches!(t.punct(), Some(':' | '=' | '(' | ')' | '-' | ',' | '~')) {
                    tight = false;
                }
            }
            Kind::Word | Kind::Num => {
                dist += 1;
                if dist > NAME_WINDOW {
                    break;
                }
                let filler = t.kind == Kind::Word && FILLERS.contains(&t.text.as_str());
                if filler && tight && RESULT_WORDS.contains(&t.text.as_str()) {
                    result_word = true;
                }
                if !filler {
                    tight = false;
                }
            }
        }
    }
    (None, 0, false, result_word)
}

/// A name after a number with a unit ("40 pmol/l actief b12"), within three words.
fn associate_after(toks: &[Tok], roles: &[Role], after: usize) -> Option<(TestRef, usize)> {
    let mut dist = 0;
    for k in after..toks.len() {
        if let Role::Name(test) = roles[k] {
            return Some((test, dist + 1));
        }
        let t = &toks[k];
        if t.brk {
            break;
        }
        if t.kind != Kind::Punct && roles[k] == Role::Plain {
            dist += 1;
            if dist > 3 {
                break;
            }
        }
    }
    None
}

/// The number at `toks[i]` as a candidate result, or `None` when it is something else.
pub(super) fn candidate(text: &str, toks: &[Tok], roles: &[Role], i: usize) -> Option<Candidate> {
    let t = &toks[i];
    let num = parse_number(&t.text)?;
    if num.leading_zero {
        return None; // "06", "010": phone prefixes, date parts
    }
    // Glued to a word before it: part of an identifier ("abc123", "ft4").
    if t.glued && i > 0 && toks[i - 1].kind == Kind::Word {
        return None;
    }
    // Glued ordinal or multiplier after it: "20e", "21st", "2x", "34j".
    if let Some(n) = toks.get(i + 1)
        && n.glued
        && n.word().is_some_and(|w| GLUED_SUFFIXES.contains(&w))
    {
        return None;
    }
    let unit = read_unit(text, toks, i + 1);
    let after = unit.as_ref().map_or(i + 1, |(_, end)| *end);
    let unit = unit.map(|(u, _)| u);
    if unit == Some(UnitRead::Dose) {
        return None;
    }
    if is_range_time_or_symbol(text, toks, roles, i, after)
        || is_threshold_or_reference(toks, i, after)
    {
        return None;
    }
    let (mut test, mut dist, tight, result_word) = associate(toks, roles, i);
    // "b12 2000", "b12 is 2000": right after the name even a year-like number is the value.
    let right_after_b12 = test == Some(TestRef::Total) && tight && dist <= 2;
    if unit.is_none() && is_something_else(toks, roles, i, &num, right_after_b12) {
        return None;
    }
    // A name after the number ("is 180 goed voor b12?", "40 pmol/l actief b12"); another
    // test only counts there with a unit ("3 vragen over ferritine" is no ferritin value).
    if test.is_none()
        && let Some((t, d)) = associate_after(toks, roles, after)
        && (unit.is_some() || t == TestRef::Total)
    {
        test = Some(t);
        dist = d;
    }
    let current = words_before(toks, i, 2).any(|w| CURRENT_WORDS.contains(&w));
    Some(Candidate {
        num,
        unit,
        test,
        dist,
        tight,
        result_word,
        current,
    })
}
