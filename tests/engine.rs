//! The answer engine on the shipped FAQ: behaviour as a patient meets it.

use b12bot::b12::Band;
use b12bot::engine::{Answer, Context, Engine, EngineConfig, Intent, ValuePolicy};
use b12bot::faq;
use b12bot::text::Lang;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        Engine::new(
            faq::load_dir(&dir).expect("shipped FAQ loads"),
            EngineConfig::default(),
        )
    })
}

fn ask(q: &str) -> Answer {
    engine().answer(q, &Context::default())
}

#[test]
fn every_entry_answers_its_own_example_questions() {
    let mut wrong = Vec::new();
    let mut total = 0;
    for e in &engine().faq().entries {
        for lang in [Lang::Nl, Lang::En] {
            for q in e.questions.get(lang) {
                total += 1;
                let a = ask(q);
                if a.intent != Intent::Faq || a.faq_id.as_deref() != Some(e.id.as_str()) {
                    wrong.push(format!(
                        "{}: {q:?} -> {:?} {:?} {:?}",
                        e.id, a.intent, a.faq_id, a.suggestions
                    ));
                }
            }
        }
    }
    assert!(
        total > 16 * 12,
        "the FAQ has too few example questions: {total}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {total} example questions go elsewhere:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_entry_is_reachable_by_its_button_in_both_languages() {
    for e in &engine().faq().entries {
        for lang in [Lang::Nl, Lang::En] {
            let a = engine().answer_topic(&e.id, lang).unwrap();
            assert_eq!(a.intent, Intent::Faq);
            assert_eq!(a.lang, lang);
            assert!(a.refers_to_gp, "{} {lang:?}", e.id);
        }
    }
    assert!(engine().answer_topic("no-such-topic", Lang::Nl).is_none());
}

/// (message, expected band, expected pmol/L)
const VALUES: &[(&str, Band, f64)] = &[
    ("mijn b12 is 149", Band::HighChance, 149.0),
    ("mijn b12 is 150", Band::ExtraTest, 150.0),
    ("mijn b12 is 220", Band::ExtraTest, 220.0),
    ("mijn b12 is 221", Band::VerySmallChance, 221.0),
    ("my b12 came back at 149 pmol/L", Band::HighChance, 149.0),
    ("B12: 0,15 nmol/L", Band::ExtraTest, 150.0),
    ("b12 0.22 nmol/l", Band::ExtraTest, 220.0),
    ("vitamine B12 0,221 nmol/l", Band::VerySmallChance, 221.0),
    ("b12 uitslag 203 pg/ml", Band::HighChance, 149.81),
    ("b12 was 300 pg/mL", Band::VerySmallChance, 221.4),
    ("b12 270 ng/L", Band::ExtraTest, 199.26),
    ("mijn B12 was 0,18 nmol/l", Band::ExtraTest, 180.0),
    ("250 pg/ml b12", Band::ExtraTest, 184.5),
];

#[test]
fn values_fall_in_the_hospitals_bands_with_unit_conversion() {
    for &(q, band, pmol) in VALUES {
        let a = ask(q);
        assert_eq!(a.intent, Intent::B12Value, "{q}");
        let b = a.b12.as_ref().unwrap();
        assert_eq!(b.band, band, "{q}");
        let got = b.pmol_per_l.unwrap();
        assert!((got - pmol).abs() <= 0.05, "{q}: {got} != {pmol}");
        assert!(a.refers_to_gp, "{q}");
    }
}

#[test]
fn value_replies_name_the_band_other_labs_and_the_gp() {
    let a = ask("mijn b12 is 180 pmol/l");
    assert!(a.reply.contains("180"), "{}", a.reply);
    assert!(a.reply.to_lowercase().contains("mma") || a.reply.contains("methylmalonzuur"));
    assert!(a.reply.contains("huisarts"));
    let e = engine();
    assert!(
        a.reply
            .contains(e.text("value_other_labs", Lang::Nl).trim())
    );
    let en = ask("my b12 is 120 pmol/L");
    assert_eq!(en.lang, Lang::En);
    assert!(
        en.reply
            .contains(e.text("value_high_chance", Lang::En).trim())
    );
}

#[test]
fn the_12_of_b12_is_never_a_value() {
    for q in [
        "wat is vitamine b12",
        "b12 tekort",
        "b12-tekort bij kinderen",
        "b12tekort symptomen",
        "Vitamine B 12 en vegan",
        "what is B-12",
        "B12",
        "b12?",
        "vit. b12 tabletten",
    ] {
        let a = ask(q);
        assert_ne!(a.intent, Intent::B12Value, "{q}: {:?}", a.b12);
        assert!(a.b12.is_none(), "{q}");
    }
}

#[test]
fn other_tests_and_odd_numbers_are_not_put_in_a_band() {
    for q in [
        "holo-TC 28",
        "actief b12 is 40 pmol/l",
        "my active b12 was 35",
        "MMA 0,45 umol/l",
        "homocysteine 22 umol/l, related to b12?",
        "foliumzuur 12 nmol/l",
        "ferritine 30",
        "cobalamine 45000",
        "b12 is 3",
    ] {
        let a = ask(q);
        if let Some(b) = &a.b12 {
            assert_eq!(b.band, Band::NotInterpretable, "{q}");
        }
        assert!(a.refers_to_gp, "{q}");
    }
}

#[test]
fn another_tests_value_is_named_in_the_reply_and_outside_b12_is_no_match() {
    // (message, the test's text key, answered as a value of a test beside B12?)
    for (q, key, beside) in [
        ("actief b12 is 40 pmol/l", "test_active_b12", true),
        ("MMA 0,45 umol/l", "test_mma", true),
        ("foliumzuur 12 nmol/l", "test_folate", false),
        ("ferritine 30", "test_ferritin", false),
        (
            "my vitamin D is 45 nmol/l, is that low?",
            "test_other_vitamin",
            false,
        ),
    ] {
        let a = ask(q);
        let name = engine().text(key, a.lang).trim().to_string();
        let said = engine()
            .text("value_other_test", a.lang)
            .trim()
            .replace("{test}", &name);
        assert!(a.reply.starts_with(&said), "{q}: {}", a.reply);
        // The name goes mid-sentence: no capital letter after "gaat over" / "is about",
        // unless it is an abbreviation ("MMA").
        let first = name.split([' ', '(']).next().unwrap_or_default();
        assert!(
            first.starts_with(char::is_lowercase) || first.chars().all(|c| !c.is_lowercase()),
            "{key}: {name}"
        );
        if beside {
            assert_eq!(a.intent, Intent::B12Value, "{q}");
            assert_eq!(a.b12.map(|b| b.band), Some(Band::NotInterpretable), "{q}");
        } else {
            assert_eq!(a.intent, Intent::NoMatch, "{q}");
            assert!(a.b12.is_none(), "{q}");
        }
        assert!(a.refers_to_gp, "{q}");
    }
}

#[test]
fn value_policy_is_the_hospitals_choice() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let faq = faq::load_dir(&dir).unwrap();
    let high = engine()
        .text("value_high_chance", Lang::Nl)
        .trim()
        .to_string();
    let table = Engine::new(
        faq.clone(),
        EngineConfig {
            value_policy: ValuePolicy::TableOnly,
            ..EngineConfig::default()
        },
    );
    let a = table.answer("mijn b12 is 120", &Context::default());
    assert!(
        a.reply
            .contains(table.text("value_table_only", Lang::Nl).trim())
    );
    assert!(!a.reply.contains(&high));
    let refer = Engine::new(
        faq,
        EngineConfig {
            value_policy: ValuePolicy::ReferOnly,
            ..EngineConfig::default()
        },
    );
    let a = refer.answer("mijn b12 is 120", &Context::default());
    assert!(
        a.reply
            .contains(refer.text("value_refer_only", Lang::Nl).trim())
    );
    assert!(!a.reply.contains("120"), "{}", a.reply);
    assert!(a.refers_to_gp);
}

#[test]
fn urgent_advice_comes_first_with_112() {
    for q in [
        "ik heb pijn op de borst en voel me heel slecht",
        "my mother just fainted and is not responding",
        "I don't want to live anymore",
    ] {
        let a = ask(q);
        assert_eq!(a.intent, Intent::Urgent, "{q}");
        assert!(a.reply.contains("112") || a.reply.contains("113"), "{q}");
        assert!(a.refers_to_gp);
    }
    let a = ask("ik wil er een eind aan maken");
    assert!(a.reply.contains("113"));
}

#[test]
fn ordinary_complaints_are_not_urgent() {
    for q in [
        "ik heb hartkloppingen en ben moe, kan dat b12 zijn",
        "ik ben vaak duizelig",
        "tintelingen in mijn vingers door b12?",
        "I feel tired all the time and have tingling feet",
    ] {
        assert_ne!(ask(q).intent, Intent::Urgent, "{q}");
    }
}

#[test]
fn asking_for_a_person_is_human() {
    for q in [
        "kan ik een medewerker spreken",
        "bel me alsjeblieft terug",
        "I want to talk to a real person",
        "can someone call me back",
        "kan ik iemand aan de telefoon krijgen",
        "u begrijpt me niet, geef me iemand van het ziekenhuis",
        "can I get someone on the phone",
        "kan iemnd me terugbelle",
        "ik wil met mens spreken, niet met computer",
    ] {
        let a = ask(q);
        assert_eq!(a.intent, Intent::Human, "{q}");
        assert!(a.refers_to_gp);
    }
}

#[test]
fn talking_with_nobody_is_not_asking_for_a_person() {
    for q in [
        "ik kan met niemand praten over mijn b12 uitslag",
        "mijn man begrijpt me niet als ik zo moe ben, komt dat door b12?",
    ] {
        assert_ne!(ask(q).intent, Intent::Human, "{q}");
    }
    assert_eq!(ask("je begrijpt me niet").intent, Intent::Human);
}

#[test]
fn greetings_thanks_and_goodbyes_are_smalltalk_but_a_greeting_with_a_question_is_the_question() {
    for q in [
        "hoi",
        "Goedemorgen!",
        "dank je wel",
        "thanks a lot",
        "bye!",
        "doei",
        "bedankt, dat was precies wat ik zocht",
        "thanks, just what I needed to know",
        "dankjwel voor alles",
        "Geachte mevrouw, hartelijk dank voor uw uitleg. Met vriendelijke groet, K. Bakker",
        "welterusten en bedankt",
        "good night and thanks",
    ] {
        assert_eq!(ask(q).intent, Intent::Smalltalk, "{q}");
    }
    // Thanks with a question in it is the question.
    let a = ask("bedankt! en hoe lang duurt de behandeling precies?");
    assert_eq!(a.intent, Intent::Faq, "{:?}", a.faq_id);
    let a = ask("hallo, welke producten bevatten vitamine b12?");
    assert_eq!(a.intent, Intent::Faq);
    assert_eq!(a.faq_id.as_deref(), Some("food-sources"));
}

#[test]
fn off_topic_questions_are_no_match_even_with_shared_words() {
    for q in [
        "waar kan ik parkeren bij het ziekenhuis",
        "wat zijn de bezoektijden",
        "ik heb een vitamine D tekort, wat moet ik doen",
        "helpt ijzer tegen vermoeidheid",
        "what time does the hospital shop open",
        "hoe laat gaat de polikliniek dermatologie open",
    ] {
        assert_eq!(ask(q).intent, Intent::NoMatch, "{q}");
    }
}

#[test]
fn a_subject_of_the_out_of_scope_file_without_b12_is_no_match() {
    // Shares "vergoed" and "verzekering" with the insurance topic, but is about other care.
    let q = "vergoedt mijn verzekering de tandarts na een val?";
    assert_eq!(ask(q).intent, Intent::NoMatch, "{q}");
    // Naming B12 keeps it a B12 question.
    let a = ask("vergoedt mijn verzekering de b12 injecties?");
    assert_eq!(a.faq_id.as_deref(), Some("insurance"));
    // The subjects are the file's: without them the same question is the insurance topic.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let mut faq = faq::load_dir(&dir).unwrap();
    for t in &mut faq.out_of_scope {
        t.subjects.clear();
    }
    let bare = Engine::new(faq, EngineConfig::default());
    assert_ne!(
        bare.answer(q, &Context::default()).intent,
        Intent::NoMatch,
        "{q}"
    );
}

#[test]
fn reply_language_follows_the_message_then_the_hint() {
    assert_eq!(ask("wat is vitamine b12").lang, Lang::Nl);
    assert_eq!(ask("what is vitamin b12").lang, Lang::En);
    let hinted = engine().answer(
        "b12",
        &Context {
            lang_hint: Some(Lang::En),
        },
    );
    assert_eq!(hinted.lang, Lang::En);
    let hinted = engine().answer(
        "250",
        &Context {
            lang_hint: Some(Lang::En),
        },
    );
    assert_eq!(hinted.lang, Lang::En);
}

fn hostile_inputs() -> Vec<String> {
    let mut v: Vec<String> = vec![
        String::new(),
        " ".into(),
        "\n\n\t".into(),
        "🙂🙂🙂 b12 🤔".into(),
        "\u{202E}21b si tahw\u{202C}".into(),
        "ما هو فيتامين ب12".into(),
        "\u{0}\u{1}\u{7f}\u{1b}[31m b12".into(),
        "b\u{200B}1\u{200B}2 tekort".into(),
        "1".repeat(100_000),
        "b12 ".repeat(25_000),
        "a".repeat(100_000),
        (0..5000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        "ééééééééééééééééé".repeat(1000),
        "0,0,0,0,0,0 nmol/l ".repeat(500),
        "<b>vet</b> & <script>".into(),
        "b12 = -5 pmol/l".into(),
        "b12 is 1e308".into(),
        "b12 NaN pmol/l".into(),
        "b12 99999999999999999999999999999 pg/ml".into(),
    ];
    // Deterministic pseudo-random byte soup, valid UTF-8.
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for _ in 0..200 {
        let mut s = String::new();
        for _ in 0..(x % 300) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let c = char::from_u32((x % 0x3000) as u32).unwrap_or('?');
            s.push(c);
        }
        v.push(s);
    }
    v
}

#[test]
fn hostile_input_never_panics_and_always_refers_to_the_gp() {
    for q in hostile_inputs() {
        let a = ask(&q);
        assert!(
            a.refers_to_gp,
            "{:?}",
            q.chars().take(40).collect::<String>()
        );
        assert!(!a.reply.is_empty());
        assert!(a.reply.chars().count() <= 4096);
    }
}

#[test]
fn every_reply_refers_to_the_gp() {
    let e = engine();
    let mut n = 0;
    let mut questions: Vec<String> = Vec::new();
    for entry in &e.faq().entries {
        questions.extend(entry.questions.nl.iter().cloned());
        questions.extend(entry.questions.en.iter().cloned());
        questions.extend(entry.keywords.nl.iter().cloned());
    }
    questions.extend(VALUES.iter().map(|v| v.0.to_string()));
    for q in &questions {
        for hint in [None, Some(Lang::Nl), Some(Lang::En)] {
            let a = e.answer(q, &Context { lang_hint: hint });
            assert!(
                a.refers_to_gp && b12bot::engine::mentions_gp(&a.reply),
                "{q}"
            );
            n += 1;
        }
    }
    assert!(n > 500);
}

#[test]
fn typos_missing_accents_compounds_and_flemish_still_find_the_topic() {
    for (q, topic) in [
        (
            "vitamiene b12 tekord symtomen bij volwassenen",
            "symptoms-adults",
        ),
        ("b12tekort bij mijn kindje", "symptoms-children"),
        ("B12-tekort behandelmogelijkheden", "treatment"),
        ("wa zijn de klachten bij nen b12 tekort", "symptoms-adults"),
        ("b12 defiency symptons", "symptoms-adults"),
        ("welke voedingsmiddelen bevatten veel b12", "food-sources"),
        ("ben vegetarier, genoeg b12?", "vegan-vegetarian"),
        ("VERGOED MIJN ZORGVERZEKERING DE B12 KLINIEK??", "insurance"),
    ] {
        let a = ask(q);
        let got = match a.intent {
            Intent::Faq => a.faq_id.clone(),
            Intent::Clarify => a.suggestions.first().cloned(),
            _ => None,
        };
        assert_eq!(got.as_deref(), Some(topic), "{q}: {:?}", a.intent);
    }
}

/// A question about something the FAQ does not know, next to "b12".
const UNKNOWN_SUBJECT: &str = "b12 en zwangerschap";

fn with_faq(change: impl FnOnce(&mut faq::Faq)) -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let mut faq = faq::load_dir(&dir).unwrap();
    change(&mut faq);
    Engine::new(faq, EngineConfig::default())
}

#[test]
fn a_question_about_an_unknown_subject_is_not_answered_with_confidence() {
    let a = ask(UNKNOWN_SUBJECT);
    assert_ne!(a.intent, Intent::Faq, "{:?}", a.faq_id);
}

#[test]
fn staff_keywords_measurably_count() {
    let e = with_faq(|f| {
        let entry = f
            .entries
            .iter_mut()
            .find(|e| e.id == "symptoms-adults")
            .unwrap();
        entry.keywords.nl.push("zwangerschap".into());
    });
    let a = e.answer(UNKNOWN_SUBJECT, &Context::default());
    assert_eq!(a.intent, Intent::Faq);
    assert_eq!(a.faq_id.as_deref(), Some("symptoms-adults"));
}

#[test]
fn staff_synonyms_measurably_count() {
    // "zwanger" is unknown to the FAQ; a synonym group ties it to a word of one entry.
    let before = ask("b12 als je zwanger bent");
    assert_ne!(before.faq_id.as_deref(), Some("vegan-vegetarian"));
    let e = with_faq(|f| f.synonyms.push(vec!["zwanger".into(), "veganist".into()]));
    let a = e.answer("b12 als je zwanger bent", &Context::default());
    assert_eq!(
        a.faq_id.as_deref(),
        Some("vegan-vegetarian"),
        "{:?}",
        a.intent
    );
}

#[test]
fn json_contract_has_exactly_the_designed_fields() {
    let v: serde_json::Value = serde_json::to_value(ask("b12 250 pg/ml")).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "b12",
            "faq_id",
            "intent",
            "lang",
            "refers_to_gp",
            "reply",
            "safety_net",
            "suggestions",
            "urgency"
        ]
    );
    assert_eq!(v["intent"], "b12_value");
    assert_eq!(v["urgency"], serde_json::Value::Null);
    assert_eq!(v["safety_net"], false);
    assert_eq!(v["b12"]["band"], "extra_test");
    assert_eq!(v["b12"]["unit"], "pg/mL");
    assert!((v["b12"]["pmol_per_l"].as_f64().unwrap() - 184.5).abs() < 0.05);
}

#[test]
fn every_telegram_text_is_in_the_shipped_texts_file_for_staff_to_edit() {
    for key in b12bot::telegram::texts::Tg::ALL {
        for lang in [Lang::Nl, Lang::En] {
            assert!(
                !engine().text(key.key(), lang).trim().is_empty(),
                "{key:?} {lang:?}"
            );
        }
    }
}
