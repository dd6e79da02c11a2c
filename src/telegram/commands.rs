//! Commands (`/start`, `/help`, `/onderwerpen`, `/taal`) and button callback data.
//!
//! Pure parsing, so every accepted spelling is a unit test. Parsed by hand rather than with
//! teloxide's `BotCommands` derive: a deep link (`/start abc`) or an argument on a command that
//! takes none must still be that command, not a free-text question.

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
pub const MENU_NL: &[(&str, &str)] = &[
    ("start", "tg_cmd_start"),
    ("onderwerpen", "tg_cmd_topics"),
    ("taal", "tg_cmd_lang"),
    ("help", "tg_cmd_help"),
];
pub const MENU_EN: &[(&str, &str)] = &[
    ("start", "tg_cmd_start"),
    ("topics", "tg_cmd_topics"),
    ("language", "tg_cmd_lang"),
    ("help", "tg_cmd_help"),
];

/// Parses a message text as a command. `None` when the text is not a command, or is a
/// command addressed to another bot (`/start@OtherBot`). `bot_username` is ours, without `@`.
pub fn parse(text: &str, bot_username: &str) -> Option<Command> {
    let rest = text.trim_start().strip_prefix('/')?;
    let (word, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match word.split_once('@') {
        Some((name, to)) => (name, Some(to)),
        None => (word, None),
    };
    if let Some(to) = addressee
        && !to.eq_ignore_ascii_case(bot_username)
    {
        return None;
    }
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
        }
    }

    /// `None` for data this version does not know (e.g. a button from an older release).
    pub fn decode(data: &str) -> Option<Callback> {
        match data.split_once(':') {
            Some(("t", id)) if !id.is_empty() => Some(Callback::Topic(id.to_string())),
            Some(("l", code)) => parse_lang(code).map(Callback::Lang),
            None if data == "h" => Some(Callback::Human),
            None if data == "m" => Some(Callback::Menu),
            _ => None,
        }
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
        ] {
            let data = cb.encode();
            assert!(data.len() <= CALLBACK_DATA_MAX);
            assert_eq!(Callback::decode(&data), Some(cb));
        }
    }

    #[test]
    fn unknown_callback_data_is_none() {
        for data in ["", "t:", "x:1", "l:fr", "hh", "garbage"] {
            assert_eq!(Callback::decode(data), None, "{data}");
        }
    }
}
