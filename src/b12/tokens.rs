//! The tokenizer: words (folded), numbers and the punctuation that matters, each with its
//! byte range, whether it is glued to the previous token, and whether it ends a sentence.

use crate::text::fold_char;
use unicode_normalization::char::is_combining_mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Num,
    Punct,
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    /// Folded text for words; the digits and separators as written for numbers; the
    /// (normalised) character for punctuation.
    pub(super) text: String,
    /// Byte range in the original text.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Nothing at all (not even a space) between the previous token and this one.
    pub(super) glued: bool,
    /// Punctuation that ends a sentence: `.` before a space, `!`, `?`, `;`, a newline.
    pub(super) brk: bool,
}

impl Tok {
    pub(super) fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text == w
    }
    pub(super) fn word(&self) -> Option<&str> {
        (self.kind == Kind::Word).then_some(self.text.as_str())
    }
    pub(super) fn punct(&self) -> Option<char> {
        if self.kind == Kind::Punct {
            self.text.chars().next()
        } else {
            None
        }
    }
}

/// Punctuation the reader looks at (normalised: all dashes become `-`); other symbols, emoji
/// and control characters only separate tokens.
fn punct_char(c: char) -> Option<char> {
    Some(match c {
        '-' | '–' | '—' | '‐' | '‑' | '−' => '-',
        ':' | '=' | '(' | ')' | '[' | ']' | '/' | '.' | ',' | '%' | '<' | '>' | '≤' | '≥' | '+'
        | '€' | '$' | '£' | '#' | '?' | '!' | ';' | '~' | '±' | '\n' => c,
        _ => return None,
    })
}

pub(super) fn tokenize(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let is_digit_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    let mut toks: Vec<Tok> = Vec::new();
    let mut glued = false;
    let mut it = text.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_ascii_digit() {
            // A number: digits with inner `.`/`,` separators ("0,18", "1.200", "12.03.2024").
            // Right after a glued "b", "12" is cut off on its own so that "b12,180" is the name
            // "b12" and the number 180, not 12180.
            let after_b = glued
                && toks
                    .last()
                    .is_some_and(|t| t.kind == Kind::Word && t.text.ends_with('b'));
            let mut end = i;
            if after_b && text[i..].starts_with("12") && !is_digit_at(i + 2) {
                end = i + 2;
                it.next();
                it.next();
            } else {
                while let Some(&(j, d)) = it.peek() {
                    if d.is_ascii_digit() || ((d == '.' || d == ',') && is_digit_at(j + 1)) {
                        end = j + 1;
                        it.next();
                    } else {
                        break;
                    }
                }
            }
            toks.push(Tok {
                kind: Kind::Num,
                text: text[i..end].to_string(),
                start: i,
                end,
                glued,
                brk: false,
            });
            glued = true;
        } else if c.is_alphabetic() {
            let mut w = String::new();
            let mut end = i;
            while let Some(&(j, d)) = it.peek() {
                if d.is_alphabetic() {
                    fold_char(d, &mut w);
                } else if is_combining_mark(d) {
                    // Decomposed accents ("e" + U+0301) stay inside the word.
                } else if (d == '\'' || d == '’')
                    && text[j + d.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphabetic)
                {
                    w.push('\'');
                } else {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            toks.push(Tok {
                kind: Kind::Word,
                text: w,
                start: i,
                end,
                glued,
                brk: false,
            });
            glued = true;
        } else if let Some(p) = punct_char(c) {
            it.next();
            let next = text[i + c.len_utf8()..].chars().next();
            let brk = match p {
                '!' | '?' | ';' | '\n' => true,
                '.' => next.is_none_or(char::is_whitespace),
                _ => false,
            };
            toks.push(Tok {
                kind: Kind::Punct,
                text: p.to_string(),
                start: i,
                end: i + c.len_utf8(),
                glued,
                brk,
            });
            glued = p != '\n';
        } else {
            it.next();
            glued = false;
        }
    }
    toks
}
