//! Finding a reported total-B12 value and its unit in free text; the hospital's bands.
//!
//! Pure: no I/O. The bands are the hospital's own table (leaflet): < 150 pmol/L high chance,
//! 150–220 pmol/L (both inclusive) extra MMA test on the same sample, > 220 very small chance.

use serde::{Deserialize, Serialize};

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

// TEMPORARY stubs until the value reader lands (wip-b12).
pub fn band_for(pmol: f64) -> Band {
    if pmol < 150.0 {
        Band::HighChance
    } else if pmol <= 220.0 {
        Band::ExtraTest
    } else {
        Band::VerySmallChance
    }
}
pub fn read_value(_text: &str) -> Option<Reading> {
    None
}
