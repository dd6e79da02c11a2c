//! Per-chat preferences, retention and forgetting a patient.

use super::*;

impl Store {
    // --- preferences -----------------------------------------------------------------------

    /// The chat's chosen language (`/taal`); `None` clears the choice.
    pub fn set_language(&self, chat_id: i64, lang: Option<Lang>, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO chat_prefs (chat_id, lang, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id) DO UPDATE SET lang = ?2, updated_at = ?3",
                params![chat_id, lang.map(lang_str), now],
            )?;
            Ok(())
        })
    }

    pub fn language(&self, chat_id: i64) -> Result<Option<Lang>> {
        self.read(|c| {
            let lang: Option<Option<String>> = c
                .query_row(
                    "SELECT lang FROM chat_prefs WHERE chat_id = ?1",
                    [chat_id],
                    |r| r.get(0),
                )
                .optional()?;
            lang.flatten().as_deref().map(parse_lang).transpose()
        })
    }

    // --- privacy ---------------------------------------------------------------------------

    /// Deletes what is older than `days` days before `now`: ticket messages, outbox rows
    /// (delivered or not: a text that old is not worth sending) and update records; and
    /// unlinks answered or closed tickets untouched for that long from their chat. Ticket
    /// numbers, statuses and times stay, so `/stats` still counts them. Open tickets keep
    /// their chat link (a late staff reply must still reach the patient), not their texts.
    /// Logged questions ([`Store::log_question`]) that old lose their text; the rest of the
    /// row (intent, topic, language, feedback) stays for the report.
    pub fn retention(&self, now: i64, days: u32) -> Result<RetentionCounts> {
        let cutoff = now.saturating_sub(i64::from(days) * 86_400);
        let counts = self.write(|tx| {
            let c = tx.tx;
            let counts = RetentionCounts {
                messages: c.execute(
                    "DELETE FROM ticket_messages WHERE created_at < ?1",
                    [cutoff],
                )? as u64,
                outbox: c.execute("DELETE FROM outbox WHERE created_at < ?1", [cutoff])? as u64,
                updates: c.execute("DELETE FROM updates WHERE received_at < ?1", [cutoff])? as u64,
                tickets_unlinked: c.execute(
                    "UPDATE tickets SET chat_id = NULL
                     WHERE chat_id IS NOT NULL AND status != 'open' AND updated_at < ?1",
                    [cutoff],
                )? as u64,
                questions: c.execute(
                    "UPDATE question_log SET text = NULL
                     WHERE text IS NOT NULL AND asked_at < ?1",
                    [cutoff],
                )? as u64,
                offers: c.execute("DELETE FROM pending_offers WHERE created_at < ?1", [cutoff])?
                    as u64,
            };
            c.execute("DELETE FROM sent_parts WHERE sent_at < ?1", [cutoff])?;
            Ok(counts)
        })?;
        self.checkpoint()?;
        Ok(counts)
    }

    /// Removes everything stored about one chat (a patient's request, `b12bot forget`): its
    /// tickets with their messages and posts, messages to it or about its tickets, its
    /// update records and preferences. Other chats are untouched. (Copies already in
    /// Telegram, like the ticket posts in the triage group, are Telegram's to delete.)
    ///
    /// The question log is not touched: it has no chat id, by design, so nothing in it can
    /// be traced to this chat. Its texts are pseudonymous and expire with
    /// [`Store::retention`] like ticket texts.
    pub fn forget_chat(&self, chat_id: i64) -> Result<ForgetCounts> {
        let counts = self.write(|tx| {
            let c = tx.tx;
            let mine = "SELECT number FROM tickets WHERE chat_id = ?1";
            let messages = c.execute(
                &format!("DELETE FROM ticket_messages WHERE ticket IN ({mine})"),
                [chat_id],
            )? as u64;
            let outbox = c.execute(
                &format!("DELETE FROM outbox WHERE chat_id = ?1 OR ticket IN ({mine})"),
                [chat_id],
            )? as u64;
            c.execute(
                &format!("DELETE FROM ticket_posts WHERE ticket IN ({mine})"),
                [chat_id],
            )?;
            Ok(ForgetCounts {
                messages,
                outbox,
                tickets: c.execute("DELETE FROM tickets WHERE chat_id = ?1", [chat_id])? as u64,
                updates: c.execute("DELETE FROM updates WHERE chat_id = ?1", [chat_id])? as u64,
                prefs: c.execute("DELETE FROM chat_prefs WHERE chat_id = ?1", [chat_id])? as u64,
                offers: c.execute("DELETE FROM pending_offers WHERE chat_id = ?1", [chat_id])?
                    as u64,
            })
        })?;
        self.checkpoint()?;
        Ok(counts)
    }

    /// Copies the write-ahead log into the database and empties it, so deleted text does not
    /// linger in the `-wal` file.
    fn checkpoint(&self) -> Result<()> {
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| StoreError::Db(e).at(&self.inner.path))
    }
}
