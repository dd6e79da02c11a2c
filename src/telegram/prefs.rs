//! Per-chat language memory: the `/taal` choice and the language of the last reply.
//!
//! In memory only (lost on restart; the store issue may persist it). Holds no text, names
//! or usernames: a chat id and two languages.

use crate::text::Lang;
use std::collections::HashMap;
use std::sync::Mutex;
use teloxide::types::ChatId;

#[derive(Debug, Clone, Copy, Default)]
struct Pref {
    chosen: Option<Lang>,
    last: Option<Lang>,
}

/// Language choices of the chats the bot talks with.
#[derive(Debug, Default)]
pub struct ChatLangs {
    map: Mutex<HashMap<ChatId, Pref>>,
}

impl ChatLangs {
    pub fn new() -> ChatLangs {
        ChatLangs::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<ChatId, Pref>) -> T) -> T {
        // A panic while holding the lock cannot leave a Pref half-written; keep serving.
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut map)
    }

    /// The chat's `/taal` choice.
    pub fn chosen(&self, chat: ChatId) -> Option<Lang> {
        self.with(|m| m.get(&chat).and_then(|p| p.chosen))
    }

    pub fn choose(&self, chat: ChatId, lang: Lang) {
        self.with(|m| {
            let p = m.entry(chat).or_default();
            p.chosen = Some(lang);
            p.last = Some(lang);
        })
    }

    /// Remembers the language the bot last replied in.
    pub fn replied_in(&self, chat: ChatId, lang: Lang) {
        self.with(|m| m.entry(chat).or_default().last = Some(lang))
    }

    /// The hint for reading a free-text message (the text's own language wins in the engine):
    /// the `/taal` choice, then the language of the conversation so far, then Telegram's
    /// `language_code`.
    pub fn hint_for_text(&self, chat: ChatId, language_code: Option<&str>) -> Option<Lang> {
        let (chosen, last) = self.with(|m| {
            let p = m.get(&chat).copied().unwrap_or_default();
            (p.chosen, p.last)
        });
        chosen
            .or(last)
            .or_else(|| from_language_code(language_code))
    }

    /// The language for a reply that has no text to read (a command, a button tap): the
    /// conversation's language (which is what the tapped buttons were written in), then the
    /// `/taal` choice, then Telegram's `language_code`, then Dutch.
    pub fn lang_without_text(&self, chat: ChatId, language_code: Option<&str>) -> Lang {
        let (chosen, last) = self.with(|m| {
            let p = m.get(&chat).copied().unwrap_or_default();
            (p.chosen, p.last)
        });
        last.or(chosen)
            .or_else(|| from_language_code(language_code))
            .unwrap_or(Lang::Nl)
    }
}

/// Telegram's `language_code` (IETF tag such as `nl`, `nl-BE`, `en-GB`): Dutch and Flemish
/// are Dutch; English is English; anything else gives no hint.
pub fn from_language_code(code: Option<&str>) -> Option<Lang> {
    let code = code?.to_ascii_lowercase();
    let primary = code.split(['-', '_']).next().unwrap_or("");
    match primary {
        "nl" | "vls" => Some(Lang::Nl),
        "en" => Some(Lang::En),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes() {
        assert_eq!(from_language_code(Some("nl")), Some(Lang::Nl));
        assert_eq!(from_language_code(Some("nl-BE")), Some(Lang::Nl));
        assert_eq!(from_language_code(Some("en-GB")), Some(Lang::En));
        assert_eq!(from_language_code(Some("de")), None);
        assert_eq!(from_language_code(None), None);
    }

    #[test]
    fn taal_choice_beats_telegram_language_code() {
        let langs = ChatLangs::new();
        let chat = ChatId(7);
        assert_eq!(langs.hint_for_text(chat, Some("en")), Some(Lang::En));
        langs.choose(chat, Lang::Nl);
        assert_eq!(langs.hint_for_text(chat, Some("en")), Some(Lang::Nl));
        assert_eq!(langs.lang_without_text(chat, Some("en")), Lang::Nl);
    }

    #[test]
    fn a_tap_follows_the_conversation_language() {
        let langs = ChatLangs::new();
        let chat = ChatId(8);
        assert_eq!(langs.lang_without_text(chat, Some("de")), Lang::Nl);
        langs.replied_in(chat, Lang::En);
        assert_eq!(langs.lang_without_text(chat, Some("nl")), Lang::En);
    }
}
