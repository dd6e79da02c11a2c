//! Which parts of an update's direct replies Telegram has accepted.
//!
//! A handler answers most updates by sending straight to Telegram ([`super::handlers::send_reply`],
//! [`super::handlers::acknowledge`]); the [ledger](super::ledger) marks the update answered
//! when the handler is done. Were that the only mark, a kill anywhere between the first
//! accepted part and the end of the handler would make the replay send every part again.
//! So each part is recorded the moment Telegram accepts it (one small transaction, on the
//! ledger's connection that does not wait for the disk) and the replay skips the recorded
//! ones: a duplicate is left possible only for a kill between Telegram accepting a part
//! and that part's record committing (about a millisecond; the Bot API has no idempotency
//! key to close it).
//!
//! Parts are counted in the order the handler sends them (0, 1, …); the handler is
//! deterministic for the same update, engine and stored state, so the replay numbers its
//! parts the same way.

use crate::store::Store;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The update being handled, as the sending functions see it.
#[derive(Clone)]
pub(crate) struct Replying {
    update_id: i64,
    store: Option<Store>,
    /// Parts an earlier run had sent (read once, when the update's handling starts).
    sent: Arc<HashSet<u32>>,
    next: Arc<AtomicU32>,
}

tokio::task_local! {
    static REPLYING: Replying;
}

/// One part about to be sent.
pub(crate) struct Part {
    update_id: i64,
    part: u32,
    store: Option<Store>,
}

impl Part {
    /// Telegram accepted it: record that now.
    pub(crate) async fn sent(self) {
        let Some(store) = self.store else { return };
        let (id, part) = (self.update_id, self.part);
        let at = crate::time::now();
        if let Err(e) = store.call(move |s| s.mark_part_sent(id, part, at)).await {
            log::warn!(
                "could not record a sent reply of update {id} ({e}); a restart may repeat it"
            );
        }
    }
}

/// Runs `handling` (the handling of update `update_id`) with its parts counted and recorded
/// in `store`.
pub(crate) async fn scope<F: Future>(
    update_id: i64,
    store: Option<Store>,
    handling: F,
) -> F::Output {
    let sent = match &store {
        Some(store) => match store.call(move |s| s.sent_parts(update_id)).await {
            Ok(sent) => sent,
            Err(e) => {
                log::warn!("could not read the sent replies of update {update_id} ({e})");
                HashSet::new()
            }
        },
        None => HashSet::new(),
    };
    if !sent.is_empty() {
        log::info!(
            "update {update_id}: {} reply part(s) were sent before the last stop; not sent again",
            sent.len()
        );
    }
    let replying = Replying {
        update_id,
        store,
        sent: Arc::new(sent),
        next: Arc::default(),
    };
    REPLYING.scope(replying, handling).await
}

/// The next part of the current update's replies: `None` when an earlier run sent it
/// (skip it); `Some` (to mark once accepted) otherwise, also outside any update.
pub(crate) fn next() -> Option<Part> {
    REPLYING
        .try_with(|r| {
            let part = r.next.fetch_add(1, Ordering::SeqCst);
            if r.sent.contains(&part) {
                log::debug!("update {}: part {part} sent before; skipped", r.update_id);
                return None;
            }
            Some(Part {
                update_id: r.update_id,
                part,
                store: r.store.clone(),
            })
        })
        .unwrap_or(Some(Part {
            update_id: 0,
            part: 0,
            store: None,
        }))
}

/// The id of the update being handled, if any: a stable key for what its handling stores.
pub(crate) fn current_update() -> Option<i64> {
    REPLYING.try_with(|r| r.update_id).ok()
}
