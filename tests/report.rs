//! The staff's report: grouping near-duplicate unanswered questions, counting feedback per
//! topic, languages and intents, the three formats, `/stats`' short version, and
//! `b12bot report` end to end on a temporary data directory.

use b12bot::engine::Intent;
use b12bot::report::{self, Report};
use b12bot::store::{LoggedQuestion, QuestionId, QuestionRecord, Store};
use b12bot::text::Lang;
use std::process::Command;

const NOW: i64 = 1_789_000_000;
const DAY: i64 = 86_400;

fn rec(text: &str, intent: Intent, topic: Option<&str>, helpful: Option<bool>) -> LoggedQuestion {
    LoggedQuestion {
        id: QuestionId(0),
        asked_at: NOW - DAY,
        text: Some(text.into()),
        intent,
        topic: topic.map(Into::into),
        score: 0.1,
        lang: Lang::Nl,
        helpful,
    }
}

fn unanswered(text: &str) -> LoggedQuestion {
    rec(text, Intent::NoMatch, None, None)
}

fn build(records: &[LoggedQuestion]) -> Report {
    Report::build(records, NOW - 30 * DAY, NOW)
}

#[test]
fn typo_and_word_order_variants_count_together_and_different_questions_stay_apart() {
    let records = vec![
        unanswered("Mag mijn hond vitamine B12 tabletten?"),
        unanswered("mag mijn hond b12 tabletten"),
        unanswered("b12 tabletten voor mijn hond, mag dat?"), // word order
        unanswered("Mag mijn hond B12-tabletten???"),         // case, punctuation
        unanswered("Mag mijn hond B12 tabeltten"),            // typo
        unanswered("mag mijn kat b12 tabletten"),             // a different question
        unanswered("mag mijn kat b12 tabletten"),
        rec(
            "hoe lang duurt het voordat b12 injecties werken",
            Intent::Clarify,
            None,
            None,
        ),
        unanswered("b12 injecites: hoe lang duurt het voordat ze werken"), // typo and order
        unanswered("kan ik b12 slikken als ik zwanger ben"),
        unanswered("kan ik b12 slikken als ik vegan ben"), // one different key word
    ];
    let r = build(&records);
    let summary: Vec<(u64, &str)> = r
        .groups
        .iter()
        .map(|g| (g.count, g.example.as_str()))
        .collect();
    // The hond group: all five (most frequent first); its example is one of its wordings.
    assert_eq!(r.groups[0].count, 5, "{summary:#?}");
    assert!(r.groups[0].example.to_lowercase().contains("hond"));
    assert_eq!(r.groups[0].no_match, 5);
    assert_eq!(r.groups[0].wordings, 5);
    // The kat group, twice, the same wording.
    assert_eq!(
        (
            r.groups[1].count,
            r.groups[1].wordings,
            r.groups[1].example.as_str()
        ),
        (2, 1, "mag mijn kat b12 tabletten"),
        "{summary:#?}"
    );
    // The injection question: one no_match, one clarify, together.
    let inj = r
        .groups
        .iter()
        .find(|g| g.example.contains("injecties"))
        .unwrap();
    assert_eq!(
        (inj.count, inj.no_match, inj.clarify),
        (2, 1, 1),
        "{summary:#?}"
    );
    // Zwanger and vegan stay apart.
    assert!(
        r.groups
            .iter()
            .any(|g| g.count == 1 && g.example.contains("zwanger"))
    );
    assert!(
        r.groups
            .iter()
            .any(|g| g.count == 1 && g.example.contains("vegan"))
    );
    assert_eq!(r.groups.len(), 5, "{summary:#?}");
    assert_eq!(r.unanswered, 11);
    // Sorted by frequency.
    assert!(r.groups.windows(2).all(|w| w[0].count >= w[1].count));
}

#[test]
fn similarity_ignores_order_and_case_and_weighs_common_words_lightly() {
    let k = report::key;
    assert_eq!(k("Zwanger B12 tabletten?"), k("b12 tabletten, zwanger"));
    assert!(report::similarity(&k("b12 hond"), &k("b12 kat")) < report::SIMILARITY);
    assert!(report::similarity(&k("b12 bij honden"), &k("b12 hond")) >= report::SIMILARITY);
    assert!(report::similarity(&k("wat is dat"), &k("wat is dat?")) >= 0.99);
    assert!(
        report::similarity(&k("???"), &k("!!")) >= 0.99,
        "empty keys meet"
    );
}

#[test]
fn the_grouping_does_not_depend_on_the_order_questions_came_in() {
    let mut records = vec![
        unanswered("mag mijn hond b12 tabletten"),
        unanswered("mag mijn kat b12 tabletten"),
        unanswered("b12 tabletten voor mijn hond"),
        unanswered("mag mijn hond b12 tabeltten"),
    ];
    let a: Vec<u64> = build(&records).groups.iter().map(|g| g.count).collect();
    records.reverse();
    let b: Vec<u64> = build(&records).groups.iter().map(|g| g.count).collect();
    assert_eq!(a, b);
    assert_eq!(a, vec![3, 1]);
}

#[test]
fn feedback_languages_and_intents_are_counted() {
    let mut records = vec![
        rec("wat is b12", Intent::Faq, Some("what-is-b12"), Some(true)),
        rec(
            "wat is b12 eigenlijk",
            Intent::Faq,
            Some("what-is-b12"),
            Some(true),
        ),
        rec(
            "wat doet b12",
            Intent::Faq,
            Some("what-is-b12"),
            Some(false),
        ),
        rec(
            "wat is vitamine b12",
            Intent::Faq,
            Some("what-is-b12"),
            None,
        ),
        rec(
            "b12 in eten",
            Intent::Faq,
            Some("food-sources"),
            Some(false),
        ),
        rec("mijn b12 is 180", Intent::B12Value, None, None),
        rec("hallo", Intent::Smalltalk, None, None),
        unanswered("mag mijn hond b12"),
    ];
    records.push(LoggedQuestion {
        lang: Lang::En,
        ..unanswered("can my dog have b12")
    });
    records.push(LoggedQuestion {
        text: None, // deleted by retention
        ..unanswered("")
    });
    let r = build(&records);
    assert_eq!(r.questions, 10);
    assert_eq!(r.topics[0].topic, "what-is-b12");
    assert_eq!(
        (
            r.topics[0].asked,
            r.topics[0].helpful,
            r.topics[0].not_helpful
        ),
        (4, 2, 1)
    );
    assert_eq!(
        (
            r.topics[1].topic.as_str(),
            r.topics[1].asked,
            r.topics[1].not_helpful
        ),
        ("food-sources", 1, 1)
    );
    assert_eq!(r.feedback(), (2, 2));
    assert_eq!(r.languages[0].lang, Lang::Nl);
    assert_eq!(
        (r.languages[0].questions, r.languages[0].unanswered),
        (9, 2)
    );
    assert_eq!(
        (
            r.languages[1].lang,
            r.languages[1].questions,
            r.languages[1].unanswered
        ),
        (Lang::En, 1, 1)
    );
    assert_eq!(r.intents[0].intent, Intent::Faq);
    assert_eq!(r.intents[0].count, 5);
    assert_eq!(
        r.intents
            .iter()
            .find(|i| i.intent == Intent::NoMatch)
            .unwrap()
            .count,
        3
    );
    assert_eq!(r.unanswered, 3);
    assert_eq!(r.unanswered_expired, 1);
    assert_eq!(r.groups.iter().map(|g| g.count).sum::<u64>(), 2);
}

#[test]
fn the_three_formats_and_the_short_version() {
    let records = vec![
        rec("wat is b12", Intent::Faq, Some("what-is-b12"), Some(true)),
        rec("wat is b12", Intent::Faq, Some("what-is-b12"), Some(false)),
        unanswered("mag mijn hond b12 | tabletten, \"echt\"?"),
        unanswered("mag mijn hond b12 tabletten"),
        unanswered("=cmd|' /C calc'!A0"),
    ];
    let r = build(&records);

    let md = r.to_markdown();
    assert!(md.contains("# What patients asked"), "{md}");
    assert!(md.contains("| 1 | 2 | 2 | 0 | 2 |"), "{md}");
    assert!(md.contains("\\|"), "a | in a question is escaped: {md}");
    assert!(md.contains("| what-is-b12 | 2 | 1 | 1 | 0 |"), "{md}");

    let csv = r.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "section,name,count,no_match,clarify,helpful,not_helpful,example"
    );
    assert!(
        lines[1].starts_with("unanswered,1,2,2,0,,,\"mag mijn hond"),
        "{csv}"
    );
    assert!(csv.contains("\"\"echt\"\""), "quotes doubled: {csv}");
    assert!(csv.contains(",'=cmd"), "formula defused: {csv}");
    assert!(csv.contains("topic,what-is-b12,2,,,1,1,"), "{csv}");
    assert!(csv.contains("language,nl,5,"), "{csv}");
    assert!(csv.contains("intent,no_match,3,"), "{csv}");

    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["questions"], 5);
    assert_eq!(json["groups"][0]["count"], 2);
    assert_eq!(json["topics"][0]["topic"], "what-is-b12");
    assert_eq!(json["topics"][0]["helpful"], 1);
    assert_eq!(json["languages"][0]["lang"], "nl");
    assert_eq!(json["intents"][0]["intent"], "no_match");

    let short = report::short(&r);
    assert!(
        short.starts_with("Last 30 days: 5 questions, 3 unanswered"),
        "{short}"
    );
    assert!(short.contains("what-is-b12 (2)"), "{short}");
    assert!(short.contains("1 helpful, 1 not helpful"), "{short}");
    assert!(short.contains("1. \"mag mijn hond"), "{short}");
    assert!(short.lines().count() <= 8, "{short}");
}

#[test]
fn an_empty_period_reports_nothing_without_failing() {
    let r = build(&[]);
    assert_eq!((r.questions, r.groups.len()), (0, 0));
    assert!(r.to_markdown().contains("None."));
    assert_eq!(r.to_csv().lines().count(), 1);
    assert!(report::short(&r).contains("0 questions"));
}

// --- the CLI, end to end ------------------------------------------------------------------

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn b12bot(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(args)
        .env("B12BOT_DATA_DIR", data)
        .env_remove("B12BOT_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn b12bot_report_reads_the_configured_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data).unwrap();
    let t = now();
    let log = |at: i64, text: &str, intent: Intent, topic: Option<&str>| {
        store
            .log_question(
                at,
                &QuestionRecord {
                    text: text.into(),
                    intent,
                    topic: topic.map(Into::into),
                    score: 0.5,
                    lang: Lang::Nl,
                },
            )
            .unwrap()
    };
    let id = log(t - 60, "wat is b12", Intent::Faq, Some("what-is-b12"));
    store.set_feedback(id, true).unwrap();
    log(t - 50, "mag mijn hond b12 tabletten", Intent::NoMatch, None);
    log(
        t - 40,
        "b12 tabletten mijn hond mag dat",
        Intent::NoMatch,
        None,
    );
    log(
        t - 10 * DAY,
        "OUDE-VRAAG over parkeren",
        Intent::NoMatch,
        None,
    );
    drop(store);

    let out = b12bot(&data, &["report", "--since", "7"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(md.contains("3 questions, 2 of them unanswered"), "{md}");
    assert!(md.contains("| 1 | 2 | 2 | 0 | 2 |"), "{md}");
    assert!(md.contains("| what-is-b12 | 1 | 1 | 0 | 0 |"), "{md}");
    assert!(!md.contains("OUDE-VRAAG"), "older than --since: {md}");

    let out = b12bot(&data, &["report", "--since", "30", "--format", "json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["questions"], 4);
    assert_eq!(json["groups"].as_array().unwrap().len(), 2);

    let out = b12bot(&data, &["report", "--format", "csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("section,name,count"), "{csv}");
    assert!(csv.contains("topic,what-is-b12,1,,,1,0,"), "{csv}");

    // A configuration file names the data directory.
    let cfg = dir.path().join("b12bot.toml");
    std::fs::write(
        &cfg,
        format!("data_dir = {:?}\n", data.display().to_string()),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(["report", "--format", "json", "--config"])
        .arg(&cfg)
        .env_remove("B12BOT_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["questions"], 4);
}

#[test]
fn b12bot_report_without_a_database_says_where_it_looked_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nowhere");
    let out = b12bot(&data, &["report"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at"), "{err}");
    assert!(err.contains("nowhere"), "{err}");
    assert!(!data.exists());
}
