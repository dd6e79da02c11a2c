//! The reader's tests: every decision in the module documentation, case by case.

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
