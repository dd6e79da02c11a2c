//! Flood control per chat: a chat that sends more than a set number of messages in a minute
//! gets one polite note, and the bot does not answer it again until the minute has passed.
//!
//! One patient's flood of messages must not slow the bot down for everyone else: every answer
//! costs an engine run, a database write and a message that Telegram lets through at about one
//! per second per chat. Messages over the limit are dropped at once, before any of that.
//!
//! **Red flags are never silenced.** A message with urgent signs (chest pain, fainting,
//! suicidal thoughts: the engine's red flags, [`crate::engine::Engine::is_urgent`]) is always answered, and raised to the triage
//! desk, even in the middle of a flood: someone in distress may well send many messages
//! quickly. Urgent messages over the limit do not use up the allowance either.
//!
//! The window slides: a chat gets at most `per_minute` answers in any 60 seconds; only
//! answered messages count, so answers resume as soon as the oldest of them is a minute old,
//! as the note promises. One note per flood: the next answered message ends it.
//!
//! Messages count **when the patient sent them** (Telegram's date), not when they reach the
//! bot. Messages that waited at Telegram while the bot was down or unreachable, or that are
//! answered after a restart, arrive all at once; a patient who wrote twenty messages over
//! twenty minutes is not flooding, and is answered in full. A burst sent within seconds is
//! still one, however late it arrives. A button press has no date: it counts on arrival.
//!
//! Memory is bounded: per chat at most twice `per_minute` instants and a flag, never any
//! text; a chat quiet for a minute is forgotten, and at most [`MAX_CHATS`] chats are tracked
//! (when that many chats have all written within the last minute, the one that wrote least
//! recently is forgotten first). Chat ids live only in memory and are never logged.
//!
//! [`FloodGate`] is pure (the time is passed in), so the unit tests run on a fake clock;
//! [`Flood`] is the shared, locked version the handlers use.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use teloxide::types::ChatId;

/// How long messages count against a chat's allowance.
pub const WINDOW: Duration = Duration::from_secs(60);

/// At most this many chats are tracked at once.
pub const MAX_CHATS: usize = 10_000;

/// Updates waiting for one chat's handler (teloxide's default is 64).
///
/// The dispatcher hands each update to its chat's queue and waits when that queue is full:
/// then *every* chat waits. A flooding chat's handler is slow only while it sends its
/// allowance of answers (Telegram lets about one a second through per chat); everything after
/// that is dropped at once. The queue must hold what a flood brings in meanwhile: Telegram
/// itself stops an account sending much faster than that, so a thousand is ample, and costs
/// memory only while a chat actually floods.
pub const WORKER_QUEUE: usize = 1024;

/// What to do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the allowance: answer it.
    Answer,
    /// Over the allowance, but urgent: answer it anyway.
    Urgent,
    /// The first message over the allowance: send the slow-down note instead of an answer.
    SlowDown,
    /// Over the allowance, the note already sent: no answer.
    Silent,
}

impl Verdict {
    /// Whether the message gets its usual answer.
    pub fn answers(self) -> bool {
        matches!(self, Verdict::Answer | Verdict::Urgent)
    }
}

/// One chat's recent answered messages.
#[derive(Debug)]
struct Window {
    /// When the answered messages were sent, oldest first: those of the last minute, and
    /// (when messages arrive out of order) at most twice the allowance.
    answered: VecDeque<Instant>,
    /// The slow-down note was sent since the last answered message.
    noted: bool,
    /// When the chat's last message arrived (for forgetting quiet chats).
    heard: Instant,
}

impl Window {
    fn new(now: Instant) -> Window {
        Window {
            answered: VecDeque::new(),
            noted: false,
            heard: now,
        }
    }

    /// Forgets answers sent more than a minute before `sent`, when `sent` is the newest: a
    /// message that comes in out of order (sent before an answer already counted) moves
    /// nothing on.
    fn expire(&mut self, sent: Instant) {
        if self.answered.back().is_some_and(|&t| t > sent) {
            return;
        }
        while self
            .answered
            .front()
            .is_some_and(|&t| sent.saturating_duration_since(t) >= WINDOW)
        {
            self.answered.pop_front();
        }
    }

    /// Answers sent within a minute of `sent`, before or after it (messages can arrive out
    /// of order: a button press counts on arrival, a delayed message when it was sent).
    fn near(&self, sent: Instant) -> usize {
        self.answered
            .iter()
            .filter(|&&t| t.max(sent).saturating_duration_since(t.min(sent)) < WINDOW)
            .count()
    }

    fn insert(&mut self, sent: Instant, keep: usize) {
        let at = self.answered.partition_point(|&t| t <= sent);
        self.answered.insert(at, sent);
        while self.answered.len() > keep {
            self.answered.pop_front();
        }
    }
}

/// The per-chat sliding-window limiter (pure: the caller passes the time).
#[derive(Debug)]
pub struct FloodGate {
    /// Answered messages allowed per chat per minute; 0 switches flood control off.
    per_minute: usize,
    max_chats: usize,
    chats: HashMap<i64, Window>,
    last_sweep: Option<Instant>,
}

impl FloodGate {
    /// A gate allowing `per_minute` answered messages per chat per minute (0: no limit).
    pub fn new(per_minute: u32) -> FloodGate {
        FloodGate::with_max_chats(per_minute, MAX_CHATS)
    }

    /// [`FloodGate::new`] tracking at most `max_chats` chats (tests).
    pub fn with_max_chats(per_minute: u32, max_chats: usize) -> FloodGate {
        FloodGate {
            per_minute: per_minute as usize,
            max_chats: max_chats.max(1),
            chats: HashMap::new(),
            last_sweep: None,
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute as u32
    }

    /// How many chats are remembered right now.
    pub fn tracked(&self) -> usize {
        self.chats.len()
    }

    /// The verdict on a message from `chat` sent and arriving at `now`. `urgent` is asked
    /// only when the chat is over its allowance (so the red-flag check costs nothing in
    /// normal use).
    pub fn check(&mut self, chat: i64, now: Instant, urgent: impl FnOnce() -> bool) -> Verdict {
        self.check_sent(chat, now, now, urgent)
    }

    /// [`FloodGate::check`] for a message that arrives at `now` and was sent at `sent`
    /// (earlier, when it waited at Telegram): it counts at `sent`.
    pub fn check_sent(
        &mut self,
        chat: i64,
        now: Instant,
        sent: Instant,
        urgent: impl FnOnce() -> bool,
    ) -> Verdict {
        if self.per_minute == 0 {
            return Verdict::Answer;
        }
        let sent = sent.min(now);
        self.make_room(chat, now);
        let window = self.chats.entry(chat).or_insert_with(|| Window::new(now));
        window.heard = now;
        window.expire(sent);
        if window.near(sent) < self.per_minute {
            window.insert(sent, 2 * self.per_minute);
            window.noted = false;
            return Verdict::Answer;
        }
        if urgent() {
            return Verdict::Urgent;
        }
        if window.noted {
            Verdict::Silent
        } else {
            window.noted = true;
            Verdict::SlowDown
        }
    }

    /// Forgets chats not heard from for a minute (once a minute, or when the table is full),
    /// and when it is still full, the chat heard from least recently, so a new chat has a
    /// place.
    fn make_room(&mut self, chat: i64, now: Instant) {
        let due = self
            .last_sweep
            .is_none_or(|t| now.saturating_duration_since(t) >= WINDOW);
        let full = self.chats.len() >= self.max_chats && !self.chats.contains_key(&chat);
        if !due && !full {
            return;
        }
        self.last_sweep = Some(now);
        self.chats
            .retain(|_, w| now.saturating_duration_since(w.heard) < WINDOW);
        if self.chats.len() >= self.max_chats && !self.chats.contains_key(&chat) {
            let oldest = self
                .chats
                .iter()
                .min_by_key(|(_, w)| w.heard)
                .map(|(&id, _)| id);
            if let Some(id) = oldest {
                self.chats.remove(&id);
            }
        }
    }
}

/// The gate as the handlers share it (one per running bot).
#[derive(Debug)]
pub struct Flood {
    gate: Mutex<FloodGate>,
}

impl Flood {
    pub fn new(per_minute: u32) -> Flood {
        Flood {
            gate: Mutex::new(FloodGate::new(per_minute)),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.lock().per_minute()
    }

    /// [`FloodGate::check_sent`] for a message arriving now, sent `age` ago.
    pub fn check(&self, chat: ChatId, age: Duration, urgent: impl FnOnce() -> bool) -> Verdict {
        let now = Instant::now();
        let sent = now.checked_sub(age).unwrap_or(now);
        self.lock().check_sent(chat.0, now, sent, urgent)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FloodGate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(base: Instant, s: f64) -> Instant {
        base + Duration::from_secs_f64(s)
    }

    fn never() -> bool {
        false
    }

    #[test]
    fn the_allowance_then_one_note_then_silence() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(3);
        let verdicts: Vec<Verdict> = (0..6)
            .map(|i| gate.check(1, secs(t0, i as f64), never))
            .collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Answer,
                Verdict::Answer,
                Verdict::Answer,
                Verdict::SlowDown,
                Verdict::Silent,
                Verdict::Silent
            ]
        );
    }

    #[test]
    fn the_window_slides_and_answers_resume_when_the_oldest_answer_is_a_minute_old() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(2);
        assert_eq!(gate.check(1, secs(t0, 0.0), never), Verdict::Answer);
        assert_eq!(gate.check(1, secs(t0, 30.0), never), Verdict::Answer);
        assert_eq!(gate.check(1, secs(t0, 59.9), never), Verdict::SlowDown);
        // The first answer is a minute old: room for one.
        assert_eq!(gate.check(1, secs(t0, 60.0), never), Verdict::Answer);
        assert_eq!(gate.check(1, secs(t0, 61.0), never), Verdict::SlowDown);
        assert_eq!(gate.check(1, secs(t0, 89.0), never), Verdict::Silent);
        assert_eq!(gate.check(1, secs(t0, 90.0), never), Verdict::Answer);
    }

    #[test]
    fn a_steady_pace_under_the_limit_is_never_stopped() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(20);
        // One message every 3.1 seconds for ten minutes: under 20 a minute.
        for i in 0..200 {
            assert_eq!(
                gate.check(1, secs(t0, i as f64 * 3.1), never),
                Verdict::Answer,
                "message {i}"
            );
        }
    }

    #[test]
    fn urgent_messages_pass_without_using_the_allowance_or_the_note() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(2);
        gate.check(1, t0, never);
        gate.check(1, t0, never);
        let mut asked = 0;
        let mut urgent = || {
            asked += 1;
            true
        };
        assert_eq!(gate.check(1, t0, &mut urgent), Verdict::Urgent);
        assert_eq!(gate.check(1, t0, &mut urgent), Verdict::Urgent);
        assert_eq!(asked, 2);
        // The note is still due for the first ordinary message over the limit.
        assert_eq!(gate.check(1, t0, never), Verdict::SlowDown);
        // Within the allowance the red-flag check is not even asked.
        let mut fresh = FloodGate::new(2);
        fresh.check(2, t0, || panic!("asked within the allowance"));
    }

    #[test]
    fn chats_are_counted_separately() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(1);
        assert_eq!(gate.check(1, t0, never), Verdict::Answer);
        assert_eq!(gate.check(1, t0, never), Verdict::SlowDown);
        for chat in 2..50 {
            assert_eq!(gate.check(chat, t0, never), Verdict::Answer);
        }
        assert_eq!(gate.check(1, t0, never), Verdict::Silent);
    }

    #[test]
    fn a_new_note_after_the_chat_was_answered_again() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(1);
        assert_eq!(gate.check(1, secs(t0, 0.0), never), Verdict::Answer);
        assert_eq!(gate.check(1, secs(t0, 1.0), never), Verdict::SlowDown);
        assert_eq!(gate.check(1, secs(t0, 61.0), never), Verdict::Answer);
        assert_eq!(gate.check(1, secs(t0, 62.0), never), Verdict::SlowDown);
    }

    #[test]
    fn zero_switches_it_off() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(0);
        for _ in 0..1000 {
            assert_eq!(gate.check(1, t0, never), Verdict::Answer);
        }
        assert_eq!(gate.tracked(), 0, "nothing remembered when off");
    }

    #[test]
    fn quiet_chats_are_forgotten() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(5);
        for chat in 0..1000 {
            gate.check(chat, t0, never);
        }
        assert_eq!(gate.tracked(), 1000);
        // A minute later the next message sweeps the quiet ones away.
        gate.check(5000, secs(t0, 60.0), never);
        assert_eq!(gate.tracked(), 1);
    }

    #[test]
    fn memory_is_bounded_by_the_chat_limit_evicting_the_least_recent() {
        let t0 = Instant::now();
        let mut gate = FloodGate::with_max_chats(1, 100);
        for chat in 0..1000 {
            gate.check(chat, secs(t0, chat as f64 * 0.01), never);
            assert!(gate.tracked() <= 100);
        }
        assert_eq!(gate.tracked(), 100);
        // The most recent chats are still known (over their allowance)…
        assert_eq!(gate.check(999, secs(t0, 10.0), never), Verdict::SlowDown);
        // …the earliest were forgotten, so they start afresh.
        assert_eq!(gate.check(0, secs(t0, 10.0), never), Verdict::Answer);
    }

    #[test]
    fn messages_that_waited_at_telegram_count_when_they_were_sent() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(15);
        // Twenty messages, one a minute, all delivered together after twenty minutes (the bot
        // was down): a calm patient, answered in full.
        let arrive = secs(t0, 1200.0);
        for i in 0..20 {
            let sent = secs(t0, 60.0 * f64::from(i));
            assert_eq!(
                gate.check_sent(1, arrive, sent, never),
                Verdict::Answer,
                "message {i}"
            );
        }
        // Twenty messages sent within two seconds and delivered ten minutes later: a flood.
        let verdicts: Vec<Verdict> = (0..20)
            .map(|i| gate.check_sent(2, arrive, secs(t0, 600.0 + 0.1 * f64::from(i)), never))
            .collect();
        assert_eq!(verdicts[..15], [Verdict::Answer; 15]);
        assert_eq!(verdicts[15], Verdict::SlowDown);
        assert_eq!(verdicts[16..], [Verdict::Silent; 4]);
    }

    #[test]
    fn a_button_press_on_arrival_and_delayed_messages_before_it_share_the_window() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(2);
        let now = secs(t0, 300.0);
        // A press counts on arrival; a message sent five minutes earlier is not near it.
        assert_eq!(gate.check(1, now, never), Verdict::Answer);
        assert_eq!(gate.check_sent(1, now, t0, never), Verdict::Answer);
        assert_eq!(
            gate.check_sent(1, now, secs(t0, 1.0), never),
            Verdict::Answer
        );
        assert_eq!(
            gate.check_sent(1, now, secs(t0, 2.0), never),
            Verdict::SlowDown
        );
        // Another press: one answer near it so far.
        assert_eq!(gate.check(1, now, never), Verdict::Answer);
        assert_eq!(gate.check(1, now, never), Verdict::SlowDown);
        // A date in the future counts as now.
        assert_eq!(
            gate.check_sent(1, now, secs(t0, 900.0), never),
            Verdict::Silent
        );
    }

    #[test]
    fn per_chat_memory_is_at_most_the_allowance() {
        let t0 = Instant::now();
        let mut gate = FloodGate::new(20);
        for i in 0..10_000 {
            gate.check(7, secs(t0, i as f64 * 0.001), never);
        }
        assert_eq!(gate.chats[&7].answered.len(), 20);
    }
}
