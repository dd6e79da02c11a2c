//! Names of tests marked on the tokens: total B12 (its `12` is part of the name, never a
//! value), the tests that are not total B12, and lab tests without a variant of their own.

use super::OtherTest;
use super::lexicon::{SUPPLEMENT_FORMS, UNLISTED_TESTS};
use super::tokens::{Kind, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TestRef {
    /// Total serum B12.
    Total,
    Other(OtherTest),
    /// Another lab test that has no [`OtherTest`] variant (TSH, MCV, HbA1c…): its numbers are
    /// never read as B12, and produce no reading.
    Unlisted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
pub(super) fn name_roles(toks: &[Tok]) -> Vec<Role> {
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
