//! Updates: recorded before they are confirmed, answered at least once, de-duplicated.

use super::*;

impl Store {
    // --- updates (at-least-once with de-duplication) ---------------------------------------

    /// Records an update before it is acknowledged to Telegram. `payload` (the update's
    /// JSON) is kept until the update is answered, so it can be answered after a crash.
    pub fn record_update(
        &self,
        update_id: i64,
        chat_id: Option<i64>,
        payload: &str,
        now: i64,
    ) -> Result<UpdateSeen> {
        let seen = self.record_updates(
            &[IncomingUpdate {
                update_id,
                chat_id,
                payload: payload.to_string(),
            }],
            now,
        )?;
        Ok(seen[0])
    }

    /// [`Store::record_update`] for a whole `getUpdates` batch, in one transaction (one
    /// commit per batch instead of one per update). The result is in the batch's order.
    pub fn record_updates(&self, batch: &[IncomingUpdate], now: i64) -> Result<Vec<UpdateSeen>> {
        self.write(|tx| {
            let mut seen = Vec::with_capacity(batch.len());
            for u in batch {
                let status: Option<String> = tx
                    .tx
                    .query_row(
                        "SELECT status FROM updates WHERE update_id = ?1",
                        [u.update_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                seen.push(match status.as_deref() {
                    Some("answered") => UpdateSeen::Answered,
                    Some(_) => UpdateSeen::Unanswered,
                    None => {
                        tx.tx.execute(
                            "INSERT INTO updates (update_id, chat_id, status, payload, received_at)
                             VALUES (?1, ?2, 'received', ?3, ?4)",
                            params![u.update_id, u.chat_id, u.payload, now],
                        )?;
                        UpdateSeen::New
                    }
                });
            }
            Ok(seen)
        })
    }

    /// Marks an update answered and stores its replies in the outbox, in one transaction;
    /// its payload is deleted. Returns `false` (storing nothing) when it was answered before.
    /// An update never recorded is recorded as answered.
    pub fn answer_update(&self, update_id: i64, now: i64, outbox: &[Outbound]) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.tx.execute(
                "INSERT INTO updates (update_id, status, received_at, answered_at)
                 VALUES (?1, 'answered', ?2, ?2)
                 ON CONFLICT (update_id) DO UPDATE
                 SET status = 'answered', payload = NULL, answered_at = ?2
                 WHERE status != 'answered'",
                params![update_id, now],
            )?;
            // Its replies are all out: the record of which parts were sent is done with.
            tx.tx
                .execute("DELETE FROM sent_parts WHERE update_id = ?1", [update_id])?;
            if changed == 0 {
                return Ok(false);
            }
            for o in outbox {
                tx.enqueue(o, now)?;
            }
            Ok(true)
        })
    }

    /// Forgets answered updates received before `before`. Telegram redelivers an update it
    /// was not told about for at most 24 hours, so older records cannot catch a duplicate;
    /// and update ids may start afresh after a quiet week (or for a new bot), when an old
    /// record would wrongly hide a new update.
    pub fn forget_answered_updates(&self, before: i64) -> Result<u64> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "DELETE FROM updates WHERE status = 'answered' AND received_at < ?1",
                [before],
            )? as u64)
        })
    }

    /// Updates recorded and not answered, oldest first: what to answer after a restart.
    pub fn unanswered_updates(&self) -> Result<Vec<PendingUpdate>> {
        self.read(|c| {
            c.prepare(
                "SELECT update_id, chat_id, COALESCE(payload, '') FROM updates
                 WHERE status = 'received' ORDER BY update_id",
            )?
            .query_map([], |r| {
                Ok(PendingUpdate {
                    update_id: r.get(0)?,
                    chat_id: r.get(1)?,
                    payload: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    /// Whether part `part` of the direct replies to update `update_id` was accepted by
    /// Telegram in an earlier run (see [`Store::mark_part_sent`]).
    pub fn part_sent(&self, update_id: i64, part: u32) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM sent_parts WHERE update_id = ?1 AND part = ?2",
                params![update_id, part],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// The parts of update `update_id`'s direct replies recorded as sent.
    pub fn sent_parts(&self, update_id: i64) -> Result<std::collections::HashSet<u32>> {
        self.read(|c| {
            c.prepare("SELECT part FROM sent_parts WHERE update_id = ?1")?
                .query_map([update_id], |r| r.get(0))?
                .collect()
        })
    }

    /// Records that Telegram accepted part `part` (0, 1, … in the order the handler sends)
    /// of the direct replies to update `update_id`, one small transaction right after the
    /// send: if the process dies before the update is marked answered, its replay sends only
    /// the parts not recorded here. Deleted when the update is marked answered.
    pub fn mark_part_sent(&self, update_id: i64, part: u32, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT OR IGNORE INTO sent_parts (update_id, part, sent_at) VALUES (?1, ?2, ?3)",
                params![update_id, part, now],
            )?;
            Ok(())
        })
    }
}
