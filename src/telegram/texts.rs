//! The Telegram door's own fixed texts (keys prefixed `tg_`), as typed keys ([`Tg`]).
//!
//! One copy of every text: `faq/texts.toml` is the source. Staff edit the wording there; the
//! binary embeds the shipped file ([`SHIPPED`]) and falls back to its wording for a key the
//! served folder lacks, so the bot never sends an empty message. `b12bot check` reports a
//! key missing from an edited file as an error ([`missing`]), so the fallback is never a
//! silent one.

use crate::faq::LoadError;
use crate::handle::AnswerEngine;
use crate::text::Lang;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The shipped `faq/texts.toml`, compiled in.
pub const SHIPPED: &str = include_str!("../../faq/texts.toml");

macro_rules! keys {
    ($($name:ident = $key:literal,)*) => {
        /// A text of the Telegram door: one table `[tg_…]` in `texts.toml`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Tg {
            $($name,)*
        }

        impl Tg {
            /// Every key, in the order of the shipped file's sections.
            pub const ALL: &[Tg] = &[$(Tg::$name,)*];

            /// The table name in `texts.toml`.
            pub fn key(self) -> &'static str {
                match self {
                    $(Tg::$name => $key,)*
                }
            }
        }
    };
}

keys! {
    Topics = "tg_topics",
    LangChoose = "tg_lang_choose",
    LangSet = "tg_lang_set",
    TextOnly = "tg_text_only",
    StaleButton = "tg_stale_button",
    Human = "tg_human",
    Flood = "tg_flood",
    NoneOfThese = "tg_none_of_these",
    FeedbackThanks = "tg_feedback_thanks",
    AllTopics = "tg_all_topics",
    Error = "tg_error",
    UnknownCommand = "tg_unknown_command",
    CmdStart = "tg_cmd_start",
    CmdHelp = "tg_cmd_help",
    CmdTopics = "tg_cmd_topics",
    CmdLang = "tg_cmd_lang",
    AskStaff = "tg_ask_staff",
    EscalateOffer = "tg_escalate_offer",
    EscalateNoQuestion = "tg_escalate_no_question",
    EscalateYes = "tg_escalate_yes",
    EscalateNo = "tg_escalate_no",
    EscalateCancelled = "tg_escalate_cancelled",
    TicketOpened = "tg_ticket_opened",
    EscalateExpired = "tg_escalate_expired",
    TicketFailed = "tg_ticket_failed",
    TicketOutOfHours = "tg_ticket_out_of_hours",
    FollowupAdded = "tg_followup_added",
    FollowupAddedUrgent = "tg_followup_added_urgent",
    UrgentRaised = "tg_urgent_raised",
    UrgentRaisedSuicide = "tg_urgent_raised_suicide",
    StaffNote = "tg_staff_note",
    TicketClosedPatient = "tg_ticket_closed_patient",
    TicketClosedUrgent = "tg_ticket_closed_urgent",
    DeskNew = "tg_desk_new",
    DeskUrgent = "tg_desk_urgent",
    DeskUrgentSuicide = "tg_desk_urgent_suicide",
    DeskLang = "tg_desk_lang",
    DeskOutOfHours = "tg_desk_out_of_hours",
    DeskQuestions = "tg_desk_questions",
    DeskBotAnswered = "tg_desk_bot_answered",
    DeskHow = "tg_desk_how",
    DeskTake = "tg_desk_take",
    DeskClose = "tg_desk_close",
    DeskFollowup = "tg_desk_followup",
    DeskTaken = "tg_desk_taken",
    DeskClosed = "tg_desk_closed",
    DeskNotRelayed = "tg_desk_not_relayed",
    DeskUnplaced = "tg_desk_unplaced",
    DeskAskedPerson = "tg_desk_asked_person",
    DeskRefused = "tg_desk_refused",
    DeskNoOpen = "tg_desk_no_open",
    DeskReloadPublished = "tg_desk_reload_published",
    DeskReloadRefused = "tg_desk_reload_refused",
    DeskReloadUnavailable = "tg_desk_reload_unavailable",
    DeskOpenHeader = "tg_desk_open_header",
    DeskStats = "tg_desk_stats",
    DeskCloseUsage = "tg_desk_close_usage",
    DeskNoSuch = "tg_desk_no_such",
    DeskRelayFailed = "tg_desk_relay_failed",
}

/// The text for `key` in `lang`: the FAQ's wording when it has one, else the shipped one.
pub fn text(engine: &dyn AnswerEngine, key: Tg, lang: Lang) -> String {
    let from_faq = engine.text(key.key(), lang);
    if !from_faq.trim().is_empty() {
        return from_faq.to_string();
    }
    builtin(key, lang).to_string()
}

/// The shipped wording of a key ([`SHIPPED`]).
pub fn builtin(key: Tg, lang: Lang) -> &'static str {
    shipped()
        .get(key.key())
        .and_then(|t| t.get(lang.code()))
        .map_or("", String::as_str)
}

/// The shipped file's tables: name → language code → text.
fn shipped() -> &'static BTreeMap<String, BTreeMap<String, String>> {
    static TEXTS: OnceLock<BTreeMap<String, BTreeMap<String, String>>> = OnceLock::new();
    TEXTS.get_or_init(|| toml::from_str(SHIPPED).expect("the shipped texts.toml parses"))
}

/// The door's texts that an edited `texts.toml` (of `text`, read from `path`) lacks, each as
/// an error at the file's end (where a table is added), naming the shipped wording to copy.
pub fn missing(path: &Path, text: &str) -> Vec<LoadError> {
    let Ok(tables) = toml::from_str::<toml::Table>(text) else {
        return Vec::new(); // a syntax error is the FAQ check's to report
    };
    let lines = crate::diagnostics::Lines::new(text);
    let (line, column) = lines.position(text.trim_end().len());
    Tg::ALL
        .iter()
        .filter(|k| {
            [Lang::Nl, Lang::En].iter().any(|lang| {
                tables
                    .get(k.key())
                    .and_then(|t| t.get(lang.code()))
                    .and_then(toml::Value::as_str)
                    .is_none_or(|s| s.trim().is_empty())
            })
        })
        .map(|k| LoadError {
            file: path.to_path_buf(),
            line,
            column,
            field: Some(k.key().to_string()),
            message: format!(
                "the Telegram text \"{key}\" is missing (in nl or en); add the table [{key}] \
                 with nl and en (the shipped file has: nl = {nl:?})",
                key = k.key(),
                nl = builtin(*k, Lang::Nl),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_in_the_shipped_file_in_both_languages_and_every_tg_table_is_a_key() {
        let mut seen = std::collections::BTreeSet::new();
        for key in Tg::ALL {
            assert!(key.key().starts_with("tg_"), "{key:?}");
            assert!(seen.insert(key.key()), "duplicate {key:?}");
            for lang in [Lang::Nl, Lang::En] {
                assert!(!builtin(*key, lang).trim().is_empty(), "{key:?} {lang:?}");
            }
        }
        for table in shipped().keys().filter(|k| k.starts_with("tg_")) {
            assert!(seen.contains(table.as_str()), "{table} is not a Tg key");
        }
    }

    #[test]
    fn the_shipped_file_lacks_nothing_and_a_missing_key_is_placed() {
        assert!(missing(Path::new("faq/texts.toml"), SHIPPED).is_empty());
        let edited = SHIPPED.replace("[tg_topics]", "[tg_topics_old]");
        let errors = missing(Path::new("faq/texts.toml"), &edited);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field.as_deref(), Some("tg_topics"));
        assert!(errors[0].line > 1);
        assert!(
            errors[0].to_string().starts_with("faq/texts.toml:"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn command_descriptions_fit_telegram_limits() {
        for key in [Tg::CmdStart, Tg::CmdHelp, Tg::CmdTopics, Tg::CmdLang] {
            for lang in [Lang::Nl, Lang::En] {
                let d = builtin(key, lang);
                assert!((1..=256).contains(&d.chars().count()), "{key:?}");
            }
        }
    }
}
