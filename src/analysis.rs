//! One reading of a patient's message, made once by [`crate::engine::Engine::answer`] and
//! shared by the parts of the engine that look at it.
//!
//! Pure: no I/O. What it holds is general on purpose — the text as far as the engine reads
//! it, its sentences and clauses with byte spans, its folded words with their original spans,
//! the matcher's tokens, a language guess and the sentence encoder's vector — so that every
//! reader (the red-flag detector, the matcher, the semantic signal) starts from the same
//! reading instead of cutting and folding the text again.
//!
//! # Words
//!
//! A word is a run of letters and digits, folded with [`text::fold_char`] (lowercase, accents
//! stripped). Two details make patients' spellings meet the vocabulary:
//!
//! - an apostrophe *inside* a word joins it: "can't" → `cant`, "m'n" → `mn`, "zo'n" → `zon`,
//!   so the forms with and without the apostrophe are the same word;
//! - a digit followed by a letter starts a new word ("38graden" → `38`, `graden`), and a
//!   decimal comma or point between digits stays inside the number ("38,5" is one word).
//!
//! # Sentences and clauses
//!
//! Sentences end at `.` `!` `?` `;` `…` and line breaks; clauses also at `,` `:` brackets and
//! quotes. A decimal point or comma between two digits ends nothing.

use crate::text::{self, Lang};
use std::ops::Range;
use unicode_normalization::char::is_combining_mark;

/// How much of a message the engine reads (Telegram's own message limit), in characters.
pub const MAX_INPUT_CHARS: usize = 4096;

/// One word of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Folded: lowercase, no accents, apostrophes inside the word dropped.
    pub text: String,
    /// Where it stands in [`Analysis::text`] (bytes).
    pub span: Range<usize>,
    /// Index into [`Analysis::sentences`].
    pub sentence: usize,
    /// Index into [`Analysis::clauses`].
    pub clause: usize,
    /// Only digits (and a decimal comma or point between them).
    pub number: bool,
    /// A number written as one word ("zeven", "twenty"), not the vitamin's own ("b twaalf").
    pub spoken: Option<u32>,
}

/// A sentence or a clause: its words and where it stands in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Indexes into [`Analysis::words`].
    pub words: Range<usize>,
    /// Bytes of [`Analysis::text`], from its first word to the end of its last.
    pub span: Range<usize>,
    /// The sentence ends with a question mark (only meaningful for sentences).
    pub question: bool,
}

/// The shared reading of one message.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    /// The message as far as the engine reads it ([`MAX_INPUT_CHARS`]).
    pub text: &'a str,
    pub words: Vec<Word>,
    pub sentences: Vec<Segment>,
    pub clauses: Vec<Segment>,
    /// The matcher's tokens ([`text::tokens`] of the folded text).
    pub tokens: Vec<String>,
    /// The language the words suggest; `None` when they do not tell.
    pub lang: Option<Lang>,
    /// The sentence encoder's vector of the text, when the engine has an encoder (set by
    /// [`crate::engine::Engine::answer`] once, for every stage that wants it).
    pub vector: Option<crate::encoder::Vector>,
    /// In a message of several sentences, the vectors of the ones that most likely hold the
    /// question ([`Analysis::question_sentences`]): a story before the question, a thanks
    /// before a new question, or a formal opening must not drown the question itself.
    pub sentence_vectors: Vec<crate::encoder::Vector>,
}

impl<'a> Analysis<'a> {
    /// Reads `text` (the first [`MAX_INPUT_CHARS`] characters of it). Linear in its length;
    /// never panics.
    pub fn new(text: &'a str) -> Analysis<'a> {
        let text = match text.char_indices().nth(MAX_INPUT_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let tokens = text::tokens(&text::fold(text));
        let lang = text::detect_lang(&tokens);
        let mut a = Analysis {
            text,
            words: Vec::new(),
            sentences: Vec::new(),
            clauses: Vec::new(),
            tokens,
            lang,
            vector: None,
            sentence_vectors: Vec::new(),
        };
        a.split();
        a
    }

    /// In a message of several sentences, the spans of those that most likely hold the
    /// question: the ones ending in a question mark, else the last one; at most `max`, of at
    /// least two words each. Empty for a message of one sentence.
    pub fn question_sentences(&self, max: usize) -> Vec<Range<usize>> {
        if self.sentences.len() < 2 {
            return Vec::new();
        }
        let long = |s: &&Segment| s.words.len() >= 2;
        let mut chosen: Vec<&Segment> = self
            .sentences
            .iter()
            .filter(|s| s.question)
            .filter(long)
            .collect();
        if chosen.is_empty() {
            chosen.extend(self.sentences.iter().rev().filter(long).take(1));
        }
        chosen.truncate(max);
        chosen.into_iter().map(|s| s.span.clone()).collect()
    }

    /// The words of the sentence `s`.
    pub fn sentence_words(&self, s: usize) -> &[Word] {
        &self.words[self.sentences[s].words.clone()]
    }

    fn split(&mut self) {
        let text = self.text;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut cur = String::new();
        let mut start = 0;
        let mut end = 0;
        let mut number = true;
        let (mut sentence, mut clause) = (0usize, 0usize);
        let mut sentence_open = false;
        let mut clause_open = false;
        let mut sentence_start = 0usize;
        let mut clause_start = 0usize;

        let is_word_char = |c: char| c.is_alphanumeric();
        let mut i = 0;
        while i < chars.len() {
            let (at, c) = chars[i];
            let next = chars.get(i + 1).map(|&(_, n)| n);
            let prev = i.checked_sub(1).map(|p| chars[p].1);
            let joins = |c: char| {
                // An apostrophe between letters; a decimal mark between digits.
                (matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '´')
                    && prev.is_some_and(char::is_alphabetic)
                    && next.is_some_and(char::is_alphabetic))
                    || (matches!(c, ',' | '.')
                        && prev.is_some_and(|p| p.is_ascii_digit())
                        && next.is_some_and(|n| n.is_ascii_digit()))
            };
            if is_word_char(c) || (!cur.is_empty() && joins(c)) || is_combining_mark(c) {
                if is_combining_mark(c) {
                    i += 1;
                    continue;
                }
                let digit = c.is_ascii_digit() || matches!(c, ',' | '.');
                // A digit followed by a letter starts a new word.
                if !cur.is_empty() && number && !digit && c.is_alphabetic() {
                    self.push_word(&mut cur, start..end, sentence, clause, number);
                }
                if cur.is_empty() {
                    start = at;
                    number = true;
                    if !sentence_open {
                        sentence_open = true;
                        sentence_start = self.words.len();
                    }
                    if !clause_open {
                        clause_open = true;
                        clause_start = self.words.len();
                    }
                }
                if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '´') {
                    // Joined, but not kept: "can't" is "cant".
                } else if matches!(c, ',' | '.') {
                    cur.push(c);
                } else {
                    number &= c.is_ascii_digit();
                    text::fold_char(c, &mut cur);
                }
                end = at + c.len_utf8();
                i += 1;
                continue;
            }
            if !cur.is_empty() {
                self.push_word(&mut cur, start..end, sentence, clause, number);
            }
            let ends_sentence = matches!(c, '.' | '!' | '?' | ';' | '\n' | '…' | '¿' | '¡');
            let ends_clause = ends_sentence
                || matches!(
                    c,
                    ',' | ':' | '(' | ')' | '[' | ']' | '"' | '“' | '”' | '„' | '«' | '»'
                );
            if ends_clause && clause_open {
                self.close(false, clause_start, &mut clause, false);
                clause_open = false;
            }
            if ends_sentence && sentence_open {
                self.close(true, sentence_start, &mut sentence, c == '?');
                sentence_open = false;
            } else if c == '?'
                && let Some(last) = self.sentences.last_mut()
                && last.words.end == self.words.len()
                && !sentence_open
            {
                last.question = true; // "…??" or "… ?"
            }
            i += 1;
        }
        if !cur.is_empty() {
            self.push_word(&mut cur, start..end, sentence, clause, number);
        }
        if clause_open {
            self.close(false, clause_start, &mut clause, false);
        }
        if sentence_open {
            self.close(true, sentence_start, &mut sentence, false);
        }
    }

    fn push_word(
        &mut self,
        cur: &mut String,
        span: Range<usize>,
        sentence: usize,
        clause: usize,
        number: bool,
    ) {
        let mut word = std::mem::take(cur);
        // A trailing decimal mark ("38," at a clause end) cannot happen: marks only join
        // between digits. Strip one defensively so a word never ends in punctuation.
        while word.ends_with([',', '.']) {
            word.pop();
        }
        if word.is_empty() {
            return;
        }
        let after_name = self.words.last().is_some_and(|p| {
            matches!(p.text.as_str(), "b" | "be" | "bee" | "vitamine" | "vitamin")
        });
        let spoken = if number || after_name {
            None
        } else {
            crate::b12::number_word(&word)
        };
        self.words.push(Word {
            text: word,
            span,
            sentence,
            clause,
            number,
            spoken,
        });
    }

    fn close(&mut self, is_sentence: bool, first: usize, counter: &mut usize, question: bool) {
        let last = self.words.len();
        if last == first {
            return;
        }
        let span = self.words[first].span.start..self.words[last - 1].span.end;
        let seg = Segment {
            words: first..last,
            span,
            question,
        };
        if is_sentence {
            self.sentences.push(seg);
        } else {
            self.clauses.push(seg);
        }
        *counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        Analysis::new(s).words.into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn words_are_folded_and_apostrophes_join() {
        assert_eq!(
            words("Ik kán m'n arm niet optillen, I can't"),
            ["ik", "kan", "mn", "arm", "niet", "optillen", "i", "cant"]
        );
        assert_eq!(words("p\u{301}ijn"), ["pijn"]);
        assert_eq!(words("'s avonds"), ["s", "avonds"]);
    }

    #[test]
    fn numbers_keep_their_decimal_mark_and_split_from_letters() {
        let a = Analysis::new("39,5 graden, 38graden. b12 is 150.");
        let w: Vec<(&str, bool)> = a
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.number))
            .collect();
        assert_eq!(
            w,
            [
                ("39,5", true),
                ("graden", false),
                ("38", true),
                ("graden", false),
                ("b12", false),
                ("is", false),
                ("150", true)
            ]
        );
        assert_eq!(a.sentences.len(), 2);
        assert_eq!(a.clauses.len(), 3);
    }

    #[test]
    fn sentences_and_clauses_have_word_ranges_and_spans() {
        let text = "Hoi, ik heb pijn op de borst! Is dat erg?";
        let a = Analysis::new(text);
        assert_eq!(a.sentences.len(), 2);
        assert_eq!(
            &text[a.sentences[0].span.clone()],
            "Hoi, ik heb pijn op de borst"
        );
        assert!(!a.sentences[0].question);
        assert!(a.sentences[1].question);
        assert_eq!(a.clauses.len(), 3);
        assert_eq!(a.words[1].clause, 1);
        assert_eq!(a.words[1].sentence, 0);
        assert_eq!(&text[a.words[3].span.clone()], "pijn");
        assert_eq!(a.sentence_words(1).len(), 3);
        assert_eq!(a.lang, Some(Lang::Nl));
    }

    #[test]
    fn long_text_is_cut_and_odd_text_is_fine() {
        let long = "a".repeat(MAX_INPUT_CHARS + 10);
        assert_eq!(Analysis::new(&long).text.chars().count(), MAX_INPUT_CHARS);
        for odd in [
            "",
            "...",
            "🙂🙂",
            "\u{202e}x\u{202c}",
            ",,5",
            "5,",
            "'",
            "a'",
        ] {
            let a = Analysis::new(odd);
            for w in &a.words {
                assert!(!w.text.is_empty());
                assert!(odd.get(w.span.clone()).is_some());
            }
        }
    }
}
