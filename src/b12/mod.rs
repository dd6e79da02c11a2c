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
//! - **Numbers in words** (speech-to-text): a run of number words holding a hundred or a
//!   thousand is a number ("honderd vijftig", "tweehonderdvijfendertig", "one hundred and
//!   forty-five"; see `spoken`); "een", "one", "a" alone stay words. "b twaalf", "be twaalf",
//!   "b twelve" are the name `b 12`.
//! - **Years**: a four-digit number 1900–2100 without a unit is a year, unless it directly
//!   follows the B12 name ("b12 2000", "b12 is 2000").
//! - **Several values**: an explicit B12 unit and a tight link to the name count most; a word
//!   like "nu" / "latest" marks the current value; "van 120 naar 450" reads 450; otherwise the
//!   first one wins.
//! - **Other tests**: the number goes with the nearest name before it, so "b12 300, ferritine
//!   40" reads 300, and "actief b12 28" is active B12 even though "b12" is in it. Lab tests
//!   without an [`OtherTest`] variant (TSH, MCV, HbA1c, glucose…) only stop their numbers from
//!   being read as B12 (no variant was added: the engine matches `OtherTest` exhaustively).

mod candidates;
mod lexicon;
mod names;
mod numbers;
mod spoken;
mod tokens;
mod units;

#[cfg(test)]
mod tests;

use candidates::{Candidate, Class, candidate};
use names::{Role, name_roles};
use serde::{Deserialize, Serialize};
use tokens::{Kind, tokenize};

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

impl OtherTest {
    /// A test of the B12 question itself (active B12, MMA, homocysteine), or haemoglobin,
    /// which the hospital's B12 leaflet names beside it. A value of any other test
    /// (ferritin, iron, folate or another vitamin) is a question outside the bot's subject.
    pub fn beside_b12(self) -> bool {
        !matches!(
            self,
            OtherTest::Ferritin | OtherTest::Iron | OtherTest::Folate | OtherTest::OtherVitamin
        )
    }

    /// The key of the test's name in `texts.toml` (filled in for `{test}`).
    pub fn text_key(self) -> &'static str {
        match self {
            OtherTest::ActiveB12 => "test_active_b12",
            OtherTest::Mma => "test_mma",
            OtherTest::Homocysteine => "test_homocysteine",
            OtherTest::Folate => "test_folate",
            OtherTest::Ferritin => "test_ferritin",
            OtherTest::Haemoglobin => "test_haemoglobin",
            OtherTest::Iron => "test_iron",
            OtherTest::OtherVitamin => "test_other_vitamin",
        }
    }
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

/// The value of one number word ("zeven", "twintig", "seven"; not "een" or "one"): for
/// counts and ages written out, as speech-to-text writes them.
pub fn number_word(w: &str) -> Option<u32> {
    spoken::word_value(w)
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
    let toks = spoken::read_spoken(tokenize(text));
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
