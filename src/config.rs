//! The bot's configuration: a TOML file (`--config PATH`) with environment overrides.
//!
//! Every setting has a default except the triage desk's, so `b12bot serve` runs without a file:
//! without a triage chat the bot answers questions and tells patients how to reach the
//! hospital instead of escalating. `config.example.toml` shows every setting.
//!
//! | setting (file) | environment | default |
//! |---|---|---|
//! | `triage_chat_id` | `B12BOT_TRIAGE_CHAT_ID` (`none` switches it off) | none |
//! | `staff_ids` | `B12BOT_STAFF_IDS` (comma-separated) | none |
//! | `data_dir` | `B12BOT_DATA_DIR` | `data` |
//! | `office_hours` | `B12BOT_OFFICE_HOURS` | `mon-fri 08:00-17:00` |
//! | `timezone` | `B12BOT_TIMEZONE` | `Europe/Amsterdam` |
//! | `retention_days` | `B12BOT_RETENTION_DAYS` | 30 |
//! | `value_policy` | `B12BOT_VALUE_POLICY` | `explain_band` |
//! | `flood_per_minute` | `B12BOT_FLOOD_PER_MINUTE` (0 switches it off) | 15 |
//!
//! An environment variable that is set and not blank wins over the file. Every problem is
//! reported at once, each naming its setting and where it came from (`config.toml:4:18`, or
//! the environment variable), so an operator fixes them in one go.
//!
//! Office hours are computed here without a time-zone database: `Europe/Amsterdam` is CET
//! (UTC+1) with CEST (UTC+2) from the last Sunday of March to the last Sunday of October,
//! both switches at 01:00 UTC (EU Directive 2000/84/EC). [`OfficeHours`] is pure: the time
//! is always passed in.

use crate::engine::ValuePolicy;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub const ENV_TRIAGE_CHAT_ID: &str = "B12BOT_TRIAGE_CHAT_ID";
pub const ENV_STAFF_IDS: &str = "B12BOT_STAFF_IDS";
pub const ENV_DATA_DIR: &str = "B12BOT_DATA_DIR";
pub const ENV_OFFICE_HOURS: &str = "B12BOT_OFFICE_HOURS";
pub const ENV_TIMEZONE: &str = "B12BOT_TIMEZONE";
pub const ENV_RETENTION_DAYS: &str = "B12BOT_RETENTION_DAYS";
pub const ENV_VALUE_POLICY: &str = "B12BOT_VALUE_POLICY";
pub const ENV_FLOOD_PER_MINUTE: &str = "B12BOT_FLOOD_PER_MINUTE";

/// The settings of the file, in the order `config.example.toml` explains them.
pub const SETTINGS: [&str; 8] = [
    "triage_chat_id",
    "staff_ids",
    "data_dir",
    "office_hours",
    "timezone",
    "retention_days",
    "value_policy",
    "flood_per_minute",
];

const DEFAULT_OFFICE_HOURS: &str = "mon-fri 08:00-17:00";
const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Longer than any sensible retention; a larger number is a typo (days, not hours).
const MAX_RETENTION_DAYS: u32 = 3650;
/// Messages a private chat may send per minute before flood control stops answering it.
/// Below Telegram's own limit of 20 messages per chat per minute, so the answers and the
/// slow-down note all leave without waiting.
pub const DEFAULT_FLOOD_PER_MINUTE: u32 = 15;
/// Two messages a second: more than anyone types.
const MAX_FLOOD_PER_MINUTE: u32 = 120;

/// The bot's settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The triage desk's Telegram group (negative id). `None`: no escalations; the bot tells
    /// patients how to reach the hospital instead.
    pub triage_chat_id: Option<i64>,
    /// Telegram user ids of the staff allowed to reply to tickets and use staff commands
    /// (sorted, without duplicates).
    pub staff_ids: Vec<u64>,
    /// Where the database lives (relative paths are relative to the working directory).
    pub data_dir: PathBuf,
    /// When the triage desk is staffed, in the hospital's time zone.
    pub office_hours: OfficeHours,
    /// Ticket texts are deleted this many days after they were written.
    pub retention_days: u32,
    /// How far the bot goes with a reported B12 value.
    pub value_policy: ValuePolicy,
    /// Messages a private chat may send per minute; over it, one slow-down note and no
    /// answers until the minute has passed (urgent messages are always answered). 0: off.
    pub flood_per_minute: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            triage_chat_id: None,
            staff_ids: Vec::new(),
            data_dir: PathBuf::from("data"),
            office_hours: OfficeHours::parse(DEFAULT_OFFICE_HOURS, TimeZone::EuropeAmsterdam)
                .expect("the default office hours parse"),
            retention_days: DEFAULT_RETENTION_DAYS,
            value_policy: ValuePolicy::default(),
            flood_per_minute: DEFAULT_FLOOD_PER_MINUTE,
        }
    }
}

impl Config {
    /// The configuration from `path` (if given) and the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(path, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the environment passed in (tests; embedding).
    pub fn load_with(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        match path {
            None => Config::from_sources(None, env),
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    ConfigError::Invalid(vec![Problem {
                        origin: Origin::File {
                            path: path.to_path_buf(),
                            line: 1,
                            column: 1,
                        },
                        setting: None,
                        message: "the file is not UTF-8 text; save it as UTF-8".into(),
                    }])
                })?;
                Config::from_sources(Some((path, &text)), env)
            }
        }
    }

    /// The configuration from a file's text (`path` only names it in errors) and `env`.
    pub fn from_toml(
        text: &str,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        Config::from_sources(Some((path, text)), env)
    }

    fn from_sources(
        file: Option<(&Path, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut check = Check::default();
        let mut raw = Raw::default();
        if let Some((path, text)) = file {
            let lines = Lines::new(text);
            match DeTable::parse(text) {
                Err(e) => {
                    let offset = e.span().map_or(0, |s| s.start);
                    check.problems.push(Problem {
                        origin: lines.origin(path, offset),
                        setting: None,
                        message: format!("TOML syntax error: {}", e.message().trim()),
                    });
                }
                Ok(table) => read_file(path, &lines, table.get_ref(), &mut raw, &mut check),
            }
        }
        read_env(&env, &mut raw, &mut check);
        let config = check.finish(raw);
        // In file order, then the environment's, then those of combined settings.
        check.problems.sort_by_key(|p| match &p.origin {
            Origin::File { line, column, .. } => (0, *line, *column),
            Origin::Env(_) => (1, 0, 0),
            Origin::Settings => (2, 0, 0),
        });
        if check.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(check.problems))
        }
    }

    /// The database file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(crate::store::DATABASE_FILE)
    }

    /// Whether this Telegram user may reply to tickets and use staff commands.
    pub fn is_staff(&self, user_id: u64) -> bool {
        self.staff_ids.binary_search(&user_id).is_ok()
    }

    /// Whether the triage desk is staffed at this moment (unix seconds).
    pub fn is_office_hours(&self, unix_seconds: i64) -> bool {
        self.office_hours.is_open(unix_seconds)
    }

    /// When the triage desk is next staffed: `unix_seconds` itself during office hours.
    pub fn next_opening(&self, unix_seconds: i64) -> i64 {
        self.office_hours.next_opening(unix_seconds)
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Every problem found, in file order, then the environment's.
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The problems found (empty for an unreadable file).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(p) => p,
            ConfigError::Read { .. } => &[],
        }
    }
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// One invalid or missing setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub origin: Origin,
    /// The setting concerned (`None` for a syntax error).
    pub setting: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.setting {
            Some(s) => write!(f, "{}: {s}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// 1-based line and column in the config file.
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    Env(&'static str),
    /// A combination of settings (or a default).
    Settings,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Settings => write!(f, "configuration"),
        }
    }
}

/// Line starts of a file, to turn byte offsets into line:column.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    fn origin(&self, path: &Path, offset: usize) -> Origin {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let mut column = self.text[start..offset].chars().count() + 1;
        if start == 0 && offset > 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        Origin::File {
            path: path.to_path_buf(),
            line,
            column,
        }
    }
}

/// A value of one setting, not yet validated, with where it came from.
#[derive(Debug, Clone)]
enum Given {
    Int(i64),
    Str(String),
    IntList(Vec<i64>),
    /// Explicitly nothing (`B12BOT_TRIAGE_CHAT_ID=none`).
    Nothing,
}

#[derive(Debug, Default)]
struct Raw {
    values: Vec<(&'static str, Given, Origin)>,
}

impl Raw {
    /// Every value given for a setting, the file's first and the environment's last, so the
    /// last valid one wins.
    fn all<'r>(&'r self, setting: &'r str) -> impl Iterator<Item = (&'r Given, &'r Origin)> {
        self.values
            .iter()
            .filter(move |(s, _, _)| *s == setting)
            .map(|(_, g, o)| (g, o))
    }
}

#[derive(Debug, Default)]
struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn problem(&mut self, origin: &Origin, setting: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            origin: origin.clone(),
            setting: Some(setting.to_string()),
            message: message.into(),
        });
    }

    /// Validates every value given (so a broken file is reported even when the environment
    /// overrides it) and builds the configuration from the winning ones.
    fn finish(&mut self, raw: Raw) -> Config {
        let mut config = Config::default();

        let mut triage = None;
        for (given, origin) in raw.all("triage_chat_id") {
            let value = match given {
                Given::Nothing => Some(None),
                Given::Int(id) if *id < 0 => Some(Some(*id)),
                Given::Int(_) => {
                    self.problem(
                        origin,
                        "triage_chat_id",
                        "must be the triage group's chat id, a negative number like \
                         -1001234567890 (a positive id is a person, not a group; see the \
                         README on finding the group's id)",
                    );
                    None
                }
                _ => {
                    self.wrong_type(origin, "triage_chat_id", "a whole number");
                    None
                }
            };
            if let Some(v) = value {
                triage = Some((v, origin.clone()));
            }
        }

        let mut staff: Option<(Vec<u64>, Origin)> = None;
        for (given, origin) in raw.all("staff_ids") {
            match given {
                Given::IntList(ids) => {
                    let mut ok = Vec::new();
                    for &id in ids {
                        if id > 0 {
                            ok.push(id as u64);
                        } else {
                            self.problem(
                                origin,
                                "staff_ids",
                                format!(
                                    "{id} is not a Telegram user id (user ids are positive \
                                     numbers)"
                                ),
                            );
                        }
                    }
                    ok.sort_unstable();
                    ok.dedup();
                    staff = Some((ok, origin.clone()));
                }
                _ => self.wrong_type(
                    origin,
                    "staff_ids",
                    "a list of Telegram user ids, like [123456789, 987654321]",
                ),
            }
        }

        for (given, origin) in raw.all("data_dir") {
            match given {
                Given::Str(s) if !s.trim().is_empty() => config.data_dir = PathBuf::from(s),
                Given::Str(_) => self.problem(origin, "data_dir", "is empty; name a folder"),
                _ => self.wrong_type(origin, "data_dir", "a folder name in quotes"),
            }
        }

        let mut zone = TimeZone::EuropeAmsterdam;
        for (given, origin) in raw.all("timezone") {
            match given {
                Given::Str(s) => match TimeZone::parse(s) {
                    Ok(z) => zone = z,
                    Err(message) => self.problem(origin, "timezone", message),
                },
                _ => self.wrong_type(origin, "timezone", "text like \"Europe/Amsterdam\""),
            }
        }

        let mut hours_text = DEFAULT_OFFICE_HOURS.to_string();
        for (given, origin) in raw.all("office_hours") {
            match given {
                Given::Str(s) => match OfficeHours::parse(s, zone) {
                    Ok(_) => hours_text = s.clone(),
                    Err(message) => self.problem(origin, "office_hours", message),
                },
                _ => self.wrong_type(origin, "office_hours", "text like \"mon-fri 08:00-17:00\""),
            }
        }
        if let Ok(hours) = OfficeHours::parse(&hours_text, zone) {
            config.office_hours = hours;
        }

        let kept = "the number of days ticket texts are kept";
        if let Some(days) = self.number(&raw, "retention_days", 1..=MAX_RETENTION_DAYS, kept, "") {
            config.retention_days = days;
        }

        for (given, origin) in raw.all("value_policy") {
            let policy = match given {
                Given::Str(s) => match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                    "explain_band" => Some(ValuePolicy::ExplainBand),
                    "table_only" => Some(ValuePolicy::TableOnly),
                    "refer_only" => Some(ValuePolicy::ReferOnly),
                    _ => None,
                },
                _ => None,
            };
            match policy {
                Some(p) => config.value_policy = p,
                None => self.problem(
                    origin,
                    "value_policy",
                    "must be one of \"explain_band\" (say which band a reported value is in), \
                     \"table_only\" (show the table only) or \"refer_only\" (do not read values)",
                ),
            }
        }

        let per_minute = "the number of messages a chat may send per minute";
        let off = " (0 switches flood control off)";
        if let Some(n) = self.number(
            &raw,
            "flood_per_minute",
            0..=MAX_FLOOD_PER_MINUTE,
            per_minute,
            off,
        ) {
            config.flood_per_minute = n;
        }

        // The winning values, once each is known to be valid.
        if let Some((id, _)) = &triage {
            config.triage_chat_id = *id;
        }
        if let Some((ids, _)) = &staff {
            config.staff_ids = ids.clone();
        }

        if let (Some((Some(_), origin)), true) = (&triage, config.staff_ids.is_empty()) {
            let origin = staff.as_ref().map_or(origin, |(_, o)| o);
            self.problem(
                origin,
                "staff_ids",
                "no staff user ids: with a triage chat configured, name at least one staff \
                 member who may answer tickets (their Telegram user id)",
            );
        }
        config
    }

    /// The last valid value of a whole-number setting in `range`; every invalid one is a
    /// problem saying what the number is (`what`) and its range (with an optional `note`).
    fn number(
        &mut self,
        raw: &Raw,
        setting: &str,
        range: std::ops::RangeInclusive<u32>,
        what: &str,
        note: &str,
    ) -> Option<u32> {
        let mut value = None;
        for (given, origin) in raw.all(setting) {
            match given {
                Given::Int(n)
                    if (i64::from(*range.start())..=i64::from(*range.end())).contains(n) =>
                {
                    value = Some(*n as u32)
                }
                Given::Int(n) => self.problem(
                    origin,
                    setting,
                    format!(
                        "{n} is out of range; {what} must be between {} and {}{note}",
                        (*range.start()).max(1),
                        range.end()
                    ),
                ),
                _ => self.wrong_type(origin, setting, &format!("a whole number ({what})")),
            }
        }
        value
    }

    fn wrong_type(&mut self, origin: &Origin, setting: &str, expected: &str) {
        self.problem(origin, setting, format!("must be {expected}"));
    }
}

/// The setting a misspelt key most likely meant.
fn closest(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro_winkler(&name, s), *s))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, s)| s)
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn integer(value: &DeValue<'_>) -> Option<Result<i64, ()>> {
    let DeValue::Integer(i) = value else {
        return None;
    };
    Some(i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| ()))
}

fn read_file(
    path: &Path,
    lines: &Lines<'_>,
    table: &DeTable<'_>,
    raw: &mut Raw,
    check: &mut Check,
) {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let key_origin = lines.origin(path, key.span().start);
        let Some(setting) = SETTINGS.iter().copied().find(|s| *s == name) else {
            let hint = match closest(name) {
                Some(best) => format!("; did you mean \"{best}\"?"),
                None => format!("; the settings are: {}", SETTINGS.join(", ")),
            };
            check.problems.push(Problem {
                origin: key_origin,
                setting: Some(name.to_string()),
                message: format!("unknown setting{hint}"),
            });
            continue;
        };
        let origin = lines.origin(path, value.span().start);
        match read_value(setting, value) {
            Ok(given) => raw.values.push((setting, given, origin)),
            Err(message) => check.problems.push(Problem {
                origin,
                setting: Some(setting.to_string()),
                message,
            }),
        }
    }
}

/// A file value of the type its setting takes.
fn read_value(setting: &'static str, value: &Spanned<DeValue<'_>>) -> Result<Given, String> {
    let value = value.get_ref();
    let wrong = |expected: &str| format!("must be {expected}, but is {}", type_name(value));
    let too_big = || "the number is too large".to_string();
    match setting {
        "triage_chat_id" | "retention_days" | "flood_per_minute" => match integer(value) {
            Some(Ok(i)) => Ok(Given::Int(i)),
            Some(Err(())) => Err(too_big()),
            None if setting == "retention_days" => Err(wrong("a whole number of days, like 30")),
            None if setting == "flood_per_minute" => {
                Err(wrong("a whole number of messages per minute, like 15"))
            }
            None => Err(wrong("a whole number, like -1001234567890 (no quotes)")),
        },
        "staff_ids" => {
            let DeValue::Array(items) = value else {
                return Err(wrong("a list of Telegram user ids, like [123456789]"));
            };
            let mut ids = Vec::new();
            for item in items.iter() {
                match integer(item.get_ref()) {
                    Some(Ok(i)) => ids.push(i),
                    Some(Err(())) => return Err(too_big()),
                    None => {
                        return Err(format!(
                            "every entry must be a Telegram user id (a whole number, no \
                             quotes), but one is {}",
                            type_name(item.get_ref())
                        ));
                    }
                }
            }
            Ok(Given::IntList(ids))
        }
        _ => match value {
            DeValue::String(s) => Ok(Given::Str(s.to_string())),
            _ => Err(wrong("text in quotes")),
        },
    }
}

fn read_env(env: &impl Fn(&str) -> Option<String>, raw: &mut Raw, check: &mut Check) {
    let vars: [(&'static str, &'static str); 8] = [
        ("triage_chat_id", ENV_TRIAGE_CHAT_ID),
        ("staff_ids", ENV_STAFF_IDS),
        ("data_dir", ENV_DATA_DIR),
        ("office_hours", ENV_OFFICE_HOURS),
        ("timezone", ENV_TIMEZONE),
        ("retention_days", ENV_RETENTION_DAYS),
        ("value_policy", ENV_VALUE_POLICY),
        ("flood_per_minute", ENV_FLOOD_PER_MINUTE),
    ];
    for (setting, var) in vars {
        let Some(text) = env(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let text = text.trim();
        let origin = Origin::Env(var);
        let given = match setting {
            "triage_chat_id" if matches!(text.to_ascii_lowercase().as_str(), "none" | "off") => {
                Ok(Given::Nothing)
            }
            "triage_chat_id" | "retention_days" | "flood_per_minute" => text
                .parse::<i64>()
                .map(Given::Int)
                .map_err(|_| format!("\"{text}\" is not a whole number")),
            "staff_ids" => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        format!(
                            "\"{s}\" is not a Telegram user id; give the ids as numbers \
                             separated by commas, like 123456789,987654321"
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Given::IntList),
            _ => Ok(Given::Str(text.to_string())),
        };
        match given {
            Ok(g) => raw.values.push((setting, g, origin)),
            Err(message) => check.problem(&origin, setting, message),
        }
    }
}

/// The hospital's time zone: how local clock time relates to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZone {
    /// CET (UTC+1), and CEST (UTC+2) from the last Sunday of March 01:00 UTC to the last
    /// Sunday of October 01:00 UTC (the EU rule).
    EuropeAmsterdam,
    /// A fixed offset from UTC in minutes (east positive).
    Fixed(i32),
}

impl TimeZone {
    /// `Europe/Amsterdam` (also `CET`), `UTC`, or `UTC+01:00` / `UTC-05:30` / `+02:00`.
    pub fn parse(text: &str) -> Result<TimeZone, String> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if lower == "europe/amsterdam" || lower == "cet" || lower == "cet/cest" {
            return Ok(TimeZone::EuropeAmsterdam);
        }
        if lower == "utc" || lower == "z" {
            return Ok(TimeZone::Fixed(0));
        }
        let offset = lower.strip_prefix("utc").unwrap_or(&lower);
        let bad = || {
            format!(
                "unknown time zone \"{t}\"; write \"Europe/Amsterdam\" (CET/CEST, switching on \
                 the EU dates) or a fixed offset like \"UTC+01:00\""
            )
        };
        let (sign, rest) = match offset.as_bytes().first() {
            Some(b'+') => (1, &offset[1..]),
            Some(b'-') => (-1, &offset[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (Ok(h), Ok(m)) = (h.parse::<i32>(), m.parse::<i32>()) else {
            return Err(bad());
        };
        if !(0..=14).contains(&h) || !(0..60).contains(&m) {
            return Err(bad());
        }
        Ok(TimeZone::Fixed(sign * (h * 60 + m)))
    }

    /// The offset from UTC, in minutes, at this moment.
    pub fn offset_minutes(self, unix_seconds: i64) -> i32 {
        match self {
            TimeZone::Fixed(m) => m,
            TimeZone::EuropeAmsterdam => {
                let (year, _, _) = civil_from_days(unix_seconds.div_euclid(86_400));
                let starts = last_sunday(year, 3) * 86_400 + 3_600;
                let ends = last_sunday(year, 10) * 86_400 + 3_600;
                if (starts..ends).contains(&unix_seconds) {
                    120
                } else {
                    60
                }
            }
        }
    }
}

/// A moment as the hospital's clock shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub weekday: Weekday,
    pub hour: u32,
    pub minute: u32,
    /// The offset from UTC in force, in minutes.
    pub utc_offset_minutes: i32,
}

/// Days of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// English (`mon`, `monday`) or Dutch (`ma`, `maandag`) names, any case.
    fn parse(s: &str) -> Option<Weekday> {
        const NAMES: [[&str; 4]; 7] = [
            ["mon", "monday", "ma", "maandag"],
            ["tue", "tuesday", "di", "dinsdag"],
            ["wed", "wednesday", "wo", "woensdag"],
            ["thu", "thursday", "do", "donderdag"],
            ["fri", "friday", "vr", "vrijdag"],
            ["sat", "saturday", "za", "zaterdag"],
            ["sun", "sunday", "zo", "zondag"],
        ];
        let s = s.to_ascii_lowercase();
        NAMES
            .iter()
            .position(|names| names.contains(&s.as_str()))
            .map(|i| Weekday::ALL[i])
    }
}

/// One weekly opening: a day and a time span on it, in local minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opening {
    day: Weekday,
    start: u32,
    end: u32,
}

/// When the triage desk is staffed: weekly openings in the hospital's time zone.
///
/// Written like `"mon-fri 08:00-17:00"`; several spans separated by commas or semicolons
/// (`"mon-thu 08:00-17:00, fri 08:00-12:30"`, or a lunch break as two spans of the same
/// days). Day names in English or Dutch (`ma-vr`); a day range may wrap (`fri-mon`); a span
/// ends after it starts (`24:00` is midnight at the end of the day).
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeHours {
    openings: Vec<Opening>,
    zone: TimeZone,
    text: String,
}

impl OfficeHours {
    pub fn parse(text: &str, zone: TimeZone) -> Result<OfficeHours, String> {
        let mut openings = Vec::new();
        for part in text.split([',', ';']).map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let example = "write them like \"mon-fri 08:00-17:00\"";
            let Some((days, times)) = part.split_once(char::is_whitespace) else {
                return Err(format!("\"{part}\" needs days and times; {example}"));
            };
            let days = parse_days(days.trim())?;
            let (start, end) = parse_span(times.trim(), example)?;
            openings.extend(days.into_iter().map(|day| Opening { day, start, end }));
        }
        if openings.is_empty() {
            return Err(
                "no opening hours given; write them like \"mon-fri 08:00-17:00\"".to_string(),
            );
        }
        Ok(OfficeHours {
            openings,
            zone,
            text: text.trim().to_string(),
        })
    }

    pub fn zone(&self) -> TimeZone {
        self.zone
    }

    /// The hospital's clock at this moment.
    pub fn local(&self, unix_seconds: i64) -> LocalTime {
        let offset = self.zone.offset_minutes(unix_seconds);
        let local = unix_seconds + i64::from(offset) * 60;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            weekday: weekday(days),
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            utc_offset_minutes: offset,
        }
    }

    /// Whether the desk is staffed at this moment.
    pub fn is_open(&self, unix_seconds: i64) -> bool {
        let t = self.local(unix_seconds);
        let minute = t.hour * 60 + t.minute;
        self.openings
            .iter()
            .any(|o| o.day == t.weekday && o.start <= minute && minute < o.end)
    }

    /// The first moment at or after `unix_seconds` when the desk is staffed (the moment
    /// itself during office hours).
    ///
    /// Walks forward minute by minute (at most two weeks, microseconds of work): openings
    /// begin on whole local minutes and offsets are whole minutes, so whether the desk is open
    /// can only change on a whole UTC minute. Walking real time, not clock time, makes the
    /// DST switches come out right without special cases: an opening inside the skipped
    /// spring hour does not happen that day, and one inside the repeated autumn hour opens
    /// the first time round.
    pub fn next_opening(&self, unix_seconds: i64) -> i64 {
        if self.is_open(unix_seconds) {
            return unix_seconds;
        }
        let mut t = unix_seconds.div_euclid(60) * 60 + 60;
        // Every opening is at least a minute long and recurs weekly; only one in the skipped
        // spring hour misses a week, so two weeks always find one.
        let limit = unix_seconds + 15 * 86_400;
        while t < limit {
            if self.is_open(t) {
                return t;
            }
            t += 60;
        }
        unreachable!("office hours without any opening were rejected by OfficeHours::parse")
    }
}

impl fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_days(text: &str) -> Result<Vec<Weekday>, String> {
    let day = |s: &str| {
        Weekday::parse(s.trim()).ok_or_else(|| {
            format!(
                "unknown day \"{}\"; use mon tue wed thu fri sat sun (or ma di wo do vr za zo)",
                s.trim()
            )
        })
    };
    match text.split_once('-') {
        None => Ok(vec![day(text)?]),
        Some((a, b)) => {
            let (a, b) = (day(a)?.index(), day(b)?.index());
            let len = (b + 7 - a) % 7 + 1;
            Ok((0..len).map(|i| Weekday::ALL[(a + i) % 7]).collect())
        }
    }
}

fn parse_span(text: &str, example: &str) -> Result<(u32, u32), String> {
    let Some((a, b)) = text.split_once('-') else {
        return Err(format!("\"{text}\" is not a time span; {example}"));
    };
    let time = |s: &str| -> Result<u32, String> {
        let s = s.trim();
        let bad = || format!("\"{s}\" is not a time like 08:00");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return Err(bad());
        }
        let (h, m) = (
            h.parse::<u32>().map_err(|_| bad())?,
            m.parse::<u32>().map_err(|_| bad())?,
        );
        if m >= 60 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        Ok(h * 60 + m)
    };
    let (start, end) = (time(a)?, time(b)?);
    if end <= start {
        return Err(format!(
            "\"{text}\" ends before it starts; a span cannot cross midnight (split it into two, \
             e.g. \"fri 22:00-24:00, sat 00:00-06:00\")"
        ));
    }
    Ok((start, end))
}

fn weekday(days_since_epoch: i64) -> Weekday {
    // 1970-01-01 was a Thursday.
    Weekday::ALL[(days_since_epoch + 3).rem_euclid(7) as usize]
}

/// Days since 1970-01-01 of a date (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number of the last Sunday of a 31-day month (March, October).
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    // Monday is 0 and Sunday 6: a Monday is one day after Sunday, a Sunday zero.
    last - (weekday(last).index() as i64 + 1) % 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn last_sundays_match_the_published_eu_dates() {
        // Summer time 2024: 31 March – 27 October; 2025: 30 March – 26 October;
        // 2026: 29 March – 25 October.
        for (year, march, october) in [(2024, 31, 27), (2025, 30, 26), (2026, 29, 25)] {
            assert_eq!(last_sunday(year, 3), days_from_civil(year, 3, march));
            assert_eq!(last_sunday(year, 10), days_from_civil(year, 10, october));
        }
    }

    #[test]
    fn weekday_of_known_dates() {
        assert_eq!(weekday(0), Weekday::Thu);
        assert_eq!(weekday(days_from_civil(2026, 11, 25)), Weekday::Wed);
    }

    #[test]
    fn day_ranges_wrap() {
        assert_eq!(
            parse_days("fri-mon").unwrap(),
            vec![Weekday::Fri, Weekday::Sat, Weekday::Sun, Weekday::Mon]
        );
        assert_eq!(parse_days("ma-vr").unwrap().len(), 5);
        assert_eq!(parse_days("sun").unwrap(), vec![Weekday::Sun]);
    }

    #[test]
    fn time_zone_offsets_parse() {
        assert_eq!(TimeZone::parse("UTC+01:00"), Ok(TimeZone::Fixed(60)));
        assert_eq!(TimeZone::parse("-05:30"), Ok(TimeZone::Fixed(-330)));
        assert_eq!(TimeZone::parse("utc"), Ok(TimeZone::Fixed(0)));
        assert_eq!(
            TimeZone::parse("europe/amsterdam"),
            Ok(TimeZone::EuropeAmsterdam)
        );
        assert!(TimeZone::parse("Europe/London").is_err());
        assert!(TimeZone::parse("UTC+25:00").is_err());
    }
}
