//! The Bot API misbehaving on cue: for each fault, on `getUpdates` and on `sendMessage` where
//! it makes sense, the bot keeps serving (for 401: stops at once with a clear error), and every
//! question a patient asks is answered exactly once, in the order asked.
//!
//! The script of each test ([`survive`]): a patient asks a question before the fault, one
//! whose reply (and the poll after it) meets the fault, one while the fault is happening and
//! one after it. Then a barrier (`/taal`, answered with the language buttons) and the
//! confirmation of every update by the offset prove that nothing more is coming: one chat's
//! updates are handled one after another, so once the barrier is answered every earlier
//! handler (retries included) is done, and a confirmed update is never handed out again.
//!
//! What a failed request did follows the fake server's model: a fault never applies the
//! request, and a request whose client gave up is dropped unapplied.
//!
//! Timeouts are short (1 s long polls, a 2 s client timeout), except for the 5xx tests:
//! teloxide pauses 10 s after a 5xx before it reads the answer, and the client timeout covers
//! that pause, so those use a client timeout long enough to see the 5xx as production does.

use crate::support;

use b12bot::engine::{Context, Intent};
use b12bot::telegram::serve::ServeError;
use b12bot::text::Lang;
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::fake_bot_api::{FakeBotApi, Fault, Patient, Recorded, Sent};
use support::load::unthrottled;
use support::{RunningBot, SOON, TOKEN, launch, real_engine};

const POLL: Duration = Duration::from_secs(1);
/// The client timeout of most tests.
const CLIENT: Duration = Duration::from_secs(2);
/// Longer than teloxide's 10 s pause after a 5xx (plus the answer).
const CLIENT_5XX: Duration = Duration::from_secs(15);
/// Longer than a test that runs into the 5xx pause takes.
const SLOW: Duration = Duration::from_secs(30);

/// Four questions with four different answers, in the order the patient asks them.
const QUESTIONS: [&str; 4] = [
    "wat is vitamine b12?",
    "Welke voeding bevat veel vitamine B12?",
    "hoeveel kost de behandeling, vergoedt de verzekering dat?",
    "hoe lang duurt het voordat ik me beter voel na de injecties?",
];

/// What the engine answers each of [`QUESTIONS`] (the first line), for a Dutch patient.
fn expected_answers() -> &'static [String] {
    static ANSWERS: OnceLock<Vec<String>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        let engine = real_engine();
        let ctx = Context {
            lang_hint: Some(Lang::Nl),
        };
        let answers: Vec<String> = QUESTIONS
            .iter()
            .map(|q| {
                let answer = engine.answer(q, &ctx);
                assert_eq!(answer.intent, Intent::Faq, "{q}");
                answer.reply.trim().lines().next().unwrap().to_string()
            })
            .collect();
        let distinct: HashSet<&String> = answers.iter().collect();
        assert_eq!(distinct.len(), QUESTIONS.len(), "four different answers");
        answers
    })
}

/// The bot with short timeouts, and sending limits that do not pace one chat's answers to one
/// a second (Telegram's), which would only make the tests slower.
async fn start(request_timeout: Duration) -> RunningBot {
    let fake = FakeBotApi::start(TOKEN).await;
    launch(fake, real_engine(), |config| {
        config.poll_timeout = POLL;
        config.request_timeout = request_timeout;
        config.limits = unthrottled();
    })
    .await
}

/// The bot, and a patient whose first question has been answered.
async fn start_with_a_first_answer(request_timeout: Duration, patient: i64) -> (RunningBot, Chat) {
    let bot = start(request_timeout).await;
    let mut chat = Chat::new(patient);
    chat.ask(&bot.fake);
    chat.wait_answered(&bot.fake, SOON).await;
    (bot, chat)
}

fn is_barrier_reply(m: &Sent) -> bool {
    m.callback_data().iter().any(|d| d == "l:nl")
}

/// The requests of `method` that met a scripted fault.
fn faulted(fake: &FakeBotApi, method: &str) -> Vec<Recorded> {
    fake.requests_of(method)
        .into_iter()
        .filter(|r| r.fault.is_some())
        .collect()
}

/// The `sendMessage` requests to `chat`, in order.
fn sends_to(fake: &FakeBotApi, chat: i64) -> Vec<Recorded> {
    fake.requests_of("sendMessage")
        .into_iter()
        .filter(|r| r.params["chat_id"].as_i64() == Some(chat))
        .collect()
}

/// A patient's conversation: what was asked, to check what was answered.
struct Chat {
    patient: Patient,
    asked: Vec<&'static str>,
}

impl Chat {
    fn new(id: i64) -> Chat {
        Chat {
            patient: Patient::new(id, "Anneke", Some("nl")),
            asked: Vec::new(),
        }
    }

    fn id(&self) -> i64 {
        self.patient.chat_id()
    }

    /// Asks the next of [`QUESTIONS`]; returns its update id.
    fn ask(&mut self, fake: &FakeBotApi) -> i64 {
        let question = QUESTIONS[self.asked.len()];
        self.asked.push(question);
        fake.send_text(&self.patient, question).0
    }

    /// Waits until every question so far has an answer.
    async fn wait_answered(&self, fake: &FakeBotApi, timeout: Duration) {
        fake.wait_for_messages(self.id(), self.asked.len(), timeout)
            .await;
    }

    /// Every question was answered exactly once, in order, and the bot still serves: checked
    /// behind a barrier (see the module docs).
    async fn assert_each_answered_once(&self, fake: &FakeBotApi, timeout: Duration) {
        let barrier = fake.send_text(&self.patient, "/taal").0;
        fake.wait_until("the barrier answered and confirmed", timeout, |f| {
            f.sent_to(self.id()).iter().any(is_barrier_reply) && f.confirmed_offset() > barrier
        })
        .await;
        let sent = fake.sent_to(self.id());
        let (last, answers) = sent.split_last().unwrap();
        assert!(
            is_barrier_reply(last),
            "nothing after the barrier: {sent:#?}"
        );
        self.assert_answers(answers);
    }

    /// `answers` are the answers to the questions asked, in order, each once.
    fn assert_answers(&self, answers: &[Sent]) {
        let texts: Vec<&str> = answers.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            answers.len(),
            self.asked.len(),
            "one answer per question: {texts:#?}"
        );
        for ((question, expected), answer) in self.asked.iter().zip(expected_answers()).zip(answers)
        {
            assert!(
                answer.text.contains(expected.as_str()),
                "the answer to {question:?} in its place: {texts:#?}"
            );
        }
    }
}

/// The script of most tests. `poll` faults hit the next `getUpdates` requests, `reply` faults
/// the next replies to the patient. One question is answered before them; the next one's
/// reply (and the poll after it) meets them; one is asked while the first faulted request is
/// under way; one after everything asked has been answered. Returns the running bot and the
/// patient's chat id.
async fn survive(
    request_timeout: Duration,
    poll: &[Fault],
    reply: &[Fault],
    timeout: Duration,
) -> (RunningBot, i64) {
    let (bot, mut chat) = start_with_a_first_answer(request_timeout, 6001).await;
    let fake = &bot.fake;
    fake.fail_next("getUpdates", poll.iter().cloned());
    fake.fail_chat(chat.id(), reply.iter().cloned());
    chat.ask(fake);
    fake.wait_until("the first faulted request", timeout, |f| {
        f.requests().iter().any(|r| r.fault.is_some())
    })
    .await;
    chat.ask(fake);
    chat.wait_answered(fake, timeout).await;

    chat.ask(fake);
    chat.assert_each_answered_once(fake, timeout).await;

    assert_eq!(
        faulted(fake, "getUpdates").len(),
        poll.len(),
        "poll faults met"
    );
    let replies_faulted = sends_to(fake, chat.id())
        .iter()
        .filter(|r| r.fault.is_some())
        .count();
    assert_eq!(replies_faulted, reply.len(), "reply faults met");
    (bot, chat.id())
}

/// The reply that met the fault and the attempt after it: the same message again, accepted.
fn retried_reply(fake: &FakeBotApi, chat: i64) -> (Recorded, Recorded) {
    let sends = sends_to(fake, chat);
    let i = sends
        .iter()
        .position(|r| r.fault.is_some())
        .expect("a reply met the fault");
    let retry = sends.get(i + 1).expect("the reply was sent again").clone();
    assert_eq!(
        retry.params["text"], sends[i].params["text"],
        "the same reply again"
    );
    assert!(retry.ok(), "{retry:?}");
    (sends[i].clone(), retry)
}

/// [`survive`] with `fault` on the poll after the second question and on that question's
/// reply; both end as `ended` (an HTTP status, or `None`: dropped without an answer). Returns
/// the failed reply and the attempt that delivered it.
async fn survive_on_both(
    fault: Fault,
    request_timeout: Duration,
    timeout: Duration,
    ended: Option<u16>,
) -> (Recorded, Recorded) {
    let both = std::slice::from_ref(&fault);
    let (bot, chat) = survive(request_timeout, both, both, timeout).await;
    let poll = faulted(&bot.fake, "getUpdates").remove(0);
    let (failed, retry) = retried_reply(&bot.fake, chat);
    for request in [&poll, &failed] {
        assert_eq!(request.status, ended, "{request:?}");
        assert_eq!(request.dropped, ended.is_none(), "{request:?}");
    }
    bot.stop().await.expect("graceful stop");
    (failed, retry)
}

// --- 5xx -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_polling_and_on_a_reply_is_retried_and_every_question_answered_once() {
    survive_on_both(Fault::ServerError, CLIENT_5XX, SLOW, Some(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_page_on_polling_and_on_a_reply_is_retried_and_every_question_answered_once() {
    survive_on_both(Fault::BadGateway, CLIENT_5XX, SLOW, Some(502)).await;
}

// --- the connection --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_connection_on_polling_and_on_a_reply_is_retried_at_once() {
    // A long client timeout: the reset must fail the request at once, not by timing out.
    let client = Duration::from_secs(10);
    let (failed, retry) = survive_on_both(Fault::ConnectionReset, client, SOON, None).await;
    let after = retry.received - failed.received;
    assert!(after < client / 2, "sent again {after:?} after the reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_the_client_waits_is_dropped_unapplied_and_sent_again() {
    // The client gives up on the poll and on the reply; the server drops them unapplied.
    let slow = Fault::Delay(CLIENT + Duration::from_secs(1));
    let (failed, retry) = survive_on_both(slow, CLIENT, SOON, None).await;
    let after = retry.received - failed.received;
    assert!(
        after >= CLIENT,
        "sent again after the client timeout, not {after:?}"
    );
}

// --- what Telegram answers -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_with_malformed_json_on_polling_and_on_a_reply_is_retried() {
    survive_on_both(Fault::MalformedJson, CLIENT, SOON, Some(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_conflict_with_another_instance_does_not_stop_polling() {
    let conflict = [Fault::Conflict, Fault::Conflict];
    let (bot, _) = survive(CLIENT, &conflict, &[], SOON).await;
    let fake = &bot.fake;

    let conflicts = faulted(fake, "getUpdates");
    assert!(
        conflicts.iter().all(|r| r.status == Some(409)),
        "{conflicts:?}"
    );
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_reply_holds_the_chat_and_keeps_its_order() {
    // (429 on getUpdates and on a single reply: tests/telegram_e2e.rs.)
    let (bot, chat) = survive(CLIENT, &[], &[Fault::RetryAfter(1)], SOON).await;
    let fake = &bot.fake;

    let (failed, retry) = retried_reply(fake, chat);
    assert_eq!(failed.status, Some(429));
    let waited = retry.received - failed.responded.unwrap();
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    bot.stop().await.expect("graceful stop");
}

// --- 401: the token is revoked ---------------------------------------------------------------

/// `run` ends by itself within `within` of `since`, with the revoked-token error.
async fn stops_promptly_for_the_revoked_token(bot: &mut RunningBot, since: Instant) {
    let outcome = bot.ended().await;
    let took = since.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the bot took {took:?} to stop"
    );
    let err = outcome.expect_err("a revoked token ends the bot with an error");
    assert!(matches!(err, ServeError::TokenRevoked), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("revoked") && message.contains("@BotFather"),
        "says what happened and what to do: {message}"
    );
    assert_eq!(err.exit_code(), 78);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_polling_stops_the_bot_promptly_after_answering_what_it_has() {
    let (mut bot, mut chat) = start_with_a_first_answer(CLIENT, 6101).await;

    // The second question is handed out; the poll after it gets 401.
    let question = chat.ask(&bot.fake);
    bot.fake
        .wait_until("the question handed out", SOON, |f| {
            f.delivered_up_to() >= question
        })
        .await;
    bot.fake.fail_next("getUpdates", [Fault::Unauthorized]);
    bot.fake
        .wait_until("the 401", SOON, |f| {
            faulted(f, "getUpdates")
                .iter()
                .any(|r| r.status == Some(401))
        })
        .await;
    stops_promptly_for_the_revoked_token(&mut bot, Instant::now()).await;

    // What it had was answered, once.
    chat.assert_answers(&bot.fake.sent_to(chat.id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_a_reply_is_not_retried_and_the_revoked_token_stops_the_bot() {
    let (mut bot, mut chat) = start_with_a_first_answer(CLIENT, 6102).await;

    bot.fake.fail_chat(chat.id(), [Fault::Unauthorized]);
    chat.ask(&bot.fake);
    bot.fake
        .wait_until("the reply refused with 401", SOON, |f| {
            sends_to(f, chat.id()).iter().any(|r| r.status == Some(401))
        })
        .await;
    // The revocation reaches everything, the pending long poll too.
    bot.fake.revoke_token();
    stops_promptly_for_the_revoked_token(&mut bot, Instant::now()).await;

    let sends = sends_to(&bot.fake, chat.id());
    assert_eq!(
        sends.len(),
        2,
        "the first answer, and one attempt at the second: {sends:#?}"
    );
    assert_eq!(bot.fake.sent_to(chat.id()).len(), 1);
}
