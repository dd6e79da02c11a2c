//! Telegram HTML: escaping every dynamic piece, and splitting long replies.
//!
//! Pure: no I/O. Replies are built as [`Para`]graphs of *plain* text with a style; only this
//! module turns them into HTML, so no FAQ text or patient text can ever reach Telegram
//! unescaped (Telegram rejects a malformed message with "can't parse entities" and the patient
//! gets nothing). Tags never span paragraphs, so any split between paragraphs leaves every
//! chunk balanced.
//!
//! The escaping and the tags are teloxide's ([`teloxide::utils::html`]: `&`, `<`, `>`, the
//! three Telegram requires, quotes left alone). What stays ours is what teloxide does not do:
//! measuring in Telegram's UTF-16 units and splitting a reply into messages of at most 4096
//! of them at paragraph, line, sentence or word boundaries, each balanced.

use teloxide::utils::html::{bold, escape};

/// Telegram's limit on a message's text, after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Length as Telegram counts it (UTF-16 code units; never less than the number of chars,
/// so measuring this way can only split earlier than needed, never too late).
pub fn tg_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// How a paragraph is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
}

/// A paragraph of plain (unescaped) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para {
    pub text: String,
    pub style: Style,
}

impl Para {
    pub fn plain(text: impl Into<String>) -> Para {
        Para {
            text: text.into(),
            style: Style::Plain,
        }
    }

    pub fn bold(text: impl Into<String>) -> Para {
        Para {
            text: text.into(),
            style: Style::Bold,
        }
    }

    fn render(&self) -> String {
        match self.style {
            Style::Plain => escape(&self.text),
            Style::Bold => bold(&escape(&self.text)),
        }
    }
}

/// Splits plain text into paragraphs at blank lines (lines holding only whitespace count as
/// blank); trims each paragraph and drops empty ones.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n").trim().to_string());
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n").trim().to_string());
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Paragraphs separator inside one message.
const SEP: &str = "\n\n";

/// Renders paragraphs as HTML messages, each at most `limit` characters after entity parsing.
///
/// Paragraphs are packed greedily in order and a message ends only at a paragraph boundary.
/// A single paragraph longer than `limit` is cut at the last line break, else sentence end,
/// else space before the limit (a hard cut between characters only for text without any).
/// Empty input gives no messages.
pub fn render_chunks(paras: &[Para], limit: usize) -> Vec<String> {
    assert!(limit >= 2 * tg_len(SEP), "limit too small");
    let mut pieces: Vec<Para> = Vec::new();
    for p in paras {
        let text = p.text.trim();
        if text.is_empty() {
            continue;
        }
        for piece in cut_to_fit(text, limit) {
            pieces.push(Para {
                text: piece.to_string(),
                style: p.style,
            });
        }
    }

    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for piece in &pieces {
        let len = tg_len(&piece.text);
        if current_len > 0 && current_len + tg_len(SEP) + len > limit {
            chunks.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if current_len > 0 {
            current.push_str(SEP);
            current_len += tg_len(SEP);
        }
        current.push_str(&piece.render());
        current_len += len;
    }
    if current_len > 0 {
        chunks.push(current);
    }
    chunks
}

/// Cuts one paragraph into pieces of at most `limit` (trimmed, non-empty).
fn cut_to_fit(text: &str, limit: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while tg_len(rest) > limit {
        // The longest prefix (in bytes) that fits.
        let mut units = 0;
        let mut fit_end = 0;
        for (i, c) in rest.char_indices() {
            units += c.len_utf16();
            if units > limit {
                break;
            }
            fit_end = i + c.len_utf8();
        }
        let head = &rest[..fit_end];
        let cut = best_cut(head).unwrap_or(fit_end);
        let (piece, tail) = rest.split_at(cut);
        let piece = piece.trim();
        if !piece.is_empty() {
            out.push(piece);
        }
        rest = tail.trim();
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Where to cut `head` (which fits): after its last line break, else after its last sentence
/// end, else at its last space. `None` when there is none past the start.
fn best_cut(head: &str) -> Option<usize> {
    let after_newline = head.rfind('\n').map(|i| i + 1);
    let after_sentence = ['.', '!', '?']
        .iter()
        .filter_map(|p| head.rfind(&format!("{p} ")).map(|i| i + 2))
        .max();
    let at_space = head.rfind(char::is_whitespace);
    [after_newline, after_sentence, at_space]
        .into_iter()
        .flatten()
        .find(|&i| i > 0 && !head[..i].trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_escape_the_three_html_characters_and_leave_quotes() {
        let render = |text: &str| render_chunks(&[Para::plain(text)], 4096).concat();
        assert_eq!(render("a<b & c>d"), "a&lt;b &amp; c&gt;d");
        assert_eq!(render("&amp;"), "&amp;amp;");
        assert_eq!(render("zo'n \"test\""), "zo'n \"test\"");
    }

    #[test]
    fn paragraphs_are_split_at_blank_lines() {
        assert_eq!(paragraphs("a\nb\n\n  \nc\n"), vec!["a\nb", "c"]);
        assert!(paragraphs(" \n\n ").is_empty());
    }

    #[test]
    fn short_reply_is_one_message_with_bold_title() {
        let chunks = render_chunks(&[Para::bold("B12 & jij"), Para::plain("x < y")], 4096);
        assert_eq!(chunks, vec!["<b>B12 &amp; jij</b>\n\nx &lt; y"]);
    }

    #[test]
    fn split_happens_between_paragraphs() {
        let a = "a".repeat(3000);
        let b = "b".repeat(3000);
        let chunks = render_chunks(&[Para::plain(&a), Para::plain(&b)], 4096);
        assert_eq!(chunks, vec![a, b]);
    }

    #[test]
    fn long_paragraph_is_cut_at_a_sentence_end() {
        let text = format!("{}. {}", "a".repeat(50), "b".repeat(60));
        let chunks = render_chunks(&[Para::plain(&text)], 100);
        assert_eq!(chunks, vec![format!("{}.", "a".repeat(50)), "b".repeat(60)]);
    }

    #[test]
    fn text_without_spaces_is_cut_between_characters() {
        let text = "é".repeat(250);
        let chunks = render_chunks(&[Para::plain(&text)], 100);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks.concat(), text);
    }

    #[test]
    fn astral_characters_count_as_two() {
        // 🙂 is two UTF-16 units: 60 of them are 120 units.
        let text = "🙂".repeat(60);
        let chunks = render_chunks(&[Para::plain(&text)], 100);
        assert_eq!(chunks.len(), 2);
        assert!(chunks.iter().all(|c| tg_len(c) <= 100));
    }

    #[test]
    fn escaping_does_not_count_against_the_limit() {
        // 4000 '&' are 4000 characters after entity parsing, though 20000 bytes of HTML.
        let chunks = render_chunks(&[Para::plain("&".repeat(4000))], 4096);
        assert_eq!(chunks.len(), 1);
    }
}
