//! The question log: what patients ask, for the staff's report (`b12bot report`, `/stats`).

use super::*;

// Kept apart from the ticket tables and added after them so the triage desk's changes merge
// cleanly.

impl Store {
    /// Logs a question the bot answered, at `now`. Stores the text, intent, topic, score and
    /// language — never who asked: the log cannot be joined to a chat, so
    /// [`Store::forget_chat`] cannot (and need not) find these rows; the text expires with
    /// [`Store::retention`].
    pub fn log_question(&self, now: i64, q: &QuestionRecord) -> Result<QuestionId> {
        self.write(|tx| {
            Ok(QuestionId(tx.tx.query_row(
                "INSERT INTO question_log (asked_at, text, intent, topic, score, lang)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    now,
                    q.text,
                    q.intent.name(),
                    q.topic,
                    f64::from(q.score),
                    lang_str(q.lang)
                ],
                |r| r.get(0),
            )?))
        })
    }

    /// Records the patient's 👍 (`helpful`) or 👎 on a logged answer. Idempotent, and the
    /// last tap wins (a patient may change their mind). Returns `false` when there is no
    /// such question (e.g. a button from another database); nothing is stored then.
    pub fn set_feedback(&self, id: QuestionId, helpful: bool) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.tx.execute(
                "UPDATE question_log SET helpful = ?2 WHERE id = ?1",
                params![id.0, helpful],
            )? == 1)
        })
    }

    /// The questions logged at or after `since` (unix seconds), oldest first.
    pub fn questions_since(&self, since: i64) -> Result<Vec<LoggedQuestion>> {
        self.read(|c| {
            c.prepare(
                "SELECT id, asked_at, text, intent, topic, score, lang, helpful
                 FROM question_log WHERE asked_at >= ?1 ORDER BY asked_at, id",
            )?
            .query_map([since], |r| {
                let intent: String = r.get(3)?;
                Ok(LoggedQuestion {
                    id: QuestionId(r.get(0)?),
                    asked_at: r.get(1)?,
                    text: r.get(2)?,
                    intent: crate::engine::Intent::parse(&intent)
                        .ok_or_else(|| bad_value("intent", &intent))?,
                    topic: r.get(4)?,
                    score: r.get::<_, f64>(5)? as f32,
                    lang: parse_lang(&r.get::<_, String>(6)?)?,
                    helpful: r.get(7)?,
                })
            })?
            .collect()
        })
    }
}
