//! Panic isolation for the handler tree.
//!
//! teloxide runs the updates of one chat on one worker task. If a handler panics, that task
//! dies, and the dispatcher itself panics ("TX is dead") on the next update from the same
//! chat, taking the whole bot down. So every update's handling runs in its own task here: a
//! panic ends only that task; it is logged (without its message, which could quote patient
//! text), the button press is acknowledged, the patient gets an apology, and the chat's worker
//! goes on with the next update. Updates of one chat still run one after another, because the
//! worker awaits the task.

use super::api::{self, Failure, TgBot};
use super::html::Para;
use super::ledger::Ledger;
use super::prefs::ChatLangs;
use super::reply::{Acked, acknowledge, send_reply};
use super::texts::{Tg, text};
use crate::handle::EngineHandle;
use std::ops::ControlFlow;
use std::sync::Arc;
use teloxide::RequestError;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, HandlerSignature, Type, di::DependencyMap};
use teloxide::types::{Update, UpdateKind};

pub(crate) fn isolate(inner: UpdateHandler<RequestError>) -> UpdateHandler<RequestError> {
    // The handlers may ask for `Acked`, which this layer provides per update.
    let mut sig = inner.sig().clone();
    if let HandlerSignature::Other { obligations, .. } = &mut sig {
        obligations.remove(&Type::of::<Acked>());
    }
    let description = inner.description().clone();
    dptree::from_fn_with_description(
        description,
        move |deps: DependencyMap, cont| {
            let inner = inner.clone();
            async move {
                let mut deps = deps;
                let acked = Acked::default();
                deps.insert(acked.clone());
                let update: Arc<Update> = deps.get();
                let bot: Arc<TgBot> = deps.get();
                let engine: Arc<EngineHandle> = deps.get();
                let langs: Arc<Arc<ChatLangs>> = deps.get();
                let ledger: Arc<Ledger> = deps.get();
                let _admitted = ledger.admit().await;
                log::trace!("handling update {}", update.id.0);
                // Each reply part is recorded as Telegram accepts it, so a replay of this
                // update after a kill sends only what is missing.
                let task = tokio::spawn(super::parts::scope(
                    i64::from(update.id.0),
                    ledger.marks(),
                    inner.execute(deps, cont),
                ));
                let flow = match task.await {
                    Ok(flow) => flow,
                    Err(err) => {
                        let what = if err.is_panic() {
                            "panicked"
                        } else {
                            "was cancelled"
                        };
                        log::error!(
                            "handler {what} on update {} ({}); the bot keeps serving",
                            update.id.0,
                            kind_name(&update.kind)
                        );
                        apologise(&bot, &update, &engine, &langs, &acked).await;
                        ControlFlow::Break(Ok(()))
                    }
                };
                // Handled (answered, ignored, or apologised for after a panic, which a replay
                // would only repeat): never again. Telegram unreachable: again, later.
                match &flow {
                    ControlFlow::Break(Err(err))
                        if matches!(api::classify(err), Failure::Transient { .. }) =>
                    {
                        ledger.retry_later(Update::clone(&update))
                    }
                    _ => ledger.answered(&update).await,
                }
                flow
            }
        },
        sig,
    )
}

/// After a failed handler: stop the button's spinner and tell the patient something went
/// wrong (private chats only, like every reply).
async fn apologise(
    bot: &TgBot,
    update: &Update,
    engine: &EngineHandle,
    langs: &ChatLangs,
    acked: &Acked,
) {
    let engine = engine.load();
    let (chat, language_code) = match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => (
            Some(&m.chat),
            m.from.as_ref().and_then(|u| u.language_code.as_deref()),
        ),
        UpdateKind::CallbackQuery(q) => {
            let _ = acknowledge(bot, q, acked, None).await;
            (
                q.message.as_ref().map(|m| m.chat()),
                q.from.language_code.as_deref(),
            )
        }
        _ => (None, None),
    };
    let Some(chat) = chat.filter(|c| c.is_private()) else {
        return;
    };
    let lang = langs.lang_without_text(chat.id, language_code);
    let sorry = [Para::plain(text(&*engine, Tg::Error, lang))];
    if let Err(err) = send_reply(bot, chat.id, &sorry, None, None).await {
        log::warn!("could not send the apology: {}", api::describe(&err));
    }
}

/// The kind of an update, for logs (never its content).
pub(crate) fn kind_name(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::ChannelPost(_) => "channel_post",
        UpdateKind::EditedChannelPost(_) => "edited_channel_post",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::Error(_) => "unparsed",
        _ => "other",
    }
}
