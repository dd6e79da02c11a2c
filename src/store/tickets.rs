//! Tickets and their messages, and the escalation offers waiting for a patient's "yes".

use super::*;

impl Store {
    // --- tickets ---------------------------------------------------------------------------

    /// Stores a new ticket, its messages and the outbox rows `outbox` builds from its number,
    /// in one transaction: a ticket is stored before anything about it is sent. If a ticket
    /// with the same origin exists, returns its number and stores nothing.
    pub fn open_ticket(
        &self,
        ticket: &NewTicket,
        now: i64,
        outbox: impl FnOnce(TicketNo) -> Vec<Outbound>,
    ) -> Result<TicketNo> {
        self.write(|tx| tx.open_ticket(ticket, now, outbox))
    }

    /// Adds a message to a ticket's conversation, with the outbox rows that carry it, in one
    /// transaction; the ticket's `updated_at` becomes `now`.
    pub fn add_message(
        &self,
        ticket: TicketNo,
        author: Author,
        text: &str,
        now: i64,
        outbox: &[Outbound],
    ) -> Result<()> {
        self.write(|tx| {
            tx.add_message(ticket, author, text, now)?;
            for o in outbox {
                tx.enqueue(o, now)?;
            }
            Ok(())
        })
    }

    /// Sets a ticket's status; returns the previous one.
    pub fn set_status(&self, ticket: TicketNo, status: Status, now: i64) -> Result<Status> {
        self.write(|tx| tx.set_status(ticket, status, now))
    }

    pub fn ticket(&self, number: TicketNo) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.number = ?1"),
                [number.0],
                ticket_row,
            )
            .optional()
        })
    }

    /// The ticket a message in the triage group is about (the ticket's post or a follow-up
    /// post), so a staff reply to it reaches the right patient.
    pub fn ticket_by_group_message(&self, chat_id: i64, message_id: i32) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets t
                     JOIN ticket_posts p ON p.ticket = t.number
                     WHERE p.chat_id = ?1 AND p.message_id = ?2"
                ),
                params![chat_id, message_id],
                ticket_row,
            )
            .optional()
        })
    }

    /// Records a message in the triage group as one of a ticket's posts (found afterwards,
    /// e.g. a post Telegram accepted just before a crash), so replies to it reach the ticket.
    pub fn add_post(&self, chat_id: i64, message_id: i32, ticket: TicketNo) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT OR IGNORE INTO ticket_posts (chat_id, message_id, ticket)
                 VALUES (?1, ?2, ?3)",
                params![chat_id, message_id, ticket.0],
            )?;
            Ok(())
        })
    }

    /// The chat's newest ticket that is not closed: where a follow-up goes.
    pub fn current_ticket(&self, chat_id: i64) -> Result<Option<Ticket>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets t
                     WHERE t.chat_id = ?1 AND t.status != 'closed'
                     ORDER BY t.number DESC LIMIT 1"
                ),
                [chat_id],
                ticket_row,
            )
            .optional()
        })
    }

    /// Tickets not closed (open and answered), oldest first: `/open`.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.status != 'closed' ORDER BY t.number"
            ))?
            .query_map([], ticket_row)?
            .collect()
        })
    }

    /// A ticket's conversation, oldest first.
    pub fn messages(&self, ticket: TicketNo) -> Result<Vec<TicketMessage>> {
        self.read(|c| {
            c.prepare(
                "SELECT author, text, created_at FROM ticket_messages
                 WHERE ticket = ?1 ORDER BY created_at, id",
            )?
            .query_map([ticket.0], |r| {
                Ok(TicketMessage {
                    author: Author::parse(&r.get::<_, String>(0)?)?,
                    text: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    pub fn stats(&self) -> Result<Stats> {
        self.read(|c| {
            let mut stats = c.query_row(
                "SELECT
                    COALESCE(SUM(status = 'open'), 0),
                    COALESCE(SUM(status = 'answered'), 0),
                    COALESCE(SUM(status = 'closed'), 0),
                    COALESCE(SUM(urgent), 0),
                    COALESCE(SUM(out_of_hours), 0),
                    MIN(CASE WHEN status = 'open' THEN created_at END)
                 FROM tickets",
                [],
                |r| {
                    Ok(Stats {
                        open: count(r, 0)?,
                        answered: count(r, 1)?,
                        closed: count(r, 2)?,
                        urgent: count(r, 3)?,
                        out_of_hours: count(r, 4)?,
                        oldest_open_at: r.get(5)?,
                        ..Stats::default()
                    })
                },
            )?;
            (stats.outbox_pending, stats.outbox_abandoned) = c.query_row(
                "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'abandoned'), 0)
                 FROM outbox",
                [],
                |r| Ok((count(r, 0)?, count(r, 1)?)),
            )?;
            Ok(stats)
        })
    }

    // --- escalation offers -------------------------------------------------------------------

    /// The chat's escalation offer not yet confirmed (the latest one), if any.
    pub fn offer(&self, chat_id: i64) -> Result<Option<PendingOffer>> {
        self.read(|c| {
            c.query_row(
                "SELECT chat_id, lang, questions, created_at FROM pending_offers
                 WHERE chat_id = ?1",
                [chat_id],
                |r| {
                    let questions: String = r.get(2)?;
                    Ok(PendingOffer {
                        chat_id: r.get(0)?,
                        lang: parse_lang(&r.get::<_, String>(1)?)?,
                        questions: serde_json::from_str(&questions)
                            .map_err(|_| bad_value("questions", "(not JSON)"))?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }
}
