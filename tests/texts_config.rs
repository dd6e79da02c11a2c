//! The shipped texts promise only what the configuration does, and a reported value is
//! placed in the hospital's table only where that table applies.
//!
//! Every configuration is tried: each value policy, with and without a triage desk.

use b12bot::b12::Band;
use b12bot::engine::{Context, Engine, EngineConfig, Intent, ValuePolicy};
use b12bot::faq::{self, Faq};
use b12bot::text::Lang;
use std::path::Path;
use std::sync::OnceLock;

fn faq() -> &'static Faq {
    static F: OnceLock<Faq> = OnceLock::new();
    F.get_or_init(|| {
        faq::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("faq"))
            .expect("shipped FAQ loads")
    })
}

fn engine(config: EngineConfig) -> Engine {
    Engine::new(faq().clone(), config)
}

fn ask(e: &Engine, q: &str, lang: Lang) -> b12bot::engine::Answer {
    e.answer(
        q,
        &Context {
            lang_hint: Some(lang),
        },
    )
}

/// What a patient would read as "you can ask for a staff member here".
fn offers_staff(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("om een medewerker") || t.contains("ask for a staff member")
}

/// What a patient would read as "give me your result and I will say what it means".
fn promises_placing(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("over dat getal zeggen") || t.contains("say about that number")
}

fn promises_table(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("dan laat ik de grenzen") || t.contains("then i show you the hospital's limits")
}

/// The texts and replies a patient can meet that depend on the configuration: the
/// greeting, /help, an unanswered question, a request for a person, the contact topic.
fn shown(e: &Engine, lang: Lang) -> Vec<(String, String)> {
    let mut out = vec![
        ("greeting".to_string(), e.text("greeting", lang).to_string()),
        ("help".to_string(), e.text("help", lang).to_string()),
    ];
    let no_match = ask(e, "wat is de hoofdstad van frankrijk", lang);
    assert_eq!(no_match.intent, Intent::NoMatch);
    out.push(("no_match reply".to_string(), no_match.reply));
    let human = ask(e, "ik wil een medewerker spreken", lang);
    assert_eq!(human.intent, Intent::Human);
    out.push(("human reply".to_string(), human.reply));
    let contact = e.answer_topic("contact", lang).expect("contact topic");
    out.push(("contact answer".to_string(), contact.reply));
    out
}

#[test]
fn without_a_triage_desk_no_text_offers_a_staff_member() {
    for value_policy in ValuePolicy::ALL {
        let config = EngineConfig {
            value_policy,
            staff_desk: false,
        };
        let e = engine(config);
        for lang in [Lang::Nl, Lang::En] {
            for (what, text) in shown(&e, lang) {
                assert!(
                    !offers_staff(&text),
                    "{}: {what} offers staff:\n{text}",
                    config.describe()
                );
                assert!(
                    !text.contains('{'),
                    "{what}: a placeholder is left:\n{text}"
                );
            }
            // …and says how to reach the hospital instead.
            let human = ask(&e, "ik wil een medewerker spreken", lang).reply;
            assert!(
                human.contains("vragenformulier") || human.contains("question form"),
                "{human}"
            );
        }
    }
}

#[test]
fn with_a_triage_desk_the_patient_is_told_a_staff_member_can_be_asked() {
    for value_policy in ValuePolicy::ALL {
        let config = EngineConfig {
            value_policy,
            staff_desk: true,
        };
        let e = engine(config);
        for lang in [Lang::Nl, Lang::En] {
            for (what, text) in shown(&e, lang) {
                if what == "greeting" {
                    continue; // the greeting is about the bot, not the desk
                }
                assert!(
                    offers_staff(&text),
                    "{}: {what} does not offer staff:\n{text}",
                    config.describe()
                );
            }
        }
    }
}

#[test]
fn the_greeting_and_help_promise_what_the_value_policy_does() {
    for config in EngineConfig::all() {
        let e = engine(config);
        for (lang, q) in [
            (Lang::Nl, "mijn b12 is 180 pmol/l"),
            (Lang::En, "my b12 is 180 pmol/l"),
        ] {
            let value = ask(&e, q, lang);
            assert_eq!(value.lang, lang, "{q}");
            assert_eq!(value.intent, Intent::B12Value);
            let placed = value
                .reply
                .contains(e.text("value_extra_test", lang).trim());
            let table = value
                .reply
                .contains(e.text("value_table_only", lang).trim());
            for key in ["greeting", "help"] {
                let text = e.text(key, lang);
                let label = format!("{} {key} {}", config.describe(), lang.code());
                match config.value_policy {
                    ValuePolicy::ExplainBand => {
                        assert!(placed, "{label}: the value is placed");
                        assert!(promises_placing(text), "{label}:\n{text}");
                    }
                    ValuePolicy::TableOnly => {
                        assert!(table && !placed, "{label}: only the table is shown");
                        assert!(
                            promises_table(text) && !promises_placing(text),
                            "{label}:\n{text}"
                        );
                    }
                    ValuePolicy::ReferOnly => {
                        assert!(!placed && !table, "{label}: {}", value.reply);
                        assert!(
                            !promises_table(text) && !promises_placing(text),
                            "{label}:\n{text}"
                        );
                        assert!(text.contains("huisarts"), "{label}:\n{text}");
                    }
                }
            }
        }
    }
}

/// The hospital's promise that the extra test happens by itself on the same blood.
fn promises_automatic_test(reply: &str) -> bool {
    let r = reply.to_lowercase();
    r.contains("vanzelf")
        || r.contains("hetzelfde bloed")
        || r.contains("by itself")
        || r.contains("same blood")
}

#[test]
fn a_value_in_pg_per_ml_gets_the_table_with_the_other_lab_caveat_and_no_automatic_test() {
    for value_policy in [ValuePolicy::ExplainBand, ValuePolicy::TableOnly] {
        let e = engine(EngineConfig {
            value_policy,
            staff_desk: false,
        });
        for (q, lang) in [
            ("mijn b12 was 250 pg/ml", Lang::Nl),
            ("my vitamin b12 came back at 250 pg/mL", Lang::En),
        ] {
            let a = ask(&e, q, lang);
            assert_eq!(a.intent, Intent::B12Value, "{q}");
            // The contract still says where the hospital's bands would put it.
            let b12 = a.b12.as_ref().expect("b12 info");
            assert_eq!(b12.band, Band::ExtraTest, "{q}: 250 pg/mL ≈ 184.5 pmol/L");
            let caveat = e.text("value_other_unit", lang).replace("{unit}", "pg/mL");
            assert!(a.reply.contains(caveat.trim()), "{q}:\n{}", a.reply);
            assert!(
                a.reply
                    .contains(e.text("value_table_other_lab", lang).trim()),
                "{q}"
            );
            assert!(
                !a.reply.contains(e.text("value_extra_test", lang).trim()),
                "{q}: placed"
            );
            assert!(!promises_automatic_test(&a.reply), "{q}:\n{}", a.reply);
            assert!(a.refers_to_gp);
        }
    }
}

#[test]
fn a_value_said_to_come_from_another_lab_gets_the_caveat_and_no_automatic_test() {
    let e = engine(EngineConfig::default());
    for (q, lang) in [
        ("mijn b12 is 180, bepaald in het UMC Utrecht", Lang::Nl),
        ("b12 uitslag 180 pmol/l van een ander lab", Lang::Nl),
        (
            "my b12 was 180 pmol/L, tested at another hospital",
            Lang::En,
        ),
    ] {
        let a = ask(&e, q, lang);
        assert_eq!(a.intent, Intent::B12Value, "{q}");
        assert!(
            a.reply.contains(e.text("value_other_lab", lang).trim()),
            "{q}:\n{}",
            a.reply
        );
        assert!(
            a.reply
                .contains(e.text("value_table_other_lab", lang).trim()),
            "{q}"
        );
        assert!(!promises_automatic_test(&a.reply), "{q}:\n{}", a.reply);
    }
}

#[test]
fn a_value_from_this_hospital_or_an_unnamed_lab_is_placed_and_the_test_is_conditional() {
    let e = engine(EngineConfig::default());
    for q in [
        "mijn b12 is 180",
        "mijn b12 was 180 pmol/l, gemeten in gelderse vallei",
    ] {
        let a = ask(&e, q, Lang::Nl);
        assert!(
            a.reply
                .contains(e.text("value_extra_test", Lang::Nl).trim()),
            "{q}"
        );
        assert!(
            !a.reply.contains(e.text("value_other_lab", Lang::Nl).trim()),
            "{q}"
        );
        // The automatic test is promised only for blood this hospital measured.
        let extra = e.text("value_extra_test", Lang::Nl);
        let promise = extra.find("vanzelf").expect("the automatic test is named");
        assert!(
            extra[..promise].contains("gemeten in Ziekenhuis Gelderse Vallei"),
            "{extra}"
        );
    }
}

#[test]
fn under_refer_only_no_value_is_read_whatever_the_lab() {
    let e = engine(EngineConfig {
        value_policy: ValuePolicy::ReferOnly,
        staff_desk: false,
    });
    for q in [
        "mijn b12 was 250 pg/ml",
        "mijn b12 is 180, bepaald in het UMC Utrecht",
    ] {
        let a = ask(&e, q, Lang::Nl);
        assert_eq!(
            a.reply.trim(),
            e.text("value_refer_only", Lang::Nl).trim(),
            "{q}"
        );
    }
}
