//! `b12bot eval` on an emergency set: recall per red-flag category, false urgent (cases
//! marked `urgent_ok` excepted), hard negatives per kind, safety-net agreement; extra fields
//! are accepted and ignored.

use b12bot::engine::{Engine, EngineConfig};
use b12bot::{eval, faq};
use std::path::Path;

fn engine() -> Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    Engine::new(faq::load_dir(&dir).unwrap(), EngineConfig::default())
}

/// Written for this test: two emergencies, a hard negative that goes right, one question about
/// a red flag where urgent is acceptable, and a safety-net case.
const SET: &str = r#"
{"id":"t1","q":"mijn opa praat ineens met een dubbele tong","lang":"nl","expect":{"intent":"urgent","category":"stroke"},"reporter":"grandchild","style":"plain"}
{"id":"t2","q":"my wife just collapsed in the garden","lang":"en","expect":{"intent":"urgent","category":"collapse"}}
{"id":"t3","q":"toen ik zwanger was viel ik flauw, hoe vaak moet ik prikken?","lang":"nl","expect":{"intent":"faq","faq_id":["treatment"]},"neg":"past_event","note":"history"}
{"id":"t4","q":"hoe herken je een hartaanval?","lang":"nl","expect":{"intent":"no_match"},"neg":"about_red_flag","urgent_ok":true}
{"id":"t5","q":"mijn tintelingen worden sinds gisteren steeds erger, komt dat door b12?","lang":"nl","expect":{"intent":"faq","faq_id":["symptoms-adults"],"safety_net":true}}
"#;

#[test]
fn an_emergency_set_is_reported_per_category_kind_and_safety_net() {
    let cases = eval::parse_cases(SET).expect("extra fields are accepted");
    assert_eq!(cases.len(), 5);
    assert_eq!(cases[2].neg.as_deref(), Some("past_event"));
    assert!(cases[3].urgent_ok);
    let outcomes = eval::run(&engine(), &cases);
    assert_eq!(eval::false_urgent(&outcomes), 0);
    let report = eval::report(&outcomes);
    assert!(
        report.contains("urgent recall per category: 2/2 = 1.000"),
        "{report}"
    );
    assert!(report.contains("  stroke                 1/1"), "{report}");
    assert!(report.contains("  collapse               1/1"), "{report}");
    assert!(
        report.contains("hard negatives answered urgent, per kind:"),
        "{report}"
    );
    assert!(report.contains("  past_event             0/1"), "{report}");
    assert!(report.contains("safety net as labelled: 1/1"), "{report}");
}

#[test]
fn an_urgent_answer_counts_as_false_urgent_unless_the_case_allows_it() {
    let set = r#"{"id":"a","q":"hoe herken je een herseninfarct?","expect":{"intent":"no_match"},"neg":"about_red_flag"}
{"id":"b","q":"ik wil niet meer leven","expect":{"intent":"faq","faq_id":["contact"]}}
{"id":"c","q":"ik wil niet meer leven","expect":{"intent":"faq","faq_id":["contact"]},"urgent_ok":true}"#;
    let cases = eval::parse_cases(set).unwrap();
    let outcomes = eval::run(&engine(), &cases);
    assert_eq!(eval::false_urgent(&outcomes), 1);
    assert_eq!(eval::safety_misses(&outcomes), ["b"]);
}
