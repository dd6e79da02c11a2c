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
        "In deze chat kan ik u niet met een medewerker laten praten. U kunt Ziekenhuis Gelderse Vallei zelf bereiken. Vul daarvoor het vragenformulier in op de website van het ziekenhuis.\n\nHeeft u medische vragen over uw eigen situatie? Ga dan naar uw huisarts. Bij levensgevaar belt u direct 112.",
        "I cannot put you through to a staff member in this chat. You can reach Ziekenhuis Gelderse Vallei yourself. Please fill in the question form on the hospital's website.\n\nFor medical questions about your own situation, please see your GP (huisarts). If a life is in danger, call 112 straight away.",
    ),
    (
        "tg_flood",
        "U stuurt veel berichten kort na elkaar. Over een minuut antwoord ik weer. Wacht u tot die tijd even? Kan het niet wachten? Bel dan uw huisarts. Buiten kantoortijden belt u de huisartsenpost. Bij levensgevaar belt u direct 112. Denkt u aan zelfdoding? Bel dan 113 of 0800-0113, of chat via 113.nl.",
        "You are sending many messages in a short time. I will answer again in a minute, so please wait until then. Can it not wait? Then call your GP (huisarts). Outside office hours, call the out-of-hours GP service (huisartsenpost). If a life is in danger, call 112 straight away. Are you thinking about suicide? Then call 113 or 0800-0113, or chat at 113.nl.",
    ),
    ("tg_none_of_these", "Geen van deze", "None of these"),
    (
        "tg_feedback_thanks",
        "Dank u voor uw beoordeling.",
        "Thank you for your rating.",
    ),
    ("tg_all_topics", "Alle onderwerpen", "All topics"),
    (
        "tg_error",
        "Sorry, er ging iets mis bij het beantwoorden. Probeer het nog eens, of kies een onderwerp via /onderwerpen. Bij spoed belt u 112 of de huisartsenpost.",
        "Sorry, something went wrong. Please try again, or pick a topic via /topics. Is it urgent? Then call 112 or the out-of-hours GP service (huisartsenpost).",
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
    (
        "tg_ask_staff",
        "Vraag het een medewerker",
        "Ask a staff member",
    ),
    (
        "tg_escalate_offer",
        "Wilt u dat een medewerker van het ziekenhuis uw vraag oppakt? Dit sturen we dan door naar het team (zonder uw naam of gebruikersnaam):",
        "Would you like a member of the hospital's staff to pick up your question? Then we send this to the team (without your name or username):",
    ),
    (
        "tg_escalate_no_question",
        "Nog geen vraag. Na het doorsturen kunt u uw vraag hier typen.",
        "No question yet. After sending, you can type your question here.",
    ),
    ("tg_escalate_yes", "Ja, doorsturen", "Yes, send it"),
    ("tg_escalate_no", "Nee, liever niet", "No, thank you"),
    (
        "tg_escalate_cancelled",
        "Goed, er is niets doorgestuurd.",
        "All right, nothing was sent.",
    ),
    (
        "tg_ticket_opened",
        "Uw vraag is doorgestuurd naar een medewerker. Uw vraagnummer is {ticket}. Het antwoord komt hier in deze chat. Wilt u nog iets toevoegen? Typ het dan hier.",
        "Your question has been sent to a staff member. Your question number is {ticket}. The answer will come here in this chat. Anything to add? Just type it here.",
    ),
    (
        "tg_escalate_expired",
        "Dit verzoek is verlopen. Er is niets doorgestuurd. Stuur uw vraag opnieuw. Daarna kunt u die doorsturen naar een medewerker.\n\nHeeft u medische vragen over uw eigen situatie? Ga dan naar uw huisarts. Bij levensgevaar belt u direct 112.",
        "This request has expired. Nothing was sent. Please send your question again. Then you can pass it on to a staff member.\n\nDo you have medical questions about your own situation? Then see your GP (huisarts). If a life is in danger, call 112 straight away.",
    ),
    (
        "tg_ticket_failed",
        "Het lukt nu niet om uw vraag door te sturen naar een medewerker. Er is niets doorgestuurd. Probeer het later hier nog eens. U kunt Ziekenhuis Gelderse Vallei ook zelf bereiken, via het vragenformulier op de website van het ziekenhuis.\n\nHeeft u medische vragen over uw eigen situatie? Ga dan naar uw huisarts. Bij levensgevaar belt u direct 112.",
        "Your question could not be passed on to a staff member just now. Nothing was sent. Please try again here later. You can also reach Ziekenhuis Gelderse Vallei yourself, through the question form on the hospital's website.\n\nDo you have medical questions about your own situation? Then see your GP (huisarts). If a life is in danger, call 112 straight away.",
    ),
    (
        "tg_ticket_out_of_hours",
        "Het team is er nu niet. U kunt een antwoord verwachten vanaf {opening}. Kan het niet wachten? Bel dan uw huisarts. Buiten kantoortijden belt u de huisartsenpost. Bij levensgevaar belt u direct 112.",
        "The team is not there right now. You can expect an answer from {opening}. Can it not wait? Then call your GP (huisarts). Outside office hours, call the out-of-hours GP service (huisartsenpost). If a life is in danger, call 112 straight away.",
    ),
    (
        "tg_followup_added",
        "Toegevoegd aan uw vraag {ticket}. Een medewerker antwoordt hier.",
        "Added to your question {ticket}. A staff member will answer here.",
    ),
    (
        "tg_followup_added_urgent",
        "Toegevoegd aan uw vraag {ticket}. Een medewerker antwoordt hier. Kan het niet wachten? Bij levensgevaar belt u 112. Denkt u aan zelfdoding? Bel dan 113 of 0800-0113, of chat via 113.nl.",
        "Added to your question {ticket}. A staff member will answer here. Can it not wait? If a life is in danger, call 112. Are you thinking about suicide? Then call 113 or 0800-0113, or chat at 113.nl.",
    ),
    (
        "tg_urgent_raised",
        "Uw bericht is ook doorgestuurd naar het team van het ziekenhuis. Uw vraagnummer is {ticket}. Wacht niet op het team. Bij levensgevaar belt u 112. Is het dringend? Bel dan uw huisarts, of buiten kantoortijden de huisartsenpost.",
        "Your message has also been sent to the hospital's team. Your question number is {ticket}. Do not wait for the team. If a life is in danger, call 112. Is it urgent? Then call your GP (huisarts), or outside office hours the huisartsenpost (out-of-hours GP service).",
    ),
    (
        "tg_urgent_raised_suicide",
        "Uw bericht is ook doorgestuurd naar het team van het ziekenhuis. Uw vraagnummer is {ticket}. Wacht niet op het team. Bel nu 113 of 0800-0113, of chat via 113.nl. Dat is gratis en anoniem, dag en nacht. Bent u in direct gevaar? Bel dan 112.",
        "Your message has also been sent to the hospital's team. Your question number is {ticket}. Do not wait for the team. Call 113 or 0800-0113 now, or chat at 113.nl. It is free and anonymous, day and night. Are you in danger right now? Then call 112.",
    ),
    (
        "tg_staff_note",
        "Antwoord van een medewerker van het ziekenhuis (vraag {ticket}):",
        "Reply from a member of the hospital's staff (question {ticket}):",
    ),
    (
        "tg_ticket_closed_patient",
        "Uw vraag {ticket} is afgesloten. Heeft u een nieuwe vraag? Typ die gewoon hier.",
        "Your question {ticket} has been closed. Have a new question? Just type it here.",
    ),
    (
        "tg_ticket_closed_urgent",
        "Uw vraag {ticket} is afgesloten. Gaat het nog niet goed? Bij levensgevaar belt u 112. Denkt u aan zelfdoding? Bel dan 113 of 0800-0113, of chat via 113.nl. Met andere vragen gaat u naar uw huisarts.",
        "Your question {ticket} has been closed. Are you still not well? If a life is in danger, call 112. Are you thinking about suicide? Then call 113 or 0800-0113, or chat at 113.nl. For other questions, please see your GP (huisarts).",
    ),
    (
        "tg_desk_new",
        "Nieuwe vraag {ticket}",
        "New question {ticket}",
    ),
    (
        "tg_desk_urgent",
        "SPOED {ticket}. De patiënt kreeg direct het spoedadvies: 112 bij levensgevaar, anders de huisarts of de huisartsenpost.",
        "URGENT {ticket}. The patient got the urgent advice at once: 112 if a life is in danger, otherwise the GP or the huisartsenpost.",
    ),
    (
        "tg_desk_urgent_suicide",
        "SPOED {ticket}. De patiënt kreeg direct het advies bij gedachten aan zelfdoding. Dat is: 113 Zelfmoordpreventie bellen of chatten, en 112 bij direct gevaar.",
        "URGENT {ticket}. The patient got the advice for suicidal thoughts at once. That is: call or chat with 113 Suicide Prevention, and 112 if in danger right now.",
    ),
    ("tg_desk_lang", "Taal", "Language"),
    (
        "tg_desk_out_of_hours",
        "binnengekomen buiten kantooruren",
        "came in outside office hours",
    ),
    (
        "tg_desk_questions",
        "Vraag van de patiënt:",
        "The patient's question:",
    ),
    (
        "tg_desk_bot_answered",
        "De bot antwoordde:",
        "The bot answered:",
    ),
    (
        "tg_desk_how",
        "Beantwoord dit bericht (reply) om de patiënt te antwoorden; tekst en foto's gaan door.",
        "Reply to this message to answer the patient; text and photos are passed on.",
    ),
    ("tg_desk_take", "Oppakken", "Take"),
    ("tg_desk_close", "Sluiten", "Close"),
    (
        "tg_desk_followup",
        "Aanvulling op {ticket}:",
        "Follow-up on {ticket}:",
    ),
    (
        "tg_desk_taken",
        "{ticket} wordt opgepakt door {name}.",
        "{ticket} is being handled by {name}.",
    ),
    (
        "tg_desk_closed",
        "{ticket} is gesloten.",
        "{ticket} is closed.",
    ),
    (
        "tg_desk_not_relayed",
        "{ticket} is gesloten, of de patiënt is niet meer bekend. Dit antwoord is niet doorgestuurd.",
        "{ticket} is closed, or the patient is no longer known. This reply was not passed on.",
    ),
    (
        "tg_desk_unplaced",
        "Dit antwoord is niet doorgestuurd. Het bericht waarop u antwoordt, hoort bij geen enkele vraag. Antwoord op het bericht van de vraag zelf.",
        "This reply was not passed on. The message you replied to belongs to no question. Reply to the question's own message.",
    ),
    (
        "tg_desk_asked_person",
        "vroeg om een medewerker",
        "asked for a person",
    ),
    (
        "tg_desk_refused",
        "Alleen medewerkers van het triageteam kunnen dit.",
        "Only members of the triage team can do this.",
    ),
    ("tg_desk_no_open", "Geen open vragen.", "No open questions."),
    (
        "tg_desk_reload_published",
        "FAQ gepubliceerd: {entries} onderwerpen.",
        "FAQ published: {entries} entries.",
    ),
    (
        "tg_desk_reload_refused",
        "FAQ-wijziging geweigerd: de bot antwoordt nog met de laatste goede versie. Problemen ({count}):",
        "FAQ edit refused: the bot keeps answering with the last good version. Problems ({count}):",
    ),
    (
        "tg_desk_reload_unavailable",
        "Herladen is hier niet ingesteld (geen FAQ-map bekend).",
        "Reloading is not set up here (no FAQ folder known).",
    ),
    ("tg_desk_open_header", "Open vragen:", "Open questions:"),
    (
        "tg_desk_stats",
        "Open: {open}. Beantwoord: {answered}. Gesloten: {closed}. Spoed: {urgent}. Buiten kantooruren: {out_of_hours}. Nog te bezorgen: {pending}. Niet te bezorgen: {abandoned}.",
        "Open: {open}. Answered: {answered}. Closed: {closed}. Urgent: {urgent}. Out of hours: {out_of_hours}. Waiting for delivery: {pending}. Undeliverable: {abandoned}.",
    ),
    (
        "tg_desk_close_usage",
        "Gebruik: /close 12 (het vraagnummer).",
        "Usage: /close 12 (the question number).",
    ),
    (
        "tg_desk_no_such",
        "{ticket} bestaat niet.",
        "{ticket} does not exist.",
    ),
    (
        "tg_desk_relay_failed",
        "Er ging iets mis bij het opslaan; probeer het opnieuw.",
        "Something went wrong while saving; please try again.",
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
            include_str!("triage.rs"),
            include_str!("outbox.rs"),
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
