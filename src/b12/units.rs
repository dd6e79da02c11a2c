//! The unit after a number: one total B12 is reported in, another concentration unit (as
//! written), or a dose or amount.

use super::Unit;
use super::tokens::Tok;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum UnitRead {
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
pub(super) fn read_unit(text: &str, toks: &[Tok], j: usize) -> Option<(UnitRead, usize)> {
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
