//! The triage desk: escalations to the staff's Telegram group, staff replies back to the
//! patient, urgent messages raised, staff commands.
//!
//! Invariants:
//! - **Stored before sent.** A ticket, its messages and everything to deliver about it (the
//!   post in the group, the patient's ticket number) are stored in one transaction; the
//!   delivery task ([`super::outbox`]) sends them. The same holds for follow-ups and staff
//!   replies. Origins and dedup keys come from the update (callback query id, message id),
//!   so a redelivered update stores nothing twice.
//! - **Staff only.** Replies to ticket posts, `/open`, `/close`, `/stats`, `/reload` and the take/close
//!   buttons work for the configured staff ids in the triage group only; anything else is
//!   refused (a short reply in the group, silence elsewhere) and logged without its text.
//! - **Shared with consent.** A patient's question reaches the group only after they
//!   confirm (urgent messages excepted), and never with their name or username.

use super::api::TgBot;
use super::commands::{Callback, StaffCommand};
use super::html::{MESSAGE_LIMIT, Para, paragraphs, render_chunks};
use super::outbox::SendOptions;
use super::reply::{HandlerResult, Press, send_reply};
use super::texts::{Tg, text};
use crate::config::Config;
use crate::engine::EngineConfig;
use crate::engine::{Answer, Intent};
use crate::faq::LoadErrors;
use crate::handle::{AnswerEngine, Current, EngineHandle};
use crate::reload::{self, Outcome};
use crate::store::{Author, Enqueued, NewTicket, Outbound, PendingOffer, Status, Store, TicketNo};
use crate::text::Lang;
use crate::time::format_opening;
use crate::time::now;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use teloxide::prelude::*;
use teloxide::types::ChatId;
use teloxide::utils::html::{bold, escape, italic};
use tokio::sync::Notify;

/// What `run` needs to open the triage desk: the database and the configuration (the desk
/// is only active when `config.triage_chat_id` is set).
#[derive(Debug, Clone)]
pub struct TriageSetup {
    pub store: Store,
    pub config: Config,
    /// Where the FAQ lives and how to build an engine from it: enables `/reload` in the
    /// group, and the composition root (`serve`) then watches the folder and posts refused edits in the
    /// group. `None`: neither.
    pub faq: Option<FaqSource>,
}

/// The FAQ folder the bot serves, and the engine settings to rebuild it with.
#[derive(Debug, Clone)]
pub struct FaqSource {
    pub dir: PathBuf,
    pub config: EngineConfig,
}

/// The desk as handlers see it: `None` when no triage chat is configured.
pub type DeskHandle = Option<Arc<Desk>>;

/// Questions kept per chat for an escalation (the last few, in memory only).
const RECENT: usize = 3;
/// The period `/stats` reports on (days), like `b12bot report`'s default.
const STATS_DAYS: u32 = 30;
/// Longest question quoted in a ticket post (characters).
const QUOTE_MAX: usize = 600;
/// Longest bot answer quoted in a ticket post (characters): three questions with their
/// answers stay well within one Telegram message.
const ANSWER_MAX: usize = 400;
/// How long an escalation offer can be confirmed (seconds): a press later than this asks the
/// patient to send the question again rather than share something they saw long ago.
const OFFER_TTL: i64 = 24 * 3600;

/// The triage desk.
pub struct Desk {
    pub(crate) store: Store,
    pub(crate) config: Config,
    /// The triage group.
    pub(crate) chat: ChatId,
    /// Wakes the delivery task when something was queued.
    pub(crate) wake: Arc<Notify>,
    /// Publishes the FAQ folder (`/reload`, the folder watch); `None`: no folder given.
    pub(crate) reloader: Option<reload::Reloader>,
    recent: Mutex<HashMap<ChatId, VecDeque<Recent>>>,
}

/// A question the patient asked and what the bot made of it.
#[derive(Debug, Clone)]
struct Recent {
    question: String,
    answered: String,
}

impl Desk {
    /// `None` when the configuration names no triage chat. `engine` is where a reload of
    /// the setup's FAQ folder publishes.
    pub fn new(setup: TriageSetup, wake: Arc<Notify>, engine: &EngineHandle) -> Option<Desk> {
        let chat = ChatId(setup.config.triage_chat_id?);
        Some(Desk {
            store: setup.store,
            config: setup.config,
            chat,
            wake,
            reloader: setup
                .faq
                .map(|f| reload::Reloader::new(f.dir, f.config, engine.clone())),
            recent: Mutex::default(),
        })
    }

    fn with_recent<T>(&self, f: impl FnOnce(&mut HashMap<ChatId, VecDeque<Recent>>) -> T) -> T {
        f(&mut self.recent.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Remembers a question (for the escalation that may follow).
    pub(crate) fn remember(
        &self,
        chat: ChatId,
        question: &str,
        engine: &dyn AnswerEngine,
        answer: &Answer,
    ) {
        if answer.intent == Intent::Smalltalk {
            return;
        }
        let entry = Recent {
            question: truncate(question.trim(), QUOTE_MAX),
            answered: bot_answered(engine, answer),
        };
        self.with_recent(|m| {
            let q = m.entry(chat).or_default();
            q.push_back(entry);
            while q.len() > RECENT {
                q.pop_front();
            }
        });
    }

    fn recent(&self, chat: ChatId) -> Vec<Recent> {
        self.with_recent(|m| m.get(&chat).map(|q| q.iter().cloned().collect()))
            .unwrap_or_default()
    }

    fn forget_recent(&self, chat: ChatId) {
        self.with_recent(|m| m.remove(&chat));
    }

    pub(crate) fn is_staff(&self, user: Option<&teloxide::types::User>) -> bool {
        user.is_some_and(|u| self.config.is_staff(u.id.0))
    }

    /// The patient's ticket that is not closed (where a follow-up goes).
    pub(crate) async fn current_ticket(&self, chat: ChatId) -> Option<crate::store::Ticket> {
        match self.store.call(move |s| s.current_ticket(chat.0)).await {
            Ok(t) => t,
            Err(e) => {
                log::error!("triage: cannot read the database: {e}");
                None
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// What the bot answered, for staff: its reply (in the patient's language, shortened, on
/// one line; with the topics it offered when it asked which one was meant), or "asked for a
/// person" in the patient's language.
fn bot_answered(engine: &dyn AnswerEngine, answer: &Answer) -> String {
    if answer.intent == Intent::Human {
        return text(engine, Tg::DeskAskedPerson, answer.lang);
    }
    let mut said = answer
        .reply
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if answer.intent == Intent::Clarify && !answer.suggestions.is_empty() {
        let titles: Vec<&str> = answer
            .suggestions
            .iter()
            .map(|id| engine.title(id, answer.lang).unwrap_or(id))
            .collect();
        said = format!("{said} [{}]", titles.join(" / "));
    }
    truncate(&said, ANSWER_MAX)
}

fn fill(template: &str, ticket: TicketNo) -> String {
    template.replace("{ticket}", &ticket.to_string())
}

/// HTML messages of at most 4096 characters.
fn html_chunks(paras: &[Para]) -> Vec<String> {
    render_chunks(paras, MESSAGE_LIMIT)
}

fn paras_of(text: &str) -> Vec<Para> {
    paragraphs(text).into_iter().map(Para::plain).collect()
}

/// Outbox rows for a patient-facing text (split if long), keys `<key>:<i>`.
fn patient_rows(chat: i64, paras: &[Para], key: &str, ticket: TicketNo) -> Vec<Outbound> {
    html_chunks(paras)
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            Outbound::text(chat, chunk, format!("{key}:{i}"))
                .about(ticket)
                .with_options(SendOptions::html().to_json())
        })
        .collect()
}

/// The staff's words for a ticket post (resolved before the ticket has a number).
struct PostTexts {
    header: String,
    lang: String,
    out_of_hours: Option<String>,
    questions: String,
    answered: String,
    how: String,
    take: String,
    close: String,
}

impl PostTexts {
    /// `urgent`: the urgent advice the patient got, when the ticket is urgent.
    fn new(engine: &dyn AnswerEngine, urgent: Option<Urgency>, out_of_hours: bool) -> PostTexts {
        let t = |k: Tg| text(engine, k, Lang::Nl);
        PostTexts {
            header: t(match urgent {
                None => Tg::DeskNew,
                Some(Urgency::Emergency) => Tg::DeskUrgent,
                Some(Urgency::Suicide) => Tg::DeskUrgentSuicide,
            }),
            lang: t(Tg::DeskLang),
            out_of_hours: out_of_hours.then(|| t(Tg::DeskOutOfHours)),
            questions: t(Tg::DeskQuestions),
            answered: t(Tg::DeskBotAnswered),
            how: t(Tg::DeskHow),
            take: t(Tg::DeskTake),
            close: t(Tg::DeskClose),
        }
    }
}

/// The ticket's post in the triage group: number, language, out-of-hours flag, the
/// patient's question(s), what the bot answered, how to answer; take/close buttons.
fn ticket_post(
    ticket: TicketNo,
    lang: Lang,
    recent: &[Recent],
    t: &PostTexts,
    dedup_key: String,
    group: ChatId,
) -> Outbound {
    let mut html = format!("{}\n", bold(&escape(&fill(&t.header, ticket))));
    html.push_str(&format!(
        "{}: {}",
        escape(&t.lang),
        lang.code().to_uppercase()
    ));
    if let Some(ooh) = &t.out_of_hours {
        html.push_str(&format!(" · {}", escape(ooh)));
    }
    html.push_str(&format!("\n\n{}", bold(&escape(&t.questions))));
    for r in recent {
        html.push_str(&format!("\n«{}»", escape(&r.question)));
    }
    if recent.is_empty() {
        html.push_str("\n–");
    }
    html.push_str(&format!("\n\n{}", bold(&escape(&t.answered))));
    for r in recent {
        html.push_str(&format!("\n{}", escape(&r.answered)));
    }
    if recent.is_empty() {
        html.push_str("\n–");
    }
    html.push_str(&format!("\n\n{}", italic(&escape(&t.how))));
    let options = SendOptions {
        html: true,
        buttons: vec![vec![
            (t.take.clone(), Callback::Take(ticket.0).encode()),
            (t.close.clone(), Callback::Close(ticket.0).encode()),
        ]],
        reply_to_post: false,
    };
    Outbound::text(group.0, html, dedup_key)
        .post_of(ticket)
        .with_options(options.to_json())
}

/// The patient's confirmation: the ticket number, and out of hours when to expect an answer
/// and where to go if it cannot wait.
fn opened_paras(
    engine: &dyn AnswerEngine,
    desk: &Desk,
    lang: Lang,
    key: Tg,
    out_of_hours: bool,
    at: i64,
) -> impl Fn(TicketNo) -> Vec<Para> + use<> {
    let opened = text(engine, key, lang);
    let ooh = out_of_hours.then(|| {
        let opening = desk.config.office_hours.local(desk.config.next_opening(at));
        text(engine, Tg::TicketOutOfHours, lang)
            .replace("{opening}", &format_opening(&opening, lang))
    });
    move |n| {
        let mut paras = paras_of(&fill(&opened, n));
        if let Some(ooh) = &ooh {
            paras.extend(paras_of(ooh));
        }
        paras
    }
}

// --- the patient's side -------------------------------------------------------------------

/// Offers to send the patient's recent questions to staff, showing exactly what is shared.
///
/// The offer (those questions, what the bot answered, the language) is stored with the
/// offer's message in one transaction, and the message goes out through the outbox: the
/// "yes" that follows builds the ticket from what is stored, so a restart in between
/// changes nothing the patient agreed to share.
pub(crate) async fn offer(
    bot: &TgBot,
    chat: ChatId,
    engine: &dyn AnswerEngine,
    desk: &Desk,
    lang: Lang,
) -> HandlerResult {
    let recent = desk.recent(chat);
    let mut paras = paras_of(&text(engine, Tg::EscalateOffer, lang));
    if recent.is_empty() {
        paras.extend(paras_of(&text(engine, Tg::EscalateNoQuestion, lang)));
    }
    for r in &recent {
        paras.push(Para::plain(format!("«{}»", r.question)));
    }
    let buttons = vec![vec![
        (
            text(engine, Tg::EscalateYes, lang),
            Callback::Escalate(true).encode(),
        ),
        (
            text(engine, Tg::EscalateNo, lang),
            Callback::Escalate(false).encode(),
        ),
    ]];
    // Keyed by the update that asked for it: its replay after a restart stores nothing
    // again (and keeps the offer as first shown, not what a fresh memory holds).
    let key = match super::parts::current_update() {
        Some(update) => format!("offer:{update}"),
        None => format!("offer:{}:{}", chat.0, unique()),
    };
    let chunks = html_chunks(&paras);
    let last = chunks.len().saturating_sub(1);
    let rows: Vec<Outbound> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let options = SendOptions {
                html: true,
                buttons: if i == last {
                    buttons.clone()
                } else {
                    Vec::new()
                },
                reply_to_post: false,
            };
            Outbound::text(chat.0, chunk, format!("{key}:{i}")).with_options(options.to_json())
        })
        .collect();
    let at = now();
    let pending = PendingOffer {
        chat_id: chat.0,
        lang,
        questions: recent
            .iter()
            .map(|r| (r.question.clone(), r.answered.clone()))
            .collect(),
        created_at: at,
    };
    let stored = desk
        .store
        .call(move |s| {
            s.write(|tx| {
                let mut rows = rows.iter();
                if let Some(first) = rows.next()
                    && let Enqueued::Duplicate(_) = tx.enqueue(first, at)?
                {
                    return Ok(false); // a redelivered update: stored before
                }
                for row in rows {
                    tx.enqueue(row, at)?;
                }
                tx.save_offer(&pending)?;
                Ok(true)
            })
        })
        .await;
    match stored {
        Ok(new) => {
            if new {
                log::info!("triage: escalation offered");
            }
            desk.wake.notify_one();
            Ok(())
        }
        Err(e) => {
            log::error!("triage: cannot store an escalation offer: {e}");
            // Nothing could be stored, so a "yes" could not open a ticket: say how to reach
            // a person without the bot instead of offering it.
            let paras = paras_of(&text(engine, Tg::TicketFailed, lang));
            send_reply(bot, chat, &paras, None, None).await
        }
    }
}

/// A number not used before in this process (with the time, unique across runs too).
fn unique() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}:{}",
        crate::time::now_nanos(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// The chat's stored offer, still valid at `at`; `None` (and logged) when there is none,
/// it expired, or the database cannot be read.
async fn stored_offer(desk: &Desk, chat: ChatId, at: i64) -> Option<PendingOffer> {
    match desk.store.call(move |s| s.offer(chat.0)).await {
        Ok(Some(offer)) if at - offer.created_at <= OFFER_TTL => Some(offer),
        Ok(Some(_)) => {
            log::info!("triage: escalation confirmed after its offer expired");
            None
        }
        Ok(None) => {
            log::info!("triage: escalation confirmed without a stored offer");
            None
        }
        Err(e) => {
            log::error!("triage: cannot read an escalation offer: {e}");
            None
        }
    }
}

/// The patient tapped "yes" (open a ticket) or "no" under the offer.
pub(crate) async fn on_escalate(press: &Press, desk: &Desk, yes: bool) -> HandlerResult {
    let Press {
        bot,
        query,
        engine,
        chat,
        lang,
        ..
    } = press;
    let (engine, chat, lang) = (&**engine, *chat, *lang);
    press.acknowledge(None).await?;
    if !yes {
        log::info!("triage: escalation declined");
        let taken = desk
            .store
            .call(move |s| s.write(|tx| tx.take_offer(chat.0)))
            .await;
        if let Err(e) = taken {
            log::error!("triage: cannot remove an escalation offer: {e}");
        }
        let paras = paras_of(&text(engine, Tg::EscalateCancelled, lang));
        return send_reply(bot, chat, &paras, None, None).await;
    }
    // The patient's acknowledgement is keyed by the button press, so the same press
    // handled again after a restart never sends it twice.
    let ack_key = format!("escalate:{}:ack", query.id);
    if let Some(open) = desk.current_ticket(chat).await {
        // One ticket at a time: a second "yes" (or this press redelivered after a restart)
        // points to the open one.
        log::info!("triage: escalation confirmed while a ticket is open");
        let paras = paras_of(&fill(&text(engine, Tg::TicketOpened, lang), open.number));
        let rows = patient_rows(chat.0, &paras, &ack_key, open.number);
        let at = now();
        let stored = desk
            .store
            .call(move |s| {
                s.write(|tx| {
                    for row in &rows {
                        tx.enqueue(row, at)?;
                    }
                    Ok(())
                })
            })
            .await;
        if let Err(e) = stored {
            log::error!("triage: cannot store a message: {e}");
        }
        desk.wake.notify_one();
        return Ok(());
    }
    let at = now();
    // The ticket is what the patient was shown, as stored with the offer; without one
    // (expired, declined, never stored) nothing is shared and the patient is asked to send
    // the question again: never an empty ticket.
    let Some(offer) = stored_offer(desk, chat, at).await else {
        let paras = paras_of(&text(engine, Tg::EscalateExpired, lang));
        return send_reply(bot, chat, &paras, None, None).await;
    };
    let lang = offer.lang;
    let recent: Vec<Recent> = offer
        .questions
        .iter()
        .map(|(question, answered)| Recent {
            question: question.clone(),
            answered: answered.clone(),
        })
        .collect();
    let out_of_hours = !desk.config.is_office_hours(at);
    let mut messages = Vec::new();
    for r in &recent {
        messages.push((Author::Patient, r.question.clone()));
        messages.push((Author::Bot, r.answered.clone()));
    }
    let ticket = NewTicket {
        origin: format!("escalate:{}", query.id),
        chat_id: chat.0,
        lang,
        urgent: false,
        out_of_hours,
        messages,
    };
    let post = PostTexts::new(engine, None, out_of_hours);
    let ack = opened_paras(engine, desk, lang, Tg::TicketOpened, out_of_hours, at);
    let opened = store_ticket(desk, ticket, recent, post, at, move |n| (ack(n), ack_key)).await;
    match opened {
        Ok(n) => {
            log::info!("triage: ticket {n} opened (out of hours: {out_of_hours})");
            desk.forget_recent(chat);
            desk.wake.notify_one();
            Ok(())
        }
        Err(e) => {
            log::error!("triage: cannot store a ticket: {e}");
            // The patient asked for a person: say how to reach one without the bot.
            let paras = paras_of(&text(engine, Tg::TicketFailed, lang));
            send_reply(bot, chat, &paras, None, None).await
        }
    }
}

/// Stores a ticket together with its post in the triage group and the patient's notice
/// (paragraphs and their dedup key, given the ticket number), in one transaction: nothing is
/// sent before the ticket is stored.
async fn store_ticket(
    desk: &Desk,
    ticket: NewTicket,
    recent: Vec<Recent>,
    post: PostTexts,
    at: i64,
    notice: impl FnOnce(TicketNo) -> (Vec<Para>, String) + Send + 'static,
) -> crate::store::Result<TicketNo> {
    let group = desk.chat;
    let (chat, lang) = (ticket.chat_id, ticket.lang);
    let from_offer = !ticket.urgent;
    desk.store
        .call(move |s| {
            s.write(|tx| {
                let n = tx.open_ticket(&ticket, at, |n| {
                    let mut rows = vec![ticket_post(
                        n,
                        lang,
                        &recent,
                        &post,
                        format!("ticket:{}:post", n.0),
                        group,
                    )];
                    let (paras, key) = notice(n);
                    rows.extend(patient_rows(chat, &paras, &key, n));
                    rows
                })?;
                if from_offer {
                    // The offer became this ticket: a second "yes" under it opens nothing.
                    tx.take_offer(chat)?;
                }
                Ok(n)
            })
        })
        .await
}

/// Which urgent advice a patient got: staff see it, and every note that follows repeats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Urgency {
    /// 112 / the huisartsenpost.
    Emergency,
    /// 113 (and 112 in immediate danger).
    Suicide,
}

/// An urgent message (already answered with the urgent advice): raised in the group as an
/// urgent ticket, without asking.
pub(crate) async fn raise_urgent(
    engine: &dyn AnswerEngine,
    desk: &Desk,
    msg: &Message,
    answer: &Answer,
) {
    let chat = msg.chat.id;
    let question = truncate(msg.text().unwrap_or_default().trim(), QUOTE_MAX);
    // Which advice the patient got: staff see it, and the patient's note repeats it (113
    // after a message about suicide, never only 112).
    let kind = if answer.advises_113 {
        Urgency::Suicide
    } else {
        Urgency::Emergency
    };
    let (raised_key, advice) = match kind {
        Urgency::Emergency => (Tg::UrgentRaised, "urgent: 112 / huisartsenpost"),
        Urgency::Suicide => (Tg::UrgentRaisedSuicide, "urgent: 113 Zelfmoordpreventie"),
    };
    let recent = vec![Recent {
        question: question.clone(),
        answered: if answer.intent == Intent::Urgent {
            advice.to_string()
        } else {
            bot_answered(engine, answer)
        },
    }];
    let at = now();
    let out_of_hours = !desk.config.is_office_hours(at);
    let lang = answer.lang;
    let ticket = NewTicket {
        origin: format!("urgent:{}:{}", chat.0, msg.id.0),
        chat_id: chat.0,
        lang,
        urgent: true,
        out_of_hours,
        messages: vec![
            (Author::Patient, question),
            (Author::Bot, recent[0].answered.clone()),
        ],
    };
    let post = PostTexts::new(engine, Some(kind), out_of_hours);
    let raised = text(engine, raised_key, lang);
    let opened = store_ticket(desk, ticket, recent, post, at, move |n| {
        (
            paras_of(&fill(&raised, n)),
            format!("ticket:{}:opened", n.0),
        )
    })
    .await;
    match opened {
        Ok(n) => {
            log::info!("triage: urgent ticket {n} raised");
            desk.wake.notify_one();
        }
        Err(e) => log::error!("triage: cannot store an urgent ticket: {e}"),
    }
}

/// A patient's message while their ticket is not closed: added to the ticket and posted in
/// the group as a reply to the ticket's post.
pub(crate) async fn follow_up(
    bot: &TgBot,
    engine: &dyn AnswerEngine,
    desk: &Desk,
    msg: &Message,
    ticket: TicketNo,
    urgent: bool,
    lang: Lang,
) -> HandlerResult {
    let chat = msg.chat.id;
    let question = truncate(msg.text().unwrap_or_default().trim(), QUOTE_MAX);
    let header = fill(&text(engine, Tg::DeskFollowup, Lang::Nl), ticket);
    // On an urgent ticket the patient is not left with "a staff member will answer": the
    // note repeats where to go now.
    let added = if urgent {
        Tg::FollowupAddedUrgent
    } else {
        Tg::FollowupAdded
    };
    let html = format!("{}\n«{}»", bold(&escape(&header)), escape(&question));
    let options = SendOptions {
        html: true,
        reply_to_post: true,
        ..SendOptions::default()
    };
    let key = format!("followup:{}:{}", chat.0, msg.id.0);
    let post = Outbound::text(desk.chat.0, html, format!("{key}:post"))
        .post_of(ticket)
        .with_options(options.to_json());
    let ack = patient_rows(
        chat.0,
        &paras_of(&fill(&text(engine, added, lang), ticket)),
        &format!("{key}:ack"),
        ticket,
    );
    let at = now();
    let stored = desk
        .store
        .call(move |s| {
            s.write(|tx| {
                if let Enqueued::Duplicate(_) = tx.enqueue(&post, at)? {
                    return Ok(()); // a redelivered update: stored before
                }
                tx.add_message(ticket, Author::Patient, &question, at)?;
                tx.set_status(ticket, Status::Open, at)?;
                for row in &ack {
                    tx.enqueue(row, at)?;
                }
                Ok(())
            })
        })
        .await;
    match stored {
        Ok(()) => {
            log::info!("triage: follow-up added to ticket {ticket}");
            desk.wake.notify_one();
            Ok(())
        }
        Err(e) => {
            log::error!("triage: cannot store a follow-up: {e}");
            let paras = paras_of(&text(engine, Tg::Error, lang));
            send_reply(bot, chat, &paras, None, None).await
        }
    }
}

// --- the staff's side ---------------------------------------------------------------------

/// A message in the triage group, as every handler of the group gets it: built once per
/// message in [`schema`](super::handlers::schema) (`None`: not the triage group, or no desk).
#[derive(Clone)]
pub(crate) struct GroupMsg {
    pub bot: TgBot,
    pub msg: Message,
    /// The engine this message is handled with.
    pub engine: Current,
    pub desk: Arc<Desk>,
}

impl GroupMsg {
    pub(crate) fn new(
        bot: TgBot,
        msg: Message,
        engine: EngineHandle,
        desk: DeskHandle,
    ) -> Option<GroupMsg> {
        let desk = desk.filter(|d| d.chat == msg.chat.id)?;
        Some(GroupMsg {
            bot,
            msg,
            engine: engine.load(),
            desk,
        })
    }

    /// Sent by one of the configured staff.
    pub(crate) fn sent_by_staff(&self) -> bool {
        self.desk.is_staff(self.msg.from.as_ref())
    }

    /// Replies in the group, quoting the message.
    async fn reply(&self, paras: &[Para]) -> HandlerResult {
        send_reply(&self.bot, self.desk.chat, paras, None, Some(self.msg.id)).await
    }

    /// Replies in the group with one of its texts.
    async fn reply_text(&self, key: Tg) -> HandlerResult {
        self.reply(&paras_of(&text(&*self.engine, key, Lang::Nl)))
            .await
    }

    /// Replies in the group with a note of one paragraph per line.
    async fn reply_lines(&self, note: &str) -> HandlerResult {
        let paras: Vec<Para> = note.lines().map(Para::plain).collect();
        self.reply(&paras).await
    }
}

/// A staff command from someone who is not staff: refused in the group, logged without its
/// text.
pub(crate) async fn on_command_refused(g: GroupMsg, cmd: StaffCommand) -> HandlerResult {
    log::warn!(
        "triage: refused /{} from someone who is not staff",
        cmd.name()
    );
    g.reply_text(Tg::DeskRefused).await
}

/// A reply in the triage group to a ticket post: relayed to the patient (staff only); a
/// reply to anything else is chatter (ignored).
pub(crate) async fn on_group_reply(g: GroupMsg, me: teloxide::types::Me) -> HandlerResult {
    let (engine, desk, msg) = (&*g.engine, &*g.desk, &g.msg);
    let staff = g.sent_by_staff();
    let Some(replied) = msg.reply_to_message() else {
        return Ok(());
    };
    let (group, replied_id) = (desk.chat.0, replied.id.0);
    let known = desk
        .store
        .call(move |s| s.ticket_by_group_message(group, replied_id))
        .await;
    let ticket = match known {
        Ok(Some(t)) => t,
        Ok(None) => {
            // Not a post the bot knows, but maybe its own: a ticket post Telegram accepted
            // just before a crash (its id never recorded, and posted again after the
            // restart), or a follow-up. The post itself says which ticket it is about.
            let from_bot = replied.from.as_ref().is_some_and(|u| u.id == me.id);
            if !from_bot {
                return Ok(()); // a reply to a colleague: chatter
            }
            match place_reply(engine, desk, replied).await {
                Some(t) => t,
                None if staff => {
                    log::warn!("triage: a staff reply to a bot message of no ticket; not relayed");
                    return g.reply_text(Tg::DeskUnplaced).await;
                }
                None => return Ok(()),
            }
        }
        Err(e) => {
            log::error!("triage: cannot read the database: {e}");
            return g.reply_text(Tg::DeskRelayFailed).await;
        }
    };
    if !staff {
        log::warn!("triage: refused a reply to a ticket from someone who is not staff");
        return g.reply_text(Tg::DeskRefused).await;
    }
    let Some(patient) = ticket.chat_id.filter(|_| ticket.status != Status::Closed) else {
        log::info!(
            "triage: reply to closed ticket {} not relayed",
            ticket.number
        );
        let note = fill(&text(engine, Tg::DeskNotRelayed, Lang::Nl), ticket.number);
        return g.reply(&paras_of(&note)).await;
    };
    relay_staff_reply(&g, ticket.number, ticket.lang, patient).await
}

/// The ticket a message of the bot's own in the group is about, read from the message
/// itself (the take/close buttons under a ticket post, or the first line of a ticket or
/// follow-up post); the message is then recorded as one of the ticket's posts, so the next
/// reply to it is placed directly. `None`: it is about no ticket the store knows.
async fn place_reply(
    engine: &dyn AnswerEngine,
    desk: &Desk,
    replied: &Message,
) -> Option<crate::store::Ticket> {
    let from_buttons = replied.reply_markup().and_then(|markup| {
        markup
            .inline_keyboard
            .iter()
            .flatten()
            .find_map(|button| match &button.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(data) => {
                    match Callback::decode(data) {
                        Some(Callback::Take(n) | Callback::Close(n)) => Some(n),
                        _ => None,
                    }
                }
                _ => None,
            })
    });
    let number = from_buttons.or_else(|| {
        let first = replied.text()?.lines().next()?;
        [
            Tg::DeskNew,
            Tg::DeskUrgent,
            Tg::DeskUrgentSuicide,
            Tg::DeskFollowup,
        ]
        .iter()
        .find_map(|key| number_in(&text(engine, *key, Lang::Nl), first))
    })?;
    let (group, id, n) = (desk.chat.0, replied.id.0, TicketNo(number));
    let posted_at = replied.date.timestamp();
    let placed = desk
        .store
        .call(move |s| {
            let Some(ticket) = s.ticket(n)? else {
                return Ok(None);
            };
            // A post of the ticket is never older than the ticket (a minute's leeway for
            // clocks): anything else only looks like one.
            if posted_at < ticket.created_at - 60 {
                return Ok(None);
            }
            s.add_post(group, id, n)?;
            Ok(Some(ticket))
        })
        .await;
    match placed {
        Ok(Some(ticket)) => {
            log::info!("triage: a reply to an unrecorded post of ticket {n} placed by the post");
            Some(ticket)
        }
        Ok(None) => None,
        Err(e) => {
            log::error!("triage: cannot read the database: {e}");
            None
        }
    }
}

/// The ticket number in `line` where `template` has `{ticket}` ("#12" → 12), if `line` is
/// that template filled in.
fn number_in(template: &str, line: &str) -> Option<i64> {
    let (before, _) = template.split_once("{ticket}")?;
    let rest = line.strip_prefix(before)?.strip_prefix('#')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A staff reply: the note "from the hospital's staff", then a copy of the reply (text,
/// photos and formatting survive), both through the outbox; the ticket is answered.
async fn relay_staff_reply(
    g: &GroupMsg,
    ticket: TicketNo,
    lang: Lang,
    patient: i64,
) -> HandlerResult {
    let (engine, desk, msg) = (&*g.engine, &*g.desk, &g.msg);
    let key = format!("staff:{}:{}", desk.chat.0, msg.id.0);
    let note = patient_rows(
        patient,
        &[Para::bold(fill(&text(engine, Tg::StaffNote, lang), ticket))],
        &format!("{key}:note"),
        ticket,
    );
    let copy = Outbound::copy(patient, desk.chat.0, msg.id.0, format!("{key}:copy")).about(ticket);
    let logged = msg
        .text()
        .or(msg.caption())
        .map(str::to_string)
        .unwrap_or_else(|| "[media]".to_string());
    let at = now();
    let stored = desk
        .store
        .call(move |s| {
            s.write(|tx| {
                // The note first, then the copy: per-chat order delivers them that way.
                let mut rows = note.iter();
                if let Some(first) = rows.next()
                    && let Enqueued::Duplicate(_) = tx.enqueue(first, at)?
                {
                    return Ok(false); // a redelivered update: stored before
                }
                for row in rows {
                    tx.enqueue(row, at)?;
                }
                tx.enqueue(&copy, at)?;
                tx.add_message(ticket, Author::Staff, &logged, at)?;
                tx.set_status(ticket, Status::Answered, at)?;
                Ok(true)
            })
        })
        .await;
    match stored {
        Ok(new) => {
            if new {
                log::info!("triage: staff reply to ticket {ticket} queued for the patient");
            }
            desk.wake.notify_one();
            Ok(())
        }
        Err(e) => {
            log::error!("triage: cannot store a staff reply: {e}");
            g.reply_text(Tg::DeskRelayFailed).await
        }
    }
}

/// `/reload` from a staff member: publish the FAQ folder now, or reply with its errors.
/// `handle` is where the new engine is published (its count is read from there).
pub(crate) async fn on_reload(g: GroupMsg, handle: EngineHandle) -> HandlerResult {
    let Some(reloader) = g.desk.reloader.clone() else {
        return g.reply_text(Tg::DeskReloadUnavailable).await;
    };
    // Loading and indexing the FAQ is blocking work: off the async threads.
    let outcome = tokio::task::spawn_blocking(move || reloader.reload()).await;
    match outcome {
        Ok(outcome) => g.reply(&outcome_paras(&*handle.load(), &outcome)).await,
        Err(e) => {
            log::error!("triage: /reload failed: {e}");
            g.reply_text(Tg::DeskRelayFailed).await
        }
    }
}

/// What a reload did, for the group: the entry count, or every problem (one paragraph
/// each; escaped and split when sent).
pub(crate) fn outcome_paras(engine: &dyn AnswerEngine, outcome: &Outcome) -> Vec<Para> {
    match outcome {
        Outcome::Published { entries } => paras_of(
            &text(engine, Tg::DeskReloadPublished, Lang::Nl)
                .replace("{entries}", &entries.to_string()),
        ),
        Outcome::Refused(errors) => refused_paras(engine, errors),
    }
}

fn refused_paras(engine: &dyn AnswerEngine, errors: &LoadErrors) -> Vec<Para> {
    let header = text(engine, Tg::DeskReloadRefused, Lang::Nl)
        .replace("{count}", &errors.0.len().to_string());
    let mut paras = vec![Para::bold(header)];
    paras.extend(errors.0.iter().map(|e| Para::plain(format!("• {e}"))));
    paras
}

/// A FAQ edit the watcher refused: the errors are queued for the triage group (through the
/// outbox, so they arrive even if Telegram is briefly unreachable).
pub(crate) fn post_refusal(engine: &dyn AnswerEngine, desk: &Desk, errors: &LoadErrors) {
    let key = format!("faq-refused:{}", unique());
    let at = now();
    let rows: Vec<Outbound> = html_chunks(&refused_paras(engine, errors))
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            Outbound::text(desk.chat.0, chunk, format!("{key}:{i}"))
                .with_options(SendOptions::html().to_json())
        })
        .collect();
    let stored = desk.store.write(|tx| {
        for row in &rows {
            tx.enqueue(row, at)?;
        }
        Ok(())
    });
    match stored {
        Ok(()) => desk.wake.notify_one(),
        Err(e) => log::error!("triage: cannot queue the FAQ errors for the group: {e}"),
    }
}

/// `/open`: the tickets not closed, one a line.
pub(crate) async fn on_open(g: GroupMsg) -> HandlerResult {
    let t = |k: Tg| text(&*g.engine, k, Lang::Nl);
    let desk = &g.desk;
    let reply = match desk.store.call(|s| s.open_tickets()).await {
        Ok(tickets) if tickets.is_empty() => t(Tg::DeskNoOpen),
        Ok(tickets) => {
            let mut lines = vec![t(Tg::DeskOpenHeader)];
            for tk in tickets {
                let opened = desk.config.office_hours.local(tk.created_at);
                lines.push(format!(
                    "{} · {} · {} · {:02}-{:02} {:02}:{:02}{}{}",
                    tk.number,
                    tk.status.as_str(),
                    tk.lang.code().to_uppercase(),
                    opened.day,
                    opened.month,
                    opened.hour,
                    opened.minute,
                    if tk.urgent { " · SPOED" } else { "" },
                    if tk.out_of_hours { " · ooh" } else { "" },
                ));
            }
            lines.join("\n")
        }
        Err(e) => {
            log::error!("triage: /open: {e}");
            t(Tg::DeskRelayFailed)
        }
    };
    g.reply_lines(&reply).await
}

/// `/stats`: the question log's short report over [`STATS_DAYS`], then the desk's counts.
pub(crate) async fn on_stats(g: GroupMsg) -> HandlerResult {
    let t = |k: Tg| text(&*g.engine, k, Lang::Nl);
    let at = now();
    let since = at - i64::from(STATS_DAYS) * 86_400;
    let read = g
        .desk
        .store
        .call(move |s| Ok((s.stats()?, s.questions_since(since)?)))
        .await;
    let reply = match read {
        Ok((s, questions)) => {
            let tickets = t(Tg::DeskStats)
                .replace("{open}", &s.open.to_string())
                .replace("{answered}", &s.answered.to_string())
                .replace("{closed}", &s.closed.to_string())
                .replace("{urgent}", &s.urgent.to_string())
                .replace("{out_of_hours}", &s.out_of_hours.to_string())
                .replace("{pending}", &s.outbox_pending.to_string())
                .replace("{abandoned}", &s.outbox_abandoned.to_string());
            let report = crate::report::Report::build(&questions, since, at);
            format!("{}\n{tickets}", crate::report::short(&report))
        }
        Err(e) => {
            log::error!("triage: /stats: {e}");
            t(Tg::DeskRelayFailed)
        }
    };
    g.reply_lines(&reply).await
}

/// `/close N` (`None`: no valid number given, the usage is the answer).
pub(crate) async fn on_close(g: GroupMsg, n: Option<i64>) -> HandlerResult {
    let reply = match n {
        None => text(&*g.engine, Tg::DeskCloseUsage, Lang::Nl),
        Some(n) => close(&*g.engine, &g.desk, TicketNo(n)).await,
    };
    g.reply_lines(&reply).await
}

/// Closes a ticket (the patient is told, through the outbox); the group's note.
async fn close(engine: &dyn AnswerEngine, desk: &Desk, n: TicketNo) -> String {
    let t = |k: Tg| fill(&text(engine, k, Lang::Nl), n);
    let ticket = match desk.store.call(move |s| s.ticket(n)).await {
        Ok(Some(ticket)) => ticket,
        Ok(None) => return t(Tg::DeskNoSuch),
        Err(e) => {
            log::error!("triage: close: {e}");
            return t(Tg::DeskRelayFailed);
        }
    };
    if ticket.status == Status::Closed {
        return t(Tg::DeskClosed);
    }
    let tell = ticket.chat_id.map(|chat| {
        patient_rows(
            chat,
            &paras_of(&fill(
                &text(
                    engine,
                    if ticket.urgent {
                        // The last word on an urgent ticket keeps the urgent advice.
                        Tg::TicketClosedUrgent
                    } else {
                        Tg::TicketClosedPatient
                    },
                    ticket.lang,
                ),
                n,
            )),
            &format!("ticket:{}:closed", n.0),
            n,
        )
    });
    let at = now();
    let stored = desk
        .store
        .call(move |s| {
            s.write(|tx| {
                tx.set_status(n, Status::Closed, at)?;
                for row in tell.iter().flatten() {
                    tx.enqueue(row, at)?;
                }
                Ok(())
            })
        })
        .await;
    match stored {
        Ok(()) => {
            log::info!("triage: ticket {n} closed");
            desk.wake.notify_one();
            t(Tg::DeskClosed)
        }
        Err(e) => {
            log::error!("triage: close: {e}");
            t(Tg::DeskRelayFailed)
        }
    }
}

/// A take/close button under a ticket post.
pub(crate) async fn on_desk_button(press: &Press, desk: &Desk, action: Callback) -> HandlerResult {
    // Only staff get here (the `schema`'s branch checks).
    let engine = &*press.engine;
    let note = match action {
        Callback::Take(n) => {
            log::info!("triage: ticket #{n} taken");
            fill(&text(engine, Tg::DeskTaken, Lang::Nl), TicketNo(n))
                .replace("{name}", &press.query.from.first_name)
        }
        Callback::Close(n) => close(engine, desk, TicketNo(n)).await,
        _ => return press.acknowledge(None).await,
    };
    press.acknowledge(Some(&note)).await?;
    send_reply(&press.bot, desk.chat, &paras_of(&note), None, None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OfficeHours;

    #[test]
    fn openings_read_naturally_in_both_languages() {
        let hours = OfficeHours::parse(
            "mon-fri 08:00-17:00",
            crate::config::TimeZone::EuropeAmsterdam,
        )
        .unwrap();
        // Saturday 2025-07-12 12:00 UTC → Monday 14 July 08:00 CEST.
        let sat = 1_752_321_600;
        let t = hours.local(hours.next_opening(sat));
        assert_eq!(format_opening(&t, Lang::Nl), "maandag 14 juli om 08:00");
        assert_eq!(format_opening(&t, Lang::En), "Monday 14 July at 08:00");
    }

    #[test]
    fn long_questions_are_cut() {
        let long = "a".repeat(QUOTE_MAX + 10);
        assert_eq!(truncate(&long, QUOTE_MAX).chars().count(), QUOTE_MAX + 1);
        assert_eq!(truncate("kort", QUOTE_MAX), "kort");
    }
}
