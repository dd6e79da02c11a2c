//! The encoder's second opinion on emergencies (`faq/red-flag-neighbours.toml`): a message the
//! red-flag words miss is urgent when it is clearly nearest to labelled emergencies; the file
//! is checked like the rest of the FAQ.

use b12bot::engine::{Context, Engine, EngineConfig, Intent};
use b12bot::faq::{self, LoadError};
use b12bot::red_flag_neighbours;
use b12bot::text::Lang;
use std::path::Path;

use crate::support;

/// The shipped FAQ folder with `red-flag-neighbours.toml` replaced by `neighbours`.
fn load_with(neighbours: &str) -> Result<faq::Faq, Vec<LoadError>> {
    support::load_faq_with(red_flag_neighbours::FILE, neighbours)
}

fn engine_with(neighbours: &str) -> Engine {
    let faq = load_with(neighbours).expect("the edited folder loads");
    Engine::new(faq, EngineConfig::default()).with_semantic(support::semantic_model())
}

/// A message the red-flag words do not catch (checked below), in the style of a bystander.
const PROBE: &str = "my sister just sent me a goodbye message from the top of the car park";

const HEADER: &str = "reviewed_by = \"test\"\nreviewed_on = \"\"\n";

#[test]
fn the_shipped_neighbours_load_on_both_sides_with_an_honest_review_status() {
    let faq = support::load_faq();
    let n = &faq.red_flag_neighbours;
    let categories = faq.red_flags.categories().len();
    // Every category has labelled emergencies; the calm side is not empty.
    for c in 0..categories {
        assert!(
            n.urgent.iter().any(|&(ci, _)| ci == c),
            "no labelled message for {}",
            faq.red_flags.categories()[c].id
        );
    }
    assert!(n.urgent.len() > 500, "{}", n.urgent.len());
    assert!(n.calm.len() > 200, "{}", n.calm.len());
    // The file sets both, as chosen on the tune halves (eval/semantic_red_flags.py).
    assert_eq!(n.nearest, 3);
    assert!((n.margin - 0.12).abs() < 1e-6, "margin {}", n.margin);
    let review = faq
        .red_flag_neighbours_review
        .expect("the file is reviewed");
    assert_eq!(review.reviewed_on, None, "not signed off: no date");
    assert!(review.file.ends_with(red_flag_neighbours::FILE));
}

#[test]
fn a_message_the_words_miss_is_urgent_when_nearest_to_labelled_emergencies() {
    let without = engine_with(HEADER);
    assert!(!without.red_flags(PROBE).is_urgent(), "the words miss it");
    let a = without.answer(PROBE, &Context::default());
    assert_ne!(a.intent, Intent::Urgent, "{a:?}");

    let with = engine_with(&format!(
        "{HEADER}[[urgent]]\ncategory = \"suicide\"\nen = [\n  \"my brother texted me \
         goodbye and he is standing on the roof of a parking garage\",\n  \"she messaged me \
         farewell, she is at the edge of a high building\",\n]\n"
    ));
    let a = with.answer(PROBE, &Context::default());
    assert_eq!(a.intent, Intent::Urgent, "{a:?}");
    assert!(a.urgent_by_meaning);
    assert_eq!(a.urgency.as_deref(), Some("suicide"));
    assert!(a.advises_113);
    let route = with.text("urgent_113", Lang::En);
    let first_line = route.trim().lines().next().unwrap();
    assert!(a.reply.starts_with(first_line), "{}", a.reply);
    assert!(a.refers_to_gp);
    // The flood gate reads it the same way.
    assert!(with.is_urgent(PROBE));
    assert!(!without.is_urgent(PROBE));
    // And explain shows why.
    assert!(with.explain(PROBE).contains("second opinion"));
}

#[test]
fn nearest_emergencies_on_different_routes_get_both_routes_and_113() {
    let engine = engine_with(&format!(
        "{HEADER}[[urgent]]\ncategory = \"suicide\"\nen = [\"my sister just sent me a goodbye \
         message from the top of the car park!\"]\n[[urgent]]\ncategory = \"seizure\"\nen = \
         [\"my sister just sent me a goodbye message from the top of the car park.\"]\n"
    ));
    let a = engine.answer(PROBE, &Context::default());
    assert_eq!(a.intent, Intent::Urgent, "{a:?}");
    assert!(a.urgent_by_meaning);
    let both = engine.text("urgent_112_huisartsenpost", Lang::En).trim();
    assert!(
        a.reply.starts_with(both.lines().next().unwrap()),
        "{}",
        a.reply
    );
    assert!(
        a.reply
            .contains(engine.text("urgent_also_113", Lang::En).trim()),
        "{}",
        a.reply
    );
    assert!(a.advises_113);
    let mut flags = a.red_flags.clone();
    flags.sort();
    assert_eq!(flags, ["seizure", "suicide"]);
}

#[test]
fn a_calm_neighbour_keeps_a_message_out_of_the_emergency_answer() {
    // The same emergency nearby, but the calm side is nearer still.
    let engine = engine_with(&format!(
        "{HEADER}[[urgent]]\ncategory = \"suicide\"\nen = [\"my brother texted me goodbye and \
         he is standing on the roof of a parking garage\"]\n[not_urgent]\nen = [\"my sister \
         just sent me a goodbye message from the car park, she is going home\", \"my sister \
         sent me a goodbye message from the top of the car park after her holiday\"]\n"
    ));
    let a = engine.answer(PROBE, &Context::default());
    assert_ne!(a.intent, Intent::Urgent, "{a:?}");
}

#[track_caller]
fn single_error(text: &str, words: &[&str]) -> LoadError {
    let errors = load_with(text).expect_err("the edit is refused");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = errors.into_iter().next().unwrap();
    assert_eq!(
        e.file,
        Path::new("faq").join(red_flag_neighbours::FILE),
        "{e}"
    );
    for w in words {
        assert!(e.message.contains(w), "{w:?} not in {e}");
    }
    e
}

#[test]
fn an_unknown_category_is_reported_where_it_stands_with_a_suggestion() {
    let e = single_error(
        &format!("{HEADER}\n[[urgent]]\ncategory = \"strok\"\nnl = [\"a\", \"b\"]\n"),
        &["unknown category \"strok\"", "did you mean \"stroke\""],
    );
    assert_eq!((e.line, e.column), (5, 12), "{e}");
}

#[test]
fn a_message_on_both_sides_twice_or_empty_is_refused() {
    let e = single_error(
        &format!(
            "{HEADER}[[urgent]]\ncategory = \"stroke\"\nnl = [\"Mijn vader praat ineens raar\"]\n\
             [not_urgent]\nnl = [\"mijn vader praat INEENS raar\"]\n"
        ),
        &["as urgent and as not urgent"],
    );
    assert_eq!(e.line, 7, "{e}");
    single_error(
        &format!("{HEADER}[not_urgent]\nen = [\"tired\", \"Tired\"]\n"),
        &["listed twice"],
    );
    single_error(
        &format!("{HEADER}[not_urgent]\nen = [\"  \"]\n"),
        &["empty"],
    );
}

#[test]
fn settings_out_of_range_and_unknown_fields_are_refused() {
    single_error(&format!("{HEADER}margin = 0.9\n"), &["0.0 to 0.5"]);
    single_error(&format!("{HEADER}nearest = 0\n"), &["1 to 10"]);
    single_error(
        &format!("{HEADER}[[urgent]]\ncategori = \"stroke\"\n"),
        &["categori"],
    );
}

#[test]
fn a_bad_neighbours_edit_is_refused_on_reload_and_the_running_file_stays() {
    use b12bot::reload::{self, Outcome};
    let (_tmp, dir) = support::copy_faq();
    let handle = b12bot::handle::engine_handle(Engine::new(
        faq::load_dir(&dir).unwrap(),
        EngineConfig::default(),
    ));
    std::fs::write(
        dir.join(red_flag_neighbours::FILE),
        format!("{HEADER}[[urgent]]\ncategory = \"nope\"\nnl = [\"x\"]\n"),
    )
    .unwrap();
    match reload::reload(&dir, EngineConfig::default(), &handle) {
        Outcome::Refused(errors) => assert!(
            errors
                .0
                .iter()
                .any(|e| e.file.ends_with(red_flag_neighbours::FILE)),
            "{errors}"
        ),
        Outcome::Published { .. } => panic!("a broken neighbours file was published"),
    }
    let a = handle
        .load()
        .answer("ik wil niet meer leven", &Context::default());
    assert_eq!(
        a.urgency.as_deref(),
        Some("suicide"),
        "the running FAQ stays"
    );
}

/// Held-out data decides only while it stays out: no message of a `-holdout` or `-final` set in
/// `eval/` is among the labelled messages of the second opinion (the red-flag examples and
/// near-misses, the FAQ questions, this file's banks), and no held-out emergency-set message
/// is anywhere in an FAQ file.
#[test]
fn no_held_out_message_is_in_the_banks() {
    let faq = support::load_faq();
    let n = &faq.red_flag_neighbours;
    let fold = |s: &str| s.trim().to_lowercase();
    let mut banked: std::collections::HashSet<String> = n
        .urgent
        .iter()
        .map(|(_, m)| fold(m))
        .chain(n.calm.iter().map(|m| fold(m)))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut faq_text = String::new();
    for entry in std::fs::read_dir(root.join("faq")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            faq_text.push_str(&std::fs::read_to_string(&path).unwrap().to_lowercase());
        }
    }
    banked.retain(|m| !m.is_empty());
    let mut held_out = 0;
    for entry in std::fs::read_dir(root.join("eval")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with("-holdout.jsonl") || name.ends_with("-final.jsonl")) {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let q = fold(case["q"].as_str().unwrap());
            held_out += 1;
            // Short generic questions ("can b12 deficiency cause seizures?") are written alike
            // by different writers; a message of seven words or more is not.
            if q.split_whitespace().count() < 7 {
                continue;
            }
            assert!(!banked.contains(&q), "{name}: {q:?} is in a bank");
            // A whole message copied into a file would be quoted as a TOML string (the
            // JSON-escaped form is what the files hold). A few words may be a vocabulary
            // term written long before the set ("dont want to be here anymore").
            // (The question sets are left out of this: an FAQ's own question is a natural
            // thing to ask, and one held-out question equals one written there first.)
            if name.starts_with("urgent-") {
                let quoted = serde_json::to_string(&q).unwrap();
                assert!(!faq_text.contains(&quoted), "{name}: {q:?} is in faq/");
            }
        }
    }
    assert!(held_out > 500, "only {held_out} held-out messages found");
}
