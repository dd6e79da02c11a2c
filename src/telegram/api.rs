//! The bottom of the Telegram door: the bot type, what a failed request means, and the one
//! retry loop. Every other module of `telegram/` sends through here; this module imports
//! nothing from them.
//!
//! **One classification.** [`classify`] sorts every [`RequestError`] into a [`Failure`]:
//! worth trying again (network errors, timeouts, the Bot API's 5xx, its front end's 502 page
//! that is not JSON, a body cut off, a local I/O error, a 429 with its `retry_after`), a
//! refusal no retry can fix (400, 403 blocked, chat gone, migrated), or fatal for the whole
//! bot (the token is not valid). Each caller decides what to do with each kind:
//!
//! | caller | transient | permanent / fatal |
//! |---|---|---|
//! | a reply ([`REPLY`]) | sent again at once, 4 attempts, 0.5 s, 1 s, 2 s apart (a 429 is Throttle's) | returned |
//! | control requests ([`CONTROL`]: getMe, answerCallbackQuery, setMyCommands, webhook) | only a 429, after its `retry_after`, 3 times | returned |
//! | the ledger | the update is answered again later | the update counts as answered |
//! | the outbox | the row is tried again after [`backoff`] | permanent: the row is abandoned |
//! | polling | `getUpdates` again after [`backoff`] | fatal: the bot stops |
//!
//! **Exactly once.** A retry is safe when the failed attempt had no effect (Telegram answered
//! with an error, or the request never reached it), which is how the tests' fake server models
//! every fault. In the real world there is a window where it is not: Telegram accepted the
//! message and its answer was lost (a timeout or reset after Telegram sent the message, a 502
//! from the front end after the Bot API behind it had applied the request). Then the patient
//! sees the reply twice. `sendMessage` has no idempotency key, so the choice is between a
//! possible duplicate and a possibly unanswered patient; a duplicated information message is
//! the lesser harm.
//!
//! Order: a reply's retry runs inside the handler, and the dispatcher handles one chat's
//! updates one after another, so a chat's answers keep the order of its questions.

use std::time::Duration;
use teloxide::Bot;
use teloxide::adaptors::Throttle;
use teloxide::requests::{Output, Request};
use teloxide::{ApiError, RequestError};

/// The bot as the handlers see it: Telegram's rate limits respected (and 429 `retry_after`
/// obeyed for the requests it queues) by [`Throttle`].
pub type TgBot = Throttle<Bot>;

/// What a failed request means for trying it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Sending again may succeed; `after` is Telegram's own `retry_after` (a 429).
    Transient { after: Option<Duration> },
    /// A refusal that sending again will not change (a bad request, a blocked bot, a chat
    /// that is gone).
    Permanent,
    /// The bot cannot work at all (the token is not valid).
    Fatal,
}

/// The one reading of a request error (see the module docs).
pub fn classify(err: &RequestError) -> Failure {
    match err {
        RequestError::RetryAfter(after) => Failure::Transient {
            after: Some(after.duration()),
        },
        // Timeouts, refused or reset connections, a body cut off; a local I/O error.
        RequestError::Network(_) | RequestError::Io(_) => Failure::Transient { after: None },
        // Not the Bot API's JSON: a front end's error page, a truncated answer.
        RequestError::InvalidJson { .. } => Failure::Transient { after: None },
        RequestError::Api(ApiError::Unknown(description)) if is_server_error(description) => {
            Failure::Transient { after: None }
        }
        RequestError::Api(ApiError::InvalidToken) => Failure::Fatal,
        _ => Failure::Permanent,
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

/// How one caller retries a request on the spot.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// What the log line says failed ("sending a reply").
    pub what: &'static str,
    /// Attempts in all (the first and the retries).
    pub attempts: u32,
    /// Retry a transient failure without `retry_after` (network, 5xx), waiting
    /// `backoff(n)` before retry `n`; `None`: return it.
    pub backoff: Option<fn(u32) -> Duration>,
    /// Retry a 429, waiting its `retry_after`.
    pub obey_retry_after: bool,
}

/// A reply to a patient or staff: transient failures retried at once, a short backoff,
/// because what failed already took its time (a timeout waits the whole request timeout, and
/// teloxide pauses 10 s after a 5xx before it reports it). A 429 never gets here for
/// `sendMessage`: [`Throttle`] waits out `retry_after` and sends the same request again.
pub const REPLY: Policy = Policy {
    what: "sending a reply",
    attempts: 4,
    backoff: Some(reply_backoff),
    obey_retry_after: false,
};

/// The requests [`Throttle`] does not queue (getMe, answerCallbackQuery, setMyCommands, the
/// webhook): a 429 is waited out, up to 3 retries.
pub const CONTROL: Policy = Policy {
    what: "a control request",
    attempts: 4,
    backoff: None,
    obey_retry_after: true,
};

/// The wait before reply retry `n` (1-based): 0.5 s, 1 s, 2 s.
fn reply_backoff(n: u32) -> Duration {
    backoff(n, Duration::from_millis(500), Duration::from_secs(8))
}

/// The one backoff: `first`, doubling with each failure `n` (1-based), at most `max`.
pub fn backoff(n: u32, first: Duration, max: Duration) -> Duration {
    first
        .saturating_mul(1 << n.saturating_sub(1).min(20))
        .min(max)
}

/// Sends `request`, retrying what `policy` retries (see the module docs).
pub async fn send<R>(request: R, policy: &Policy) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let mut retries = 0;
    loop {
        match request.send_ref().await {
            Err(err) if retries + 1 < policy.attempts => {
                let wait = match classify(&err) {
                    Failure::Transient { after: Some(after) } if policy.obey_retry_after => {
                        log::warn!("flood control: retrying after {}s", after.as_secs());
                        after
                    }
                    Failure::Transient { after: None } if policy.backoff.is_some() => {
                        let wait = policy.backoff.map_or(Duration::ZERO, |b| b(retries + 1));
                        log::warn!(
                            "{} failed ({}); retry {} of {} in {} ms",
                            policy.what,
                            describe(&err),
                            retries + 1,
                            policy.attempts - 1,
                            wait.as_millis()
                        );
                        wait
                    }
                    _ => return Err(err),
                };
                retries += 1;
                tokio::time::sleep(wait).await;
            }
            outcome => return outcome,
        }
    }
}

/// A request error for logs: what went wrong, without URLs (which hold the token), raw
/// responses or ids.
pub fn describe(err: &RequestError) -> String {
    match err {
        RequestError::Api(api) => format!("Bot API error: {api}"),
        RequestError::MigrateToChatId(_) => "the chat was migrated to a supergroup".into(),
        RequestError::RetryAfter(after) => {
            format!("flood control: retry after {}s", after.seconds())
        }
        RequestError::Network(e) => {
            let kind = if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "connection failed"
            };
            format!("network error ({kind})")
        }
        RequestError::InvalidJson { .. } => {
            "the Bot API answered something that is not its JSON".into()
        }
        RequestError::Io(e) => format!("I/O error ({})", e.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// An error answer's description, parsed as teloxide parses it.
    fn api(description: &str) -> RequestError {
        RequestError::Api(serde_json::from_value(serde_json::json!(description)).unwrap())
    }

    const NOW: Failure = Failure::Transient { after: None };

    #[test]
    fn server_errors_and_garbled_answers_are_transient() {
        assert_eq!(classify(&api("Internal Server Error")), NOW);
        assert_eq!(classify(&api("Bad Gateway")), NOW);
        assert_eq!(classify(&api("Gateway Timeout")), NOW);
        assert_eq!(classify(&api("502 bad gateway")), NOW);
        let garbled = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
        let invalid = RequestError::InvalidJson {
            source: Arc::new(garbled),
            raw: "<html>".into(),
        };
        assert_eq!(classify(&invalid), NOW);
        let io = RequestError::Io(Arc::new(std::io::Error::other("disk")));
        assert_eq!(classify(&io), NOW);
    }

    #[test]
    fn a_429_is_transient_with_its_wait() {
        let err = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7));
        assert_eq!(
            classify(&err),
            Failure::Transient {
                after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn errors_a_retry_cannot_fix_are_permanent_and_a_bad_token_fatal() {
        for description in [
            "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0",
            "Bad Request: message is too long",
            "Forbidden: bot was blocked by the user",
            "Bad Request: chat not found",
            "Conflict: terminated by other getUpdates request; make sure that only one bot \
             instance is running",
        ] {
            assert_eq!(
                classify(&api(description)),
                Failure::Permanent,
                "{description}"
            );
        }
        assert_eq!(
            classify(&RequestError::MigrateToChatId(teloxide::types::ChatId(
                -100
            ))),
            Failure::Permanent
        );
        assert_eq!(classify(&api("Unauthorized")), Failure::Fatal);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(reply_backoff(1), Duration::from_millis(500));
        assert_eq!(reply_backoff(2), Duration::from_secs(1));
        assert_eq!(reply_backoff(3), Duration::from_secs(2));
        let s = Duration::from_secs;
        assert_eq!(backoff(5, s(1), s(600)), s(16));
        assert_eq!(backoff(40, s(1), s(600)), s(600));
        assert_eq!(backoff(0, s(1), s(32)), s(1));
    }
}
