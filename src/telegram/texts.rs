//! The Telegram door's own fixed texts (keys prefixed `tg_`).
//!
//! Staff edit every word patients see in the FAQ's `texts.toml`; these keys belong there.
//! Until a FAQ folder defines one, the built-in wording below is used, so the bot never sends
//! an empty message.

use super::AnswerEngine;
use crate::text::Lang;

/// Every `tg_` key with its built-in Dutch and English wording.
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("tg_topics", "Kies een onderwerp:", "Choose a topic:"),
    (
        "tg_lang_choose",
        "In welke taal wilt u antwoord? / Which language would you like?",
        "Which language would you like? / In welke taal wilt u antwoord?",
    ),
    (
        "tg_lang_set",
        "Ik antwoord voortaan in het Nederlands.",
        "From now on I will answer in English.",
    ),
    (
        "tg_text_only",
        "Ik kan alleen tekstberichten lezen, geen foto's, spraakberichten, stickers, bestanden \
         of locaties. Typ uw vraag in een bericht. Gaat het om een uitslag? Typ dan het getal \
         met de eenheid over, bijvoorbeeld: B12 180 pmol/L.",
        "I can only read text messages, not photos, voice notes, stickers, files or locations. \
         Please type your question in a message. Is it about a lab result? Then type the number \
         with its unit, for example: B12 180 pmol/L.",
    ),
    (
        "tg_stale_button",
        "Deze knop werkt niet meer. Kies opnieuw via /onderwerpen.",
        "This button no longer works. Please choose again via /topics.",
    ),
    (
        "tg_human",
        "Via deze Telegram-chat kan ik u nog niet doorverbinden met een medewerker. U kunt \
         Ziekenhuis Gelderse Vallei zelf bereiken via het vragenformulier op de website van het \
         ziekenhuis.\n\n\
         Voor medische vragen over uw eigen situatie neemt u contact op met uw huisarts. \
         Bij levensgevaar belt u direct 112.",
        "I cannot put you through to a staff member in this Telegram chat yet. You can reach \
         Ziekenhuis Gelderse Vallei yourself via the question form on the hospital's website.\n\n\
         For medical questions about your own situation, please contact your GP (huisarts). \
         In a life-threatening emergency, call 112 straight away.",
    ),
    ("tg_none_of_these", "Geen van deze", "None of these"),
    ("tg_all_topics", "Alle onderwerpen", "All topics"),
    (
        "tg_error",
        "Sorry, er ging iets mis bij het beantwoorden. Probeer het nog eens, of kies een \
         onderwerp via /onderwerpen. Bij spoed belt u 112 of de huisartsenpost.",
        "Sorry, something went wrong while answering. Please try again, or choose a topic via \
         /topics. In an emergency, call 112 or the out-of-hours GP service.",
    ),
    (
        "tg_unknown_command",
        "Dat commando ken ik niet. Dit kan wel:",
        "I don't know that command. This is what I can do:",
    ),
    (
        "tg_cmd_start",
        "Welkom en onderwerpen",
        "Welcome and topics",
    ),
    ("tg_cmd_help", "Wat kan deze bot?", "What can this bot do?"),
    ("tg_cmd_topics", "Alle onderwerpen", "All topics"),
    (
        "tg_cmd_lang",
        "Taal kiezen: Nederlands of English",
        "Choose language: Dutch or English",
    ),
];

/// The text for `key` in `lang`: the FAQ's wording when it has one, else the built-in one.
pub fn text<E: AnswerEngine + ?Sized>(engine: &E, key: &str, lang: Lang) -> String {
    let from_faq = engine.text(key, lang);
    if !from_faq.trim().is_empty() {
        return from_faq.to_string();
    }
    builtin(key, lang).to_string()
}

/// The built-in wording of a `tg_` key ("" for an unknown key).
pub fn builtin(key: &str, lang: Lang) -> &'static str {
    DEFAULTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, nl, en)| match lang {
            Lang::Nl => *nl,
            Lang::En => *en,
        })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_prefixed_unique_and_filled_in_both_languages() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, nl, en) in DEFAULTS {
            assert!(key.starts_with("tg_"), "{key}");
            assert!(seen.insert(*key), "duplicate {key}");
            assert!(!nl.trim().is_empty() && !en.trim().is_empty(), "{key}");
        }
    }

    #[test]
    fn every_tg_key_the_code_uses_has_a_builtin_wording() {
        let sources = [
            include_str!("handlers.rs"),
            include_str!("isolate.rs"),
            include_str!("commands.rs"),
            include_str!("serve.rs"),
        ];
        let mut used = 0;
        for src in sources {
            for (i, _) in src.match_indices("\"tg_") {
                let key: String = src[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    !builtin(&key, Lang::Nl).is_empty(),
                    "no built-in text for {key}"
                );
                used += 1;
            }
        }
        assert!(used > 10);
    }

    #[test]
    fn command_descriptions_fit_telegram_limits() {
        for key in [
            "tg_cmd_start",
            "tg_cmd_help",
            "tg_cmd_topics",
            "tg_cmd_lang",
        ] {
            for lang in [Lang::Nl, Lang::En] {
                let d = builtin(key, lang);
                assert!((1..=256).contains(&d.chars().count()), "{key}");
            }
        }
    }
}
