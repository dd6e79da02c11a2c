//! The delivery task: sends what the store's outbox holds, and nothing else.
//!
//! Everything the triage desk must not lose (ticket posts, follow-ups, staff replies to the
//! patient, the patient's ticket number) is stored first, in the same transaction as the
//! ticket state it belongs to; this task sends it afterwards. It is woken when something is
//! queued ([`Notify`]) and on a timer (retries, rows left by a previous run), so pending rows
//! are sent after a restart.
//!
//! Invariants:
//! - **In order per chat**: [`Store::outbox_due`] offers one row per chat; the next row of a
//!   chat is only offered once the previous one is delivered or abandoned.
//! - **No duplicates**: a row is marked delivered (with Telegram's message id) as soon as
//!   Telegram accepts it, and a delivered row is never due again.
//! - **Retry with backoff** on network errors, 5xx and 429 (`retry_after` obeyed); a chat
//!   that can never be reached (the patient blocked the bot) is abandoned so it does not hold
//!   up anything.
//! - Exactly one task per database (see the store's docs); logs carry no text or chat ids.

use super::api::{self, Failure, TgBot, describe};
use super::reply::no_link_preview;
use crate::store::{Delivery, OutboxEntry, Store, TicketNo};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use teloxide::RequestError;
use teloxide::payloads::{CopyMessageSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters,
};
use tokio::sync::{Notify, watch};

/// How a row is sent, as the Telegram door stores it in the outbox's `options` (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SendOptions {
    /// The text is HTML (escaped by the door when it was built).
    #[serde(default)]
    pub html: bool,
    /// Inline buttons, row by row: (label, callback data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Vec<(String, String)>>,
    /// Send as a reply to the ticket's post in the triage group (known only once the post
    /// is delivered, which per-chat order guarantees).
    #[serde(default)]
    pub reply_to_post: bool,
}

impl SendOptions {
    pub fn html() -> SendOptions {
        SendOptions {
            html: true,
            ..SendOptions::default()
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("options serialise")
    }
}

/// Give up on a row after this many failed attempts (with the backoff cap, about a day).
const MAX_ATTEMPTS: u32 = 160;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Longest sleep without a wake-up (picks up rows another process queued).
const IDLE_CHECK: Duration = Duration::from_secs(30);
/// Rows sent per round (one per chat, concurrently).
const BATCH: usize = 32;

/// The wait before the next attempt after `attempts` failures: 1 s, 2 s, 4 s … 10 min.
pub fn backoff(attempts: u32) -> Duration {
    api::backoff(attempts, Duration::from_secs(1), MAX_BACKOFF)
}

/// Runs until `stop` turns true: sends due rows, sleeps until the next is due, a wake-up,
/// or [`IDLE_CHECK`].
pub async fn deliver(bot: TgBot, store: Store, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    log::info!("delivery task started");
    loop {
        if *stop.borrow() {
            break;
        }
        let due = store
            .call(|s| s.outbox_due(crate::time::now(), BATCH))
            .await;
        let due = match due {
            Ok(due) => due,
            Err(e) => {
                log::error!("outbox: cannot read the database: {e}");
                Vec::new()
            }
        };
        if !due.is_empty() {
            let mut set = tokio::task::JoinSet::new();
            for entry in due {
                let (bot, store) = (bot.clone(), store.clone());
                set.spawn(async move { deliver_one(&bot, &store, entry).await });
            }
            while set.join_next().await.is_some() {}
            continue;
        }
        let sleep = match store.call(|s| s.outbox_next_due()).await {
            Ok(Some(at)) => {
                Duration::from_secs(at.saturating_sub(crate::time::now()).max(0) as u64)
            }
            _ => IDLE_CHECK,
        }
        .clamp(Duration::from_millis(200), IDLE_CHECK);
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(sleep) => {}
            _ = stop.changed() => {}
        }
    }
    log::info!("delivery task stopped");
}

async fn deliver_one(bot: &TgBot, store: &Store, entry: OutboxEntry) {
    let id = entry.id;
    let outcome = send(bot, store, &entry).await;
    let result = match outcome {
        Ok(message_id) => store
            .call(move |s| s.mark_delivered(id, message_id))
            .await
            .map(|_| ()),
        Err(err) => {
            let attempts = entry.attempts + 1;
            let failure = api::classify(&err);
            if failure == Failure::Permanent || attempts >= MAX_ATTEMPTS {
                log::warn!(
                    "outbox: giving up on a message after {attempts} attempt(s): {}",
                    describe(&err)
                );
                store.call(move |s| s.abandon(id)).await.map(|_| ())
            } else {
                let wait = match failure {
                    Failure::Transient { after: Some(after) } => after.max(backoff(attempts)),
                    _ => backoff(attempts),
                };
                log::warn!(
                    "outbox: sending failed ({}); attempt {attempts}, retrying in {}s",
                    describe(&err),
                    wait.as_secs()
                );
                store
                    .call(move |s| s.mark_failed(id, crate::time::now(), wait))
                    .await
                    .map(|_| ())
            }
        }
    };
    if let Err(e) = result {
        log::error!("outbox: cannot record a delivery: {e}");
    }
}

async fn send(bot: &TgBot, store: &Store, entry: &OutboxEntry) -> Result<i32, RequestError> {
    let options: SendOptions = entry
        .options
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok())
        .unwrap_or_default();
    let chat = ChatId(entry.chat_id);
    let reply_to = match (options.reply_to_post, entry.ticket) {
        (true, Some(ticket)) => post_of(store, ticket).await,
        _ => None,
    };
    let keyboard = (!options.buttons.is_empty()).then(|| {
        InlineKeyboardMarkup::new(options.buttons.iter().map(|row| {
            row.iter()
                .map(|(label, data)| InlineKeyboardButton::callback(label.clone(), data.clone()))
                .collect::<Vec<_>>()
        }))
    });
    match &entry.delivery {
        Delivery::Text(text) => {
            let mut request = bot
                .send_message(chat, text.clone())
                .link_preview_options(no_link_preview());
            if options.html {
                request = request.parse_mode(ParseMode::Html);
            }
            if let Some(id) = reply_to {
                request = request
                    .reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
            }
            if let Some(keyboard) = keyboard {
                request = request.reply_markup(keyboard);
            }
            Ok(request.await?.id.0)
        }
        Delivery::Copy {
            from_chat_id,
            message_id,
        } => {
            let mut request = bot.copy_message(chat, ChatId(*from_chat_id), MessageId(*message_id));
            if let Some(id) = reply_to {
                request = request
                    .reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
            }
            Ok(request.await?.0)
        }
    }
}

async fn post_of(store: &Store, ticket: TicketNo) -> Option<MessageId> {
    match store.call(move |s| s.ticket(ticket)).await {
        Ok(t) => t.and_then(|t| t.group_message_id).map(MessageId),
        Err(e) => {
            log::warn!("outbox: cannot look up a ticket post: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn options_round_trip_and_default_when_missing() {
        let o = SendOptions {
            html: true,
            buttons: vec![vec![("Take".into(), "k:1".into())]],
            reply_to_post: true,
        };
        let back: SendOptions = serde_json::from_str(&o.to_json()).unwrap();
        assert_eq!(back, o);
        let empty: SendOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, SendOptions::default());
    }
}
