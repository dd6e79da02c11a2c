//! Sending a reply through Telegram's and the network's hiccups.
//!
//! A reply that fails on a transient error — the Bot API's 5xx, its front end's 502 page (not
//! JSON), a network error, a timeout, a body that is not JSON — is sent again, up to
//! [`ATTEMPTS`] times in all, with a short backoff. Errors no retry can fix are returned at
//! once: 400 (the request itself is wrong), 403 (the patient blocked the bot), 401 (the token
//! was revoked; the listener stops the bot). 429 never gets here: [`Throttle`] waits out
//! `retry_after` and sends the same request again by itself.
//!
//! Order: the retry runs inside the handler, and the dispatcher handles one chat's updates
//! one after another, so a chat's answers keep the order of its questions.
//!
//! Exactly once: a retry is safe when the failed attempt had no effect (Telegram answered with
//! an error, or the request never reached it), which is how the tests' fake server models
//! every fault. In the real world there is a window where it is not: Telegram accepted the
//! message and its answer was lost (a timeout or reset after Telegram sent the message, a 502
//! from the front end after the Bot API behind it had applied the request). Then the patient
//! sees the reply twice. `sendMessage` has no idempotency key, so the choice is between a
//! possible duplicate and a possibly unanswered patient; a duplicated information message is
//! the lesser harm.
//!
//! [`Throttle`]: teloxide::adaptors::Throttle

use super::serve::describe;
use std::time::Duration;
use teloxide::requests::{Output, Request};
use teloxide::{ApiError, RequestError};

/// Attempts in all (the first and the retries).
const ATTEMPTS: u32 = 4;

/// The wait before retry `n` (1-based): 0.5 s, 1 s, 2 s. Short, because what failed already
/// took its time: a timeout waits the whole request timeout, and teloxide pauses 10 s after a
/// 5xx before it reports it.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(500 << (n.saturating_sub(1)).min(4))
}

/// Sends `request`, retrying transient failures (see the module docs).
pub(crate) async fn send_with_retries<R>(request: R) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let mut retries = 0;
    loop {
        match request.send_ref().await {
            Err(err) if retries + 1 < ATTEMPTS && is_transient(&err) => {
                retries += 1;
                let wait = backoff(retries);
                log::warn!(
                    "sending a reply failed ({}); retry {retries} of {} in {} ms",
                    describe(&err),
                    ATTEMPTS - 1,
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
            }
            outcome => return outcome,
        }
    }
}

/// Whether sending again may succeed. The ledger asks the same (plus a 429 and a local I/O
/// error) to decide whether an update is answered later.
pub(crate) fn is_transient(err: &RequestError) -> bool {
    match err {
        // Timeouts, refused or reset connections, a body cut off.
        RequestError::Network(_) => true,
        // Not the Bot API's JSON: a front end's error page, a truncated answer.
        RequestError::InvalidJson { .. } => true,
        RequestError::Api(ApiError::Unknown(description)) => is_server_error(description),
        _ => false,
    }
}

/// The Bot API's 5xx answers: their description is the HTTP reason phrase (teloxide keeps only
/// the description, not the status code), in whatever case a front end writes it.
fn is_server_error(description: &str) -> bool {
    let description = description.to_ascii_lowercase();
    [
        "internal server error",
        "bad gateway",
        "service unavailable",
        "gateway timeout",
    ]
    .iter()
    .any(|phrase| description.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// An error answer's description, parsed as teloxide parses it.
    fn api(description: &str) -> RequestError {
        RequestError::Api(serde_json::from_value(serde_json::json!(description)).unwrap())
    }

    #[test]
    fn server_errors_and_garbled_answers_are_retried() {
        assert!(is_transient(&api("Internal Server Error")));
        assert!(is_transient(&api("Bad Gateway")));
        assert!(is_transient(&api("Gateway Timeout")));
        assert!(is_transient(&api("502 bad gateway")));
        let garbled = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
        assert!(is_transient(&RequestError::InvalidJson {
            source: Arc::new(garbled),
            raw: "<html>".into(),
        }));
    }

    #[test]
    fn errors_a_retry_cannot_fix_are_not_retried() {
        for description in [
            "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0",
            "Bad Request: message is too long",
            "Forbidden: bot was blocked by the user",
            "Unauthorized",
            "Conflict: terminated by other getUpdates request; make sure that only one bot \
             instance is running",
        ] {
            assert!(!is_transient(&api(description)), "{description}");
        }
        assert!(!is_transient(&RequestError::MigrateToChatId(
            teloxide::types::ChatId(-100)
        )));
    }

    #[test]
    fn backoff_doubles_from_half_a_second() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(2));
    }
}
