//! A number as written: decimal commas and points, thousands separators (and the other
//! reading of an ambiguous one), leading zeros.

#[derive(Debug, Clone, Copy)]
pub(super) struct NumVal {
    pub(super) value: f64,
    /// The other reading of an ambiguous separator ("1,200": 1200, or 1.2).
    pub(super) alt: Option<f64>,
    /// Whole number, as written (no decimal part).
    pub(super) integer: bool,
    /// Digits before the decimal separator, as written ("1.200" → 4).
    pub(super) int_digits: usize,
    /// A whole number written with a leading zero ("06", "010"): a phone prefix or date part.
    pub(super) leading_zero: bool,
}

/// Longest integer part read as a value; longer digit runs are phone numbers, IDs, junk.
const MAX_INT_DIGITS: usize = 7;

pub(super) fn parse_number(s: &str) -> Option<NumVal> {
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
