//! The question log at the Telegram door: what patients asked and what the bot made of it
//! (never a chat id, name or username), which the staff's report and the console's inbox
//! read, and the 👍/👎 on answers. Kept whenever the bot has its database, with or without
//! the triage desk; `retention_days` blanks the texts (see `Store::retention`).

use crate::engine::Answer;
use crate::store::{QuestionId, QuestionRecord, Store};
use crate::time::now;

/// The database the log goes to; `None` (no database): nothing is logged and answers carry
/// no 👍/👎.
#[derive(Clone, Default)]
pub struct QuestionLog(pub Option<Store>);

impl QuestionLog {
    /// Logs a question the bot answered; its id for the 👍/👎 buttons. `None` (and logged)
    /// when there is no database or it cannot be written: the patient is answered anyway.
    pub(crate) async fn record(&self, question: &str, answer: &Answer) -> Option<QuestionId> {
        let store = self.0.as_ref()?;
        let record = QuestionRecord::from_answer(question, answer);
        let at = now();
        match store.call(move |s| s.log_question(at, &record)).await {
            Ok(id) => Some(id),
            Err(e) => {
                log::error!("question log: cannot store a question: {e}");
                None
            }
        }
    }

    /// Records a 👍/👎; `false` when the question is unknown (a stale button) or the
    /// database is missing or cannot be written.
    pub(crate) async fn feedback(&self, id: i64, helpful: bool) -> bool {
        let Some(store) = &self.0 else {
            return false;
        };
        match store
            .call(move |s| s.set_feedback(QuestionId(id), helpful))
            .await
        {
            Ok(found) => found,
            Err(e) => {
                log::error!("question log: cannot store feedback: {e}");
                false
            }
        }
    }
}
