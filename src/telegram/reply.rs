//! Sending to Telegram from a handler: a reply (HTML, split at paragraphs, each part
//! recorded as Telegram accepts it), acknowledging a button press once, and the keyboards.
//! Above [`api`](super::api); used by the patient handlers, the desk and the panic guard.

use super::api::{self, CONTROL, REPLY, TgBot};
use super::commands::{self, Callback};
use super::html::{MESSAGE_LIMIT, Para, paragraphs, render_chunks};
use super::prefs::ChatLangs;
use crate::handle::{AnswerEngine, Current, EngineHandle};
use crate::store::QuestionId;
use crate::text::Lang;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use teloxide::RequestError;
use teloxide::payloads::{AnswerCallbackQuerySetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions,
    MessageId, ParseMode, ReplyParameters,
};

pub type HandlerResult = Result<(), RequestError>;

/// Whether this update's callback query has been answered (set once; provided per update by
/// [`isolate`], so an apology after a panic never answers the same query twice).
#[derive(Clone, Default)]
pub(crate) struct Acked(Arc<AtomicBool>);

/// Answers the callback query (stops the button's spinner), optionally with a short notice.
/// A failure is logged, not returned: the reply to the patient matters more than the spinner.
pub(crate) async fn acknowledge(
    bot: &TgBot,
    query: &CallbackQuery,
    acked: &Acked,
    notice: Option<&str>,
) -> HandlerResult {
    if acked.0.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    // Answered before a restart: Telegram would refuse a second answer.
    let Some(part) = super::parts::next() else {
        return Ok(());
    };
    let mut request = bot.answer_callback_query(query.id.clone());
    if let Some(notice) = notice {
        request = request.text(truncate_chars(notice, 200));
    }
    match api::send(request, &CONTROL).await {
        Ok(_) => part.sent().await,
        Err(err) => log::warn!("answerCallbackQuery failed: {}", api::describe(&err)),
    }
    Ok(())
}

pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// 👍/👎 under a logged FAQ answer, as the last row of its buttons.
pub(crate) fn with_feedback(
    keyboard: Option<InlineKeyboardMarkup>,
    question: Option<QuestionId>,
) -> Option<InlineKeyboardMarkup> {
    let Some(QuestionId(id)) = question else {
        return keyboard;
    };
    let row: Vec<_> = [("👍", true), ("👎", false)]
        .into_iter()
        .filter_map(|(label, helpful)| button(label, Callback::Feedback(id, helpful)))
        .collect();
    let mut rows = keyboard.map(|k| k.inline_keyboard).unwrap_or_default();
    rows.push(row);
    Some(InlineKeyboardMarkup::new(rows))
}

pub(crate) fn paras_of(text: &str) -> Vec<Para> {
    paragraphs(text).into_iter().map(Para::plain).collect()
}

/// Sends a reply as HTML, split into messages of at most 4096 characters at paragraph
/// boundaries. The buttons go under the last message; a quoted message above the first.
/// Each message survives transient failures ([`retry`]); the next is sent only once the
/// previous one is accepted, so they arrive in order.
pub(crate) async fn send_reply(
    bot: &TgBot,
    chat: ChatId,
    paras: &[Para],
    keyboard: Option<InlineKeyboardMarkup>,
    reply_to: Option<MessageId>,
) -> HandlerResult {
    let chunks = render_chunks(paras, MESSAGE_LIMIT);
    let last = chunks.len().saturating_sub(1);
    if chunks.len() > 1 {
        log::info!("long reply sent as {} messages", chunks.len());
    }
    for (i, chunk) in chunks.into_iter().enumerate() {
        // Sent before a restart (this is the update's replay): only the rest goes out.
        let Some(part) = super::parts::next() else {
            continue;
        };
        let mut request = bot
            .send_message(chat, chunk)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_link_preview());
        if i == 0
            && let Some(id) = reply_to
        {
            request =
                request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        if i == last
            && let Some(keyboard) = &keyboard
        {
            request = request.reply_markup(keyboard.clone());
        }
        api::send(request, &REPLY).await?;
        part.sent().await;
    }
    Ok(())
}

pub(crate) fn no_link_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// One button per row for each known topic id (unknown ids are skipped), plus an optional
/// last button. `None` when there is nothing to show.
pub(crate) fn topic_buttons(
    engine: &dyn AnswerEngine,
    ids: &[String],
    lang: Lang,
    last: Option<(String, Callback)>,
) -> Option<InlineKeyboardMarkup> {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = ids
        .iter()
        .filter_map(|id| {
            let title = engine.title(id, lang)?;
            button(title, Callback::Topic(id.clone()))
        })
        .map(|b| vec![b])
        .collect();
    if let Some((label, cb)) = last
        && let Some(b) = button(&label, cb)
    {
        rows.push(vec![b]);
    }
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// All topics, one per row, in FAQ order.
pub(crate) fn topics_keyboard(engine: &dyn AnswerEngine, lang: Lang) -> InlineKeyboardMarkup {
    let rows = engine
        .topics(lang)
        .into_iter()
        .filter_map(|(id, title)| button(title, Callback::Topic(id.to_string())))
        .map(|b| vec![b]);
    InlineKeyboardMarkup::new(rows)
}

pub(crate) fn language_keyboard() -> InlineKeyboardMarkup {
    let row = [("Nederlands", Lang::Nl), ("English", Lang::En)]
        .into_iter()
        .filter_map(|(label, lang)| button(label, Callback::Lang(lang)));
    InlineKeyboardMarkup::new([row.collect::<Vec<_>>()])
}

pub(crate) fn single_button(label: String, cb: Callback) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(button(&label, cb).map(|b| vec![b]))
}

/// A callback button; `None` when the data would not fit Telegram's 64 bytes (a topic id
/// that long) or the label is empty.
pub(crate) fn button(label: &str, cb: Callback) -> Option<InlineKeyboardButton> {
    let data = cb.encode();
    if data.len() > commands::CALLBACK_DATA_MAX || label.trim().is_empty() {
        log::warn!("button skipped: label empty or callback data over 64 bytes");
        return None;
    }
    Some(InlineKeyboardButton::callback(label.trim(), data))
}

/// One button press being handled: what every handler of a press needs, built once per
/// press in [`schema`](super::handlers::schema) and injected as one value instead of a
/// parameter each.
#[derive(Clone)]
pub(crate) struct Press {
    pub bot: TgBot,
    pub query: CallbackQuery,
    /// Whether the press is acknowledged (the spinner stopped) already.
    pub acked: Acked,
    /// The engine this press is answered with.
    pub engine: Current,
    /// The chat the button is in (the presser's own private chat, or the triage group); the
    /// presser's own chat when Telegram names none.
    pub chat: ChatId,
    /// The language of the presser's own private chat (what its buttons were written in).
    pub lang: Lang,
    /// The chats' languages (a reply in a language is remembered there).
    pub langs: Arc<ChatLangs>,
}

impl Press {
    /// The press as the handlers see it (`engine` loaded once for the whole press).
    pub(crate) fn new(
        bot: TgBot,
        query: CallbackQuery,
        acked: Acked,
        engine: EngineHandle,
        langs: Arc<ChatLangs>,
    ) -> Press {
        let own = ChatId::from(query.from.id);
        let chat = query.message.as_ref().map_or(own, |m| m.chat().id);
        let lang = langs.lang_without_text(own, query.from.language_code.as_deref());
        Press {
            bot,
            query,
            acked,
            engine: engine.load(),
            chat,
            lang,
            langs,
        }
    }

    /// The chat the button is in, if Telegram says.
    pub(crate) fn in_chat(&self) -> Option<&teloxide::types::Chat> {
        self.query.message.as_ref().map(|m| m.chat())
    }

    /// Pressed in the presser's own private chat (a patient's button).
    pub(crate) fn in_own_chat(&self) -> bool {
        self.in_chat()
            .is_some_and(|c| c.is_private() && c.id == ChatId::from(self.query.from.id))
    }

    /// Stops the button's spinner, optionally with a short notice ([`acknowledge`]).
    pub(crate) async fn acknowledge(&self, notice: Option<&str>) -> HandlerResult {
        acknowledge(&self.bot, &self.query, &self.acked, notice).await
    }
}
