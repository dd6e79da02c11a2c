//! Loading FAQ folders: what loads, and what staff are told when an edit is wrong.
//!
//! Every broken case asserts the exact file, line, column and field of the problem, because
//! that is what staff use to find it. Fixtures are built by the helpers below (never copied
//! from the real `faq/` folder), so they stay in sync with `REQUIRED_TEXTS`.

use b12bot::faq::{self, Faq, LoadError, LoadErrors, MAX_ANSWER_CHARS, REQUIRED_TEXTS};
use b12bot::text::Lang;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Fixtures

/// A valid `texts.toml` with every required text.
fn texts_toml() -> String {
    texts_toml_except(None)
}

/// A valid `texts.toml` with every required text except `skip`.
fn texts_toml_except(skip: Option<&str>) -> String {
    REQUIRED_TEXTS
        .iter()
        .filter(|key| Some(**key) != skip)
        .map(|key| format!("[{key}]\nnl = \"Tekst {key}\"\nen = \"Text {key}\"\n\n"))
        .collect()
}

/// A valid entry file. Its layout is fixed, so tests can name lines:
///
/// ```text
///  1 id = "<id>"
///  2 related = [<related>]
///  3 source = "Folder Vitamine B12"
///  4 reviewed_on = 2026-11-25
///  5
///  6 [title]
///  7 nl = "Titel <id>"
///  8 en = "Title <id>"
///  9
/// 10 [questions]
/// 11 nl = ["Vraag over <id>?"]
/// 12 en = ["Question about <id>?"]
/// 13
/// 14 [answer]
/// 15 nl = "Antwoord over <id>."
/// 16 en = "Answer about <id>."
/// ```
fn entry(id: &str, related: &[&str]) -> String {
    let related: Vec<String> = related.iter().map(|r| format!("\"{r}\"")).collect();
    format!(
        "id = \"{id}\"\n\
         related = [{}]\n\
         source = \"Folder Vitamine B12\"\n\
         reviewed_on = 2026-11-25\n\
         \n\
         [title]\n\
         nl = \"Titel {id}\"\n\
         en = \"Title {id}\"\n\
         \n\
         [questions]\n\
         nl = [\"Vraag over {id}?\"]\n\
         en = [\"Question about {id}?\"]\n\
         \n\
         [answer]\n\
         nl = \"Antwoord over {id}.\"\n\
         en = \"Answer about {id}.\"\n",
        related.join(", ")
    )
}

/// `entry(id, related)` with one piece of text replaced; panics if `from` is absent, so a
/// fixture cannot silently stop testing what it claims to.
fn entry_with(id: &str, related: &[&str], from: &str, to: &str) -> String {
    let text = entry(id, related);
    assert!(text.contains(from), "fixture has no {from:?}");
    text.replacen(from, to, 1)
}

/// The shipped red flags: every folder needs them, and their own checks are tested in
/// tests/red_flags.rs; here they only make the fixtures complete folders.
const RED_FLAGS: &str = include_str!("../faq/red-flags.toml");

/// `faq::from_files` on the fixtures, with the shipped `red-flags.toml` added unless the
/// fixture has its own.
fn from_files(mut files: Vec<(PathBuf, Vec<u8>)>) -> Result<Faq, LoadErrors> {
    if !files
        .iter()
        .any(|(p, _)| p.file_name().is_some_and(|n| n == faq::RED_FLAGS_FILE))
    {
        files.push(file(faq::RED_FLAGS_FILE, RED_FLAGS));
    }
    faq::from_files(files)
}

fn file(name: &str, content: impl Into<Vec<u8>>) -> (PathBuf, Vec<u8>) {
    (Path::new("faq").join(name), content.into())
}

/// A folder with texts.toml, two good entries (`a`, `b`) and the given extra files.
fn folder_with(extra: Vec<(PathBuf, Vec<u8>)>) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = vec![
        file("texts.toml", texts_toml()),
        file("a.toml", entry("a", &["b"])),
        file("b.toml", entry("b", &[])),
    ];
    files.extend(extra);
    files
}

fn load_errors(files: Vec<(PathBuf, Vec<u8>)>) -> Vec<LoadError> {
    match from_files(files) {
        Ok(_) => panic!("expected the FAQ to be rejected"),
        Err(LoadErrors(errors)) => errors,
    }
}

/// Asserts the load fails with exactly one problem, at this place; returns it.
#[track_caller]
fn single_error(
    files: Vec<(PathBuf, Vec<u8>)>,
    file: &str,
    line: usize,
    column: usize,
    field: Option<&str>,
) -> LoadError {
    let errors = load_errors(files);
    assert_eq!(
        errors.len(),
        1,
        "expected one problem, got:\n{}",
        LoadErrors(errors.clone())
    );
    let error = errors.into_iter().next().unwrap();
    let place = (
        error.file.as_path(),
        error.line,
        error.column,
        error.field.as_deref(),
    );
    assert_eq!(place, (Path::new(file), line, column, field), "{error}");
    error
}

#[track_caller]
fn assert_mentions(error: &LoadError, words: &[&str]) {
    for word in words {
        assert!(error.message.contains(word), "{word:?} not in: {error}");
    }
}

// ---------------------------------------------------------------------------------------
// What loads

#[test]
fn minimal_faq_with_two_entries_and_all_texts_loads() {
    let faq: Faq = from_files(folder_with(vec![])).expect("valid FAQ");
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);

    let a = faq.entry("a").unwrap();
    assert_eq!(a.title.get(Lang::Nl), "Titel a");
    assert_eq!(a.questions.get(Lang::En), ["Question about a?"]);
    assert_eq!(a.answer.en, "Answer about a.");
    assert_eq!(a.related, ["b"]);
    assert_eq!(a.source, "Folder Vitamine B12");
    assert_eq!(a.reviewed_on.as_deref(), Some("2026-11-25"));
    assert_eq!(a.reviewed_by, None);
    assert!(a.keywords.nl.is_empty() && a.keywords.en.is_empty());
    assert_eq!(a.file, Path::new("faq/a.toml"));

    for key in REQUIRED_TEXTS {
        assert_eq!(faq.texts.get(key, Lang::En), format!("Text {key}"));
    }
}

#[test]
fn entries_come_in_file_name_order_whatever_the_input_order() {
    let mut files = folder_with(vec![]);
    files.reverse();
    let faq = from_files(files).unwrap();
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
}

#[test]
fn keywords_and_reviewer_are_read_when_given() {
    let text = entry_with(
        "b",
        &[],
        "[answer]",
        "reviewed_by = \"Dr. Jansen\"\n[keywords]\nnl = [\"cobalamine\", \"b12-tekort\"]\n\n[answer]",
    );
    // reviewed_by must sit at the top level, so put it there instead.
    let text = text.replace("reviewed_by = \"Dr. Jansen\"\n", "");
    let text = format!("reviewed_by = \"Dr. Jansen\"\n{text}");
    let faq = from_files(vec![file("texts.toml", texts_toml()), file("b.toml", text)]).unwrap();
    let b = faq.entry("b").unwrap();
    assert_eq!(b.keywords.nl, ["cobalamine", "b12-tekort"]);
    assert!(
        b.keywords.en.is_empty(),
        "a missing keyword language defaults to empty"
    );
    assert_eq!(b.reviewed_by.as_deref(), Some("Dr. Jansen"));
}

#[test]
fn reviewed_on_may_be_written_as_text() {
    let text = entry_with(
        "b",
        &[],
        "reviewed_on = 2026-11-25",
        "reviewed_on = \"2024-02-29\"",
    );
    let faq = from_files(vec![file("texts.toml", texts_toml()), file("b.toml", text)]).unwrap();
    assert_eq!(faq.entries[0].reviewed_on.as_deref(), Some("2024-02-29"));
}

#[test]
fn staff_may_add_texts_of_their_own() {
    let texts = format!(
        "{}[holiday_notice]\nnl = \"Gesloten\"\nen = \"Closed\"\n",
        texts_toml()
    );
    let faq = from_files(vec![
        file("texts.toml", texts),
        file("b.toml", entry("b", &[])),
    ])
    .unwrap();
    assert_eq!(faq.texts.get("holiday_notice", Lang::Nl), "Gesloten");
}

#[test]
fn multiline_answers_are_trimmed_and_use_unix_line_endings() {
    let text = entry_with(
        "b",
        &[],
        "en = \"Answer about b.\"",
        "en = \"\"\"\nFirst line.\nSecond line.\n\"\"\"",
    )
    .replace('\n', "\r\n");
    let faq = from_files(vec![file("texts.toml", texts_toml()), file("b.toml", text)]).unwrap();
    assert_eq!(faq.entries[0].answer.en, "First line.\nSecond line.");
}

#[test]
fn an_answer_of_exactly_4096_characters_is_allowed_even_when_longer_in_bytes() {
    let long = "é".repeat(MAX_ANSWER_CHARS); // 8192 bytes
    let text = entry_with("b", &[], "Answer about b.", &long);
    let faq = from_files(vec![file("texts.toml", texts_toml()), file("b.toml", text)]).unwrap();
    assert_eq!(faq.entries[0].answer.en.chars().count(), MAX_ANSWER_CHARS);
}

// ---------------------------------------------------------------------------------------
// What staff are told: one broken case per test

#[test]
fn toml_syntax_error_is_reported_where_the_parser_stopped() {
    let text = entry_with("c", &[], "[questions]", "[questions");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        10,
        11,
        None,
    );
    assert_mentions(&error, &["not closed with ]", "TOML syntax error"]);
}

#[test]
fn unquoted_text_is_explained_not_called_a_boolean() {
    // The parser reads `folder` as a misspelt `false`.
    let text = entry_with(
        "c",
        &[],
        "source = \"Folder Vitamine B12\"",
        "source = folder",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        3,
        10,
        None,
    );
    assert_mentions(&error, &["text must be in quotes"]);
}

#[test]
fn text_broken_over_two_lines_is_reported_where_the_quote_is_missing() {
    let text = entry_with(
        "c",
        &[],
        "nl = \"Antwoord over c.\"",
        "nl = \"Antwoord\nover c.\"",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        15,
        15,
        None,
    );
    assert_mentions(&error, &["not closed with \" on this line", "\"\"\""]);
}

#[test]
fn a_key_set_twice_is_a_syntax_error_at_the_second() {
    let text = entry_with(
        "c",
        &[],
        "en = \"Title c\"",
        "en = \"Title c\"\nnl = \"Nog een titel\"",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        9,
        1,
        None,
    );
    assert_mentions(&error, &["duplicate key"]);
}

#[test]
fn non_utf8_content_is_reported_at_the_first_bad_byte() {
    // "Titel c" with a Latin-1 "é" (0xE9), as an old Windows editor would save it.
    let mut bytes = entry("c", &[]).into_bytes();
    let at = bytes.windows(5).position(|w| w == b"Titel").unwrap();
    bytes.splice(at..at + 5, b"Tit\xe9l".iter().copied());
    let error = single_error(
        folder_with(vec![file("c.toml", bytes)]),
        "faq/c.toml",
        7,
        10,
        None,
    );
    assert_mentions(&error, &["UTF-8", "0xE9"]);
}

#[test]
fn missing_top_level_field_is_reported_at_the_start_of_the_file() {
    let text = entry_with("c", &[], "source = \"Folder Vitamine B12\"\n", "");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        1,
        1,
        Some("source"),
    );
    assert_mentions(&error, &["missing"]);
}

#[test]
fn missing_table_is_reported_at_the_start_of_the_file() {
    let text = entry_with(
        "c",
        &[],
        "[title]\nnl = \"Titel c\"\nen = \"Title c\"\n",
        "",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        1,
        1,
        Some("title"),
    );
    assert_mentions(&error, &["missing", "[title]"]);
}

#[test]
fn missing_language_is_reported_at_the_table_that_lacks_it() {
    let text = entry_with("c", &[], "en = \"Answer about c.\"\n", "");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        14,
        1,
        Some("answer.en"),
    );
    assert_mentions(&error, &["English", "missing"]);
}

#[test]
fn missing_language_in_an_inline_table_is_reported_at_its_brace() {
    let text = entry_with(
        "c",
        &[],
        "[title]\nnl = \"Titel c\"\nen = \"Title c\"\n",
        "title = { nl = \"Titel c\" }\n",
    );
    // Line 6 is now the inline table; `{` is column 9.
    single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        6,
        9,
        Some("title.en"),
    );
}

#[test]
fn unknown_field_is_named_with_the_closest_known_one() {
    let text = entry_with("c", &[], "[answer]", "[anwser]");
    let errors = load_errors(folder_with(vec![file("c.toml", text)]));
    // The typo, and (so nothing is hidden) the real [answer] it leaves missing.
    assert_eq!(errors.len(), 2, "{}", LoadErrors(errors.clone()));
    let missing = &errors[0];
    assert_eq!(
        (missing.line, missing.column, missing.field.as_deref()),
        (1, 1, Some("answer"))
    );
    let typo = &errors[1];
    assert_eq!(typo.file, Path::new("faq/c.toml"));
    assert_eq!(
        (typo.line, typo.column, typo.field.as_deref()),
        (14, 2, Some("anwser"))
    );
    assert_mentions(
        typo,
        &["unknown field \"anwser\"", "did you mean \"answer\"?"],
    );
}

#[test]
fn unknown_language_lists_the_allowed_ones() {
    let text = entry_with(
        "c",
        &[],
        "en = \"Title c\"",
        "en = \"Title c\"\nfr = \"Titre c\"",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        9,
        1,
        Some("title.fr"),
    );
    assert_mentions(&error, &["allowed here: nl, en"]);
}

#[test]
fn top_level_field_written_below_a_table_is_explained() {
    let text = entry_with("c", &[], "reviewed_on = 2026-11-25\n", "").replace(
        "en = \"Answer about c.\"\n",
        "en = \"Answer about c.\"\nreviewed_on = 2026-11-25\n",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        16,
        1,
        Some("answer.reviewed_on"),
    );
    assert_mentions(&error, &["belongs at the top of the file"]);
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let text = entry_with(
        "c",
        &[],
        "nl = [\"Vraag over c?\"]",
        "nl = \"Vraag over c?\"",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        11,
        6,
        Some("questions.nl"),
    );
    assert_mentions(&error, &["must be a list of questions", "but is text"]);
}

#[test]
fn a_number_where_text_belongs_is_a_wrong_type() {
    let text = entry_with("c", &[], "source = \"Folder Vitamine B12\"", "source = 12");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        3,
        10,
        Some("source"),
    );
    assert_mentions(&error, &["text in quotes", "but is a whole number"]);
}

#[test]
fn empty_string_is_reported_at_the_string() {
    let text = entry_with("c", &[], "nl = \"Titel c\"", "nl = \"  \"");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        7,
        6,
        Some("title.nl"),
    );
    assert_mentions(&error, &["empty"]);
}

#[test]
fn empty_questions_list_is_reported_at_the_list() {
    let text = entry_with("c", &[], "en = [\"Question about c?\"]", "en = []");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        12,
        6,
        Some("questions.en"),
    );
    assert_mentions(&error, &["at least one question"]);
}

#[test]
fn empty_question_is_reported_at_that_item() {
    let text = entry_with(
        "c",
        &[],
        "[\"Question about c?\"]",
        "[\"Question about c?\", \"\"]",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        12,
        28,
        Some("questions.en"),
    );
    assert_mentions(&error, &["question 2 is empty"]);
}

#[test]
fn empty_keyword_is_reported_because_it_would_match_anything() {
    let text = entry_with("c", &[], "[answer]", "[keywords]\nnl = [\"\"]\n\n[answer]");
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        15,
        7,
        Some("keywords.nl"),
    );
    assert_mentions(&error, &["keyword 1 is empty"]);
}

#[test]
fn answer_over_4096_characters_says_how_long_it_is_and_the_limit() {
    let long = "é".repeat(MAX_ANSWER_CHARS + 10);
    let text = entry_with("c", &[], "Antwoord over c.", &long);
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        15,
        6,
        Some("answer.nl"),
    );
    assert_mentions(
        &error,
        &["4106 characters", "at most 4096", "by at least 10"],
    );
}

#[test]
fn duplicate_id_is_reported_at_the_second_file_naming_the_first() {
    // A copy of b.toml saved under another name: its id no longer matches its file name,
    // and the id is taken.
    let errors = load_errors(folder_with(vec![file("c.toml", entry("b", &[]))]));
    assert_eq!(errors.len(), 2, "{}", LoadErrors(errors.clone()));
    for error in &errors {
        assert_eq!(
            (error.file.as_path(), error.line, error.column),
            (Path::new("faq/c.toml"), 1, 6)
        );
        assert_eq!(error.field.as_deref(), Some("id"));
    }
    assert_mentions(&errors[0], &["does not match the file name \"c.toml\""]);
    assert_mentions(&errors[1], &["already used by faq/b.toml (line 1)"]);
}

#[test]
fn duplicate_id_across_folders_names_the_first_files_line() {
    // Only from_files can see two files of the same name; the id is on line 2 of the first.
    let first = format!("# kopie\n{}", entry("b", &[]));
    let files = vec![
        file("texts.toml", texts_toml()),
        (PathBuf::from("faq/b.toml"), first.into_bytes()),
        (PathBuf::from("old/b.toml"), entry("b", &[]).into_bytes()),
    ];
    let error = single_error(files, "old/b.toml", 1, 6, Some("id"));
    assert_mentions(&error, &["already used by faq/b.toml (line 2)"]);
}

#[test]
fn id_different_from_file_name_is_reported_at_the_id() {
    let text = entry("insurance", &[]);
    let error = single_error(
        folder_with(vec![file("insurence.toml", text)]),
        "faq/insurence.toml",
        1,
        6,
        Some("id"),
    );
    assert_mentions(&error, &["\"insurance\"", "\"insurence.toml\""]);
}

#[test]
fn id_with_capitals_or_spaces_is_invalid() {
    let text = entry("Vitamine B12", &[]);
    let errors = load_errors(folder_with(vec![file("Vitamine B12.toml", text)]));
    assert_eq!(errors.len(), 1, "{}", LoadErrors(errors.clone()));
    assert_eq!(
        (errors[0].line, errors[0].column, errors[0].field.as_deref()),
        (1, 6, Some("id"))
    );
    assert_mentions(&errors[0], &["lowercase letters a-z, digits 0-9 and '-'"]);
}

#[test]
fn unknown_related_id_is_reported_at_that_item_with_a_suggestion() {
    let text = entry("c", &["a", "bb"]);
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        2,
        17,
        Some("related"),
    );
    assert_mentions(
        &error,
        &["no entry has the id \"bb\"", "did you mean \"b\"?"],
    );
}

#[test]
fn unknown_related_id_suggests_a_longer_real_id() {
    let files = vec![
        file("texts.toml", texts_toml()),
        file("food-sources.toml", entry("food-sources", &[])),
        file(
            "vegan-vegetarian.toml",
            entry("vegan-vegetarian", &["food-source"]),
        ),
    ];
    let error = single_error(files, "faq/vegan-vegetarian.toml", 2, 12, Some("related"));
    assert_mentions(&error, &["did you mean \"food-sources\"?"]);
}

#[test]
fn related_naming_itself_is_reported_at_that_item() {
    let text = entry("c", &["a", "c"]);
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        2,
        17,
        Some("related"),
    );
    assert_mentions(&error, &["cannot be related to itself"]);
}

#[test]
fn missing_texts_file_is_reported_without_a_position() {
    let files = vec![file("a.toml", entry("a", &[]))];
    let errors = load_errors(files);
    assert_eq!(errors.len(), 1, "{}", LoadErrors(errors.clone()));
    let error = &errors[0];
    assert_eq!(
        (error.file.as_path(), error.line, error.column),
        (Path::new("faq/texts.toml"), 0, 0)
    );
    assert_eq!(error.field, None);
    assert_mentions(error, &["texts.toml is missing"]);
    assert!(
        error
            .to_string()
            .starts_with("faq/texts.toml: texts.toml is missing"),
        "{error}"
    );
}

#[test]
fn missing_required_text_is_named() {
    let files = vec![
        file("texts.toml", texts_toml_except(Some("gp_referral"))),
        file("b.toml", entry("b", &[])),
    ];
    let error = single_error(files, "faq/texts.toml", 1, 1, Some("gp_referral"));
    assert_mentions(&error, &["required text \"gp_referral\" is missing"]);
}

#[test]
fn missing_text_language_is_reported_at_its_table() {
    // [greeting] is the first table: lines 1-3.
    assert_eq!(REQUIRED_TEXTS[0], "greeting");
    let texts = texts_toml().replacen("en = \"Text greeting\"\n", "", 1);
    let files = vec![file("texts.toml", texts), file("b.toml", entry("b", &[]))];
    let error = single_error(files, "faq/texts.toml", 1, 1, Some("greeting.en"));
    assert_mentions(&error, &["English text is missing"]);
}

#[test]
fn unknown_field_in_a_text_lists_the_languages() {
    let texts = texts_toml().replacen(
        "en = \"Text help\"",
        "en = \"Text help\"\nsource = \"x\"",
        1,
    );
    let files = vec![file("texts.toml", texts), file("b.toml", entry("b", &[]))];
    let error = single_error(files, "faq/texts.toml", 8, 1, Some("help.source"));
    assert_mentions(&error, &["unknown field \"source\"; allowed here: nl, en"]);
}

#[test]
fn empty_text_is_reported_at_the_string() {
    let texts = texts_toml().replacen("nl = \"Tekst help\"", "nl = \"\"", 1);
    let files = vec![file("texts.toml", texts), file("b.toml", entry("b", &[]))];
    // [help] is the second table: lines 5-7.
    assert_eq!(REQUIRED_TEXTS[1], "help");
    single_error(files, "faq/texts.toml", 6, 6, Some("help.nl"));
}

// ---------------------------------------------------------------------------------------
// Many problems, positions, the edge

#[test]
fn several_broken_files_yield_all_their_problems_in_one_run() {
    let files = vec![
        file("texts.toml", texts_toml_except(Some("bye"))),
        file("a.toml", entry("a", &["b"])),
        // Two problems in one file.
        file(
            "b.toml",
            entry_with("b", &[], "[answer]", "[anwser]").replace("nl = \"Titel b\"", "nl = \"\""),
        ),
        // A syntax error stops only this file...
        file("c.toml", "id = \"c\nrelated = []\n"),
        // ...and d may still name c without an "unknown id" echo.
        file("d.toml", entry("d", &["c", "x"])),
    ];
    let errors = load_errors(files);
    let places: Vec<(String, usize, usize, Option<&str>)> = errors
        .iter()
        .map(|e| {
            (
                e.file.display().to_string(),
                e.line,
                e.column,
                e.field.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("faq/b.toml".to_string(), 1, 1, Some("answer")),
            ("faq/b.toml".to_string(), 7, 6, Some("title.nl")),
            ("faq/b.toml".to_string(), 14, 2, Some("anwser")),
            ("faq/c.toml".to_string(), 1, 8, None),
            ("faq/d.toml".to_string(), 2, 17, Some("related")),
            ("faq/texts.toml".to_string(), 1, 1, Some("bye")),
        ],
        "\n{}",
        LoadErrors(errors.clone())
    );
}

#[test]
fn windows_line_endings_give_the_same_positions() {
    let text = entry_with("c", &[], "en = \"Answer about c.\"\n", "").replace('\n', "\r\n");
    single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        14,
        1,
        Some("answer.en"),
    );

    let text = entry_with("c", &[], "nl = \"Titel c\"", "nl = \"\"").replace('\n', "\r\n");
    single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        7,
        6,
        Some("title.nl"),
    );
}

#[test]
fn a_byte_order_mark_does_not_shift_columns() {
    let text = format!(
        "\u{feff}{}",
        entry_with("c", &[], "id = \"c\"", "id = \"x\"")
    );
    single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        1,
        6,
        Some("id"),
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = entry_with("c", &[], "nl = \"Titel c\"", "nl = \"Één titel\"\nnl2 = 1");
    // "nl = \"Één titel\"" is 16 characters (18 bytes); the problem is the key on line 8.
    single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        8,
        1,
        Some("title.nl2"),
    );
    // "é" is 2 bytes; counting bytes would put "zz" at column 23.
    let text = entry_with(
        "c",
        &["a"],
        "related = [\"a\"]",
        "related = [\"é\", \"a\", \"zz\"]",
    );
    let errors = load_errors(folder_with(vec![file("c.toml", text)]));
    let columns: Vec<usize> = errors.iter().map(|e| e.column).collect();
    assert_eq!(columns, [12, 22], "{}", LoadErrors(errors.clone()));
}

#[test]
fn invalid_review_date_is_reported_at_the_date() {
    let text = entry_with(
        "c",
        &[],
        "reviewed_on = 2026-11-25",
        "reviewed_on = \"2026-02-30\"",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        4,
        15,
        Some("reviewed_on"),
    );
    assert_mentions(&error, &["2026-02-30", "year-month-day"]);

    let text = entry_with(
        "c",
        &[],
        "reviewed_on = 2026-11-25",
        "reviewed_on = 2026-11-25T10:00:00",
    );
    let error = single_error(
        folder_with(vec![file("c.toml", text)]),
        "faq/c.toml",
        4,
        15,
        Some("reviewed_on"),
    );
    assert_mentions(&error, &["without a time"]);
}

#[test]
fn errors_display_as_file_line_column_field_message() {
    let error = LoadError {
        file: PathBuf::from("faq/insurance.toml"),
        line: 12,
        column: 3,
        field: Some("answer.en".into()),
        message: "is empty".into(),
    };
    assert_eq!(
        error.to_string(),
        "faq/insurance.toml:12:3: answer.en: is empty"
    );
    let no_field = LoadError {
        field: None,
        ..error.clone()
    };
    assert_eq!(no_field.to_string(), "faq/insurance.toml:12:3: is empty");
    let both = LoadErrors(vec![error, no_field]);
    assert_eq!(
        both.to_string(),
        "faq/insurance.toml:12:3: answer.en: is empty\nfaq/insurance.toml:12:3: is empty"
    );
}

#[test]
fn from_files_with_nothing_reports_missing_texts_red_flags_and_entries() {
    let errors = faq::from_files(vec![]).unwrap_err().0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages[0].starts_with(".: the FAQ folder has no entries"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("red-flags.toml: red-flags.toml is missing"),
        "{messages:?}"
    );
    assert!(
        messages[2].starts_with("texts.toml: texts.toml is missing"),
        "{messages:?}"
    );
}

#[test]
fn load_dir_on_an_empty_folder_reports_missing_texts_red_flags_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let errors = faq::load_dir(dir.path()).unwrap_err().0;
    let places: Vec<(PathBuf, usize)> = errors.iter().map(|e| (e.file.clone(), e.line)).collect();
    assert_eq!(
        places,
        [
            (dir.path().to_path_buf(), 0),
            (dir.path().join("red-flags.toml"), 0),
            (dir.path().join("texts.toml"), 0)
        ]
    );
}

#[test]
fn load_dir_on_a_missing_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("faq");
    let errors = faq::load_dir(&missing).unwrap_err().0;
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].file.as_path(), errors[0].line),
        (missing.as_path(), 0)
    );
    assert_mentions(
        &errors[0],
        &["cannot open the FAQ folder", "does not exist"],
    );
}

#[test]
fn load_dir_reads_only_toml_files_directly_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let write =
        |name: &str, content: &[u8]| std::fs::write(dir.path().join(name), content).unwrap();
    write("texts.toml", texts_toml().as_bytes());
    write("red-flags.toml", RED_FLAGS.as_bytes());
    write("b.toml", entry("b", &[]).as_bytes());
    write("a.toml", entry("a", &["b"]).as_bytes());
    write("README.md", b"not an entry");
    write("a.toml~", b"editor backup");
    write("._a.toml", b"\x00\x05\x16\x07 macOS resource fork");
    std::fs::create_dir(dir.path().join("old")).unwrap();
    std::fs::write(dir.path().join("old/broken.toml"), "not = [toml").unwrap();
    std::fs::create_dir(dir.path().join("dir.toml")).unwrap();

    let faq = faq::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(faq.entries[0].file, dir.path().join("a.toml"));
}

#[test]
fn load_dir_reports_problems_with_the_real_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("texts.toml"), texts_toml()).unwrap();
    std::fs::write(dir.path().join("red-flags.toml"), RED_FLAGS).unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        entry_with("b", &[], "[answer]", "[anwser]"),
    )
    .unwrap();
    let errors = faq::load_dir(dir.path()).unwrap_err().0;
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.file == dir.path().join("b.toml")));
}

/// The real FAQ folder, once it exists in the repository, must load cleanly.
#[test]
fn the_repository_faq_folder_loads_if_present() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    if !dir.is_dir() {
        eprintln!("no {} yet; skipping", dir.display());
        return;
    }
    let faq = faq::load_dir(&dir).unwrap_or_else(|e| panic!("the FAQ folder does not load:\n{e}"));
    assert!(!faq.entries.is_empty());
}

#[test]
fn out_of_scope_subjects_are_folded_and_checked() {
    let topic = |subjects: &str| {
        format!(
            "[[topic]]\nid = \"care\"\nsubjects = [{subjects}]\n\
             nl = [\"vergoedt de verzekering de fysio?\"]\nen = [\"is physio covered?\"]\n"
        )
    };
    let faq = from_files(folder_with(vec![file(
        "out-of-scope.toml",
        topic("\"Fysiothérapie\", \"parkeer*\", \"bel ~ terug\""),
    )]))
    .expect("good subjects load");
    assert_eq!(
        faq.out_of_scope[0].subjects,
        ["fysiotherapie", "parkeer*", "bel ~ terug"]
    );

    let errors = load_errors(folder_with(vec![file(
        "out-of-scope.toml",
        topic("\"vitamine B12\", \"tand-arts\", \" \""),
    )]));
    let fields: Vec<Option<&str>> = errors.iter().map(|e| e.field.as_deref()).collect();
    assert_eq!(
        fields,
        [
            Some("topic[0].subjects[0]"),
            Some("topic[0].subjects[1]"),
            Some("topic[0].subjects[2]")
        ],
        "{}",
        LoadErrors(errors.clone())
    );
    assert!(
        errors[0].to_string().contains("names B12 itself"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].to_string().contains("write words"),
        "{}",
        errors[1]
    );
}
