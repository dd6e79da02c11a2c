//! Commands (`/start`, `/help`, `/onderwerpen`, `/taal`) and button callback data.
//!
//! Pure parsing, so every accepted spelling is a unit test. Parsed by hand rather than with
//! teloxide's `BotCommands` derive: a deep link (`/start abc`) or an argument on a command that
//! takes none must still be that command, not a free-text question.

use super::texts::Tg;
use crate::text::Lang;

/// A command the bot understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    Topics,
    /// `/taal` with an optional language argument (`/taal en`).
    Lang(Option<Lang>),
    /// Some other `/word`: answered with the help text.
    Unknown,
}

/// The command menus registered with `setMyCommands`: (command, `texts` key of its
/// description). Dutch names for Dutch (and the default menu), English names for English;
/// both spellings are accepted from anyone.
pub const MENU_NL: &[(&str, Tg)] = &[
    ("start", Tg::CmdStart),
    ("onderwerpen", Tg::CmdTopics),
    ("taal", Tg::CmdLang),
    ("help", Tg::CmdHelp),
];
pub const MENU_EN: &[(&str, Tg)] = &[
    ("start", Tg::CmdStart),
    ("topics", Tg::CmdTopics),
    ("language", Tg::CmdLang),
    ("help", Tg::CmdHelp),
];

/// A command's name and arguments: `/name@bot args`. `None` when the text is not a command
/// or is addressed to another bot.
fn split_command<'a>(text: &'a str, bot_username: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.trim_start().strip_prefix('/')?;
    let (word, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match word.split_once('@') {
        Some((name, to)) => (name, Some(to)),
        None => (word, None),
    };
    match addressee {
        Some(to) if !to.eq_ignore_ascii_case(bot_username) => None,
        _ => Some((name, args)),
    }
}

/// Parses a message text as a command. `None` when the text is not a command, or is a
/// command addressed to another bot (`/start@OtherBot`). `bot_username` is ours, without `@`.
pub fn parse(text: &str, bot_username: &str) -> Option<Command> {
    let (name, args) = split_command(text, bot_username)?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start,
        "help" | "hulp" => Command::Help,
        "onderwerpen" | "topics" | "menu" => Command::Topics,
        "taal" | "language" | "lang" => Command::Lang(parse_lang(args)),
        _ => Command::Unknown,
    })
}

/// A language named by a patient (`nl`, `Nederlands`, `en`, `English`, …).
pub fn parse_lang(word: &str) -> Option<Lang> {
    match word.trim().to_lowercase().as_str() {
        "nl" | "nederlands" | "dutch" | "ned" | "vlaams" => Some(Lang::Nl),
        "en" | "english" | "engels" | "eng" => Some(Lang::En),
        _ => None,
    }
}

/// What an inline button means. Encoded in its callback data (at most 64 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// `t:<id>`: answer this topic.
    Topic(String),
    /// `l:nl` / `l:en`: reply in this language from now on.
    Lang(Lang),
    /// `h`: "none of these" / wants a person.
    Human,
    /// `m`: show the topic menu.
    Menu,
    /// `e:y` / `e:n`: the patient confirms (or declines) sending their question to staff.
    Escalate(bool),
    /// `k:<n>`: a staff member takes ticket n (triage group).
    Take(i64),
    /// `c:<n>`: a staff member closes ticket n (triage group).
    Close(i64),
    /// `f:<question id>:1` / `:0`: the patient found an answer helpful (👍) or not (👎).
    Feedback(i64, bool),
}

/// Telegram's limit on callback data.
pub const CALLBACK_DATA_MAX: usize = 64;

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Callback::Topic(id) => format!("t:{id}"),
            Callback::Lang(lang) => format!("l:{}", lang.code()),
            Callback::Human => "h".to_string(),
            Callback::Menu => "m".to_string(),
            Callback::Escalate(yes) => format!("e:{}", if *yes { "y" } else { "n" }),
            Callback::Take(n) => format!("k:{n}"),
            Callback::Close(n) => format!("c:{n}"),
            Callback::Feedback(id, helpful) => format!("f:{id}:{}", u8::from(*helpful)),
        }
    }

    /// `None` for data this version does not know (e.g. a button from an older release).
    pub fn decode(data: &str) -> Option<Callback> {
        match data.split_once(':') {
            Some(("t", id)) if !id.is_empty() => Some(Callback::Topic(id.to_string())),
            Some(("l", code)) => parse_lang(code).map(Callback::Lang),
            Some(("e", "y")) => Some(Callback::Escalate(true)),
            Some(("e", "n")) => Some(Callback::Escalate(false)),
            Some(("k", n)) => ticket_number(n).map(Callback::Take),
            Some(("c", n)) => ticket_number(n).map(Callback::Close),
            Some(("f", rest)) => match rest.split_once(':') {
                Some((id, "1")) => ticket_number(id).map(|id| Callback::Feedback(id, true)),
                Some((id, "0")) => ticket_number(id).map(|id| Callback::Feedback(id, false)),
                _ => None,
            },
            None if data == "h" => Some(Callback::Human),
            None if data == "m" => Some(Callback::Menu),
            _ => None,
        }
    }
}

fn ticket_number(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('#');
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// A triage-desk command: only staff, only in the triage group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCommand {
    /// `/open`: tickets not closed.
    Open,
    /// `/close N` (`None`: no valid number given).
    Close(Option<i64>),
    /// `/stats`: counts.
    Stats,
    /// `/reload`: publish the FAQ folder as it is now (or hear why not).
    Reload,
}

impl StaffCommand {
    pub fn name(&self) -> &'static str {
        match self {
            StaffCommand::Open => "open",
            StaffCommand::Close(_) => "close",
            StaffCommand::Stats => "stats",
            StaffCommand::Reload => "reload",
        }
    }
}

/// Parses a staff command (`/open`, `/close 12`, `/close #12`, `/stats`, optionally
/// addressed `@ourbot`). `None` for anything else.
pub fn parse_staff(text: &str, bot_username: &str) -> Option<StaffCommand> {
    let (name, args) = split_command(text, bot_username)?;
    match name.to_ascii_lowercase().as_str() {
        "open" => Some(StaffCommand::Open),
        "close" | "sluit" => Some(StaffCommand::Close(
            args.split_whitespace().next().and_then(ticket_number),
        )),
        "stats" => Some(StaffCommand::Stats),
        "reload" | "herlaad" => Some(StaffCommand::Reload),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_table() {
        let cases: &[(&str, Option<Command>)] = &[
            ("/start", Some(Command::Start)),
            ("/START", Some(Command::Start)),
            ("/start deeplink-payload", Some(Command::Start)),
            ("/start@B12Bot", Some(Command::Start)),
            ("/start@b12bot", Some(Command::Start)),
            ("/start@OtherBot", None),
            ("/help", Some(Command::Help)),
            ("/onderwerpen", Some(Command::Topics)),
            ("/topics", Some(Command::Topics)),
            ("/taal", Some(Command::Lang(None))),
            ("/taal en", Some(Command::Lang(Some(Lang::En)))),
            ("/taal Nederlands", Some(Command::Lang(Some(Lang::Nl)))),
            ("/language english", Some(Command::Lang(Some(Lang::En)))),
            ("/taal klingon", Some(Command::Lang(None))),
            ("/foo", Some(Command::Unknown)),
            ("wat is /start", None),
            ("/", None),
            ("/ start", None),
            ("/b12-tekort?", None),
            ("1/2 tablet", None),
        ];
        for (text, expected) in cases {
            assert_eq!(&parse(text, "B12Bot"), expected, "{text}");
        }
    }

    #[test]
    fn callback_data_round_trips_and_fits() {
        for cb in [
            Callback::Topic("mma-not-standard".into()),
            Callback::Lang(Lang::Nl),
            Callback::Lang(Lang::En),
            Callback::Human,
            Callback::Menu,
            Callback::Escalate(true),
            Callback::Escalate(false),
            Callback::Take(12),
            Callback::Close(9_999_999_999),
            Callback::Feedback(7, true),
            Callback::Feedback(9_999_999_999, false),
        ] {
            let data = cb.encode();
            assert!(data.len() <= CALLBACK_DATA_MAX);
            assert_eq!(Callback::decode(&data), Some(cb));
        }
    }

    #[test]
    fn unknown_callback_data_is_none() {
        for data in [
            "", "t:", "x:1", "l:fr", "hh", "garbage", "e:x", "k:", "k:-1", "c:abc", "f:", "f:1",
            "f:1:2", "f::1",
        ] {
            assert_eq!(Callback::decode(data), None, "{data}");
        }
    }

    #[test]
    fn staff_commands_table() {
        let cases: &[(&str, Option<StaffCommand>)] = &[
            ("/open", Some(StaffCommand::Open)),
            ("/open@B12Bot", Some(StaffCommand::Open)),
            ("/open@OtherBot", None),
            ("/close 12", Some(StaffCommand::Close(Some(12)))),
            ("/close #12", Some(StaffCommand::Close(Some(12)))),
            ("/close", Some(StaffCommand::Close(None))),
            ("/close twelve", Some(StaffCommand::Close(None))),
            ("/stats", Some(StaffCommand::Stats)),
            ("/reload", Some(StaffCommand::Reload)),
            ("/reload@B12Bot", Some(StaffCommand::Reload)),
            ("/reload@OtherBot", None),
            ("/start", None),
            ("open", None),
        ];
        for (text, expected) in cases {
            assert_eq!(&parse_staff(text, "B12Bot"), expected, "{text}");
        }
    }
}
