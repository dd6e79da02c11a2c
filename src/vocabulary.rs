//! Which language a short message is in, when its function words do not tell
//! ([`crate::text::detect_lang`] finds none in "b12 in fish??" or "HUMAN!!!"): the words
//! the FAQ itself uses in only one of its languages vote. The vocabulary is read from the
//! files staff already keep (titles, phrasings, keywords, answers, fixed texts, out-of-scope
//! and conversation examples), so a new entry teaches it new words without a list to keep.

use crate::faq::{Faq, Localized, LocalizedList};
use crate::text::{self, Lang};
use std::collections::HashMap;

/// Words of the FAQ's texts, each with the languages it was seen in.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Bit 0: seen in a Dutch text, bit 1: in an English one.
    seen: HashMap<String, u8>,
}

const NL: u8 = 1;
const EN: u8 = 2;

impl Vocabulary {
    pub fn build(faq: &Faq) -> Vocabulary {
        let mut v = Vocabulary::default();
        for e in &faq.entries {
            v.add_localized(&e.title);
            v.add_localized(&e.answer);
            v.add_list(&e.questions);
            v.add_list(&e.keywords);
        }
        for t in faq.texts.map.values() {
            v.add_localized(t);
        }
        for t in &faq.out_of_scope {
            t.nl.iter().for_each(|s| v.add(s, NL));
            t.en.iter().for_each(|s| v.add(s, EN));
        }
        let c = &faq.conversation;
        for list in [&c.thanks, &c.bye, &c.greeting, &c.human] {
            v.add_list(list);
        }
        v
    }

    fn add_localized(&mut self, l: &Localized) {
        self.add(&l.nl, NL);
        self.add(&l.en, EN);
    }

    fn add_list(&mut self, l: &LocalizedList) {
        l.nl.iter().for_each(|s| self.add(s, NL));
        l.en.iter().for_each(|s| self.add(s, EN));
    }

    fn add(&mut self, text: &str, lang: u8) {
        for t in text::tokens(&text::fold(text)) {
            // Digits and one-letter tokens say nothing about a language.
            if t.chars().count() < 2 || t.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            *self.seen.entry(t).or_default() |= lang;
        }
    }

    /// The language of `tokens` by the words only one language of the FAQ uses; `None`
    /// when they are as many for each (or there are none).
    pub fn guess(&self, tokens: &[String]) -> Option<Lang> {
        let (mut nl, mut en) = (0, 0);
        for t in tokens {
            match self.seen.get(t) {
                Some(&NL) => nl += 1,
                Some(&EN) => en += 1,
                _ => {}
            }
        }
        match nl.cmp(&en) {
            std::cmp::Ordering::Greater => Some(Lang::Nl),
            std::cmp::Ordering::Less => Some(Lang::En),
            std::cmp::Ordering::Equal => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq_with(nl: &str, en: &str) -> Faq {
        let mut faq = Faq::default();
        faq.out_of_scope.push(crate::faq::OutOfScope {
            id: "x".into(),
            nl: vec![nl.into()],
            en: vec![en.into()],
            subjects: Vec::new(),
            file: Default::default(),
        });
        faq
    }

    fn toks(s: &str) -> Vec<String> {
        text::tokens(&text::fold(s))
    }

    #[test]
    fn words_of_one_language_vote_and_shared_ones_do_not() {
        let v = Vocabulary::build(&faq_with("zit er b12 in vis", "is there b12 in fish"));
        assert_eq!(v.guess(&toks("b12 in fish??")), Some(Lang::En));
        assert_eq!(v.guess(&toks("B12 IN VIS")), Some(Lang::Nl));
        // "b12" and "in" are in both texts; an unknown word says nothing.
        assert_eq!(v.guess(&toks("b12 in")), None);
        assert_eq!(v.guess(&toks("zalm")), None);
        assert_eq!(v.guess(&toks("vis of fish")), None);
    }
}
