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

use crate::diagnostics;
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
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
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

/// Byte offsets to a file's line:column ([`crate::diagnostics::Lines`]).
struct Lines<'a>(diagnostics::Lines<'a>);

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines(diagnostics::Lines::new(text))
    }

    fn origin(&self, path: &Path, offset: usize) -> Origin {
        let (line, column) = self.0.position(offset);
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
                         -1001234567890 (a positive id is a person, not a group; see \
                         docs/operations.md on finding the group's id)",
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
            let hint = match diagnostics::closest(name, SETTINGS.iter().copied()) {
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
    let wrong = |expected: &str| {
        format!(
            "must be {expected}, but is {}",
            diagnostics::type_name(value)
        )
    };
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
                            diagnostics::type_name(item.get_ref())
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

// The calendar, the hospital's clock and office hours live in `time`; these names stay here
// for the settings that use them.
pub use crate::time::{LocalTime, OfficeHours, TimeZone, Weekday, days_from_civil};
