//! At-least-once update delivery with de-duplication.
//!
//! teloxide's own `Polling` confirms an update to Telegram (the next `getUpdates` carries a
//! higher `offset`) as soon as it has handed it to the dispatcher, before the handler has
//! answered; a crash or SIGKILL in between loses the patient's message for good. The
//! listener here closes that gap:
//!
//! 1. a `getUpdates` batch is **recorded** in the store (the update's JSON, one transaction)
//!    before the next `getUpdates` confirms it;
//! 2. the handler tree answers it; the [`isolate`](super::isolate) layer then marks it
//!    **answered** (its JSON is deleted);
//! 3. at startup, every recorded update still unanswered is answered first; Telegram's
//!    redelivery of the same update is recognised by its id and skipped.
//!
//! So an update is answered at least once, and only once unless the process died in the
//! moment between Telegram accepting the reply and the store marking the update answered
//! (the Bot API has no idempotency key that would let a resend be recognised): then the
//! reply is sent again after the restart. A lost answer is worse than a repeated one.
//!
//! A transient failure to answer (Telegram unreachable after the send retries) puts the
//! update back in the queue; it is answered when Telegram is reachable again.
//!
//! Without a store (no data directory, or a broken one) the listener still polls, answers
//! and confirms; it only cannot protect against a crash, and says so in the log.

use super::api::{self, TgBot, describe};
use crate::store::{IncomingUpdate, Store, UpdateSeen};
use futures::Stream;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::requests::Request;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update};
use teloxide::update_listeners::{StatefulListener, UpdateListener};
use tokio::sync::mpsc;

/// The record of updates in the store, shared by the listener (records) and the handler
/// layer (marks answered). Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    store: Option<Store>,
    /// Where updates are marked answered: a connection that does not wait for the disk, so
    /// the moment between a reply being accepted and its update marked (a kill then means
    /// the reply is sent again) stays short.
    marks: Option<Store>,
    retry: mpsc::UnboundedSender<Update>,
    /// Failed attempts per update id still being retried.
    attempts: Arc<Mutex<HashMap<u32, u32>>>,
    /// Updates being handled at once (see [`IN_FLIGHT`]).
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// How many updates are handled at once, across chats. Telegram takes about 30 messages a
/// second, so answering hundreds of waiting updates at once (after a restart, or when many
/// patients write together) only queues replies; with a bound, each handled update is
/// answered and marked promptly, which keeps the moment in which a crash would make a reply
/// go out twice short, and memory flat.
pub const IN_FLIGHT: usize = 32;

/// The receiving end of the ledger's retry queue, for [`listener`].
pub(crate) struct RetryQueue(mpsc::UnboundedReceiver<Update>);

/// How long Telegram keeps (and may redeliver) an update it was not told about.
const REDELIVERY_WINDOW_SECS: i64 = 24 * 3600;

/// How often the records of long-answered updates are forgotten while the bot runs.
const FORGET_EVERY: Duration = Duration::from_secs(3600);

/// Attempts to answer one update within a run before it is left for the next start.
const MAX_ATTEMPTS: u32 = 8;

impl Ledger {
    /// A ledger over `store` (`None`: updates are answered but not recorded).
    pub(crate) fn new(store: Option<Store>) -> (Ledger, RetryQueue) {
        let (retry, queue) = mpsc::unbounded_channel();
        let marks = store.as_ref().map(|s| {
            s.relaxed().unwrap_or_else(|e| {
                log::warn!("a second database connection failed ({e}); marking on the first");
                s.clone()
            })
        });
        let ledger = Ledger {
            store,
            marks,
            retry,
            attempts: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
        };
        (ledger, RetryQueue(queue))
    }

    /// Where the parts of a reply are recorded as Telegram accepts them ([`super::parts`]).
    pub(crate) fn marks(&self) -> Option<Store> {
        self.marks.clone()
    }

    /// Waits for a free place among the updates handled at once; hold it until the update
    /// is marked.
    pub(crate) async fn admit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.in_flight.clone().acquire_owned().await.ok()
    }

    /// The update was handled (answered, or deliberately ignored): it is not answered again,
    /// and its JSON is deleted.
    pub(crate) async fn answered(&self, update: &Update) {
        self.attempts().remove(&update.id.0);
        let Some(store) = &self.marks else { return };
        let id = i64::from(update.id.0);
        match store
            .call(move |s| s.answer_update(id, crate::time::now(), &[]))
            .await
        {
            Ok(_) => log::trace!("update {id} marked answered"),
            Err(e) => log::error!(
                "could not mark update {id} answered ({e}); it may be answered again after a \
                 restart"
            ),
        }
    }

    /// Answering failed for a reason that may pass (Telegram unreachable): try again later.
    /// After [`MAX_ATTEMPTS`] the update stays recorded as unanswered and is answered after
    /// the next start (without a store it is lost, and the log says so).
    pub(crate) fn retry_later(&self, update: Update) {
        let id = update.id.0;
        let attempt = {
            let mut attempts = self.attempts();
            let n = attempts.entry(id).or_insert(0);
            *n += 1;
            *n
        };
        if attempt >= MAX_ATTEMPTS {
            self.attempts().remove(&id);
            match self.store {
                Some(_) => log::error!(
                    "update {id} could not be answered in {attempt} attempts; it stays recorded \
                     and is answered after the next start"
                ),
                None => log::error!(
                    "update {id} could not be answered in {attempt} attempts and is lost (no \
                     database to keep it in)"
                ),
            }
            return;
        }
        log::warn!("update {id} could not be answered now (attempt {attempt}); queued again");
        let _ = self.retry.send(update);
    }

    fn attempts(&self) -> std::sync::MutexGuard<'_, HashMap<u32, u32>> {
        self.attempts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a fetched batch; returns the updates to hand to the dispatcher (new ones and,
    /// when nothing could be recorded, all of them).
    async fn record(&self, batch: Vec<Update>) -> Vec<Update> {
        let Some(store) = &self.store else {
            return batch;
        };
        let incoming: Result<Vec<IncomingUpdate>, serde_json::Error> = batch
            .iter()
            .map(|u| {
                Ok(IncomingUpdate {
                    update_id: i64::from(u.id.0),
                    chat_id: u.chat().map(|c| c.id.0),
                    payload: serde_json::to_string(u)?,
                })
            })
            .collect();
        let incoming = match incoming {
            Ok(incoming) => incoming,
            Err(e) => {
                log::error!("cannot serialise updates to record them ({e}); answering unrecorded");
                return batch;
            }
        };
        let recorded = store
            .call(move |s| s.record_updates(&incoming, crate::time::now()))
            .await;
        match recorded {
            Ok(seen) => {
                log::trace!("recorded updates: {seen:?}");
                batch
                    .into_iter()
                    .zip(seen)
                    .filter_map(|(update, seen)| match seen {
                        UpdateSeen::New => Some(update),
                        // Answered before, or recorded and answered already in this run (every
                        // unanswered record is replayed at startup): a redelivery.
                        UpdateSeen::Answered | UpdateSeen::Unanswered => {
                            log::debug!("update {} was delivered again; skipped", update.id.0);
                            None
                        }
                    })
                    .collect()
            }
            Err(e) => {
                log::error!(
                    "could not record {} updates ({e}); answering them without crash protection",
                    batch.len()
                );
                batch
            }
        }
    }

    /// Forgets the records of updates answered longer ago than Telegram may redeliver them
    /// (they hold no message text, only ids and times; see [`Store::answer_update`]).
    async fn forget_old(&self) {
        let Some(store) = &self.store else { return };
        let before = crate::time::now() - REDELIVERY_WINDOW_SECS;
        match store.call(move |s| s.forget_answered_updates(before)).await {
            Ok(n) => log::debug!("forgot {n} old update records"),
            Err(e) => log::warn!("could not forget old update records ({e})"),
        }
    }

    /// Recorded updates never answered (the process stopped first), oldest first.
    async fn unanswered(&self) -> Vec<Update> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        let pending = match store.call(|s| s.unanswered_updates()).await {
            Ok(pending) => pending,
            Err(e) => {
                log::error!("could not read unanswered updates ({e})");
                return Vec::new();
            }
        };
        let mut updates = Vec::with_capacity(pending.len());
        for p in pending {
            match serde_json::from_str::<Update>(&p.payload) {
                Ok(update) => updates.push(update),
                Err(e) => {
                    log::error!(
                        "recorded update {} cannot be read back ({e}); it is skipped",
                        p.update_id
                    );
                    let _ = store
                        .call(move |s| s.answer_update(p.update_id, crate::time::now(), &[]))
                        .await;
                }
            }
        }
        if !updates.is_empty() {
            log::info!(
                "answering {} updates received before the last stop and not yet answered",
                updates.len()
            );
        }
        updates
    }
}

/// How long to wait after the `n`-th failed `getUpdates` in a row: 1 s, 2 s … 32 s.
fn backoff(n: u32) -> Duration {
    api::backoff(n, Duration::from_secs(1), Duration::from_secs(32))
}

/// The state of [`listener`]'s stream.
struct Poller {
    bot: TgBot,
    ledger: Ledger,
    retry: mpsc::UnboundedReceiver<Update>,
    timeout: Duration,
    /// The next `offset`: confirms every update below it.
    offset: i32,
    queue: VecDeque<Update>,
    replayed: bool,
    /// When old records were last forgotten (at startup, then every [`FORGET_EVERY`]).
    forgotten_at: Option<tokio::time::Instant>,
    failures: u32,
    pause: Option<Duration>,
    allowed: Option<Vec<AllowedUpdate>>,
    stop: StopFlag,
    stop_token: StopToken,
    done: bool,
}

impl Poller {
    async fn next(&mut self) -> Option<Result<Update, RequestError>> {
        loop {
            if let Some(update) = self.queue.pop_front() {
                return Some(Ok(update));
            }
            if self
                .forgotten_at
                .is_none_or(|at| at.elapsed() >= FORGET_EVERY)
            {
                self.forgotten_at = Some(tokio::time::Instant::now());
                self.ledger.forget_old().await;
            }
            if !self.replayed {
                self.replayed = true;
                self.queue.extend(self.ledger.unanswered().await);
                continue;
            }
            while let Ok(update) = self.retry.try_recv() {
                self.queue.push_back(update);
            }
            if !self.queue.is_empty() {
                continue;
            }
            if self.done || self.stop.is_stopped() {
                self.finish().await;
                return None;
            }
            if let Some(pause) = self.pause.take() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = self.stop.clone() => {}
                }
                continue;
            }
            let mut request = self
                .bot
                .get_updates()
                .offset(self.offset)
                .timeout(self.timeout.as_secs().try_into().unwrap_or(u32::MAX));
            if let Some(allowed) = &self.allowed {
                request = request.allowed_updates(allowed.clone());
            }
            let fetched = tokio::select! {
                fetched = request.send() => fetched,
                () = self.stop.clone() => continue,
            };
            match fetched {
                Ok(batch) => {
                    self.failures = 0;
                    if let Some(last) = batch.last() {
                        // Confirmed by the next getUpdates, which runs only after `record`.
                        self.offset = last.id.as_offset();
                    }
                    let fresh = self.ledger.record(batch).await;
                    self.queue.extend(fresh);
                }
                Err(err) => {
                    self.failures += 1;
                    self.pause = Some(match &err {
                        RequestError::RetryAfter(after) => after.duration(),
                        _ => backoff(self.failures),
                    });
                    return Some(Err(err));
                }
            }
        }
    }

    /// Confirms what was fetched (a last `getUpdates` that waits for nothing), so a restart
    /// does not fetch it again. Harmless when it fails: redeliveries are recognised.
    async fn finish(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        if self.offset == 0 {
            return;
        }
        let commit = self
            .bot
            .get_updates()
            .offset(self.offset)
            .limit(1)
            .timeout(0)
            .send();
        match tokio::time::timeout(Duration::from_secs(5), commit).await {
            Ok(Ok(_)) => log::debug!("update offset committed"),
            Ok(Err(e)) => log::debug!("committing the update offset failed: {}", describe(&e)),
            Err(_) => log::debug!("committing the update offset timed out"),
        }
    }
}

/// Long polling with the [`Ledger`]: what `run` hands the dispatcher.
pub(crate) fn listener(
    bot: TgBot,
    ledger: Ledger,
    retry: RetryQueue,
    timeout: Duration,
) -> impl UpdateListener<Err = RequestError> {
    let (stop_token, stop) = mk_stop_token();
    let poller = Poller {
        bot,
        ledger,
        retry: retry.0,
        timeout,
        offset: 0,
        queue: VecDeque::new(),
        replayed: false,
        forgotten_at: None,
        failures: 0,
        pause: None,
        allowed: None,
        stop,
        stop_token,
        done: false,
    };
    StatefulListener::new_with_hints(
        poller,
        as_stream,
        |p: &mut Poller| p.stop_token.clone(),
        Some(hint_allowed as fn(&mut Poller, &mut dyn Iterator<Item = AllowedUpdate>)),
    )
}

fn as_stream(p: &mut Poller) -> impl Stream<Item = Result<Update, RequestError>> + Send + '_ {
    futures::stream::unfold(p, |p| async move { p.next().await.map(|item| (item, p)) })
}

fn hint_allowed(p: &mut Poller, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
    p.allowed = Some(hint.collect());
}
