//! The handler tree ([`schema`]) and the small handlers it routes to.
//!
//! Handlers receive their dependencies by injection (the bot, the update's message, [`Me`],
//! the [`EngineHandle`], the [`ChatLangs`]); a button press's handlers get one [`Press`]
//! and the triage group's one [`GroupMsg`], each built once per update. None holds state of
//! its own. Every reply goes through [`send_reply`], which renders HTML and splits it.

use super::api::TgBot;
use super::commands::{self, Callback, Command, StaffCommand};
use super::flood::{Flood, Verdict};
use super::html::Para;
use super::isolate::isolate;
use super::prefs::ChatLangs;
use super::questions::QuestionLog;
use super::reply::{
    Acked, HandlerResult, Press, acknowledge, button, language_keyboard, paras_of, send_reply,
    single_button, topic_buttons, topics_keyboard, with_feedback,
};
use super::texts::{Tg, text};
use super::triage::{self, DeskHandle, GroupMsg};
use crate::engine::{Answer, Context, Intent};
use crate::handle::{AnswerEngine, EngineHandle};
use crate::store::QuestionId;
use crate::text::Lang;
use futures::future::BoxFuture;
use std::sync::Arc;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineKeyboardMarkup, Me, MediaKind, MessageId, MessageKind, UpdateKind,
};
use teloxide::{RequestError, dptree};

/// Every route of the bot, in one place.
///
/// - private chat, command → [`on_command`]
/// - private chat, text → [`on_text`] (the engine answers)
/// - private chat, photo/voice/sticker/document/location/contact/… → [`on_non_text`]
/// - private chat, edited text → answered again, as a reply to the edited message
/// - the triage group (when configured): a staff command → one branch per command (refused
///   for anyone who is not staff); a reply to a ticket post → [`triage::on_group_reply`];
///   anything else there is ignored
/// - a staff command (`/open`, `/close`, `/stats`, `/reload`) anywhere else → refused silently, logged
/// - a private chat over its flood allowance ([`super::flood`]) → [`on_flood`]: one slow-down
///   note, then silence (button presses acknowledged); urgent messages are answered anyway
/// - button press (callback query) → one branch per kind, always acknowledged (take/close under
///   a ticket post → the desk, staff only)
/// - the bot added to a group → its chat id logged (to configure the triage group)
/// - anything else (other groups, channels, service messages, edited media) → silence
///
/// The whole tree runs inside [`isolate`]: a panic in a handler is caught and logged, the
/// patient gets an apology, and the chat keeps being served.
pub fn schema() -> UpdateHandler<RequestError> {
    // The triage group: staff commands by name (refused for anyone else), then replies to
    // ticket posts; anything else there is chatter.
    let staff_commands = dptree::filter(|g: GroupMsg| g.sent_by_staff())
        .inspect(|cmd: StaffCommand| log::info!("triage: staff command /{}", cmd.name()))
        .branch(dptree::case![StaffCommand::Open].endpoint(triage::on_open))
        .branch(dptree::case![StaffCommand::Close(n)].endpoint(triage::on_close))
        .branch(dptree::case![StaffCommand::Stats].endpoint(triage::on_stats))
        .branch(dptree::case![StaffCommand::Reload].endpoint(triage::on_reload));
    let triage_group = Update::filter_message()
        .filter_map(GroupMsg::new)
        .branch(
            dptree::filter_map(staff_command_in)
                .branch(staff_commands)
                .endpoint(triage::on_command_refused),
        )
        .endpoint(triage::on_group_reply);

    let staff_commands_elsewhere = Update::filter_message()
        .filter_map(staff_command_in)
        .endpoint(|_: StaffCommand| async {
            log::warn!("triage: refused a staff command outside the triage group");
            HandlerResult::Ok(())
        });

    // Under each kind it looks at, so the bot still asks Telegram for only these kinds.
    let flood_gate = || dptree::filter_map(flood_check).endpoint(on_flood);
    let flooded = dptree::entry()
        .branch(Update::filter_message().chain(flood_gate()))
        .branch(Update::filter_edited_message().chain(flood_gate()))
        .branch(Update::filter_callback_query().chain(flood_gate()));

    let private_messages = Update::filter_message()
        .filter(|msg: Message| msg.chat.is_private())
        .branch(dptree::filter_map(command_in).endpoint(on_command))
        .branch(dptree::filter(|msg: Message| msg.text().is_some()).endpoint(on_text))
        .branch(dptree::filter(is_content_without_text).endpoint(on_non_text));

    let private_edits = Update::filter_edited_message()
        .filter(|msg: Message| msg.chat.is_private() && msg.text().is_some())
        .endpoint(on_edited_text);

    // Button presses, always acknowledged: take/close under a ticket post (staff only), then
    // a patient's press in their own private chat by kind; anything else acknowledged only.
    let desk_buttons = dptree::filter_map(desk_button)
        .branch(dptree::filter(pressed_by_staff).endpoint(on_desk_button))
        .endpoint(on_desk_button_refused);
    let desk_button_elsewhere = acknowledged_only(
        log::Level::Warn,
        "triage: refused a ticket button outside the triage group",
    );
    let patient_buttons = dptree::filter(|p: Press| p.in_own_chat())
        .branch(
            dptree::filter_map(callback_of)
                .branch(dptree::case![Callback::Topic(id)].endpoint(on_topic_button))
                .branch(dptree::case![Callback::Lang(lang)].endpoint(on_lang_button))
                .branch(dptree::case![Callback::Human].endpoint(on_human_button))
                .branch(dptree::case![Callback::Escalate(yes)].endpoint(on_escalate_button))
                .branch(dptree::case![Callback::Feedback(id, helpful)].endpoint(on_feedback_button))
                .branch(dptree::case![Callback::Take(n)].endpoint(desk_button_elsewhere.clone()))
                .branch(dptree::case![Callback::Close(n)].endpoint(desk_button_elsewhere))
                .branch(dptree::case![Callback::Menu].endpoint(on_menu_button)),
        )
        .endpoint(on_unknown_button);
    let button_presses = Update::filter_callback_query()
        .map(Press::new)
        .branch(desk_buttons)
        .branch(patient_buttons)
        // Patients' buttons are only ever sent in private chats: a press anywhere else is
        // acknowledged and otherwise ignored.
        .branch(
            dptree::filter(|p: Press| !p.in_chat().is_some_and(|c| c.is_private())).endpoint(
                acknowledged_only(
                    log::Level::Info,
                    "button press outside a private chat: acknowledged only",
                ),
            ),
        )
        // A private chat is the conversation with the person pressing. A press that claims
        // another person's chat (no real client sends one) must not act on, or answer into,
        // that chat: its recent questions, its ticket, its language.
        .endpoint(acknowledged_only(
            log::Level::Warn,
            "button press on a message of another chat: acknowledged only",
        ));

    let added_to_group = Update::filter_my_chat_member().endpoint(on_membership);

    isolate(
        dptree::entry()
            .branch(triage_group)
            .branch(staff_commands_elsewhere)
            .branch(flooded)
            .branch(private_messages)
            .branch(added_to_group)
            .branch(private_edits)
            .branch(button_presses),
    )
}

fn command_in(msg: Message, me: Me) -> Option<Command> {
    commands::parse(msg.text()?, me.username())
}

fn staff_command_in(msg: Message, me: Me) -> Option<StaffCommand> {
    commands::parse_staff(msg.text()?, me.username())
}

/// A private chat's message, edit or button press over the chat's flood allowance; `None`
/// when it is answered as usual (within the allowance, urgent, or not from a private chat).
fn flood_check(update: Update, flood: Arc<Flood>, engine: EngineHandle) -> Option<Flooded> {
    let (chat, text) = match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) if m.chat.is_private() => {
            (m.chat.id, m.text())
        }
        UpdateKind::CallbackQuery(q) => {
            // Counted against the presser's own chat only (see `on_callback`).
            let chat = q.message.as_ref().map(|m| m.chat().id)?;
            (chat == ChatId::from(q.from.id)).then_some((chat, None))?
        }
        _ => return None,
    };
    let verdict = flood.check(chat, sent_ago(&update), || {
        text.is_some_and(|t| engine.load().is_urgent(t))
    });
    match verdict {
        Verdict::Answer => None,
        Verdict::Urgent => {
            log::info!("flood control: an urgent message is answered despite the flood");
            None
        }
        Verdict::SlowDown | Verdict::Silent => Some(Flooded {
            chat,
            note: verdict == Verdict::SlowDown,
            per_minute: flood.per_minute(),
        }),
    }
}

/// How long ago the patient sent the message or edit, by Telegram's date (whole seconds);
/// zero for a button press (it has no date) and for a date that cannot be right: in the
/// future, or older than the day Telegram keeps an update.
fn sent_ago(update: &Update) -> std::time::Duration {
    let date = match &update.kind {
        UpdateKind::Message(m) => m.date,
        UpdateKind::EditedMessage(m) => m.edit_date().copied().unwrap_or(m.date),
        _ => return std::time::Duration::ZERO,
    };
    let now = u64::try_from(crate::time::now()).unwrap_or(0);
    u64::try_from(date.timestamp())
        .ok()
        .and_then(|sent| now.checked_sub(sent))
        .filter(|&ago| ago <= 24 * 3600)
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_secs)
}

/// An update stopped by flood control.
#[derive(Debug, Clone)]
struct Flooded {
    chat: ChatId,
    /// Send the slow-down note (the first message over the allowance).
    note: bool,
    per_minute: u32,
}

/// Over the allowance: the first time the patient gets the slow-down note, after that
/// nothing (a button press is still acknowledged, as every one is).
async fn on_flood(
    bot: TgBot,
    update: Update,
    flooded: Flooded,
    acked: Acked,
    engine: EngineHandle,
    langs: Arc<ChatLangs>,
) -> HandlerResult {
    let language_code = match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => language_code(m),
        UpdateKind::CallbackQuery(q) => {
            acknowledge(&bot, q, &acked, None).await?;
            q.from.language_code.as_deref()
        }
        _ => None,
    };
    if !flooded.note {
        log::debug!("flood control: not answered");
        return Ok(());
    }
    log::info!(
        "flood control: a chat exceeded {} messages/minute; sent the slow-down note",
        flooded.per_minute
    );
    let engine = engine.load();
    let lang = langs.lang_without_text(flooded.chat, language_code);
    let paras = paras_of(&text(&*engine, Tg::Flood, lang));
    send_reply(&bot, flooded.chat, &paras, None, None).await
}

/// The bot was added to (or removed from) a chat. When it joins a group, the group's id is
/// logged (and nothing else), so the operator can set it as `triage_chat_id`.
async fn on_membership(update: teloxide::types::ChatMemberUpdated) -> HandlerResult {
    if !update.chat.is_private() && update.new_chat_member.is_present() {
        log::info!(
            "added to a group: chat id {} (set triage_chat_id to this to make it the triage group)",
            update.chat.id.0
        );
    }
    Ok(())
}

/// Something a person sent that has no text: media, a location, a contact, a dice…
/// (Service messages such as "pinned a message" are not content and get no reply.)
fn is_content_without_text(msg: Message) -> bool {
    match &msg.kind {
        MessageKind::Common(common) => !matches!(
            common.media_kind,
            MediaKind::Text(_) | MediaKind::Migration(_)
        ),
        MessageKind::Dice(_) => true,
        _ => false,
    }
}

fn language_code(msg: &Message) -> Option<&str> {
    msg.from.as_ref().and_then(|u| u.language_code.as_deref())
}

async fn on_command(
    bot: TgBot,
    msg: Message,
    cmd: Command,
    engine: EngineHandle,
    langs: Arc<ChatLangs>,
) -> HandlerResult {
    let engine = engine.load();
    let chat = msg.chat.id;
    let lang = langs.lang_without_text(chat, language_code(&msg));
    log::info!("command {}", command_name(&cmd));
    match cmd {
        Command::Start => {
            let paras = paras_of(engine.text("greeting", lang));
            send_reply(
                &bot,
                chat,
                &paras,
                Some(topics_keyboard(&*engine, lang)),
                None,
            )
            .await?;
        }
        Command::Help => send_help(&bot, chat, &*engine, lang, None).await?,
        Command::Topics => send_topics(&bot, chat, &*engine, lang).await?,
        Command::Lang(Some(chosen)) => {
            langs.choose(chat, chosen);
            let paras = paras_of(&text(&*engine, Tg::LangSet, chosen));
            send_reply(&bot, chat, &paras, None, None).await?;
            return Ok(());
        }
        Command::Lang(None) => {
            let paras = paras_of(&text(&*engine, Tg::LangChoose, lang));
            send_reply(&bot, chat, &paras, Some(language_keyboard()), None).await?;
        }
        Command::Unknown => {
            let intro = text(&*engine, Tg::UnknownCommand, lang);
            send_help(&bot, chat, &*engine, lang, Some(&intro)).await?;
        }
    }
    langs.replied_in(chat, lang);
    Ok(())
}

fn command_name(cmd: &Command) -> &'static str {
    match cmd {
        Command::Start => "start",
        Command::Help => "help",
        Command::Topics => "topics",
        Command::Lang(_) => "language",
        Command::Unknown => "unknown",
    }
}

async fn on_text(
    bot: TgBot,
    msg: Message,
    engine: EngineHandle,
    langs: Arc<ChatLangs>,
    desk: DeskHandle,
    log: Arc<QuestionLog>,
) -> HandlerResult {
    answer_text(&bot, &msg, engine, &langs, (&desk, &log), None).await
}

async fn on_edited_text(
    bot: TgBot,
    msg: Message,
    me: Me,
    engine: EngineHandle,
    langs: Arc<ChatLangs>,
    desk: DeskHandle,
    log: Arc<QuestionLog>,
) -> HandlerResult {
    log::info!("edited message: answering the new text");
    if let Some(cmd) = command_in(msg.clone(), me) {
        return on_command(bot, msg, cmd, engine, langs).await;
    }
    // Quote the edited message so the patient sees which question this answers.
    answer_text(&bot, &msg, engine, &langs, (&desk, &log), Some(msg.id)).await
}

async fn answer_text(
    bot: &TgBot,
    msg: &Message,
    engine: EngineHandle,
    langs: &ChatLangs,
    (desk, questions): (&DeskHandle, &QuestionLog),
    reply_to: Option<MessageId>,
) -> HandlerResult {
    let Some(question) = msg.text() else {
        return Ok(());
    };
    let engine = engine.load();
    let chat = msg.chat.id;
    let ctx = Context {
        lang_hint: langs.hint_for_text(chat, language_code(msg)),
    };
    let started = std::time::Instant::now();
    let answer = engine.answer(question, &ctx);
    // Counted here, at the door, not inside the pure engine (the staff console's test pane
    // answers too, and must not count as patients' questions).
    metrics::histogram!("b12bot_answer_seconds").record(started.elapsed().as_secs_f64());
    metrics::counter!("b12bot_answers_total", "intent" => answer.intent.name()).increment(1);
    if answer.intent == crate::engine::Intent::NoMatch {
        metrics::counter!("b12bot_no_match_total").increment(1);
    }
    log::info!(
        "answered: intent={} topic={} lang={} score={:.2}",
        answer.intent.name(),
        answer.faq_id.as_deref().unwrap_or("-"),
        answer.lang.code(),
        answer.score
    );
    if let Some(desk) = desk
        && let Some(ticket) = desk.current_ticket(chat).await
        && answer.intent != Intent::Urgent
    {
        // A follow-up while the patient's ticket is not closed goes to that ticket
        // (staff answer it, not the bot: not logged as a question the bot answered).
        triage::follow_up(
            bot,
            &*engine,
            desk,
            msg,
            ticket.number,
            ticket.urgent,
            answer.lang,
        )
        .await?;
        langs.replied_in(chat, answer.lang);
        return Ok(());
    }
    let question_id = questions.record(question, &answer).await;
    if let Some(desk) = desk {
        if answer.intent == Intent::Urgent {
            // Answered at once, and raised in the triage group without asking.
            send_answer(bot, chat, &*engine, &answer, Some(desk), None, reply_to).await?;
            triage::raise_urgent(&*engine, desk, msg, &answer).await;
            langs.replied_in(chat, answer.lang);
            return Ok(());
        }
        desk.remember(chat, question, &*engine, &answer);
        send_answer(
            bot,
            chat,
            &*engine,
            &answer,
            Some(desk),
            question_id,
            reply_to,
        )
        .await?;
        langs.replied_in(chat, answer.lang);
        return Ok(());
    }
    send_answer(bot, chat, &*engine, &answer, None, question_id, reply_to).await?;
    langs.replied_in(chat, answer.lang);
    Ok(())
}

fn desk_ref(desk: &DeskHandle) -> Option<&triage::Desk> {
    desk.as_deref()
}

async fn on_non_text(
    bot: TgBot,
    msg: Message,
    engine: EngineHandle,
    langs: Arc<ChatLangs>,
) -> HandlerResult {
    let engine = engine.load();
    let chat = msg.chat.id;
    let lang = langs.lang_without_text(chat, language_code(&msg));
    log::info!("non-text message: explained that only text is read");
    let paras = paras_of(&text(&*engine, Tg::TextOnly, lang));
    send_reply(&bot, chat, &paras, None, None).await
}

// --- button presses: one branch per kind (see `button_presses` in `schema`) ------------
// Every press handler gets the one [`Press`] built for the update, plus what its branch
// extracted (and the desk where it needs one).

/// A take/close button under a ticket post in the triage group.
fn desk_button(p: Press, desk: DeskHandle) -> Option<Callback> {
    let desk = desk?;
    let action = callback_of(p.clone())?;
    (matches!(action, Callback::Take(_) | Callback::Close(_))
        && p.in_chat().map(|c| c.id) == Some(desk.chat))
    .then_some(action)
}

fn pressed_by_staff(p: Press, desk: DeskHandle) -> bool {
    desk.is_some_and(|d| d.is_staff(Some(&p.query.from)))
}

fn callback_of(p: Press) -> Option<Callback> {
    p.query.data.as_deref().and_then(Callback::decode)
}

/// An endpoint for a press that is only acknowledged (the spinner stopped, nothing else),
/// logging why at `level` (never the press's data).
fn acknowledged_only(
    level: log::Level,
    why: &'static str,
) -> impl Fn(Press) -> BoxFuture<'static, HandlerResult> + Send + Sync + Clone + 'static {
    move |p: Press| {
        Box::pin(async move {
            log::log!(level, "{why}");
            p.acknowledge(None).await
        })
    }
}

async fn on_desk_button(p: Press, desk: DeskHandle, action: Callback) -> HandlerResult {
    let Some(desk) = desk else {
        return p.acknowledge(None).await;
    };
    triage::on_desk_button(&p, &desk, action).await
}

async fn on_desk_button_refused(p: Press) -> HandlerResult {
    log::warn!("triage: refused a ticket button from someone who is not staff");
    let notice = text(&*p.engine, Tg::DeskRefused, Lang::Nl);
    p.acknowledge(Some(&notice)).await
}

async fn on_topic_button(p: Press, desk: DeskHandle, id: String) -> HandlerResult {
    let engine = &*p.engine;
    match engine.answer_topic(&id, p.lang) {
        Some(answer) => {
            log::info!("button: topic {id}");
            p.acknowledge(None).await?;
            send_answer(&p.bot, p.chat, engine, &answer, desk_ref(&desk), None, None).await?;
            p.langs.replied_in(p.chat, answer.lang);
        }
        None => {
            log::info!("button: unknown topic (stale button)");
            p.acknowledge(Some(&text(engine, Tg::StaleButton, p.lang)))
                .await?;
            send_topics(&p.bot, p.chat, engine, p.lang).await?;
        }
    }
    Ok(())
}

async fn on_lang_button(p: Press, chosen: Lang) -> HandlerResult {
    log::info!("button: language {}", chosen.code());
    p.langs.choose(p.chat, chosen);
    p.acknowledge(None).await?;
    let paras = paras_of(&text(&*p.engine, Tg::LangSet, chosen));
    let keyboard = topics_keyboard(&*p.engine, chosen);
    send_reply(&p.bot, p.chat, &paras, Some(keyboard), None).await
}

async fn on_human_button(p: Press, desk: DeskHandle) -> HandlerResult {
    log::info!("button: none of these / a person");
    p.acknowledge(None).await?;
    match &desk {
        Some(desk) => triage::offer(&p.bot, p.chat, &*p.engine, desk, p.lang).await,
        None => send_human(&p.bot, p.chat, &*p.engine, p.lang).await,
    }
}

async fn on_escalate_button(p: Press, desk: DeskHandle, yes: bool) -> HandlerResult {
    match &desk {
        Some(desk) => {
            log::info!(
                "button: escalation {}",
                if yes { "confirmed" } else { "declined" }
            );
            triage::on_escalate(&p, desk, yes).await
        }
        None => {
            log::info!("button: escalation without a triage desk (stale button)");
            p.acknowledge(None).await?;
            send_human(&p.bot, p.chat, &*p.engine, p.lang).await
        }
    }
}

async fn on_feedback_button(
    p: Press,
    questions: Arc<QuestionLog>,
    (id, helpful): (i64, bool),
) -> HandlerResult {
    let recorded = questions.feedback(id, helpful).await;
    log::info!(
        "button: feedback {} ({})",
        if helpful { "helpful" } else { "not helpful" },
        if recorded { "recorded" } else { "stale" }
    );
    let notice = if recorded {
        text(&*p.engine, Tg::FeedbackThanks, p.lang)
    } else {
        text(&*p.engine, Tg::StaleButton, p.lang)
    };
    p.acknowledge(Some(&notice)).await
}

async fn on_menu_button(p: Press) -> HandlerResult {
    log::info!("button: topic menu");
    p.acknowledge(None).await?;
    send_topics(&p.bot, p.chat, &*p.engine, p.lang).await
}

async fn on_unknown_button(p: Press) -> HandlerResult {
    log::info!("button: unknown callback data (stale button)");
    let notice = text(&*p.engine, Tg::StaleButton, p.lang);
    p.acknowledge(Some(&notice)).await
}

/// Sends the engine's answer with the buttons that fit its intent.
async fn send_answer(
    bot: &TgBot,
    chat: ChatId,
    engine: &dyn AnswerEngine,
    answer: &Answer,
    desk: Option<&triage::Desk>,
    question: Option<QuestionId>,
    reply_to: Option<MessageId>,
) -> HandlerResult {
    let lang = answer.lang;
    let mut paras = Vec::new();
    // The safety-net sentence opens the reply, above the topic's title.
    let mut reply = answer.reply.as_str();
    if answer.safety_net
        && let Some((net, rest)) = reply.split_once("\n\n")
    {
        paras.extend(paras_of(net));
        reply = rest;
    }
    if answer.intent == Intent::Faq
        && let Some(title) = answer
            .faq_id
            .as_deref()
            .and_then(|id| engine.title(id, lang))
        && !reply.trim_start().starts_with(title.trim())
    {
        paras.push(Para::bold(title));
    }
    paras.extend(paras_of(reply));

    let keyboard = match answer.intent {
        Intent::Faq => with_feedback(topic_buttons(engine, &answer.related, lang, None), question),
        Intent::B12Value => topic_buttons(engine, &answer.related, lang, None),
        Intent::Clarify => topic_buttons(
            engine,
            &answer.suggestions,
            lang,
            Some((text(engine, Tg::NoneOfThese, lang), Callback::Human)),
        ),
        Intent::NoMatch if desk.is_some() => {
            let rows = [
                (text(engine, Tg::AllTopics, lang), Callback::Menu),
                (text(engine, Tg::AskStaff, lang), Callback::Human),
            ]
            .into_iter()
            .filter_map(|(label, cb)| button(&label, cb))
            .map(|b| vec![b]);
            Some(InlineKeyboardMarkup::new(rows))
        }
        Intent::NoMatch => Some(single_button(
            text(engine, Tg::AllTopics, lang),
            Callback::Menu,
        )),
        Intent::Human => {
            // The desk's offer replaces the engine's text; the safety net goes first.
            if answer.safety_net {
                let net = engine.text("safety_net", lang);
                send_reply(bot, chat, &paras_of(net), None, reply_to).await?;
            }
            return match desk {
                Some(desk) => triage::offer(bot, chat, engine, desk, lang).await,
                None => send_human(bot, chat, engine, lang).await,
            };
        }
        Intent::Urgent | Intent::Smalltalk => None,
    };
    send_reply(bot, chat, &paras, keyboard, reply_to).await
}

/// The patient wants a person and no triage desk is configured: say so honestly and how to
/// reach the hospital instead of the engine's `human` text, which offers the desk.
async fn send_human(
    bot: &TgBot,
    chat: ChatId,
    engine: &dyn AnswerEngine,
    lang: Lang,
) -> HandlerResult {
    let paras = paras_of(&text(engine, Tg::Human, lang));
    send_reply(bot, chat, &paras, None, None).await
}

async fn send_help(
    bot: &TgBot,
    chat: ChatId,
    engine: &dyn AnswerEngine,
    lang: Lang,
    intro: Option<&str>,
) -> HandlerResult {
    let mut paras = intro.map(paras_of).unwrap_or_default();
    paras.extend(paras_of(engine.text("help", lang)));
    let keyboard = single_button(text(engine, Tg::AllTopics, lang), Callback::Menu);
    send_reply(bot, chat, &paras, Some(keyboard), None).await
}

async fn send_topics(
    bot: &TgBot,
    chat: ChatId,
    engine: &dyn AnswerEngine,
    lang: Lang,
) -> HandlerResult {
    let paras = paras_of(&text(engine, Tg::Topics, lang));
    send_reply(bot, chat, &paras, Some(topics_keyboard(engine, lang)), None).await
}
