//! The configuration: file, environment overrides, errors that name the setting, office hours.

use b12bot::config::{
    Config, ConfigError, OfficeHours, Origin, TimeZone, Weekday, days_from_civil,
};
use b12bot::engine::ValuePolicy;
use std::path::{Path, PathBuf};

/// An environment made of these variables only.
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn no_env() -> impl Fn(&str) -> Option<String> {
    env(&[])
}

fn from_toml(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("config.toml"), no_env())
}

/// Unix seconds of a UTC date and time.
fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
}

fn amsterdam(hours: &str) -> OfficeHours {
    OfficeHours::parse(hours, TimeZone::EuropeAmsterdam).unwrap()
}

/// The single problem's setting and origin, and its text.
fn one_problem(e: &ConfigError) -> (Option<&str>, &Origin, String) {
    let p = e.problems();
    assert_eq!(p.len(), 1, "expected one problem, got: {e}");
    (p[0].setting.as_deref(), &p[0].origin, p[0].to_string())
}

fn file_line(origin: &Origin) -> usize {
    match origin {
        Origin::File { line, .. } => *line,
        other => panic!("expected a file position, got {other:?}"),
    }
}

// --- sources and precedence ----------------------------------------------------------------

#[test]
fn without_file_or_environment_the_defaults_apply() {
    let c = Config::load_with(None, no_env()).unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.triage_chat_id, None);
    assert!(c.staff_ids.is_empty());
    assert_eq!(c.data_dir, PathBuf::from("data"));
    assert_eq!(c.retention_days, 30);
    assert_eq!(c.value_policy, ValuePolicy::ExplainBand);
    assert_eq!(c.flood_per_minute, 15);
    assert_eq!(c.office_hours.to_string(), "mon-fri 08:00-17:00");
    assert_eq!(c.office_hours.zone(), TimeZone::EuropeAmsterdam);
    assert_eq!(c.database_path(), PathBuf::from("data/b12bot.sqlite"));
}

#[test]
fn the_example_config_file_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let c = Config::load_with(Some(&path), no_env()).unwrap();
    assert_eq!(c.triage_chat_id, Some(-1001234567890));
    assert_eq!(c.staff_ids, vec![123456789, 987654321]);
    assert_eq!(c.retention_days, 30);
    assert_eq!(c.flood_per_minute, 15);
}

#[test]
fn file_settings_are_read() {
    let c = from_toml(
        r#"
        triage_chat_id = -100777
        staff_ids = [42, 7, 42]
        data_dir = "/var/lib/b12bot"
        office_hours = "ma-do 08:30-16:30, vr 08:30-12:00"
        timezone = "UTC+01:00"
        retention_days = 14
        value_policy = "table_only"
        flood_per_minute = 0
        "#,
    )
    .unwrap();
    assert_eq!(c.triage_chat_id, Some(-100777));
    assert_eq!(c.staff_ids, vec![7, 42], "sorted, duplicates dropped");
    assert!(c.is_staff(7) && c.is_staff(42) && !c.is_staff(8));
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/b12bot"));
    assert_eq!(c.office_hours.zone(), TimeZone::Fixed(60));
    assert_eq!(c.retention_days, 14);
    assert_eq!(c.value_policy, ValuePolicy::TableOnly);
    assert_eq!(c.flood_per_minute, 0, "0 switches flood control off");
}

#[test]
fn environment_overrides_the_file() {
    let file = r#"
        triage_chat_id = -100777
        staff_ids = [42]
        data_dir = "from-file"
        office_hours = "mon-fri 08:00-17:00"
        timezone = "Europe/Amsterdam"
        retention_days = 14
        value_policy = "table_only"
        flood_per_minute = 30
    "#;
    let c = Config::from_toml(
        file,
        Path::new("config.toml"),
        env(&[
            ("B12BOT_TRIAGE_CHAT_ID", "-100888"),
            ("B12BOT_STAFF_IDS", "5, 6,7"),
            ("B12BOT_DATA_DIR", "from-env"),
            ("B12BOT_OFFICE_HOURS", "sat 10:00-12:00"),
            ("B12BOT_TIMEZONE", "UTC"),
            ("B12BOT_RETENTION_DAYS", "7"),
            ("B12BOT_VALUE_POLICY", "refer-only"),
            ("B12BOT_FLOOD_PER_MINUTE", "10"),
        ]),
    )
    .unwrap();
    assert_eq!(c.triage_chat_id, Some(-100888));
    assert_eq!(c.staff_ids, vec![5, 6, 7]);
    assert_eq!(c.data_dir, PathBuf::from("from-env"));
    assert_eq!(c.office_hours.to_string(), "sat 10:00-12:00");
    assert_eq!(c.office_hours.zone(), TimeZone::Fixed(0));
    assert_eq!(c.retention_days, 7);
    assert_eq!(c.value_policy, ValuePolicy::ReferOnly);
    assert_eq!(c.flood_per_minute, 10);
}

#[test]
fn a_blank_environment_variable_does_not_override() {
    let c = Config::from_toml(
        "retention_days = 14",
        Path::new("config.toml"),
        env(&[("B12BOT_RETENTION_DAYS", "  ")]),
    )
    .unwrap();
    assert_eq!(c.retention_days, 14);
}

#[test]
fn the_environment_can_switch_the_triage_desk_off() {
    let c = Config::from_toml(
        "triage_chat_id = -100777\nstaff_ids = [1]",
        Path::new("config.toml"),
        env(&[("B12BOT_TRIAGE_CHAT_ID", "none")]),
    )
    .unwrap();
    assert_eq!(c.triage_chat_id, None);
}

#[test]
fn the_environment_alone_configures_the_bot() {
    let c = Config::load_with(
        None,
        env(&[
            ("B12BOT_TRIAGE_CHAT_ID", "-100999"),
            ("B12BOT_STAFF_IDS", "11"),
        ]),
    )
    .unwrap();
    assert_eq!(c.triage_chat_id, Some(-100999));
    assert_eq!(c.staff_ids, vec![11]);
}

#[test]
fn a_missing_config_file_names_the_path() {
    let e = Config::load_with(Some(Path::new("/nonexistent/b12bot.toml")), no_env()).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert!(e.to_string().contains("/nonexistent/b12bot.toml"), "{e}");
}

#[test]
fn a_config_file_is_read_from_disk_with_its_name_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b12bot.toml");
    std::fs::write(&path, "retention_days = 14\nvalue_policy = \"maybe\"\n").unwrap();
    let e = Config::load_with(Some(&path), no_env()).unwrap_err();
    let (setting, origin, text) = one_problem(&e);
    assert_eq!(setting, Some("value_policy"));
    assert_eq!(file_line(origin), 2);
    assert!(
        text.starts_with(&format!("{}:2:16: value_policy:", path.display())),
        "{text}"
    );
}

// --- errors name the setting ---------------------------------------------------------------

#[test]
fn each_invalid_setting_is_named_with_its_line() {
    // (file, the setting named, the line, a phrase of the message)
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "triage_chat_id = \"-100\"",
            "triage_chat_id",
            1,
            "whole number",
        ),
        ("triage_chat_id = 12345", "triage_chat_id", 1, "negative"),
        (
            "\ntriage_chat_id = 0\nstaff_ids = [1]",
            "triage_chat_id",
            2,
            "negative",
        ),
        ("staff_ids = 42", "staff_ids", 1, "list"),
        ("staff_ids = [\"42\"]", "staff_ids", 1, "user id"),
        ("staff_ids = [-5]", "staff_ids", 1, "positive"),
        ("data_dir = \"\"", "data_dir", 1, "empty"),
        ("data_dir = 3", "data_dir", 1, "text"),
        (
            "office_hours = \"mon-fry 08:00-17:00\"",
            "office_hours",
            1,
            "fry",
        ),
        (
            "office_hours = \"mon-fri 17:00-08:00\"",
            "office_hours",
            1,
            "ends before",
        ),
        (
            "office_hours = \"mon-fri 8-17\"",
            "office_hours",
            1,
            "not a time",
        ),
        (
            "office_hours = \"mon-fri 08:00-25:00\"",
            "office_hours",
            1,
            "not a time",
        ),
        ("office_hours = \"\"", "office_hours", 1, "no opening hours"),
        (
            "office_hours = \"weekdays\"",
            "office_hours",
            1,
            "days and times",
        ),
        (
            "timezone = \"Europe/London\"",
            "timezone",
            1,
            "Europe/Amsterdam",
        ),
        ("retention_days = 0", "retention_days", 1, "between 1 and"),
        (
            "retention_days = 99999",
            "retention_days",
            1,
            "between 1 and",
        ),
        (
            "retention_days = \"30\"",
            "retention_days",
            1,
            "whole number",
        ),
        ("retention_days = 1.5", "retention_days", 1, "decimal"),
        (
            "flood_per_minute = 500",
            "flood_per_minute",
            1,
            "between 1 and 120",
        ),
        ("flood_per_minute = -1", "flood_per_minute", 1, "0 switches"),
        (
            "flood_per_minute = \"15\"",
            "flood_per_minute",
            1,
            "messages per minute",
        ),
        (
            "value_policy = \"explain\"",
            "value_policy",
            1,
            "explain_band",
        ),
        (
            "\n\nretention_dayz = 30",
            "retention_dayz",
            3,
            "did you mean \"retention_days\"",
        ),
    ];
    for (file, setting, line, phrase) in cases {
        let e = from_toml(file).expect_err(file);
        let (named, origin, text) = one_problem(&e);
        assert_eq!(named, Some(*setting), "{file}: {text}");
        assert_eq!(file_line(origin), *line, "{file}: {text}");
        assert!(text.contains(phrase), "{file}: {text:?} lacks {phrase:?}");
        assert!(text.starts_with("config.toml:"), "{text}");
    }
}

#[test]
fn each_invalid_environment_variable_is_named() {
    let cases: &[(&str, &str, &str)] = &[
        ("B12BOT_TRIAGE_CHAT_ID", "abc", "triage_chat_id"),
        ("B12BOT_TRIAGE_CHAT_ID", "12345", "triage_chat_id"),
        ("B12BOT_STAFF_IDS", "12,abc", "staff_ids"),
        ("B12BOT_DATA_DIR", "", "-"), // blank: not an override, no error
        ("B12BOT_OFFICE_HOURS", "always", "office_hours"),
        ("B12BOT_TIMEZONE", "Mars/Olympus", "timezone"),
        ("B12BOT_RETENTION_DAYS", "thirty", "retention_days"),
        ("B12BOT_VALUE_POLICY", "guess", "value_policy"),
        ("B12BOT_FLOOD_PER_MINUTE", "many", "flood_per_minute"),
    ];
    for (var, value, setting) in cases {
        let vars = [(*var, *value)];
        let result = Config::load_with(None, env(&vars));
        if *setting == "-" {
            assert!(result.is_ok(), "{var}={value}");
            continue;
        }
        let e = result.expect_err(var);
        let (named, origin, text) = one_problem(&e);
        assert_eq!(named, Some(*setting), "{var}={value}: {text}");
        assert!(matches!(origin, Origin::Env(v) if v == var), "{text}");
        assert!(text.contains(var), "{text}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let e =
        from_toml("retention_days = 0\nvalue_policy = \"x\"\ntimezone = \"Mars\"\n").unwrap_err();
    let named: Vec<_> = e
        .problems()
        .iter()
        .map(|p| p.setting.clone().unwrap())
        .collect();
    assert_eq!(named.len(), 3, "{e}");
    for s in ["retention_days", "value_policy", "timezone"] {
        assert!(named.iter().any(|n| n == s), "{s} missing from: {e}");
    }
    assert_eq!(e.to_string().lines().count(), 3);
}

#[test]
fn problems_are_listed_in_file_order_then_the_environments() {
    let e = Config::from_toml(
        "\n\nvalue_policy = \"x\"\nretention_dayz = 1\ntimezone = \"Mars\"\n",
        Path::new("config.toml"),
        env(&[("B12BOT_DATA_DIR", "d"), ("B12BOT_RETENTION_DAYS", "0")]),
    )
    .unwrap_err();
    let lines: Vec<String> = e.to_string().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with("config.toml:3:16: value_policy:"),
        "{e}"
    );
    assert!(
        lines[1].starts_with("config.toml:4:1: retention_dayz:"),
        "{e}"
    );
    assert!(lines[2].starts_with("config.toml:5:12: timezone:"), "{e}");
    assert!(
        lines[3].starts_with("environment variable B12BOT_RETENTION_DAYS: retention_days:"),
        "{e}"
    );
}

#[test]
fn a_broken_file_is_reported_even_when_the_environment_overrides_it() {
    let e = Config::from_toml(
        "retention_days = 0",
        Path::new("config.toml"),
        env(&[("B12BOT_RETENTION_DAYS", "10")]),
    )
    .unwrap_err();
    let (setting, origin, _) = one_problem(&e);
    assert_eq!(setting, Some("retention_days"));
    assert_eq!(file_line(origin), 1);
}

#[test]
fn a_triage_chat_without_staff_is_refused() {
    let e = from_toml("triage_chat_id = -100777").unwrap_err();
    let (setting, _, text) = one_problem(&e);
    assert_eq!(setting, Some("staff_ids"));
    assert!(text.contains("at least one staff member"), "{text}");
    // Staff without a triage chat is fine: the ids simply have nothing to do yet.
    assert!(from_toml("staff_ids = [1]").is_ok());
}

#[test]
fn a_toml_syntax_error_gives_line_and_column() {
    let e = from_toml("retention_days = 30\nstaff_ids = [1, 2\n").unwrap_err();
    let p = &e.problems()[0];
    assert_eq!(p.setting, None);
    assert!(p.message.contains("TOML syntax error"), "{e}");
    assert!(matches!(p.origin, Origin::File { line: 2..=3, .. }), "{e}");
}

#[test]
fn value_policy_accepts_the_cli_spelling_too() {
    for (text, policy) in [
        ("explain-band", ValuePolicy::ExplainBand),
        ("TABLE_ONLY", ValuePolicy::TableOnly),
        ("refer_only", ValuePolicy::ReferOnly),
    ] {
        let c = from_toml(&format!("value_policy = \"{text}\"")).unwrap();
        assert_eq!(c.value_policy, policy, "{text}");
    }
}

// --- office hours --------------------------------------------------------------------------

#[test]
fn office_hours_on_weekdays_weekends_and_evenings() {
    let c = Config::default(); // mon-fri 08:00-17:00, Europe/Amsterdam
    // Winter (CET, UTC+1): Wednesday 2026-01-14.
    let cases = [
        (utc(2026, 1, 14, 9, 0), true, "Wednesday 10:00"),
        (utc(2026, 1, 14, 7, 0), true, "Wednesday 08:00 sharp"),
        (utc(2026, 1, 14, 6, 59), false, "Wednesday 07:59"),
        (utc(2026, 1, 14, 15, 59), true, "Wednesday 16:59"),
        (utc(2026, 1, 14, 16, 0), false, "Wednesday 17:00 sharp"),
        (utc(2026, 1, 14, 19, 30), false, "Wednesday evening"),
        (utc(2026, 1, 14, 2, 0), false, "Wednesday night"),
        (utc(2026, 1, 17, 11, 0), false, "Saturday noon"),
        (utc(2026, 1, 18, 11, 0), false, "Sunday noon"),
        (utc(2026, 1, 16, 15, 30), true, "Friday 16:30"),
        // Summer (CEST, UTC+2): Wednesday 2026-07-15.
        (utc(2026, 7, 15, 6, 0), true, "summer Wednesday 08:00"),
        (utc(2026, 7, 15, 5, 59), false, "summer Wednesday 07:59"),
        (utc(2026, 7, 15, 15, 0), false, "summer Wednesday 17:00"),
    ];
    for (t, open, what) in cases {
        assert_eq!(c.is_office_hours(t), open, "{what}");
    }
}

#[test]
fn next_opening_is_now_during_office_hours() {
    let c = Config::default();
    let t = utc(2026, 1, 14, 9, 17) + 23;
    assert_eq!(c.next_opening(t), t);
}

#[test]
fn next_opening_after_hours_and_over_the_weekend() {
    let c = Config::default();
    let cases = [
        // Wednesday evening → Thursday 08:00 CET.
        (utc(2026, 1, 14, 19, 30) + 17, utc(2026, 1, 15, 7, 0)),
        // Early Thursday → the same morning.
        (utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 7, 0)),
        // Friday 17:00 sharp → Monday 08:00.
        (utc(2026, 1, 16, 16, 0), utc(2026, 1, 19, 7, 0)),
        // Saturday → Monday.
        (utc(2026, 1, 17, 11, 0), utc(2026, 1, 19, 7, 0)),
        // Sunday 23:59 local → Monday 08:00.
        (utc(2026, 1, 18, 22, 59), utc(2026, 1, 19, 7, 0)),
        // Summer: Saturday → Monday 08:00 CEST.
        (utc(2026, 7, 18, 12, 0), utc(2026, 7, 20, 6, 0)),
    ];
    for (from, expected) in cases {
        let got = c.next_opening(from);
        assert_eq!(got, expected, "from {from}: got {got}, expected {expected}");
        assert!(c.is_office_hours(got));
        assert!(
            !c.is_office_hours(got - 60),
            "opening is the first open minute"
        );
    }
}

#[test]
fn the_clock_switches_on_the_eu_dates() {
    let h = amsterdam("mon-fri 08:00-17:00");
    // 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC.
    for (t, offset) in [
        (utc(2026, 3, 29, 0, 59), 60),
        (utc(2026, 3, 29, 1, 0), 120),
        (utc(2026, 10, 25, 0, 59), 120),
        (utc(2026, 10, 25, 1, 0), 60),
        (utc(2025, 3, 30, 1, 0), 120),
        (utc(2025, 3, 30, 0, 59), 60),
    ] {
        assert_eq!(h.local(t).utc_offset_minutes, offset, "at {t}");
    }
    // 01:59 CET is followed by 03:00 CEST.
    let before = h.local(utc(2026, 3, 29, 0, 59));
    let after = h.local(utc(2026, 3, 29, 1, 0));
    assert_eq!((before.hour, before.minute), (1, 59));
    assert_eq!((after.hour, after.minute), (3, 0));
    assert_eq!(after.weekday, Weekday::Sun);
    assert_eq!((after.year, after.month, after.day), (2026, 3, 29));
}

#[test]
fn office_hours_across_the_spring_switch() {
    let c = Config::default();
    // Friday 27 March 2026 (CET): 08:00 local = 07:00 UTC.
    assert!(c.is_office_hours(utc(2026, 3, 27, 7, 0)));
    assert!(!c.is_office_hours(utc(2026, 3, 27, 6, 30)));
    // Friday evening → Monday 30 March 08:00 CEST = 06:00 UTC (an hour earlier in UTC).
    assert_eq!(
        c.next_opening(utc(2026, 3, 27, 17, 0)),
        utc(2026, 3, 30, 6, 0)
    );
    assert!(c.is_office_hours(utc(2026, 3, 30, 6, 0)));
    assert!(!c.is_office_hours(utc(2026, 3, 30, 15, 0)), "17:00 CEST");
}

#[test]
fn office_hours_across_the_autumn_switch() {
    let c = Config::default();
    // Friday 23 October 2026 (CEST): 16:59 local = 14:59 UTC open, 17:00 = 15:00 UTC closed.
    assert!(c.is_office_hours(utc(2026, 10, 23, 14, 59)));
    assert!(!c.is_office_hours(utc(2026, 10, 23, 15, 0)));
    // → Monday 26 October 08:00 CET = 07:00 UTC.
    assert_eq!(
        c.next_opening(utc(2026, 10, 23, 15, 0)),
        utc(2026, 10, 26, 7, 0)
    );
}

#[test]
fn an_opening_in_the_skipped_hour_waits_a_week_and_one_in_the_repeated_hour_opens_first_time_round()
{
    let h = amsterdam("sun 02:30-02:45");
    // 29 March 2026 has no 02:30 local: the next one is 5 April (CEST, 00:30 UTC).
    assert_eq!(
        h.next_opening(utc(2026, 3, 28, 12, 0)),
        utc(2026, 4, 5, 0, 30)
    );
    // 25 October 2026 has 02:30 twice: first in CEST (00:30 UTC), again in CET (01:30 UTC).
    assert_eq!(
        h.next_opening(utc(2026, 10, 24, 12, 0)),
        utc(2026, 10, 25, 0, 30)
    );
    assert!(h.is_open(utc(2026, 10, 25, 1, 35)));
    assert!(!h.is_open(utc(2026, 10, 25, 0, 50)));
}

#[test]
fn several_spans_dutch_day_names_and_wrapping_ranges() {
    let h = amsterdam("ma-vr 08:00-12:00; ma-vr 13:00-17:00, za 10:00-12:00");
    let wed = |h_: i64, m: i64| utc(2026, 1, 14, h_ - 1, m); // CET local time
    assert!(h.is_open(wed(11, 59)));
    assert!(!h.is_open(wed(12, 30)), "lunch");
    assert_eq!(h.next_opening(wed(12, 30)), wed(13, 0));
    assert!(h.is_open(utc(2026, 1, 17, 9, 0)), "Saturday 10:00");
    assert!(!h.is_open(utc(2026, 1, 18, 9, 0)), "Sunday 10:00");

    let wrap = amsterdam("fri-mon 10:00-11:00");
    for (day, open) in [
        (15, false),
        (16, true),
        (17, true),
        (18, true),
        (19, true),
        (20, false),
    ] {
        assert_eq!(
            wrap.is_open(utc(2026, 1, day, 9, 30)),
            open,
            "January {day}"
        );
    }
    let late = amsterdam("sat 22:00-24:00");
    assert!(late.is_open(utc(2026, 1, 17, 22, 59)), "Saturday 23:59");
    assert!(!late.is_open(utc(2026, 1, 17, 23, 0)), "Sunday 00:00");
}

#[test]
fn a_fixed_offset_has_no_switches() {
    let h = OfficeHours::parse("mon-fri 08:00-17:00", TimeZone::parse("UTC").unwrap()).unwrap();
    assert!(h.is_open(utc(2026, 7, 15, 8, 0)));
    assert!(!h.is_open(utc(2026, 7, 15, 7, 59)));
    assert!(h.is_open(utc(2026, 1, 14, 8, 0)));
    let plus_one = OfficeHours::parse("mon-fri 08:00-17:00", TimeZone::Fixed(60)).unwrap();
    assert!(plus_one.is_open(utc(2026, 7, 15, 7, 0)), "no summer time");
}
