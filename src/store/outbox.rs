//! The outbox: what the bot must deliver, stored with the state it belongs to.

use super::*;

/// What waits to be done (see [`Store::backlog`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Updates recorded and not answered yet.
    pub updates: u64,
    /// Messages in the outbox not delivered (nor abandoned) yet.
    pub outbox: u64,
}

impl Store {
    // --- outbox ----------------------------------------------------------------------------

    /// Stores a message to deliver (due at `now`); a duplicate dedup key stores nothing.
    pub fn enqueue(&self, outbound: &Outbound, now: i64) -> Result<Enqueued> {
        self.write(|tx| tx.enqueue(outbound, now))
    }

    /// Up to `limit` messages to send now, oldest first, at most one per chat: the oldest
    /// pending one of its chat, and only once its retry time has come. A chat's later
    /// messages wait behind it, so they arrive in order.
    pub fn outbox_due(&self, now: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox o
                 WHERE o.state = 'pending' AND o.next_attempt_at <= ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox p
                                   WHERE p.state = 'pending' AND p.chat_id = o.chat_id
                                     AND p.id < o.id)
                 ORDER BY o.id LIMIT ?2"
            ))?
            .query_map(params![now, limit as i64], outbox_row)?
            .collect()
        })
    }

    /// The backlogs for `/metrics`: updates recorded and not answered yet (the update
    /// ledger), and messages waiting in the outbox.
    pub fn backlog(&self) -> Result<Backlog> {
        self.read(|c| {
            let updates: i64 = c.query_row(
                "SELECT COUNT(*) FROM updates WHERE status = 'received'",
                [],
                |r| r.get(0),
            )?;
            let outbox: i64 = c.query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?;
            Ok(Backlog {
                updates: updates as u64,
                outbox: outbox as u64,
            })
        })
    }

    /// When the next message falls due (`None`: nothing pending): how long the delivery task
    /// may sleep.
    pub fn outbox_next_due(&self) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT MIN(o.next_attempt_at) FROM outbox o
                 WHERE o.state = 'pending'
                   AND NOT EXISTS (SELECT 1 FROM outbox p
                                   WHERE p.state = 'pending' AND p.chat_id = o.chat_id
                                     AND p.id < o.id)",
                [],
                |r| r.get(0),
            )
        })
    }

    /// Telegram accepted the message (its id there is `telegram_message_id`). Returns `false`
    /// when it was no longer pending (marked before): nothing changes. A delivered ticket
    /// post starts routing staff replies to its ticket.
    pub fn mark_delivered(&self, id: i64, telegram_message_id: i32) -> Result<bool> {
        self.write(|tx| tx.mark_delivered(id, telegram_message_id))
    }

    /// Sending failed for a reason that may pass (an outage, a 429, a 5xx): try again after
    /// `backoff`. Returns the number of failed attempts, or `None` when the entry is no longer
    /// pending (a late failure never revives a delivered message).
    pub fn mark_failed(&self, id: i64, now: i64, backoff: Duration) -> Result<Option<u32>> {
        self.write(|tx| {
            let attempts = tx
                .tx
                .query_row(
                    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2
                     WHERE id = ?1 AND state = 'pending' RETURNING attempts",
                    params![id, now.saturating_add(backoff.as_secs() as i64)],
                    |r| r.get::<_, u32>(0),
                )
                .optional()?;
            if attempts.is_none() {
                tx.outbox_exists(id)?;
            }
            Ok(attempts)
        })
    }

    /// Sending can never succeed (the patient blocked the bot, the chat is gone): stop
    /// trying, so the chat's later messages are not held up. Returns `false` when it was no
    /// longer pending.
    pub fn abandon(&self, id: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx.tx.execute(
                "UPDATE outbox SET state = 'abandoned' WHERE id = ?1 AND state = 'pending'",
                [id],
            )?;
            if n == 0 {
                tx.outbox_exists(id)?;
            }
            Ok(n == 1)
        })
    }
}
