//! `b12bot check`'s review: the warnings staff get for a FAQ that loads but would serve
//! patients badly.
//!
//! The fixture is a small, clean FAQ built from strings (never copied from `faq/`) that
//! gives no warning at all; each test changes one thing and asserts the exact warning
//! kind, file and field it causes.

use b12bot::diagnostics;
use b12bot::engine::{Engine, EngineConfig};
use b12bot::faq::{self, Faq, REQUIRED_TEXTS};
use b12bot::review::{self, Date, LONG_ANSWER_CHARS, PLACEHOLDERS, Warning, WarningKind};
use b12bot::telegram::texts::Tg;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The date the pure tests review against.
const TODAY: Date = (2026, 11, 25);
/// A review date less than a year before [`TODAY`].
const RECENT: &str = "2026-06-01";

// ---------------------------------------------------------------------------------------
// Fixtures

/// A valid `texts.toml`: every required text, in both languages, with the placeholders
/// the bot fills in where it fills them in.
fn texts_toml() -> String {
    REQUIRED_TEXTS.iter().copied().map(text_table).collect()
}

/// `texts_toml` and the Telegram door's texts: what `b12bot check` wants of a folder.
fn texts_toml_with_door() -> String {
    let door = Tg::ALL.iter().map(|k| k.key()).map(text_table);
    texts_toml() + &door.collect::<String>()
}

fn text_table(key: &str) -> String {
    let filled = PLACEHOLDERS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(String::new(), |(_, p)| format!(" {}", p.join(" ")));
    format!("[{key}]\nnl = \"Tekst {key}{filled}\"\nen = \"Text {key}{filled}\"\n\n")
}

/// One entry, written out with a fixed layout so tests can name lines:
///
/// ```text
///  1 id = "<id>"
///  2 related = []
///  3 source = "Folder Vitamine B12"
///  4 reviewed_by = "<reviewed_by>"         (line left out when None)
///  5 reviewed_on = "<reviewed_on>"         (line left out when None)
///  6
///  7 [title]
///  8 nl = "…"
///  9 en = "…"
/// 10
/// 11 [questions]
/// 12 nl = [
/// 13   "<first Dutch question>",
///    …
/// ```
#[derive(Clone)]
struct Spec {
    id: &'static str,
    title: [&'static str; 2],
    nl: Vec<String>,
    en: Vec<String>,
    keywords: [Vec<String>; 2],
    answer: [String; 2],
    reviewed_by: Option<&'static str>,
    reviewed_on: Option<String>,
}

impl Spec {
    fn new(id: &'static str, title: [&'static str; 2], nl: &[&str], en: &[&str]) -> Spec {
        Spec {
            id,
            title,
            nl: nl.iter().map(|s| s.to_string()).collect(),
            en: en.iter().map(|s| s.to_string()).collect(),
            keywords: [Vec::new(), Vec::new()],
            answer: [
                format!("Antwoord over {}. Bespreek het met uw huisarts.", title[0]),
                format!("Answer about {}. Please discuss it with your GP.", title[1]),
            ],
            reviewed_by: Some("J. de Vries, Interne Geneeskunde"),
            reviewed_on: Some(RECENT.to_string()),
        }
    }

    fn file_name(&self) -> String {
        format!("{}.toml", self.id)
    }

    fn path(&self) -> PathBuf {
        Path::new("faq").join(self.file_name())
    }

    fn toml(&self) -> String {
        let list = |items: &[String]| -> String {
            let items: Vec<String> = items.iter().map(|q| format!("  {q:?},\n")).collect();
            format!("[\n{}]", items.concat())
        };
        let mut s = format!(
            "id = \"{}\"\nrelated = []\nsource = \"Folder Vitamine B12\"\n",
            self.id
        );
        if let Some(by) = self.reviewed_by {
            s.push_str(&format!("reviewed_by = \"{by}\"\n"));
        }
        if let Some(on) = &self.reviewed_on {
            s.push_str(&format!("reviewed_on = \"{on}\"\n"));
        }
        s.push_str(&format!(
            "\n[title]\nnl = \"{}\"\nen = \"{}\"\n\n[questions]\nnl = {}\nen = {}\n",
            self.title[0],
            self.title[1],
            list(&self.nl),
            list(&self.en)
        ));
        if !self.keywords[0].is_empty() || !self.keywords[1].is_empty() {
            s.push_str("\n[keywords]\n");
            for (lang, words) in ["nl", "en"].iter().zip(&self.keywords) {
                if !words.is_empty() {
                    s.push_str(&format!("{lang} = {}\n", list(words)));
                }
            }
        }
        s.push_str(&format!(
            "\n[answer]\nnl = \"\"\"\n{}\n\"\"\"\nen = \"\"\"\n{}\n\"\"\"\n",
            self.answer[0], self.answer[1]
        ));
        s
    }
}

fn food() -> Spec {
    Spec::new(
        "food",
        ["Vitamine B12 in voeding", "Vitamin B12 in food"],
        &[
            "Waar zit vitamine B12 in?",
            "In welk eten zit B12?",
            "Welke voeding bevat veel vitamine B12?",
            "Zit er B12 in vlees en vis?",
            "Bevat melk vitamine B12?",
            "Zit er b12 in eieren en kaas?",
        ],
        &[
            "Which foods contain vitamin B12?",
            "What food has B12 in it?",
            "Is there B12 in meat and fish?",
            "Does milk contain vitamin B12?",
            "Are eggs and cheese a source of b12?",
            "What should I eat to get enough B12?",
        ],
    )
}

fn treatment() -> Spec {
    Spec::new(
        "treatment",
        [
            "Behandeling van een B12-tekort",
            "Treatment of a B12 deficiency",
        ],
        &[
            "Hoe wordt een B12-tekort behandeld?",
            "Krijg ik injecties of tabletten tegen een b12 tekort?",
            "Hoe vaak krijg ik een B12 injectie?",
            "Wat is de behandeling bij een tekort aan vitamine B12?",
            "Moet ik mijn hele leven b12 prikken?",
            "Wie geeft de b12 injecties?",
        ],
        &[
            "How is a B12 deficiency treated?",
            "Will I get injections or tablets for b12 deficiency?",
            "How often do I get a B12 injection?",
            "What is the treatment for a vitamin B12 deficiency?",
            "Do I need b12 shots for the rest of my life?",
            "Who gives the b12 injections?",
        ],
    )
}

fn blood_test() -> Spec {
    Spec::new(
        "blood-test",
        ["Het bloedonderzoek", "The blood test"],
        &[
            "Hoe wordt B12 in het bloed gemeten?",
            "Moet ik nuchter zijn voor de b12 bloedafname?",
            "Waar kan ik bloed laten prikken voor B12?",
            "Hoe lang duurt het voor de uitslag van het b12 bloedonderzoek er is?",
            "Wie vraagt het bloedonderzoek naar vitamine B12 aan?",
            "Moet ik een afspraak maken voor de bloedafname b12?",
        ],
        &[
            "How is B12 measured in the blood?",
            "Do I need to fast before the b12 blood test?",
            "Where can I have my blood taken for B12?",
            "How long until the result of the b12 blood test is ready?",
            "Who orders the vitamin B12 blood test?",
            "Do I need an appointment for the b12 blood draw?",
        ],
    )
}

fn fixture() -> Vec<Spec> {
    vec![food(), treatment(), blood_test()]
}

/// The shipped red flags, signed off on `date` (so they add no review warning).
fn signed_red_flags((y, m, d): Date) -> String {
    let shipped = include_str!("../faq/red-flags.toml");
    let signed = shipped
        .lines()
        .map(|l| {
            if l.starts_with("reviewed_by =") {
                "reviewed_by = \"A. Arts, clinical safety officer\"".to_string()
            } else if l.starts_with("reviewed_on =") {
                format!("reviewed_on = {y:04}-{m:02}-{d:02}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(signed, shipped, "the fixture signs the file off");
    signed
}

fn files(specs: &[Spec], texts: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = vec![
        (Path::new("faq").join("texts.toml"), texts.into()),
        (
            Path::new("faq").join("red-flags.toml"),
            signed_red_flags(TODAY).into(),
        ),
    ];
    files.extend(specs.iter().map(|s| (s.path(), s.toml().into_bytes())));
    files
}

fn load(specs: &[Spec], texts: &str) -> Faq {
    faq::from_files(files(specs, texts)).unwrap_or_else(|e| panic!("fixture loads:\n{e}"))
}

/// Reviews the FAQ and places the warnings in the fixture's text, as `check` does.
fn review_with(specs: &[Spec], texts: &str) -> Vec<Warning> {
    let faq = load(specs, texts);
    let engine = Engine::new(faq, EngineConfig::default());
    let mut warnings = review::review(engine.faq(), &engine, TODAY);
    let files = files(specs, texts);
    review::place(&mut warnings, |path| {
        files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, bytes)| String::from_utf8(bytes.clone()).unwrap())
    });
    warnings
}

fn review_of(specs: &[Spec]) -> Vec<Warning> {
    review_with(specs, &texts_toml())
}

fn list(warnings: &[Warning]) -> String {
    warnings
        .iter()
        .map(|w| format!("  {w}\n"))
        .collect::<String>()
}

/// The warnings of this kind; fails when there are warnings of other kinds too, so a test
/// cannot pass for the wrong reason.
#[track_caller]
fn only(warnings: &[Warning], kind: WarningKind) -> Vec<&Warning> {
    let (mine, others): (Vec<&Warning>, Vec<&Warning>) =
        warnings.iter().partition(|w| w.kind == kind);
    assert!(
        others.is_empty(),
        "expected only {kind} warnings, got:\n{}",
        list(warnings)
    );
    assert!(!mine.is_empty(), "expected a {kind} warning, got none");
    mine
}

/// Asserts exactly one warning, of this kind, in this file and field; returns it.
#[track_caller]
fn single(warnings: &[Warning], kind: WarningKind, file: &str, field: &str) -> Warning {
    let mine = only(warnings, kind);
    assert_eq!(
        mine.len(),
        1,
        "expected one {kind} warning, got:\n{}",
        list(warnings)
    );
    let w = mine[0].clone();
    assert_eq!(
        (w.kind, w.file.as_path(), w.field.as_deref()),
        (kind, Path::new("faq").join(file).as_path(), Some(field)),
        "{w}"
    );
    w
}

#[track_caller]
fn assert_mentions(w: &Warning, words: &[&str]) {
    for word in words {
        assert!(w.message.contains(word), "{word:?} not in: {w}");
    }
}

/// An entry that overlaps `food`: patients asking about food and B12 could mean either.
fn meals() -> Spec {
    Spec::new(
        "meals",
        ["Eten en B12", "Food and B12"],
        &[
            "Welk eten bevat vitamine B12?",
            "Zit er B12 in vis?",
            "Zit er vitamine B12 in melk?",
            "In welke voeding zit B12?",
            "Zit er b12 in kaas?",
            "Waar zit b12 allemaal in?",
        ],
        &[
            "Which food contains vitamin B12?",
            "Is there B12 in fish?",
            "Is there vitamin B12 in milk?",
            "What foods have B12?",
            "Is there b12 in cheese?",
            "Where is b12 found?",
        ],
    )
}

fn today_utc() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    review::date_from_unix_days((secs / 86_400) as i64)
}

// ---------------------------------------------------------------------------------------
// The baseline

#[test]
fn the_fixture_gives_no_warnings() {
    let warnings = review_of(&fixture());
    assert!(warnings.is_empty(), "unexpected:\n{}", list(&warnings));
}

// ---------------------------------------------------------------------------------------
// Confusable entries

#[test]
fn an_example_question_answered_with_another_entry_is_confusable() {
    let mut specs = fixture();
    specs.push(meals());
    let warnings = review_of(&specs);
    let confusable = only(&warnings, WarningKind::Confusable);
    // The bot may mistake more than one of meals' questions for food; each is named.
    for w in &confusable {
        assert_eq!(w.file, Path::new("faq/meals.toml"), "{w}");
        assert_mentions(w, &["\"meals\"", "\"food\"", "cannot tell"]);
    }
    let first = confusable[0];
    assert_eq!(first.field.as_deref(), Some("questions.en"), "{first}");
    assert_mentions(first, &["\"Which food contains vitamin B12?\""]);
    // On the question's own line: line 21 is the first English question (see `Spec`).
    assert_eq!((first.line, first.column), (21, 3), "{first}");
}

#[test]
fn the_shipped_faq_has_no_confusable_questions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let faq = faq::load_dir(&dir).expect("the shipped FAQ loads");
    let engine = Engine::new(faq, EngineConfig::default());
    let warnings = review::review(engine.faq(), &engine, today_utc());
    let routing: Vec<Warning> = warnings
        .into_iter()
        .filter(|w| matches!(w.kind, WarningKind::Confusable | WarningKind::Unrecognised))
        .collect();
    assert!(
        routing.is_empty(),
        "example questions of the shipped FAQ that the bot answers elsewhere:\n{}",
        list(&routing)
    );
}

// ---------------------------------------------------------------------------------------
// Duplicate questions

#[test]
fn the_same_question_in_two_entries_is_a_duplicate() {
    let mut specs = fixture();
    // food has "In welk eten zit B12?"; capitals, accents and punctuation do not count.
    specs[1].nl.push("in wélk ETEN zit B-12".to_string());
    let warnings = review_of(&specs);
    let duplicate: Vec<Warning> = warnings
        .iter()
        .filter(|w| w.kind == WarningKind::DuplicateQuestion)
        .cloned()
        .collect();
    let w = single(
        &duplicate,
        WarningKind::DuplicateQuestion,
        "treatment.toml",
        "questions.nl",
    );
    assert_mentions(
        &w,
        &["\"in wélk ETEN zit B-12\"", "\"food\"", "faq/food.toml"],
    );
    // Line 19: after treatment's six Dutch questions on lines 13-18.
    assert_eq!((w.line, w.column), (19, 3), "{w}");
    // The bot answers it with food, so it is confusable there too, on the same line.
    let confusable: Vec<&Warning> = warnings
        .iter()
        .filter(|w| w.kind != WarningKind::DuplicateQuestion)
        .collect();
    assert_eq!(confusable.len(), 1, "{}", list(&warnings));
    assert_eq!(
        (
            confusable[0].kind,
            confusable[0].field.as_deref(),
            confusable[0].line
        ),
        (WarningKind::Confusable, Some("questions.nl"), 19),
        "{}",
        confusable[0]
    );
}

#[test]
fn the_same_question_twice_in_one_list_is_a_duplicate() {
    let mut specs = fixture();
    specs[0]
        .en
        .push("which foods contain Vitamin B12".to_string());
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::DuplicateQuestion,
        "food.toml",
        "questions.en",
    );
    assert_mentions(&w, &["appears twice in this list"]);
}

// ---------------------------------------------------------------------------------------
// Question counts and languages

#[test]
fn fewer_than_six_questions_in_a_language_is_too_few() {
    let mut specs = fixture();
    specs[0].nl.truncate(4);
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::FewQuestions,
        "food.toml",
        "questions.nl",
    );
    assert_mentions(&w, &["only 4 Dutch example questions", "at least 2 more"]);
    // At the list itself (line 12: `nl = [`).
    assert_eq!((w.line, w.column), (12, 6), "{w}");
}

#[test]
fn far_fewer_questions_in_one_language_is_unbalanced() {
    // Fewer than 3 against more in the other language.
    let mut specs = fixture();
    specs[2].en.truncate(2);
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::UnbalancedQuestions,
        "blood-test.toml",
        "questions.en",
    );
    assert_mentions(&w, &["only 2 English example questions against 6 in Dutch"]);

    // Fewer than half of the other language, even when both have six or more.
    let mut specs = fixture();
    for n in 0..8 {
        specs[1]
            .nl
            .push(format!("Vraag {n} over de behandeling met b12 injecties"));
    }
    let warnings = review_of(&specs);
    single(
        &warnings,
        WarningKind::UnbalancedQuestions,
        "treatment.toml",
        "questions.en",
    );
}

#[test]
fn keywords_in_one_language_only_miss_a_language() {
    let mut specs = fixture();
    specs[0].keywords[0] = vec!["zuivel".to_string(), "orgaanvlees".to_string()];
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::MissingLanguage,
        "food.toml",
        "keywords.en",
    );
    assert_mentions(&w, &["Dutch keywords but no English ones"]);
}

// ---------------------------------------------------------------------------------------
// Reviews

#[test]
fn a_review_more_than_a_year_old_is_outdated() {
    let mut specs = fixture();
    specs[0].reviewed_on = Some("2025-11-24".to_string());
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::ReviewOutdated,
        "food.toml",
        "reviewed_on",
    );
    assert_mentions(&w, &["2025-11-24", "more than a year ago"]);
    assert_eq!((w.line, w.column), (5, 15), "{w}");

    // Exactly a year ago is still fine.
    specs[0].reviewed_on = Some("2025-11-25".to_string());
    let warnings = review_of(&specs);
    assert!(warnings.is_empty(), "{}", list(&warnings));
}

#[test]
fn a_missing_reviewer_or_review_date_is_reported() {
    let mut specs = fixture();
    specs[1].reviewed_by = None;
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::ReviewMissing,
        "treatment.toml",
        "reviewed_by",
    );
    // Like the loader's errors for a missing field: at the top of the file.
    assert_eq!((w.line, w.column), (1, 1), "{w}");

    let mut specs = fixture();
    specs[1].reviewed_on = None;
    let warnings = review_of(&specs);
    single(
        &warnings,
        WarningKind::ReviewMissing,
        "treatment.toml",
        "reviewed_on",
    );
}

#[test]
fn a_review_date_in_the_future_is_probably_a_typo() {
    let mut specs = fixture();
    specs[0].reviewed_on = Some("2062-11-25".to_string());
    let warnings = review_of(&specs);
    single(
        &warnings,
        WarningKind::ReviewInFuture,
        "food.toml",
        "reviewed_on",
    );

    // Tomorrow is not: the CLI's today is in UTC, staff write the Dutch date.
    specs[0].reviewed_on = Some("2026-11-26".to_string());
    let warnings = review_of(&specs);
    assert!(warnings.is_empty(), "{}", list(&warnings));
}

// ---------------------------------------------------------------------------------------
// Answers

#[test]
fn an_answer_too_long_for_a_phone_screen_is_reported() {
    let mut specs = fixture();
    let gp = " Bespreek het met uw huisarts.";
    let long = format!(
        "{}{gp}",
        "a".repeat(LONG_ANSWER_CHARS + 1 - gp.chars().count())
    );
    assert_eq!(long.chars().count(), LONG_ANSWER_CHARS + 1);
    specs[0].answer[0] = long;
    let warnings = review_of(&specs);
    let w = single(&warnings, WarningKind::LongAnswer, "food.toml", "answer.nl");
    assert_mentions(&w, &["1201 characters", "shorten it by 1"]);
    // Line 30: `nl = """` under [answer] (see `Spec`).
    assert_eq!((w.line, w.column), (30, 6), "{w}");

    // At the limit: fine.
    specs[0].answer[0] = format!("{}{gp}", "a".repeat(LONG_ANSWER_CHARS - gp.chars().count()));
    let warnings = review_of(&specs);
    assert!(warnings.is_empty(), "{}", list(&warnings));
}

#[test]
fn an_answer_that_does_not_mention_the_gp_is_reported() {
    let mut specs = fixture();
    specs[2].answer[1] = "The blood is taken at the lab; no appointment is needed.".to_string();
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::NoGpReferral,
        "blood-test.toml",
        "answer.en",
    );
    // Staff see the sentence the bot adds instead.
    assert_mentions(&w, &["Text gp_referral"]);
}

// ---------------------------------------------------------------------------------------
// Placeholders in the fixed texts

#[test]
fn a_fixed_text_without_its_placeholder_is_reported() {
    for (key, placeholders) in PLACEHOLDERS {
        for placeholder in *placeholders {
            for lang in ["nl", "en"] {
                let full = texts_toml();
                let line = full
                    .lines()
                    .skip_while(|l| *l != format!("[{key}]"))
                    .find(|l| l.starts_with(lang))
                    .unwrap();
                let texts = full.replacen(line, &line.replace(placeholder, ""), 1);
                let warnings = review_with(&fixture(), &texts);
                let field = format!("{key}.{lang}");
                let w = single(
                    &warnings,
                    WarningKind::MissingPlaceholder,
                    "texts.toml",
                    &field,
                );
                assert_mentions(&w, &[placeholder]);
            }
        }
    }
}

#[test]
fn a_placeholder_the_bot_does_not_fill_in_is_reported() {
    // A placeholder in a text where the bot fills in nothing.
    let texts = texts_toml().replace(
        "en = \"Text value_high_chance\"",
        "en = \"Text value_high_chance {value}\"",
    );
    let warnings = review_with(&fixture(), &texts);
    let w = single(
        &warnings,
        WarningKind::UnknownPlaceholder,
        "texts.toml",
        "value_high_chance.en",
    );
    assert_mentions(&w, &["{value}", "fills in nothing"]);

    // A misspelt one: the right one is missing, the wrong one is unknown.
    let texts = texts_toml().replace(
        "nl = \"Tekst value_intro_converted {value} {unit} {pmol}\"",
        "nl = \"Tekst value_intro_converted {value} {unit} {pmoll}\"",
    );
    let warnings = review_with(&fixture(), &texts);
    let kinds: Vec<(WarningKind, &str)> = warnings
        .iter()
        .map(|w| (w.kind, w.field.as_deref().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (WarningKind::MissingPlaceholder, "value_intro_converted.nl"),
            (WarningKind::UnknownPlaceholder, "value_intro_converted.nl"),
        ],
        "{}",
        list(&warnings)
    );
}

#[test]
fn the_engine_fills_in_every_placeholder_the_review_expects() {
    // If the engine stops filling one in, patients would see it: the review's table
    // (review::PLACEHOLDERS) must follow the engine.
    let engine = Engine::new(load(&fixture(), &texts_toml()), EngineConfig::default());
    for question in [
        "mijn b12 is 180 pmol/l",
        "my b12 is 250 pg/ml",
        "b12 is 3",
        "b12 0,3 µmol/L",
        "ferritine 40",
    ] {
        let answer = engine.answer(question, &Default::default());
        assert!(
            !answer.reply.contains('{'),
            "{question:?}: a placeholder is left in {:?}",
            answer.reply
        );
    }
}

// ---------------------------------------------------------------------------------------
// The command

/// Writes the fixture into a folder, with reviews dated today so the real clock agrees.
fn fixture_dir(specs: &mut [Spec]) -> tempfile::TempDir {
    let (y, m, d) = today_utc();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("texts.toml"), texts_toml_with_door()).unwrap();
    std::fs::write(
        dir.path().join("red-flags.toml"),
        signed_red_flags((y, m, d)),
    )
    .unwrap();
    for spec in specs.iter_mut() {
        spec.reviewed_on = Some(format!("{y:04}-{m:02}-{d:02}"));
        std::fs::write(dir.path().join(spec.file_name()), spec.toml()).unwrap();
    }
    dir
}

fn check(dir: &Path, format: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(["check", "--format", format])
        .arg(dir)
        .output()
        .expect("the binary runs");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn check_prints_warnings_with_their_place_and_exits_zero() {
    let mut specs = fixture();
    specs[0].answer[0] = format!("{} Bespreek het met uw huisarts.", "a".repeat(1300));
    let dir = fixture_dir(&mut specs);
    let (code, out) = check(dir.path(), "text");
    assert_eq!(code, Some(0), "{out}");
    let food = dir.path().join("food.toml");
    let expected = format!(
        "{}:30:6: warning [long_answer]: answer.nl: the Dutch answer is",
        food.display()
    );
    assert!(out.starts_with(&expected), "{out}");
    assert!(
        out.trim_end().ends_with(&format!(
            "OK, 3 entries and {} fixed texts, 1 warning: the FAQ can be published, but \
                 please look at them",
            REQUIRED_TEXTS.len() + Tg::ALL.len()
        )),
        "{out}"
    );
}

#[test]
fn check_json_has_ok_errors_and_warnings_with_the_same_fields() {
    let fields = ["column", "field", "file", "kind", "line", "message"];
    let keys = |item: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };

    // Only a warning: ok, exit 0.
    let mut specs = fixture();
    specs[0].answer[0] = format!("{} Bespreek het met uw huisarts.", "a".repeat(1300));
    let dir = fixture_dir(&mut specs);
    let (code, out) = check(dir.path(), "json");
    assert_eq!(code, Some(0), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(report["ok"], true);
    assert_eq!(report["errors"], serde_json::json!([]));
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out}");
    let w = &warnings[0];
    assert_eq!(keys(w), fields);
    assert_eq!(w["kind"], "long_answer");
    assert_eq!(
        w["file"],
        dir.path().join("food.toml").display().to_string()
    );
    assert_eq!(w["field"], "answer.nl");
    assert_eq!(
        (w["line"].as_u64(), w["column"].as_u64()),
        (Some(30), Some(6))
    );

    // An error: not ok, exit non-zero, the same fields.
    std::fs::write(dir.path().join("food.toml"), "id = \"food\"\nrelated = [\n").unwrap();
    let (code, out) = check(dir.path(), "json");
    assert_eq!(code, Some(1), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(report["ok"], false);
    assert_eq!(report["warnings"], serde_json::json!([]));
    let e = &report["errors"][0];
    assert_eq!(keys(e), fields);
    assert_eq!(e["kind"], "error");
    assert_eq!(
        e["file"],
        dir.path().join("food.toml").display().to_string()
    );
    assert!(e["line"].as_u64().is_some(), "{out}");

    // A problem without a place: line and column are null.
    let (code, out) = check(&dir.path().join("missing"), "json");
    assert_eq!(code, Some(1), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"][0]["line"], serde_json::Value::Null);
    assert_eq!(report["errors"][0]["field"], serde_json::Value::Null);
}

// ---------------------------------------------------------------------------------------
// Positions

#[test]
fn warning_positions_count_like_the_loaders_error_positions() {
    // A byte-order mark, Windows line endings and accented text before the field: the
    // position is the one the loader would report for a problem in the same field.
    let mut spec = food();
    spec.title[0] = "Vitamine B12 in voeding: één overzicht";
    let text = format!("\u{feff}{}", spec.toml().replace('\n', "\r\n"));
    let positions = diagnostics::field_positions(&text);
    assert_eq!(positions.get("id"), Some(&(1, 6)));
    assert_eq!(positions.get("title.en"), Some(&(9, 6)));
    assert_eq!(positions.get("questions.nl[1]"), Some(&(14, 3)));

    let broken = text.replace("en = \"Vitamin B12 in food\"\r\n", "en = 12\r\n");
    let errors = faq::from_files(vec![
        (Path::new("faq").join("texts.toml"), texts_toml().into()),
        (spec.path(), broken.into()),
    ])
    .unwrap_err();
    let e = &errors.0[0];
    assert_eq!(e.field.as_deref(), Some("title.en"), "{e}");
    assert_eq!((e.line, e.column), (9, 6), "{e}");

    assert!(
        diagnostics::field_positions("id = [").is_empty(),
        "no positions without a parse"
    );
}

// ---------------------------------------------------------------------------------------
// Readability, the glossary and sign-off

/// A fixture folder with a glossary file.
fn review_with_glossary(specs: &[Spec], glossary: &str) -> Vec<Warning> {
    let mut files = files(specs, &texts_toml());
    files.push((Path::new("faq").join("glossary.toml"), glossary.into()));
    let faq = faq::from_files(files).unwrap_or_else(|e| panic!("fixture loads:\n{e}"));
    let engine = Engine::new(faq, EngineConfig::default());
    review::review(engine.faq(), &engine, TODAY)
}

/// Hard to read: long words and one sentence of 30 words.
const HARD_NL: &str = "Indien de laboratoriumuitslag van de methylmalonzuurbepaling \
    onverwachts afwijkend blijkt, adviseert de behandelend specialist doorgaans aanvullende \
    diagnostische verrichtingen, waarbij eveneens rekening gehouden wordt met comorbiditeit \
    en medicatiegebruik van de betreffende patiënt. Bespreek het met uw huisarts.";

#[test]
fn a_hard_answer_gets_a_readability_warning_with_its_score_longest_sentence_and_long_words() {
    let mut specs = fixture();
    specs[0].answer[0] = HARD_NL.to_string();
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::Readability,
        "food.toml",
        "answer.nl",
    );
    assert_mentions(
        &w,
        &[
            "harder to read than language level B1",
            "reading score",
            "a sentence of 30 words, more than 25",
            "\"Indien de laboratoriumuitslag",
            "long words",
            "methylmalonzuurbepaling",
        ],
    );
}

#[test]
fn the_figures_are_reported_for_every_answer_and_text_in_both_languages() {
    let faq = load(&fixture(), &texts_toml());
    let (figures, warnings) = review::readability_of(&faq);
    assert!(warnings.is_empty(), "{}", list(&warnings));
    assert_eq!(
        figures.len(),
        2 * (faq.entries.len() + faq.texts.map.len()),
        "one row per answer and text, per language"
    );
    let summary = review::readability_summary(&figures);
    assert!(summary.contains("0 of"), "{summary}");
}

const GLOSSARY: &str = r#"
[explain.nl]
"methylmalonzuur" = "een stof die de cellen meer maken bij te weinig B12"
[explain.en]
"methylmalonic acid" = "a substance cells make more of when they lack B12"
[avoid.nl]
"triagebalie" = "een medewerker van het ziekenhuis"
"#;

#[test]
fn jargon_from_the_glossary_must_be_explained_where_it_first_appears() {
    let mut specs = fixture();
    specs[0].answer[0] =
        "Het lab meet methylmalonzuur in uw bloed. Bespreek het met uw huisarts.".to_string();
    let warnings = review_with_glossary(&specs, GLOSSARY);
    let w = single(
        &warnings,
        WarningKind::Readability,
        "food.toml",
        "answer.nl",
    );
    assert_mentions(
        &w,
        &[
            "\"methylmalonzuur\" is not explained",
            "een stof die de cellen meer maken bij te weinig B12",
            "glossary.toml",
        ],
    );
    // Explained in brackets, or with "dat is": no warning.
    for explained in [
        "Het lab meet methylmalonzuur (een stof in de cellen). Bespreek het met uw huisarts.",
        "Het lab meet methylmalonzuur. Dat is een stof in de cellen. Bespreek het met uw huisarts.",
    ] {
        specs[0].answer[0] = explained.to_string();
        let warnings = review_with_glossary(&specs, GLOSSARY);
        assert!(warnings.is_empty(), "{explained}\n{}", list(&warnings));
    }
}

#[test]
fn internal_words_in_patient_texts_are_named_with_what_to_write_instead() {
    let mut specs = fixture();
    specs[1].answer[0] =
        "Vraag het aan de triagebalie. Bespreek het ook met uw huisarts.".to_string();
    let warnings = review_with_glossary(&specs, GLOSSARY);
    let w = single(
        &warnings,
        WarningKind::Readability,
        "treatment.toml",
        "answer.nl",
    );
    assert_mentions(
        &w,
        &[
            "\"triagebalie\"",
            "write \"een medewerker van het ziekenhuis\"",
        ],
    );
}

#[test]
fn a_broken_glossary_is_an_error_with_its_place() {
    let mut files = files(&fixture(), &texts_toml());
    files.push((
        Path::new("faq").join("glossary.toml"),
        b"[explain.nl]\n\"supplement\" = \"\"\n[explane.en]\n".to_vec(),
    ));
    let errors = faq::from_files(files).expect_err("a broken glossary is refused");
    let text = errors.to_string();
    assert!(text.contains("glossary.toml"), "{text}");
    assert!(text.contains("explane"), "{text}");
}

#[test]
fn entries_in_concept_are_listed_as_not_signed_off() {
    let mut specs = fixture();
    specs[0].reviewed_by = Some("b12bot team (concept, to be reviewed by the department)");
    specs[2].reviewed_by = None;
    let faq = load(&specs, &texts_toml());
    assert_eq!(review::unreviewed(&faq), ["blood-test", "food"]);
    let line =
        review::unreviewed_line(Path::new("faq"), 3, &review::unreviewed(&faq)).expect("a line");
    assert!(
        line.starts_with(
            "faq: not signed off by a clinician yet: 2 of 3 entries (blood-test, food)"
        ),
        "{line}"
    );
    assert!(review::unreviewed_line(Path::new("faq"), 3, &[]).is_none());
}

#[test]
fn an_answer_may_include_a_fixed_text_but_not_an_unknown_placeholder() {
    let mut specs = fixture();
    specs[0].answer[0] = "Vraag het ons. {gp_referral}".to_string();
    assert!(review_of(&specs).is_empty(), "{}", list(&review_of(&specs)));
    specs[0].answer[0] = "Vraag het ons. {gp_refferal} Bespreek het met uw huisarts.".to_string();
    let warnings = review_of(&specs);
    let w = single(
        &warnings,
        WarningKind::UnknownPlaceholder,
        "food.toml",
        "answer.nl",
    );
    assert_mentions(&w, &["{gp_refferal}"]);
}

#[test]
fn check_reports_readability_figures_and_the_sign_off_line() {
    let mut specs = fixture();
    specs[1].reviewed_by = Some("concept");
    let dir = fixture_dir(&mut specs);
    let (code, out) = check(dir.path(), "text");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(": readability (B1 target: score ≥ 65"),
        "{out}"
    );
    assert!(
        out.contains("not signed off by a clinician yet: 1 of 3 entries (treatment)"),
        "{out}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .args(["check", "--readability"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("text                          lang  score"),
        "{out}"
    );
    let (_, json) = check(dir.path(), "json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["unreviewed"], serde_json::json!(["treatment"]));
    let rows = report["readability"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["name"] == "food" && r["lang"] == "nl"),
        "{json}"
    );
}

#[test]
fn the_shipped_faq_meets_language_level_b1() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    let faq = faq::load_dir(&dir).expect("the shipped FAQ loads");
    let (figures, warnings) = review::readability_of(&faq);
    assert!(
        warnings.is_empty(),
        "texts of the shipped FAQ above language level B1:\n{}",
        list(&warnings)
    );
    for f in figures.iter().filter(|f| f.field.starts_with("answer.nl")) {
        let chars = faq.entry(&f.name).unwrap().answer.nl.trim().chars().count();
        assert!(
            chars <= 700,
            "{}: {chars} characters, more than a phone screen",
            f.name
        );
    }
}

#[test]
fn the_glossary_gives_its_plain_words_to_whoever_asks() {
    let mut files = files(&fixture(), &texts_toml());
    files.push((Path::new("faq").join("glossary.toml"), GLOSSARY.into()));
    let faq = faq::from_files(files).unwrap();
    let nl = b12bot::text::Lang::Nl;
    assert_eq!(
        faq.glossary.explanation("Methylmalonzuur", nl),
        Some("een stof die de cellen meer maken bij te weinig B12")
    );
    assert_eq!(faq.glossary.explanation("cobalamine", nl), None);
}
