//! The red flags (`faq/red-flags.toml`) through the whole engine: every example and
//! near-miss of the file behaves as labelled; emergencies are recognised however they are
//! worded (bystanders, typos, Flemish, split and joined words, compounds, mixed with a B12
//! question); negations, the past, idioms and questions about a sign are not urgent; the
//! safety net; and what `check` says when a clinician's edit is wrong.
//!
//! The messages in the tables are written for these tests from the triage categories
//! (`../shared/facts/red-flags.md`), not taken from any labelled set.

use b12bot::engine::{Answer, Context, Engine, EngineConfig, Intent};
use b12bot::faq::{self, LoadError};
use b12bot::text::Lang;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::support;

fn faq_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        Engine::new(
            faq::load_dir(&faq_dir()).expect("shipped FAQ loads"),
            EngineConfig::default(),
        )
    })
}

fn ask(q: &str) -> Answer {
    engine().answer(q, &Context::default())
}

/// Every message is answered as urgent with `category` among the red flags that fired.
#[track_caller]
fn urgent(category: &str, messages: &[&str]) {
    let wrong: Vec<String> = messages
        .iter()
        .filter_map(|q| {
            let a = ask(q);
            (a.intent != Intent::Urgent || !a.red_flags.iter().any(|c| c == category))
                .then(|| format!("{q:?} → {:?} {:?}", a.intent, a.red_flags))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "not urgent as {category}:\n{}",
        wrong.join("\n")
    );
}

/// No message is answered as urgent.
#[track_caller]
fn not_urgent(messages: &[&str]) {
    let wrong: Vec<String> = messages
        .iter()
        .filter_map(|q| {
            let a = ask(q);
            (a.intent == Intent::Urgent).then(|| format!("{q:?} → {:?}", a.red_flags))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "answered as urgent:\n{}",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The file's own examples, through the engine.

#[test]
fn every_example_and_near_miss_of_the_red_flag_file_behaves_as_labelled() {
    let text = std::fs::read_to_string(faq_dir().join(faq::RED_FLAGS_FILE)).unwrap();
    let file: toml::Table = toml::from_str(&text).unwrap();
    let categories = file["category"].as_array().unwrap();
    assert_eq!(categories.len(), b12bot::safety::CATEGORY_IDS.len());
    let (mut examples, mut near) = (0, 0);
    for cat in categories {
        let id = cat["id"].as_str().unwrap();
        let list = |key: &str, lang: &str| -> Vec<String> {
            cat[key][lang]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        for lang in ["nl", "en"] {
            let ex = list("examples", lang);
            let nm = list("near_misses", lang);
            assert!(!ex.is_empty() && !nm.is_empty(), "{id} {lang}");
            examples += ex.len();
            near += nm.len();
            urgent(id, &ex.iter().map(String::as_str).collect::<Vec<_>>());
            not_urgent(&nm.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let both = list("examples", "nl").len() + list("examples", "en").len();
        let misses = list("near_misses", "nl").len() + list("near_misses", "en").len();
        assert!(both >= 8, "{id}: {both} examples");
        assert!(misses >= 5, "{id}: {misses} near-misses");
    }
    assert!(examples >= 13 * 8 && near >= 13 * 5, "{examples} / {near}");
}

// ---------------------------------------------------------------------------------------------
// However a patient words it.

#[test]
fn bystanders_typos_flemish_and_speech_to_text_spellings_are_recognised() {
    urgent(
        "collapse",
        &[
            "mijn schoonvader is bewustelooos",
            "ze is flauw gevallen in de douche",
            "hij is bewust loos geraakt",
            "onze buurvrouw is in mekaar gezakt",
            "mijne man is weggeraakt en reageert ni",
        ],
    );
    urgent(
        "chest_pain",
        &[
            "ik heb borst pijn en zweet",
            "k heb pijn op de bors",
            "my dad has a crushing pain in his chest",
            "mijn vriend denkt dat hij een hart aanval heeft",
        ],
    );
    urgent(
        "suicide",
        &["ik denk aan zelf moord", "ik wil er een eind aan maken"],
    );
    urgent(
        "anaphylaxis",
        &["na de injectie voelt het alsof mijn keelzwelling erger wordt en ik benauwd ben"],
    );
    urgent("stroke", &["mijn vader heeft volgens mij een beroerrte"]);
    // One letter from "beroerte" is also a word of its own ("lousy"): not read as a typo.
    not_urgent(&["ik voel me beroerd", "wat een beroerde dag"]);
}

#[test]
fn a_red_flag_mixed_with_a_b12_question_is_urgent() {
    urgent(
        "chest_pain",
        &["ik heb een drukkende pijn op mijn borst, kan dat door mijn b12 tekort komen?"],
    );
    urgent(
        "stroke",
        &["my mum's face droops on one side since lunch, is that her low b12?"],
    );
    urgent(
        "infant",
        &[
            "ik ben veganist en geef borstvoeding; mijn baby van 4 weken drinkt sinds vanochtend niet meer",
        ],
    );
}

#[test]
fn medication_overdose_is_urgent_but_too_much_b12_is_a_self_medication_question() {
    urgent(
        "overdose",
        &[
            "ik heb per ongeluk een hele strip van mijn bloeddrukpillen ingenomen",
            "our toddler ate some of the dishwasher tablets",
            "mijn zus heeft expres al haar slaappillen geslikt",
        ],
    );
    for q in [
        "ik heb per ongeluk drie b12 tabletten tegelijk genomen",
        "can you take too much vitamin b12?",
    ] {
        let a = ask(q);
        assert_ne!(a.intent, Intent::Urgent, "{q}");
        let topic = Some("self-medication");
        assert!(
            a.faq_id.as_deref() == topic || a.suggestions.iter().any(|s| Some(s.as_str()) == topic),
            "{q}: {a:?}"
        );
    }
}

#[test]
fn the_reply_names_the_route_first_and_the_json_names_the_category() {
    let stroke = ask("opa praat ineens met een dubbele tong");
    assert!(
        stroke.reply.starts_with("Bel nu direct 112."),
        "{}",
        stroke.reply
    );
    assert!(
        stroke.reply.contains("Tijd is belangrijk"),
        "{}",
        stroke.reply
    );
    assert_eq!(stroke.urgency.as_deref(), Some("stroke"));
    assert!(stroke.refers_to_gp);

    let suicide = ask("I don't want to live anymore");
    assert!(
        suicide.reply.starts_with("Please call 113"),
        "{}",
        suicide.reply
    );
    assert!(suicide.reply.contains("112"));

    let confused = ask("mijn opa is sinds vanmiddag ineens heel verward");
    assert_eq!(confused.urgency.as_deref(), Some("confusion"));
    assert!(
        confused
            .reply
            .starts_with("Bel nu direct 112 of de huisartsenpost."),
        "{}",
        confused.reply
    );

    // Chest pain and suicidal thoughts: 112 decides, 113's line is added.
    let both = ask("pijn op de borst en ik wil niet meer leven");
    assert_eq!(both.urgency.as_deref(), Some("chest_pain"));
    assert!(both.red_flags.contains(&"suicide".to_string()));
    assert!(both.reply.starts_with("Bel nu direct 112."));
    assert!(both.reply.contains("113"));

    let v: serde_json::Value = serde_json::to_value(&stroke).unwrap();
    assert_eq!(v["intent"], "urgent");
    assert_eq!(v["urgency"], "stroke");
    assert_eq!(v["safety_net"], false);
}

// ---------------------------------------------------------------------------------------------
// What is not urgent.

#[test]
fn listed_b12_complaints_and_long_standing_ones_are_not_urgent() {
    not_urgent(&[
        "ik heb hartkloppingen en tintelingen in mijn vingers",
        "ik ben erg moe en duizelig, kan dat b12 zijn?",
        "my legs feel weak and I'm forgetful",
        "ik ben vaak kortademig bij de trap",
        "ik heb al jaren migraine met hevige hoofdpijn",
        "mijn moeder is al maanden wat verward door haar dementie",
        "I've had numb feet for years",
    ]);
}

#[test]
fn negated_past_and_passed_red_flags_are_not_urgent() {
    not_urgent(&[
        "geen pijn op de borst of benauwdheid, alleen moe",
        "ik ben niet flauwgevallen, wel licht in mijn hoofd",
        "I didn't faint and my speech is fine",
        "zijn mond hangt niet scheef, hij is alleen moe",
        "drie jaar geleden viel ik flauw op mijn werk, moet ik vaker prikken?",
        "mijn vader had twee jaar geleden een herseninfarct, moet zijn b12 getest worden?",
        "my son had a febrile convulsion as a toddler, should we test his b12?",
        "ik had vanochtend wat druk op mijn borst maar het is weer helemaal weg",
    ]);
}

#[test]
fn idioms_and_questions_about_a_sign_are_not_urgent() {
    not_urgent(&[
        "ik ben doodop van de drukte thuis",
        "ik word knettergek van al die formulieren",
        "these forms are killing me",
        "ik ga dood van de hoofdpijn door de stress",
        "hoe herken je een herseninfarct bij een oudere?",
        "what are the warning signs of a heart attack?",
        "kan een b12 tekort flauwvallen veroorzaken?",
    ]);
}

#[test]
fn an_ordinary_injection_reaction_is_not_urgent() {
    not_urgent(&[
        "mijn arm doet een beetje pijn na de prik",
        "er zit een blauwe plek op de prikplek",
        "the injection site is red and slightly swollen",
    ]);
}

// ---------------------------------------------------------------------------------------------
// The safety net.

#[test]
fn a_listed_complaint_that_came_on_suddenly_gets_the_safety_net_and_the_normal_answer() {
    for q in [
        "mijn tintelingen worden sinds gisteren steeds erger, komt dat door b12?",
        "I suddenly feel much more dizzy than usual, could that be my b12?",
    ] {
        let a = ask(q);
        assert_ne!(a.intent, Intent::Urgent, "{q}");
        assert!(a.safety_net, "{q}");
        let net = engine().text("safety_net", a.lang);
        assert!(a.reply.starts_with(net.trim()), "{q}: {}", a.reply);
        assert!(a.reply.len() > net.len() + 20, "the normal answer follows");
        assert!(a.refers_to_gp);
    }
    for q in [
        "ik heb al jaren tintelingen in mijn vingers",
        "wat is vitamine b12?",
        "mijn b12 is 180 pmol/l",
    ] {
        assert!(!ask(q).safety_net, "{q}");
    }
    let v: serde_json::Value =
        serde_json::to_value(ask("de duizeligheid is vandaag ineens veel erger geworden")).unwrap();
    assert_eq!(v["safety_net"], true);
    assert_eq!(v["urgency"], serde_json::Value::Null);
}

#[test]
fn the_engine_and_the_flood_gate_read_urgency_the_same_way() {
    for q in [
        "mijn baby is heel slap",
        "ik viel vorige maand flauw",
        "wat is b12",
        "ik wil dood",
    ] {
        assert_eq!(
            engine().is_urgent(q),
            ask(q).intent == Intent::Urgent,
            "{q}"
        );
    }
}

#[test]
fn hostile_input_never_panics_and_stays_bounded() {
    let hostile: Vec<String> = vec![
        "9".repeat(100_000),
        "pijn op de borst ".repeat(2_000),
        "geen pijn op de borst of ".repeat(2_000),
        "niet ".repeat(10_000),
        "flauwgevallenflauwgevallen".repeat(2_000),
        "🙂".repeat(10_000),
        "\u{0}\u{202e}pijn op de borst\u{202c}".to_string(),
        "ik heb ineens ".repeat(3_000),
        "é".repeat(50_000),
        ",.;:!?".repeat(5_000),
    ];
    for text in &hostile {
        let t = std::time::Instant::now();
        let _ = engine().red_flags(text);
        // Generous: debug build, tests in parallel on a shared machine.
        assert!(
            t.elapsed().as_secs() < 5,
            "{} bytes: {:?}",
            text.len(),
            t.elapsed()
        );
    }
    assert!(engine().is_urgent("\u{202e}pijn op de borst\u{202c}"));
    assert!(!engine().is_urgent(""));
}

// ---------------------------------------------------------------------------------------------
// `check`: what a clinician is told when an edit is wrong.

/// The shipped FAQ folder with `red-flags.toml` replaced by `red_flags`.
fn load_with(red_flags: &str) -> Result<faq::Faq, Vec<LoadError>> {
    support::load_faq_with(faq::RED_FLAGS_FILE, red_flags)
}

fn shipped() -> String {
    std::fs::read_to_string(faq_dir().join(faq::RED_FLAGS_FILE)).unwrap()
}

/// The shipped file with `from` replaced (once) by `to`, and the 1-based line and column
/// where `to` starts plus `offset` characters.
fn edited(from: &str, to: &str, offset: usize) -> (String, usize, usize) {
    let text = shipped();
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in the file"));
    let edited = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    let before = &edited[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1 + offset;
    (edited, line, column)
}

#[track_caller]
fn single_error(text: &str, line: usize, column: usize, words: &[&str]) -> LoadError {
    let errors = load_with(text).expect_err("the edit is refused");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = errors.into_iter().next().unwrap();
    assert_eq!(e.file, Path::new("faq/red-flags.toml"), "{e}");
    assert_eq!((e.line, e.column), (line, column), "{e}");
    for w in words {
        assert!(e.message.contains(w), "{w:?} not in {e}");
    }
    e
}

#[test]
fn the_shipped_red_flags_load_with_every_category_and_an_honest_review_status() {
    let faq = load_with(&shipped()).unwrap();
    let ids: Vec<&str> = faq
        .red_flags
        .categories()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, b12bot::safety::CATEGORY_IDS);
    let review = faq.red_flags_review.unwrap();
    assert!(
        review
            .reviewed_by
            .unwrap()
            .starts_with("concept, to be reviewed by")
    );
    assert_eq!(review.reviewed_on, None);
}

#[test]
fn an_unknown_key_is_named_with_the_closest_known_one() {
    let (text, line, column) = edited(
        "id = \"chest_pain\"\n",
        "id = \"chest_pain\"\nrout = \"112\"\n",
        0,
    );
    let e = single_error(
        &text,
        line + 1,
        column,
        &["unknown field \"rout\"", "did you mean \"route\"?"],
    );
    assert_eq!(e.field.as_deref(), Some("category[0].rout"));
}

#[test]
fn an_unknown_route_or_category_id_gets_a_suggestion() {
    let (text, line, column) = edited(
        "id = \"chest_pain\"\nroute = \"112\"",
        "id = \"chest_pain\"\nroute = \"huisartspost\"",
        0,
    );
    single_error(
        &text,
        line + 1,
        column + 8,
        &[
            "\"huisartspost\" is not a route",
            "did you mean \"huisartsenpost\"?",
        ],
    );

    let (text, line, column) = edited("id = \"headache\"", "id = \"head_ache\"", 5);
    let errors = load_with(&text).unwrap_err();
    let at = errors
        .iter()
        .find(|e| e.message.contains("\"head_ache\" is not a triage category"))
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert_eq!((at.line, at.column), (line, column), "{at}");
    assert!(at.message.contains("did you mean \"headache\"?"), "{at}");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("the category \"headache\" is missing")),
        "{errors:#?}"
    );
}

#[test]
fn a_wrong_type_and_an_empty_vocabulary_are_reported_where_they_stand() {
    let (text, line, column) = edited("timeless = true", "timeless = \"yes\"", 11);
    single_error(&text, line, column, &["must be true or false, but is text"]);

    let (text, line, column) = edited(
        "[category.concepts.thunderclap]\nnl = [\"donderslaghoofdpijn\", \"donderslag hoofdpijn\"]\nen = [\"thunderclap headache\"]",
        "[category.concepts.thunderclap]\nnl = []\nen = []",
        0,
    );
    single_error(
        &text,
        line,
        column,
        &["the concept \"thunderclap\" has no words"],
    );
}

#[test]
fn a_rule_naming_an_unknown_concept_is_reported_at_the_rule() {
    let (text, line, column) = edited(
        "\"chest + pain !breastfeeding\"",
        "\"chest + pian !breastfeeding\"",
        0,
    );
    single_error(
        &text,
        line,
        column,
        &["no concept is called \"pian\"", "did you mean \"pain\"?"],
    );
}

#[test]
fn an_example_that_does_not_trigger_its_category_is_reported_at_the_example() {
    let (text, line, column) = edited(
        "\"mijn dochter van twee heeft een koortsstuip\",",
        "\"mijn dochter van twee heeft een koortslip\",",
        0,
    );
    single_error(
        &text,
        line,
        column,
        &["does not trigger \"seizure\"", "koortslip"],
    );
}

#[test]
fn a_near_miss_that_is_answered_as_urgent_is_reported_at_the_near_miss() {
    let (text, line, column) = edited(
        "\"I had a fit of laughter\",",
        "\"I had a seizure this morning\",",
        0,
    );
    single_error(
        &text,
        line,
        column,
        &["this near-miss is answered as urgent (seizure)"],
    );
}

#[test]
fn a_missing_red_flag_file_is_an_error_not_a_bot_without_red_flags() {
    let files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(faq_dir())
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != faq::RED_FLAGS_FILE))
        .map(|p| {
            (
                Path::new("faq").join(p.file_name().unwrap()),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    let errors = faq::from_files(files).unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("red-flags.toml is missing"));
}

#[test]
fn a_bad_red_flag_edit_is_refused_on_reload_and_the_running_red_flags_stay() {
    use b12bot::reload::{self, Outcome};
    let (_tmp, dir) = support::copy_faq();
    let handle = b12bot::handle::engine_handle(Engine::new(
        faq::load_dir(&dir).unwrap(),
        EngineConfig::default(),
    ));
    let (broken, _, _) = edited("route = \"113\"", "route = \"911\"", 0);
    std::fs::write(dir.join(faq::RED_FLAGS_FILE), broken).unwrap();
    match reload::reload(&dir, EngineConfig::default(), &handle) {
        Outcome::Refused(errors) => assert!(
            errors.0.iter().any(|e| e.file.ends_with("red-flags.toml")),
            "{errors}"
        ),
        Outcome::Published { .. } => panic!("a broken red-flag file was published"),
    }
    let a = handle
        .load()
        .answer("ik wil niet meer leven", &Context::default());
    assert_eq!(a.urgency.as_deref(), Some("suicide"));
    assert!(a.reply.contains("113"));
    assert_eq!(a.lang, Lang::Nl);
}
