//! Finding a reported total-B12 value and its unit in free text; the hospital's bands.
//!
//! Pure: no I/O. The bands are the hospital's own table (leaflet): < 150 pmol/L high chance,
//! 150–220 pmol/L (both inclusive) extra MMA test on the same sample, > 220 very small chance.
//!
//! # How a value is read
//!
//! A small tokenizer splits the message into words, numbers and the punctuation that matters
//! (`:`, `=`, `-`, `/`, `(`, `<`, …), remembering for each token whether it was glued to the
//! previous one. Then, in one linear pass each:
//!
//! 1. **Names** are marked: total B12 (`b12`, `b-12`, `b 12`, `vit.b12`, `cobalamine`) and the
//!    tests that are *not* total B12 (active B12 / holoTC, MMA, homocysteine, folate, ferritin,
//!    Hb, iron, other vitamins, and a few other lab tests). The `12` of a B12 name is part of the
//!    name and is never a candidate value.
//! 2. **Every other number** is looked at through a small, fixed window of neighbouring tokens
//!    (so the work per number is constant and the whole read is linear). Numbers that are
//!    something else — ages, dates, times, doses, counts, reference ranges, thresholds, phone
//!    numbers — are skipped. A unit after the number is read.
//! 3. A kept number is **associated** with the nearest test name before it (within the same
//!    sentence, at most 8 words back). "Tight" when only filler words stand between
//!    (`b12 uitslag was 180`), which is the strongest signal there is.
//! 4. The best total-B12 candidate wins (explicit B12 unit, tight anchor, nearness,
//!    plausibility); failing that, a number named as another test gives
//!    [`Problem::OtherTest`]; failing that, `None`.
//!
//! # Decisions
//!
//! - **No unit is guessed.** A bare number is pmol/L when that is plausible; a bare `0,18` is not
//!   silently taken as nmol/L but reported as [`Problem::Implausible`], so the patient is asked
//!   to check the unit.
//! - **Plausible** means 20–5000 pmol/L after conversion ([`is_plausible`]). A number tightly
//!   tied to the name ("b12 is 3", "cobalamine 45000") outside it is reported as implausible; a
//!   loosely tied one ("b12 tekort, 3 vragen") is not taken as a value at all.
//! - **Bounds are not values**: "<150", "> 2000", "onder de 150", "tussen 150 en 220",
//!   "(145-569)", "normaal 200 tot 600", "de grens is 220" give no reading.
//! - **Separators**: a decimal comma or point is understood ("0,18", "184.5"); one separator
//!   before exactly three digits is a thousands separator ("1.200", "1,200" → 1200) unless only
//!   the decimal reading is plausible in the given unit ("1,200 nmol/L" → 1.2 nmol/L).
//! - **Years**: a four-digit number 1900–2100 without a unit is a year, unless it directly
//!   follows the B12 name ("b12 2000", "b12 is 2000").
//! - **Several values**: an explicit B12 unit and a tight link to the name count most; a word
//!   like "nu" / "latest" marks the current value; "van 120 naar 450" reads 450; otherwise the
//!   first one wins.
//! - **Other tests**: the number goes with the nearest name before it, so "b12 300, ferritine
//!   40" reads 300, and "actief b12 28" is active B12 even though "b12" is in it. Lab tests
//!   without an [`OtherTest`] variant (TSH, MCV, HbA1c, glucose…) only stop their numbers from
//!   being read as B12 (no variant was added: the engine matches `OtherTest` exhaustively).

use crate::text::fold_char;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;

/// The hospital's bands, as in the answer contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    HighChance,
    ExtraTest,
    VerySmallChance,
    NotInterpretable,
}

/// Units a total-B12 value can be reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    PmolPerL,
    PgPerMl,
    NgPerL,
    NmolPerL,
}

/// pmol/L per pg/mL (= per ng/L): 1 / 1.355, the molar mass of cobalamin being ≈ 1355 g/mol.
pub const PMOL_PER_PG_ML: f64 = 0.738;

/// The smallest total-B12 value (pmol/L) read as a plausible result; below it, a typo or
/// another test is more likely (clinical facts: "far outside roughly 20–5000 pmol/L").
pub const PLAUSIBLE_MIN_PMOL: f64 = 20.0;
/// The largest total-B12 value (pmol/L) read as a plausible result.
pub const PLAUSIBLE_MAX_PMOL: f64 = 5000.0;

impl Unit {
    /// How the unit is written in replies and in the JSON contract.
    pub fn label(self) -> &'static str {
        match self {
            Unit::PmolPerL => "pmol/L",
            Unit::PgPerMl => "pg/mL",
            Unit::NgPerL => "ng/L",
            Unit::NmolPerL => "nmol/L",
        }
    }

    /// A value in this unit, converted to pmol/L and rounded to 0.1 pmol/L.
    ///
    /// The rounding removes floating-point noise of the conversion (0.22 × 1000 is
    /// 220.00000000000003 in `f64`, which would otherwise fall in the wrong band); labs never
    /// report B12 more precisely than whole pmol/L.
    pub fn to_pmol_per_l(self, value: f64) -> f64 {
        let pmol = match self {
            Unit::PmolPerL => value,
            Unit::PgPerMl | Unit::NgPerL => value * PMOL_PER_PG_ML,
            Unit::NmolPerL => value * 1000.0,
        };
        (pmol * 10.0).round() / 10.0
    }
}

/// Tests that are not total serum B12: the hospital's bands never apply to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherTest {
    ActiveB12,
    Mma,
    Homocysteine,
    Folate,
    Ferritin,
    Haemoglobin,
    Iron,
    OtherVitamin,
}

/// Why a number cannot be put in a band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The number belongs to another test.
    OtherTest(OtherTest),
    /// The number is not a plausible total-B12 value (typo, other test, wrong unit).
    Implausible,
    /// A unit we do not know for total B12 (e.g. µmol/L, mmol/L, µg/L); the text as written.
    UnknownUnit(String),
}

/// A reported value, read from a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The number as written (decimal comma understood).
    pub number: f64,
    /// The unit given, or `None` when the patient gave none.
    pub unit: Option<Unit>,
    /// The value in pmol/L when it is interpretable.
    pub pmol_per_l: Option<f64>,
    pub band: Band,
    pub problem: Option<Problem>,
}

/// The hospital's band for a total-B12 value in pmol/L.
///
/// The value is used **as given**, without rounding to whole numbers: 149.6 is below 150 and so
/// `HighChance`; 220.4 is above 220 and so `VerySmallChance`. Rounding first would move a
/// patient across the hospital's published boundary on a digit the lab printed, and the
/// leaflet's table is written with strict `<` and `>` around an inclusive 150–220. (Values
/// converted from another unit are rounded to 0.1 pmol/L by [`Unit::to_pmol_per_l`] only to
/// remove floating-point noise: 203 pg/mL → 149.8 → `HighChance`.)
///
/// A NaN, infinite or negative value is `NotInterpretable`.
pub fn band_for(pmol: f64) -> Band {
    if !pmol.is_finite() || pmol < 0.0 {
        Band::NotInterpretable
    } else if pmol < 150.0 {
        Band::HighChance
    } else if pmol <= 220.0 {
        Band::ExtraTest
    } else {
        Band::VerySmallChance
    }
}

/// Whether a value in pmol/L is a plausible total-B12 result.
pub fn is_plausible(pmol: f64) -> bool {
    (PLAUSIBLE_MIN_PMOL..=PLAUSIBLE_MAX_PMOL).contains(&pmol)
}

/// Does the message say the value was measured somewhere other than this hospital's
/// laboratory: another lab or hospital, a university medical centre (UMC), a commercial lab,
/// another country? The hospital's table — and its automatic extra test — then do not apply
/// as such (the leaflet: every lab has its own tests and limits).
pub fn names_other_lab(text: &str) -> bool {
    const PLACES: &[&str] = &[
        "umc",
        "umcg",
        "umcu",
        "amc",
        "lumc",
        "vumc",
        "mumc",
        "radboudumc",
        "erasmusmc",
        "saltro",
        "certe",
        "atalmedial",
        "huisartsenlab",
        "huisartsenlaboratorium",
        "buitenland",
        "abroad",
        "belgie",
        "duitsland",
        "frankrijk",
        "spanje",
        "engeland",
        "belgium",
        "germany",
        "france",
        "spain",
        "england",
        "usa",
        "amerika",
        "america",
    ];
    const OTHER: &[&str] = &["ander", "andere", "other", "another", "different"];
    const LABS: &[&str] = &[
        "lab",
        "labs",
        "laboratorium",
        "laboratoria",
        "laboratory",
        "laboratories",
        "ziekenhuis",
        "hospital",
        "kliniek",
        "clinic",
    ];
    let words = crate::text::tokens(&crate::text::fold(text));
    words.iter().enumerate().any(|(i, w)| {
        PLACES.contains(&w.as_str())
            || (OTHER.contains(&w.as_str())
                && words[i + 1..]
                    .iter()
                    .take(2)
                    .any(|next| LABS.contains(&next.as_str())))
    })
}

/// The patient's own reported total-B12 value in `text`, if the message reports one.
///
/// `None` when no value is reported (a question about B12, a threshold, a dose, an age…).
/// `Some` with [`Band::NotInterpretable`] and a [`Problem`] when a value is reported that must
/// not be put in a band: another test's number, an implausible number, an unknown unit.
///
/// Linear in the length of the text; never panics.
pub fn read_value(text: &str) -> Option<Reading> {
    let toks = tokenize(text);
    let roles = name_roles(&toks);

    let mut best: Option<(i32, Candidate)> = None;
    let mut other: Option<Candidate> = None;
    for i in 0..toks.len() {
        if toks[i].kind != Kind::Num || roles[i] != Role::Plain {
            continue;
        }
        let Some(c) = candidate(text, &toks, &roles, i) else {
            continue;
        };
        match c.class() {
            Class::B12(score) => {
                if best.as_ref().is_none_or(|(s, _)| score > *s) {
                    best = Some((score, c));
                }
            }
            Class::Other => {
                if other.is_none() {
                    other = Some(c);
                }
            }
            Class::Drop => {}
        }
    }
    match (best, other) {
        (Some((_, c)), _) | (None, Some(c)) => Some(c.reading()),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Num,
    Punct,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    /// Folded text for words; the digits and separators as written for numbers; the
    /// (normalised) character for punctuation.
    text: String,
    /// Byte range in the original text.
    start: usize,
    end: usize,
    /// Nothing at all (not even a space) between the previous token and this one.
    glued: bool,
    /// Punctuation that ends a sentence: `.` before a space, `!`, `?`, `;`, a newline.
    brk: bool,
}

impl Tok {
    fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text == w
    }
    fn word(&self) -> Option<&str> {
        (self.kind == Kind::Word).then_some(self.text.as_str())
    }
    fn punct(&self) -> Option<char> {
        if self.kind == Kind::Punct {
            self.text.chars().next()
        } else {
            None
        }
    }
}

/// Punctuation the reader looks at (normalised: all dashes become `-`); other symbols, emoji
/// and control characters only separate tokens.
fn punct_char(c: char) -> Option<char> {
    Some(match c {
        '-' | '–' | '—' | '‐' | '‑' | '−' => '-',
        ':' | '=' | '(' | ')' | '[' | ']' | '/' | '.' | ',' | '%' | '<' | '>' | '≤' | '≥' | '+'
        | '€' | '$' | '£' | '#' | '?' | '!' | ';' | '~' | '±' | '\n' => c,
        _ => return None,
    })
}

fn tokenize(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let is_digit_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    let mut toks: Vec<Tok> = Vec::new();
    let mut glued = false;
    let mut it = text.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_ascii_digit() {
            // A number: digits with inner `.`/`,` separators ("0,18", "1.200", "12.03.2024").
            // Right after a glued "b", "12" is cut off on its own so that "b12,180" is the name
            // "b12" and the number 180, not 12180.
            let after_b = glued
                && toks
                    .last()
                    .is_some_and(|t| t.kind == Kind::Word && t.text.ends_with('b'));
            let mut end = i;
            if after_b && text[i..].starts_with("12") && !is_digit_at(i + 2) {
                end = i + 2;
                it.next();
                it.next();
            } else {
                while let Some(&(j, d)) = it.peek() {
                    if d.is_ascii_digit() || ((d == '.' || d == ',') && is_digit_at(j + 1)) {
                        end = j + 1;
                        it.next();
                    } else {
                        break;
                    }
                }
            }
            toks.push(Tok {
                kind: Kind::Num,
                text: text[i..end].to_string(),
                start: i,
                end,
                glued,
                brk: false,
            });
            glued = true;
        } else if c.is_alphabetic() {
            let mut w = String::new();
            let mut end = i;
            while let Some(&(j, d)) = it.peek() {
                if d.is_alphabetic() {
                    fold_char(d, &mut w);
                } else if is_combining_mark(d) {
                    // Decomposed accents ("e" + U+0301) stay inside the word.
                } else if (d == '\'' || d == '’')
                    && text[j + d.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphabetic)
                {
                    w.push('\'');
                } else {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            toks.push(Tok {
                kind: Kind::Word,
                text: w,
                start: i,
                end,
                glued,
                brk: false,
            });
            glued = true;
        } else if let Some(p) = punct_char(c) {
            it.next();
            let next = text[i + c.len_utf8()..].chars().next();
            let brk = match p {
                '!' | '?' | ';' | '\n' => true,
                '.' => next.is_none_or(char::is_whitespace),
                _ => false,
            };
            toks.push(Tok {
                kind: Kind::Punct,
                text: p.to_string(),
                start: i,
                end: i + c.len_utf8(),
                glued,
                brk,
            });
            glued = p != '\n';
        } else {
            it.next();
            glued = false;
        }
    }
    toks
}

// ---------------------------------------------------------------------------------------------
// Numbers.

#[derive(Debug, Clone, Copy)]
struct NumVal {
    value: f64,
    /// The other reading of an ambiguous separator ("1,200": 1200, or 1.2).
    alt: Option<f64>,
    /// Whole number, as written (no decimal part).
    integer: bool,
    /// Digits before the decimal separator, as written ("1.200" → 4).
    int_digits: usize,
    /// A whole number written with a leading zero ("06", "010"): a phone prefix or date part.
    leading_zero: bool,
}

/// Longest integer part read as a value; longer digit runs are phone numbers, IDs, junk.
const MAX_INT_DIGITS: usize = 7;

fn parse_number(s: &str) -> Option<NumVal> {
    if s.len() > 24 {
        return None;
    }
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    let seps: Vec<char> = s.chars().filter(|c| *c == '.' || *c == ',').collect();
    let thousands_head = |g: &str| (1..=3).contains(&g.len()) && !g.starts_with('0');
    let (int_part, frac_part, alt): (String, Option<&str>, Option<f64>) = match groups.as_slice() {
        [whole] => (whole.to_string(), None, None),
        [a, b] if thousands_head(a) && b.len() == 3 => {
            // "1.200" / "1,200": thousands (the usual meaning for a B12 value), but keep the
            // decimal reading in case the unit makes only that one plausible ("1,200 nmol/L").
            let alt = format!("{a}.{b}").parse().ok();
            (format!("{a}{b}"), None, alt)
        }
        [a, b] => (a.to_string(), Some(b), None),
        [a, rest @ ..] => {
            let (last_sep, lead_seps) = seps.split_last()?;
            let (last, mids) = rest.split_last()?;
            if !thousands_head(a) || mids.iter().any(|g| g.len() != 3) {
                return None; // "12.03.2024", "1.2.3": a date or junk, not a value
            }
            if lead_seps.iter().all(|c| c == last_sep) {
                if last.len() != 3 {
                    return None;
                }
                (format!("{a}{}{last}", mids.concat()), None, None)
            } else if lead_seps.iter().all(|c| c == &lead_seps[0]) {
                (format!("{a}{}", mids.concat()), Some(last), None) // "1.234,5"
            } else {
                return None;
            }
        }
        [] => return None,
    };
    if int_part.len() > MAX_INT_DIGITS {
        return None;
    }
    let value: f64 = match frac_part {
        Some(f) => format!("{int_part}.{f}").parse().ok()?,
        None => int_part.parse().ok()?,
    };
    Some(NumVal {
        value,
        alt,
        integer: frac_part.is_none(),
        int_digits: int_part.len(),
        leading_zero: frac_part.is_none() && int_part.len() > 1 && int_part.starts_with('0'),
    })
}

// ---------------------------------------------------------------------------------------------
// Units.

#[derive(Debug, Clone, PartialEq)]
enum UnitRead {
    /// A unit total B12 is reported in.
    B12(Unit),
    /// A concentration unit that is not one of those (µmol/L, mmol/L, µg/L, ng/mL…), as written.
    Unknown(String),
    /// A dose or an amount (mcg, mg, IE, ml): the number is not a lab value.
    Dose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Amount {
    Pmol,
    Nmol,
    Umol,
    Mmol,
    Pg,
    Ng,
    Ug,
    Mg,
    G,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Volume {
    L,
    Ml,
    Dl,
}

fn amount_word(w: &str) -> Option<Amount> {
    Some(match w {
        "pmol" | "picomol" | "picomole" | "picomolen" | "pmoll" => Amount::Pmol,
        "nmol" | "nanomol" | "nanomole" | "nanomolen" | "nmoll" => Amount::Nmol,
        "umol" | "micromol" | "micromole" | "mcmol" | "umoll" => Amount::Umol,
        "mmol" | "millimol" | "millimole" | "mmoll" => Amount::Mmol,
        "pg" | "picogram" | "picogrammen" | "picograms" | "picogramme" => Amount::Pg,
        "ng" | "nanogram" | "nanogrammen" | "nanograms" | "nanogramme" => Amount::Ng,
        "ug" | "mcg" | "mcgr" | "microgram" | "microgrammen" | "micrograms" | "microgramme" => {
            Amount::Ug
        }
        "mg" | "milligram" | "milligrammen" | "milligrams" | "milligramme" => Amount::Mg,
        "g" | "gr" | "gram" | "grams" | "grammen" => Amount::G,
        _ => return None,
    })
}

fn volume_word(w: &str) -> Option<Volume> {
    Some(match w {
        "l" | "liter" | "litre" | "liters" | "litres" | "ltr" | "lt" => Volume::L,
        "ml" | "milliliter" | "millilitre" | "milliliters" | "millilitres" | "cc" => Volume::Ml,
        "dl" | "deciliter" | "decilitre" => Volume::Dl,
        _ => return None,
    })
}

/// The unit written at `toks[j..]`, and the index just after it.
fn read_unit(text: &str, toks: &[Tok], j: usize) -> Option<(UnitRead, usize)> {
    let w = toks.get(j)?.word()?;
    if matches!(w, "ie" | "iu" | "ui" | "eenheden" | "units") || volume_word(w).is_some() {
        return Some((UnitRead::Dose, j + 1));
    }
    let amount = amount_word(w)?;
    // Optional "/ L", "per liter".
    let mut end = j + 1;
    let mut volume = None;
    if let Some(sep) = toks.get(j + 1)
        && (sep.punct() == Some('/') || sep.is_word("per"))
        && let Some(v) = toks.get(j + 2).and_then(Tok::word).and_then(volume_word)
    {
        volume = Some(v);
        end = j + 3;
    }
    let as_written = || text[toks[j].start..toks[end - 1].end].to_string();
    let read = match (amount, volume) {
        (Amount::Pmol, None | Some(Volume::L)) => UnitRead::B12(Unit::PmolPerL),
        (Amount::Nmol, None | Some(Volume::L)) => UnitRead::B12(Unit::NmolPerL),
        (Amount::Pg, None | Some(Volume::Ml)) => UnitRead::B12(Unit::PgPerMl),
        (Amount::Ng, Some(Volume::L)) => UnitRead::B12(Unit::NgPerL),
        // A mass alone, or per mL, is a dose ("1000 mcg", "1 mg/ml" ampoules).
        (Amount::Ug | Amount::Mg | Amount::G, None | Some(Volume::Ml)) => UnitRead::Dose,
        _ => UnitRead::Unknown(as_written()),
    };
    Some((read, end))
}

// ---------------------------------------------------------------------------------------------
// Names of tests.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestRef {
    /// Total serum B12.
    Total,
    Other(OtherTest),
    /// Another lab test that has no [`OtherTest`] variant (TSH, MCV, HbA1c…): its numbers are
    /// never read as B12, and produce no reading.
    Unlisted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An ordinary token.
    Plain,
    /// Part of a test's name that is not its head (the "b" of "b12", "actief").
    Part,
    /// The last token of a test's name.
    Name(TestRef),
}

/// The test a single word names, if any.
fn test_word(w: &str) -> Option<TestRef> {
    use OtherTest::*;
    let starts = |ps: &[&str]| ps.iter().any(|p| w.starts_with(p));
    let other = |t| Some(TestRef::Other(t));
    if starts(&["holo", "transcobalamin"]) {
        return other(ActiveB12);
    }
    if w.contains("cobalamin") || w.contains("kobalamin") {
        // Supplement forms (hydroxo-, cyano-, methyl-) are doses, not lab values.
        return if starts(SUPPLEMENT_FORMS) {
            None
        } else {
            Some(TestRef::Total)
        };
    }
    if w == "mma" || starts(&["methylmalon"]) {
        return other(Mma);
    }
    if w == "hcy" || starts(&["homocyst"]) {
        return other(Homocysteine);
    }
    if starts(&[
        "folaat",
        "folate",
        "foliumzuur",
        "folium",
        "folic",
        "folzuur",
    ]) {
        return other(Folate);
    }
    if starts(&["ferritin"]) {
        return other(Ferritin);
    }
    if matches!(w, "hb" | "hgb") || starts(&["hemoglobin", "haemoglobin"]) {
        return other(Haemoglobin);
    }
    if w == "iron" || starts(&["ijzer", "transferrin", "serumijzer"]) {
        return other(Iron);
    }
    if UNLISTED_TESTS.contains(&w) {
        return Some(TestRef::Unlisted);
    }
    None
}

/// Marks every token as plain, part of a test name, or the head of one.
fn name_roles(toks: &[Tok]) -> Vec<Role> {
    let mut roles = vec![Role::Plain; toks.len()];
    for i in 0..toks.len() {
        let Some(w) = toks[i].word() else { continue };
        if roles[i] != Role::Plain {
            continue;
        }
        // "b12", "b-12", "b 12", "vitb12", "b6", "b11": a vitamin B and its number.
        let is_b = w == "b" || (w.starts_with("vit") && w.ends_with('b') && w.len() <= 10);
        if is_b && let Some(n) = vitamin_number(toks, i) {
            let test = match toks[n].text.as_str() {
                "12" => Some(TestRef::Total),
                "9" | "11" => Some(TestRef::Other(OtherTest::Folate)),
                "1" | "2" | "3" | "5" | "6" | "7" | "8" => {
                    Some(TestRef::Other(OtherTest::OtherVitamin))
                }
                _ => None,
            };
            if let Some(mut test) = test {
                for r in &mut roles[i..n] {
                    *r = Role::Part;
                }
                if test == TestRef::Total && active_around(toks, &mut roles, i, n) {
                    test = TestRef::Other(OtherTest::ActiveB12);
                }
                roles[n] = Role::Name(test);
                continue;
            }
        }
        // "d3", "k2".
        if matches!(w, "d" | "k")
            && let Some(n) = toks.get(i + 1)
            && n.kind == Kind::Num
            && n.glued
            && n.text.len() == 1
        {
            roles[i] = Role::Part;
            roles[i + 1] = Role::Name(TestRef::Other(OtherTest::OtherVitamin));
            continue;
        }
        // "hba1c".
        if w == "hba"
            && toks.get(i + 1).is_some_and(|t| t.text == "1" && t.glued)
            && toks.get(i + 2).is_some_and(|t| t.is_word("c") && t.glued)
        {
            roles[i] = Role::Part;
            roles[i + 1] = Role::Part;
            roles[i + 2] = Role::Name(TestRef::Unlisted);
            continue;
        }
        // "vitamine d", "vit. d", "vitamin a".
        if matches!(w, "vitamine" | "vitamin" | "vit" | "vitamines" | "vitamins") {
            let mut k = i + 1;
            if toks.get(k).is_some_and(|t| t.punct() == Some('.')) {
                k += 1;
            }
            if let Some(t) = toks.get(k)
                && matches!(t.word(), Some("a" | "c" | "d" | "e" | "k"))
                && toks
                    .get(k + 1)
                    .is_none_or(|n| !(n.kind == Kind::Num && n.glued))
            {
                roles[i] = Role::Part;
                roles[k] = Role::Name(TestRef::Other(OtherTest::OtherVitamin));
                continue;
            }
        }
        if let Some(test) = test_word(w) {
            roles[i] = Role::Name(test);
            // "holo-tc", "holo tc": the whole name ends at "tc".
            if w == "holo" {
                let mut k = i + 1;
                if toks.get(k).is_some_and(|t| t.punct() == Some('-')) {
                    k += 1;
                }
                if toks.get(k).is_some_and(|t| t.is_word("tc")) {
                    roles[i] = Role::Part;
                    roles[k] = Role::Name(test);
                }
            }
        }
    }
    roles
}

/// For a "b" at `i`: the index of its vitamin number ("b12", "b-12", "b 12"), if there is one.
fn vitamin_number(toks: &[Tok], i: usize) -> Option<usize> {
    let next = toks.get(i + 1)?;
    let n = if next.kind == Kind::Num {
        i + 1
    } else if next.punct() == Some('-') && next.glued {
        let n = toks.get(i + 2)?;
        (n.kind == Kind::Num && n.glued).then_some(i + 2)?
    } else {
        return None;
    };
    // Only plain small integers: "b 180" is not a vitamin.
    let t = &toks[n];
    (t.text.len() <= 2 && t.text.bytes().all(|b| b.is_ascii_digit())).then_some(n)
}

/// Whether the B12 name spanning `toks[b..=n]` is "active B12" ("actief b12", "active vitamin
/// b12", "b12 actief"); marks the extra words as part of the name.
fn active_around(toks: &[Tok], roles: &mut [Role], b: usize, n: usize) -> bool {
    let is_active = |t: &Tok| matches!(t.word(), Some("actief" | "actieve" | "active" | "actif"));
    // Before: skip "vitamine", "vit", ".", "-".
    let mut k = b;
    for _ in 0..3 {
        let Some(p) = k.checked_sub(1) else { break };
        let t = &toks[p];
        if is_active(t) {
            for r in &mut roles[p..b] {
                *r = Role::Part;
            }
            return true;
        }
        let skippable = matches!(t.word(), Some("vitamine" | "vitamin" | "vit" | "vitamines"))
            || matches!(t.punct(), Some('-' | '.'));
        if !skippable {
            break;
        }
        k = p;
    }
    // After: "b12 actief", "b12 (actief)", "b12-actief".
    let mut k = n + 1;
    if toks
        .get(k)
        .is_some_and(|t| matches!(t.punct(), Some('(' | '-')))
    {
        k += 1;
    }
    if toks.get(k).is_some_and(is_active) {
        // The name now ends at "actief" (the caller marks the "12" as active B12 too).
        roles[k] = Role::Name(TestRef::Other(OtherTest::ActiveB12));
        return true;
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Lexicon. All words are folded (lowercase, no accents).

/// Supplement forms of B12: a number near them is a dose.
const SUPPLEMENT_FORMS: &[&str] = &[
    "hydroxo",
    "hydroxy",
    "cyano",
    "methylcobal",
    "adenosyl",
    "mecobal",
];

/// Lab tests without an [`OtherTest`] variant; they only block association.
const UNLISTED_TESTS: &[&str] = &[
    "mcv",
    "mch",
    "mchc",
    "rdw",
    "tsh",
    "ft4",
    "crp",
    "bse",
    "glucose",
    "suiker",
    "cholesterol",
    "ldl",
    "hdl",
    "creatinine",
    "kreatinine",
    "egfr",
    "leukocyten",
    "leucocyten",
    "trombocyten",
    "hematocriet",
    "ht",
    "alat",
    "asat",
    "ggt",
    "natrium",
    "kalium",
    "calcium",
    "magnesium",
    "zink",
    "zinc",
    "psa",
    "hba1c",
    "bloeddruk",
    "tension",
    "gewicht",
    "weight",
    "bmi",
];

/// Words after a number that make it a count, a duration, an age or a time.
const COUNT_WORDS: &[&str] = &[
    "keer",
    "keren",
    "maal",
    "x",
    "times",
    "tabletten",
    "tablet",
    "tabletjes",
    "tabl",
    "tabs",
    "zuigtabletten",
    "smelttabletten",
    "pillen",
    "pil",
    "pilletjes",
    "pills",
    "capsules",
    "capsule",
    "caps",
    "injecties",
    "injectie",
    "injections",
    "injection",
    "shots",
    "shot",
    "prikken",
    "prik",
    "prikjes",
    "spuiten",
    "spuitjes",
    "ampullen",
    "ampul",
    "ampules",
    "ampoules",
    "druppels",
    "drops",
    "sprays",
    "pufjes",
    "doses",
    "dosis",
    "dagen",
    "dag",
    "dagjes",
    "days",
    "day",
    "weken",
    "week",
    "weekjes",
    "weeks",
    "wk",
    "wkn",
    "maanden",
    "maand",
    "maandjes",
    "mnd",
    "months",
    "month",
    "jaar",
    "jaren",
    "jaartjes",
    "jarige",
    "jarig",
    "years",
    "year",
    "jr",
    "yr",
    "yrs",
    "yo",
    "old",
    "uur",
    "uurtjes",
    "u",
    "h",
    "hr",
    "hrs",
    "hours",
    "hour",
    "kwartier",
    "minuten",
    "minuut",
    "min",
    "minutes",
    "minute",
    "seconden",
    "sec",
    "nachten",
    "nights",
    "pm",
    "am",
    "kinderen",
    "kids",
    "children",
    "kg",
    "kilo",
    "kilos",
    "cm",
    "euro",
    "eur",
    "procent",
    "percent",
    "pct",
    "mensen",
    "personen",
    "people",
    "patienten",
    "patients",
    "vragen",
    "questions",
    "stuks",
    "eieren",
    "eggs",
    "porties",
    "servings",
    "glazen",
    "glasses",
    "kopjes",
    "cups",
    "boterhammen",
    "pagina",
    "paginas",
    "pages",
];

/// Glued suffixes that make a number an ordinal or an age ("20e", "21st", "3de", "2x", "34j").
const GLUED_SUFFIXES: &[&str] = &[
    "e", "ste", "de", "st", "nd", "rd", "th", "x", "j", "y", "jr", "jarige",
];

/// Month words besides the Dutch names ([`crate::time::MONTHS_NL`]): English names (those
/// that differ) and abbreviations.
const OTHER_MONTHS: &[&str] = &[
    "january", "february", "march", "may", "june", "july", "august", "october", "jan", "feb",
    "mrt", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct", "nov", "dec",
];

/// A month's name or abbreviation (folded), as in "12 januari".
fn is_month(w: &str) -> bool {
    crate::time::MONTHS_NL.contains(&w) || OTHER_MONTHS.contains(&w)
}

/// Time words after "per"/"a"/"elke" ("1000 per dag", "twice a week").
const TIME_WORDS: &[&str] = &[
    "dag", "day", "week", "maand", "month", "jaar", "year", "uur", "hour", "nacht", "night",
    "ochtend", "morning", "avond", "evening", "keer",
];

/// Words before a number that make it a threshold, not a result ("onder de 150", "< 150").
const COMPARATORS: &[&str] = &[
    "onder",
    "boven",
    "beneden",
    "below",
    "above",
    "under",
    "over",
    "vanaf",
    "tussen",
    "between",
    "minimaal",
    "maximaal",
    "minimum",
    "maximum",
    "minstens",
    "tenminste",
    "least",
    "lager",
    "hoger",
    "kleiner",
    "groter",
    "minder",
    "meer",
    "lower",
    "higher",
    "less",
    "greater",
    "more",
    "tot",
    "onderkant",
    "bovenkant",
];

/// Words before a number that make it a reference value ("grens 220", "normaal 200 tot 600").
const REFERENCE_BEFORE: &[&str] = &[
    "normaal",
    "normaalwaarde",
    "normaalwaarden",
    "normaalwaardes",
    "normale",
    "norm",
    "normwaarde",
    "normal",
    "normally",
    "grens",
    "grenzen",
    "grenswaarde",
    "grenswaarden",
    "grenswaardes",
    "ondergrens",
    "bovengrens",
    "afkapwaarde",
    "afkapgrens",
    "afkappunt",
    "referentie",
    "referentiewaarde",
    "referentiewaarden",
    "referentiewaardes",
    "referentiebereik",
    "ref",
    "refwaarde",
    "reference",
    "range",
    "ranges",
    "bereik",
    "limit",
    "limits",
    "cutoff",
    "cut",
    "threshold",
    "streefwaarde",
    "target",
    "optimaal",
    "optimal",
];

/// Nouns after a number that make it a reference value ("is 220 de grens?").
const REFERENCE_AFTER: &[&str] = &[
    "grens",
    "grenzen",
    "grenswaarde",
    "ondergrens",
    "bovengrens",
    "norm",
    "normaalwaarde",
    "referentiewaarde",
    "afkapwaarde",
    "limit",
    "cutoff",
    "threshold",
];

/// Words before a number that make it a dose ("ik slik 1000", "dosis van 1000").
const DOSE_BEFORE: &[&str] = &[
    "slik",
    "slikt",
    "slikken",
    "slikte",
    "neem",
    "neemt",
    "nemen",
    "nam",
    "gebruik",
    "gebruikt",
    "take",
    "takes",
    "taking",
    "took",
    "dosis",
    "dose",
    "dosering",
    "dosage",
    "spuit",
    "injecteer",
    "injecteren",
    "suppleer",
    "suppletie",
    "supplement",
    "supplementen",
    "supplements",
    "oplaaddosis",
    "opstartdosis",
];

/// Words just before a number that make it a label, a count or a time ("week 3", "om 3").
const LABEL_BEFORE: &[&str] = &[
    "week",
    "dag",
    "day",
    "pagina",
    "page",
    "blz",
    "hoofdstuk",
    "chapter",
    "vraag",
    "question",
    "stap",
    "step",
    "nummer",
    "nr",
    "no",
    "number",
    "tel",
    "telefoon",
    "telefoonnummer",
    "bel",
    "call",
    "phone",
    "kamer",
    "room",
    "afdeling",
    "huisnummer",
    "postcode",
    "lijn",
    "versie",
    "version",
    "groep",
    "klas",
    "stadium",
    "stage",
    "type",
    "fase",
    "phase",
    "om",
    "weeg",
    "woog",
    "weigh",
    "weighs",
    "lengte",
    "height",
    "sinds",
    "since",
    "in",
];

/// Words just before a number that make it an age.
const AGE_BEFORE: &[&str] = &[
    "leeftijd", "aged", "age", "ben", "i'm", "im", "turned", "turning", "he's", "she's", "hes",
    "shes", "geworden",
];

/// Pronouns that, with a copula, make the next small number an age ("hij is 67").
const PRONOUNS: &[&str] = &[
    "hij", "zij", "ze", "ik", "he", "she", "i", "they", "wij", "we",
];

/// Copulas for ages ("mijn zoon is 12", "hij wordt 67").
const COPULAS: &[&str] = &["is", "was", "wordt", "werd", "ben", "am", "turns", "turned"];

/// People whose age may follow ("mijn zoon van 12", "my son is 12").
const PERSONS: &[&str] = &[
    "zoon",
    "zoontje",
    "dochter",
    "dochtertje",
    "kind",
    "kindje",
    "jongen",
    "jongetje",
    "meisje",
    "meid",
    "man",
    "vrouw",
    "echtgenoot",
    "echtgenote",
    "partner",
    "moeder",
    "vader",
    "mama",
    "papa",
    "mam",
    "pap",
    "oma",
    "opa",
    "broer",
    "broertje",
    "zus",
    "zusje",
    "baby",
    "neef",
    "nicht",
    "tante",
    "oom",
    "schoonmoeder",
    "schoonvader",
    "patient",
    "patiente",
    "dame",
    "heer",
    "meneer",
    "mevrouw",
    "persoon",
    "iemand",
    "vriend",
    "vriendin",
    "son",
    "daughter",
    "child",
    "kid",
    "boy",
    "girl",
    "wife",
    "husband",
    "mother",
    "father",
    "mom",
    "mum",
    "dad",
    "grandmother",
    "grandfather",
    "grandma",
    "grandpa",
    "brother",
    "sister",
    "woman",
    "person",
    "friend",
];

/// Words that may stand between a test's name and its value without weakening the link
/// ("b12 uitslag was 180", "my b12 came back at 198").
const FILLERS: &[&str] = &[
    "is",
    "was",
    "waren",
    "were",
    "van",
    "of",
    "uitslag",
    "uitslagen",
    "waarde",
    "waardes",
    "waarden",
    "gehalte",
    "level",
    "levels",
    "niveau",
    "spiegel",
    "result",
    "results",
    "resultaat",
    "score",
    "bloedwaarde",
    "labwaarde",
    "labuitslag",
    "value",
    "reading",
    "serum",
    "totaal",
    "totale",
    "total",
    "nu",
    "nog",
    "maar",
    "slechts",
    "only",
    "just",
    "now",
    "still",
    "at",
    "came",
    "back",
    "comes",
    "come",
    "returned",
    "measured",
    "gemeten",
    "geprikt",
    "bedraagt",
    "bedroeg",
    "staat",
    "stond",
    "op",
    "zit",
    "zat",
    "kwam",
    "uitgekomen",
    "uit",
    "out",
    "ongeveer",
    "rond",
    "circa",
    "ca",
    "about",
    "around",
    "approx",
    "approximately",
    "ruim",
    "net",
    "pas",
    "laatst",
    "toen",
    "onlangs",
    "recently",
    "lab",
    "test",
    "bloed",
    "bloedtest",
    "de",
    "het",
    "een",
    "mijn",
    "m'n",
    "mn",
    "my",
    "the",
    "a",
    "vitamine",
    "vitamin",
    "vit",
];

/// Words that, reached through fillers, anchor a number as "the result" even without a name
/// ("mijn uitslag was 180").
const RESULT_WORDS: &[&str] = &[
    "uitslag",
    "uitslagen",
    "waarde",
    "result",
    "resultaat",
    "level",
    "gehalte",
    "bloedwaarde",
    "labwaarde",
    "labuitslag",
];

/// Words that mark the current value among several ("eerst 140, nu 250").
const CURRENT_WORDS: &[&str] = &[
    "nu",
    "inmiddels",
    "laatste",
    "huidige",
    "recentste",
    "now",
    "latest",
    "current",
    "currently",
    "recent",
    "newest",
];

// ---------------------------------------------------------------------------------------------
// Candidates.

/// How far back (in words and numbers) a number looks for its test's name.
const NAME_WINDOW: usize = 8;
/// Within this distance a name is "near".
const NEAR: usize = 4;

#[derive(Debug, Clone)]
struct Candidate {
    num: NumVal,
    unit: Option<UnitRead>,
    test: Option<TestRef>,
    dist: usize,
    tight: bool,
    result_word: bool,
    /// Marked as the current value ("en nu 250", "latest 300").
    current: bool,
}

enum Class {
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

    fn class(&self) -> Class {
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

    fn reading(&self) -> Reading {
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
fn candidate(text: &str, toks: &[Tok], roles: &[Role], i: usize) -> Option<Candidate> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use Band::*;
    use OtherTest::*;

    /// Reads a value that must be interpretable: (number, unit, pmol/L, band).
    fn value(text: &str) -> (f64, Option<Unit>, f64, Band) {
        let r = read_value(text).unwrap_or_else(|| panic!("no value read in {text:?}"));
        assert_eq!(r.problem, None, "unexpected problem in {text:?}: {r:?}");
        let pmol = r
            .pmol_per_l
            .unwrap_or_else(|| panic!("no pmol in {text:?}"));
        (r.number, r.unit, pmol, r.band)
    }

    fn assert_pmol(text: &str, expected: f64) {
        let (_, _, pmol, band) = value(text);
        assert!(
            (pmol - expected).abs() < 0.051,
            "{text:?}: {pmol} ≠ {expected}"
        );
        assert_eq!(band, band_for(expected), "{text:?}");
    }

    fn assert_none(texts: &[&str]) {
        for text in texts {
            assert_eq!(read_value(text), None, "{text:?} should report no value");
        }
    }

    #[test]
    fn bands_follow_the_hospital_table_with_inclusive_150_and_220() {
        let table = [
            (0.0, HighChance),
            (20.0, HighChance),
            (149.0, HighChance),
            (149.6, HighChance),
            (149.99, HighChance),
            (150.0, ExtraTest),
            (184.5, ExtraTest),
            (220.0, ExtraTest),
            (220.4, VerySmallChance),
            (221.0, VerySmallChance),
            (5000.0, VerySmallChance),
            (f64::NAN, NotInterpretable),
            (f64::INFINITY, NotInterpretable),
            (-1.0, NotInterpretable),
        ];
        for (pmol, band) in table {
            assert_eq!(band_for(pmol), band, "{pmol}");
        }
    }

    #[test]
    fn band_boundaries_through_messages_and_units() {
        let table = [
            ("mijn b12 is 149", 149.0, HighChance),
            ("mijn b12 is 150", 150.0, ExtraTest),
            ("mijn b12 is 220", 220.0, ExtraTest),
            ("mijn b12 is 221", 221.0, VerySmallChance),
            ("b12 149,6 pmol/l", 149.6, HighChance),
            ("b12 220,4 pmol/l", 220.4, VerySmallChance),
            ("b12 0,15 nmol/L", 150.0, ExtraTest),
            ("b12 0,22 nmol/L", 220.0, ExtraTest),
            ("b12 0.149 nmol/l", 149.0, HighChance),
            ("b12 203 pg/mL", 149.8, HighChance),
            ("b12 204 pg/mL", 150.6, ExtraTest),
            ("b12 298 pg/mL", 219.9, ExtraTest),
            ("b12 299 pg/mL", 220.7, VerySmallChance),
        ];
        for (text, pmol, band) in table {
            let (_, _, got, got_band) = value(text);
            assert!((got - pmol).abs() < 0.051, "{text:?}: {got} ≠ {pmol}");
            assert_eq!(got_band, band, "{text:?}");
        }
    }

    #[test]
    fn values_are_converted_from_every_total_b12_unit() {
        use Unit::*;
        let table: &[(&str, f64, Option<Unit>, f64)] = &[
            ("mijn B12 was 0,18 nmol/l", 0.18, Some(NmolPerL), 180.0),
            ("b12 uitslag 250 pg/ml", 250.0, Some(PgPerMl), 184.5),
            ("b12: 310", 310.0, None, 310.0),
            ("my b12 came back at 198", 198.0, None, 198.0),
            ("vitamine b12 = 143 pmol/L", 143.0, Some(PmolPerL), 143.0),
            ("cobalamine 400", 400.0, None, 400.0),
            ("b12 300 pmol", 300.0, Some(PmolPerL), 300.0),
            ("b12 300 pmol per liter", 300.0, Some(PmolPerL), 300.0),
            ("b12 300 picomol/l", 300.0, Some(PmolPerL), 300.0),
            ("b12 300pmol/L", 300.0, Some(PmolPerL), 300.0),
            ("b12 300 ng/l", 300.0, Some(NgPerL), 221.4),
            ("b12 300 ng per liter", 300.0, Some(NgPerL), 221.4),
            ("b12 300 pg/mL", 300.0, Some(PgPerMl), 221.4),
            ("b12 300 picogram per ml", 300.0, Some(PgPerMl), 221.4),
            ("b12 300 pg", 300.0, Some(PgPerMl), 221.4),
            ("b12 0,3 nmol", 0.3, Some(NmolPerL), 300.0),
            ("b12 0.3 nanomol per liter", 0.3, Some(NmolPerL), 300.0),
            ("B12 0,18nmol/l", 0.18, Some(NmolPerL), 180.0),
            (
                "Vitamine B12 (cobalamine): 512 pmol/L",
                512.0,
                Some(PmolPerL),
                512.0,
            ),
        ];
        for &(text, number, unit, pmol) in table {
            let (n, u, p, _) = value(text);
            assert_eq!((n, u), (number, unit), "{text:?}");
            assert!((p - pmol).abs() < 0.051, "{text:?}: {p} ≠ {pmol}");
        }
    }

    #[test]
    fn reports_about_someone_else_are_read() {
        let table = [
            ("de b12 van mijn vrouw is 160, ze is 45", 160.0),
            ("mijn zoon van 12 heeft een b12 van 190", 190.0),
            ("b12 van mijn vader is 190, hij is 67", 190.0),
            ("My daughter's B12 was 210 pg/ml", 155.0),
            ("mijn moeder (82) heeft een b12 van 130", 130.0),
            ("my husband is 52 and his b12 is 240", 240.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
    }

    #[test]
    fn messages_without_a_value_read_none() {
        assert_none(&[
            "",
            "   ",
            "laag b12",
            "b12 tekort",
            "b12-tekort",
            "b12tekort",
            "Wat is vitamine B12?",
            "hoe weet ik of ik een b12 tekort heb?",
            "waarom is de grens 220?",
            "waarom is 220 de grens?",
            "wat betekent een waarde tussen 150 en 220",
            "mijn waarde zit onder de 150, wat nu?",
            "is een b12 onder de 150 erg?",
            "wat als mijn b12 lager dan 150 is",
            "b12 boven 220, moet ik dan nog iets doen?",
            "b12 < 150",
            "what does a b12 between 150 and 220 mean",
            "why is the cutoff 220",
            "mijn uitslag is binnen",
            "hallo, ik heb 3 vragen over b12",
            "kan ik b12 slikken als ik 8 weken zwanger ben",
            "ik ben 34",
            "hoi",
            "hoe hoog moet b12 zijn, 200 of 300?",
            "ik heb 3 vragen over ferritine",
            "ik weeg 80 en heb b12 tekort",
            // A lab's "<150" or ">2000" is a bound, not a value: no band is claimed for it.
            "b12 uitslag: <150",
            "b12 >2000",
        ]);
    }

    #[test]
    fn the_12_of_b12_is_never_the_value() {
        assert_none(&[
            "B12",
            "B-12",
            "b 12",
            "vitamine B12",
            "vit.b12",
            "vit. b12 tekort",
            "b12-tekort bij ouderen",
            "b12tekort",
            "vitamine b 12 en zwangerschap",
            "VITAMINE B12!!!",
            "b12b12b12",
        ]);
        assert_pmol("b12,180", 180.0);
        assert_pmol("b12:180", 180.0);
        assert_pmol("b-12 = 180", 180.0);
        assert_pmol("vit.b12 220", 220.0);
    }

    #[test]
    fn ages_are_never_the_value() {
        assert_none(&[
            "ik ben 52 jaar en heb een b12 tekort",
            "mijn dochter van 17 heeft b12 tekort",
            "mijn zoon van 12 heeft een b12 tekort",
            "b12 tekort sinds mijn 20e",
            "I'm 34 and worried about my b12",
            "im 34 with low b12",
            "he is 34 years old, b12 deficiency?",
            "b12 deficiency, aged 60",
            "a 34-year-old with b12 deficiency",
            "b12 tekort, ik ben 34",
            "mijn vader is 67 en heeft b12 tekort",
            "leeftijd: 45, b12 tekort",
            "my 12 year old son has low b12",
        ]);
        let table = [
            ("ik ben 52 jaar, mijn b12 was 180", 180.0),
            ("mijn b12 is 190 en hij is 67", 190.0),
            ("I'm 34 and my b12 is 250", 250.0),
            ("b12 310, 34 years old", 310.0),
            ("aged 60, b12 200", 200.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
    }

    #[test]
    fn dates_and_times_are_never_the_value() {
        assert_none(&[
            "op de 21st bloed laten prikken voor b12",
            "b12 geprikt op 21-03",
            "b12 geprikt op 12 maart",
            "b12 measured on the 3rd",
            "b12 tekort sinds 2024",
            "b12 prikken om 14:30",
            "b12 prikken om 3 uur",
            "b12 bepaling op 12.03.2024",
            "b12 test on march 12",
            "b12 prik afspraak 21/3",
        ]);
        let table = [
            ("op 12-03-2024 was mijn b12 180", 180.0),
            ("B12 gemeten op 12 maart: 180", 180.0),
            ("om 14:30 geprikt, b12 = 200", 200.0),
            ("in 2023 was mijn b12 140", 140.0),
            ("b12 in maart was 250", 250.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
    }

    #[test]
    fn doses_and_counts_are_never_the_value() {
        assert_none(&[
            "ik slik 1000 mcg b12",
            "b12 1000 µg per dag",
            "b12 1000 ug",
            "b12 injectie 1 mg",
            "hydroxocobalamine 1 mg/ml injecties",
            "ik neem 2 tabletten b12",
            "b12 injecties 3 keer per week",
            "ik heb 5 injecties b12 gehad",
            "b12 2x per week",
            "b12 tekort sinds 3 maanden",
            "hoeveel weeks duurt b12 herstel, 6 weeks?",
            "ik slik 1000 b12 per dag",
            "b12 500 per dag",
            "methylcobalamine 1000",
            "b12 oplaaddosis 5 ampullen",
            "b12 spray 2 pufjes",
            "b12 1000 IE",
        ]);
        assert_pmol("ik slik 1000 mcg en mijn b12 is nu 400", 400.0);
        assert_pmol("na 5 injecties is mijn b12 350", 350.0);
    }

    #[test]
    fn reference_ranges_written_on_a_result_are_never_the_value() {
        let table = [
            ("B12 180 (150-220)", 180.0),
            ("B12 310 pmol/L (ref 145–569)", 310.0),
            ("b12 400, normaal 200 tot 600", 400.0),
            ("b12 400 (normaal 200 tot 600)", 400.0),
            ("Vitamine B12: 250 [150 - 700] pmol/l", 250.0),
            ("b12 180, de grens is 150", 180.0),
            ("referentiewaarde 145-569, mijn b12 is 160", 160.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
        assert_none(&[
            "(150-220)",
            "ref 145–569",
            "normaal 200 tot 600",
            "b12 normaal 200 tot 600?",
            "de grens voor b12 is 220",
        ]);
    }

    #[test]
    fn phone_numbers_are_never_the_value() {
        assert_none(&[
            "bel me over mijn b12 op 06-12345678",
            "b12 vraag, mijn 06 is 0612345678",
            "mijn 06",
            "b12: bel +31 6 12345678",
        ]);
        assert_pmol("b12 is 230, bel me op 06-12345678", 230.0);
    }

    #[test]
    fn numbers_of_other_tests_are_not_total_b12() {
        let table = [
            ("actief b12 is 28", ActiveB12),
            ("my active b12 was 40 pmol/l", ActiveB12),
            ("actieve vitamine b12 35", ActiveB12),
            ("holoTC 45 pmol/L", ActiveB12),
            ("holo-TC: 30", ActiveB12),
            ("holo tc 30", ActiveB12),
            ("holotranscobalamine 50", ActiveB12),
            ("b12 actief 38", ActiveB12),
            ("MMA 0,3", Mma),
            ("methylmalonzuur 0,45 umol/l", Mma),
            ("my methylmalonic acid was 0.2", Mma),
            ("homocysteine 15", Homocysteine),
            ("homocysteïne van 18 µmol/L", Homocysteine),
            ("foliumzuur 12 nmol/l", Folate),
            ("folate 8", Folate),
            ("vitamine b11 is 20", Folate),
            ("ferritine 40", Ferritin),
            ("my ferritin is 12", Ferritin),
            ("Hb 8,2", Haemoglobin),
            ("hemoglobine 7,5 mmol/l", Haemoglobin),
            ("ijzer 12", Iron),
            ("iron 15", Iron),
            ("vitamine D 45", OtherVitamin),
            ("vit d3 60 nmol/l", OtherVitamin),
            ("b6 40", OtherVitamin),
            (
                "mijn b12 tekort is behandeld maar ferritine is 12",
                Ferritin,
            ),
        ];
        for (text, test) in table {
            let r = read_value(text).unwrap_or_else(|| panic!("nothing read in {text:?}"));
            assert_eq!(r.problem, Some(Problem::OtherTest(test)), "{text:?}: {r:?}");
            assert_eq!(r.band, NotInterpretable, "{text:?}");
            assert_eq!(r.pmol_per_l, None, "{text:?}");
        }
    }

    #[test]
    fn total_b12_wins_over_other_tests_in_the_same_message() {
        let table = [
            ("b12 300, ferritine 40", 300.0),
            ("ferritine 40, b12 300", 300.0),
            ("mijn actieve b12 is 28 en mijn b12 is 300", 300.0),
            ("b12 180 en mma 0,4", 180.0),
            ("Hb 8,2 mmol/l, B12 140 pmol/l, foliumzuur 12", 140.0),
            ("mijn b12 was 180 maar mijn vitamine d 30", 180.0),
            ("tsh 2,5 en b12 260", 260.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
        assert_none(&["tsh 2,5", "mcv 104", "hba1c 48"]);
    }

    #[test]
    fn implausible_numbers_are_reported_not_banded() {
        let table: &[(&str, f64, Option<Unit>)] = &[
            ("cobalamine 45000", 45000.0, None),
            ("b12 is 3", 3.0, None),
            ("b12 is 12", 12.0, None),
            ("mijn b12 was 0,18", 0.18, None),
            ("b12 9000 pmol/l", 9000.0, Some(Unit::PmolPerL)),
            ("b12 15 nmol/l", 15.0, Some(Unit::NmolPerL)),
            ("b12 10 pg/ml", 10.0, Some(Unit::PgPerMl)),
        ];
        for &(text, number, unit) in table {
            let r = read_value(text).unwrap_or_else(|| panic!("nothing read in {text:?}"));
            assert_eq!(r.problem, Some(Problem::Implausible), "{text:?}: {r:?}");
            assert_eq!((r.number, r.unit), (number, unit), "{text:?}");
            assert_eq!((r.pmol_per_l, r.band), (None, NotInterpretable), "{text:?}");
        }
    }

    #[test]
    fn units_that_are_not_total_b12_units_are_reported_as_written() {
        let table = [
            ("b12 0,3 µmol/L", "µmol/L"),
            ("b12 0,3 umol/l", "umol/l"),
            ("b12 0,3 μmol/l", "μmol/l"),
            ("b12 5 mmol/L", "mmol/L"),
            ("b12 400 µg/L", "µg/L"),
            ("b12 400 ng/mL", "ng/mL"),
            ("b12 400 ng", "ng"),
            ("b12 40 mg/dl", "mg/dl"),
        ];
        for (text, unit) in table {
            let r = read_value(text).unwrap_or_else(|| panic!("nothing read in {text:?}"));
            assert_eq!(
                r.problem,
                Some(Problem::UnknownUnit(unit.to_string())),
                "{text:?}: {r:?}"
            );
            assert_eq!((r.pmol_per_l, r.band), (None, NotInterpretable), "{text:?}");
        }
    }

    #[test]
    fn separators_are_read_sensibly() {
        let table = [
            ("b12 1.200", 1200.0),
            ("b12 1,200", 1200.0),
            ("b12 1.200 pmol/l", 1200.0),
            ("b12 1,2 nmol/l", 1200.0),
            ("b12 1,200 nmol/l", 1200.0), // 1200 nmol/L is implausible; 1.2 nmol/L is not
            ("b12 0.180 nmol/l", 180.0),
            ("b12 1.234,5 pmol/l", 1234.5),
            ("b12 184,5", 184.5),
            ("b12 is 310.", 310.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
    }

    #[test]
    fn with_several_numbers_the_b12_result_wins() {
        let table = [
            ("b12 uitslag 250 pg/ml, 3 maanden geleden, ik ben 45", 184.5),
            ("na 3 maanden en 5 injecties is de b12 uitslag 350", 350.0),
            ("mijn vrouw is 45 en haar b12 is 160", 160.0),
            ("b12 gezakt van 300 naar 180 pmol/l", 180.0),
            ("b12 was eerst 140 en nu 250", 250.0),
            ("b12 was 140 in maart", 140.0),
            ("b12 150 en 250", 150.0), // no sign which is current: the first
            ("mijn b12 is na 6 injecties van 120 naar 450 gegaan", 450.0),
            ("Mijn bloedwaarden: ferritine 12, b12 178, vit D 45", 178.0),
            (
                "b12 uitslag 250 pmol/l (ref 145–569) op 12-03-2024 om 14:30",
                250.0,
            ),
            ("Ik (45, vrouw) heb een b12 van 199", 199.0),
            ("b12 = 1,35 nmol/L", 1350.0),
            ("mijn uitslag was 180", 180.0),
            ("de uitslag is 180 pmol/l", 180.0),
            ("180 pmol/l, is dat goed?", 180.0),
            ("is een b12 van 180 te laag?", 180.0),
            ("my b12 is low at 130", 130.0),
            ("B12 level of 450 pg/mL", 332.1),
            ("is 180 goed voor b12?", 180.0),
            ("b12 2000", 2000.0),
            ("Hoi! Net uitslag gekregen, B12: 245. Is dat goed?", 245.0),
            ("b12 tekort, 3 jaar geleden 120 gemeten", 120.0),
            ("b12 van 130 bij mijn zoontje van 4", 130.0),
        ];
        for (text, pmol) in table {
            assert_pmol(text, pmol);
        }
    }

    #[test]
    fn hostile_input_never_panics_and_stays_linear() {
        let digits = "9".repeat(100_000);
        let numbers = (0..20_000)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let seps = "1.".repeat(30_000);
        let b12s = "b12 ".repeat(20_000);
        let mixed = "b12 is 180 pmol/l ".repeat(5_000);
        let hostile: Vec<String> = vec![
            digits.clone(),
            format!("b12 {digits}"),
            numbers,
            seps,
            b12s,
            mixed,
            "🙂".repeat(10_000),
            "b12 💉 180 🩸".to_string(),
            "\u{0}\u{1}\u{7f}b12\u{202e}180\u{202c}".to_string(),
            "ب12 ١٨٠ פמול b12 ١٨٠".to_string(),
            "b\u{301}12 180".to_string(),
            "\u{feff}b12:\u{200b}180".to_string(),
            ",.,.,.,-/-/-/::==(()))".repeat(1_000),
            "b12 ".to_string() + &"1,".repeat(10_000),
            "é".repeat(50_000),
            "b12 180 ".to_string() + &"x".repeat(100_000),
            "0,".repeat(20_000),
            "b12 1e308 1e999 NaN inf -0".to_string(),
        ];
        for text in &hostile {
            let start = std::time::Instant::now();
            let _ = read_value(text);
            let took = start.elapsed();
            // Generous: debug build, tests running in parallel. (Release: ~6 ms at worst.)
            assert!(
                took.as_millis() < 3_000,
                "{} bytes took {took:?}",
                text.len()
            );
        }
        // Ordinary messages stay far under a millisecond (generous bound for debug builds).
        let start = std::time::Instant::now();
        for _ in 0..100 {
            let _ = read_value("Hallo, mijn B12 uitslag was 0,18 nmol/l (ref 145-569), ik ben 52.");
        }
        assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_without_panicking(text in "\\PC{0,200}") {
            let _ = read_value(&text);
        }

        #[test]
        fn any_plausible_whole_value_is_read_back(n in 20u32..=999, unit in 0usize..3) {
            let (suffix, factor) = [("", 1.0), (" pmol/l", 1.0), (" pg/ml", PMOL_PER_PG_ML)][unit];
            let text = format!("mijn b12 was {n}{suffix}");
            let r = read_value(&text).expect("a value");
            let pmol = f64::from(n) * factor;
            if is_plausible(pmol) {
                proptest::prop_assert_eq!(r.number, f64::from(n));
                proptest::prop_assert!((r.pmol_per_l.unwrap() - pmol).abs() < 0.051);
            }
        }
    }
}
