//! Speed of the answer engine: `cargo bench --bench engine`.
//!
//! - `answer/real_faq`: one question through `Engine::answer` on the shipped FAQ
//!   (a mix of FAQ questions, values, small talk and off-topic messages).
//! - `answer/generated_10k`: the same on a generated FAQ of 10,000 entries.
//! - `load/real_faq`: reading, validating and indexing the shipped FAQ folder (the red flags
//!   included, with every example and near-miss checked).
//! - `red_flags/detect`: reading a message ([`Analysis`]) and the red-flag detector on it, for
//!   a mix of emergencies, near-misses, safety-net messages and ordinary questions; the
//!   target is under 50 µs per message.

use b12bot::analysis::Analysis;
use b12bot::engine::{Context, Engine, EngineConfig};
use b12bot::faq::{self, Entry, Faq, Localized, LocalizedList};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};

const QUESTIONS: &[&str] = &[
    "wat is vitamine b12 eigenlijk",
    "ik ben veganist, moet ik b12 slikken?",
    "mijn b12 was 0,18 nmol/l",
    "Can low B12 cause memory problems?",
    "hoe lang duurt het voor ik me beter voel na de b12 spuiten",
    "waar kan ik parkeren",
    "hoi",
    "welke waardes gebruiken jullie voor b12 en wanneer is het te laag",
    "krijg ik de behandeling in een zbc vergoed door mijn zorgverzekering",
    "b12 defiency symtoms in childern",
];

/// Messages for the detector: emergencies in several wordings, look-alikes that are not, and
/// ordinary questions (the common case).
const RED_FLAG_MESSAGES: &[&str] = &[
    "mijn vader praat ineens heel raar en zijn mondhoek hangt naar beneden",
    "ik heb sinds een half uur een drukkend gevoel op mijn borst dat naar mijn kaak trekt",
    "my toddler got into the medicine cabinet and ate a strip of tablets",
    "ik ben vorig jaar een keer flauwgevallen, moet ik nu meer b12 nemen?",
    "geen pijn op de borst of benauwdheid, wel erg moe",
    "this waiting is killing me, when do results come back",
    "de tintelingen in mijn handen worden sinds gisteren steeds erger",
    "wat is vitamine b12 eigenlijk en waar zit het in",
    "Hallo, ik ben moe en heb hartkloppingen, kan dat door een b12 tekort komen?",
    "onze baby van zes weken is slap en wil niet drinken",
    "i dont want to be here anymore",
    "mijn b12 was 180 pmol/l, wat betekent dat voor mij en moet ik naar de huisarts of niet",
];

fn faq_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// A FAQ of `n` entries built from the real one: each real entry copied with its words
/// shuffled into new made-up topic words, so the index has a realistic size and shape.
fn generated(real: &Faq, n: usize) -> Faq {
    let mut entries = Vec::with_capacity(n);
    let words = |i: usize| -> String {
        // Pronounceable pseudo-words, different per entry.
        const SYL: &[&str] = &["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "be", "du"];
        let mut x = i * 7919 + 13;
        let mut s = String::new();
        for _ in 0..4 {
            s.push_str(SYL[x % SYL.len()]);
            x /= SYL.len();
            x += 3;
        }
        s
    };
    for i in 0..n {
        let base = &real.entries[i % real.entries.len()];
        let tag = |q: &String| format!("{q} {} {}", words(i), words(i + n));
        let list = |l: &LocalizedList| LocalizedList {
            nl: l.nl.iter().map(tag).collect(),
            en: l.en.iter().map(tag).collect(),
        };
        entries.push(Entry {
            id: format!("{}-{i}", base.id),
            title: Localized {
                nl: format!("{} {}", base.title.nl, words(i)),
                en: format!("{} {}", base.title.en, words(i)),
            },
            questions: list(&base.questions),
            keywords: base.keywords.clone(),
            answer: base.answer.clone(),
            related: Vec::new(),
            source: base.source.clone(),
            reviewed_by: None,
            reviewed_on: None,
            file: PathBuf::from(format!("gen-{i}.toml")),
        });
    }
    Faq {
        entries,
        texts: real.texts.clone(),
        synonyms: real.synonyms.clone(),
        glossary: real.glossary.clone(),
        red_flags: real.red_flags.clone(),
        red_flags_review: real.red_flags_review.clone(),
        out_of_scope: real.out_of_scope.clone(),
        conversation: real.conversation.clone(),
    }
}

fn bench(c: &mut Criterion) {
    let real = faq::load_dir(&faq_dir()).expect("shipped FAQ loads");
    let engine = Engine::new(real.clone(), EngineConfig::default());
    let ctx = Context::default();
    let mut i = 0;
    c.bench_function("answer/real_faq", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(engine.answer(black_box(QUESTIONS[i]), &ctx))
        })
    });

    let big = Engine::new(generated(&real, 10_000), EngineConfig::default());
    let mut group = c.benchmark_group("answer");
    group.sample_size(30);
    group.bench_function("generated_10k", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(big.answer(black_box(QUESTIONS[i]), &ctx))
        })
    });
    group.finish();

    let flags = real.red_flags.clone();
    c.bench_function("red_flags/detect", |b| {
        b.iter(|| {
            i = (i + 1) % RED_FLAG_MESSAGES.len();
            let a = Analysis::new(black_box(RED_FLAG_MESSAGES[i]));
            black_box(flags.detect(&a))
        })
    });

    c.bench_function("load/real_faq", |b| {
        b.iter(|| {
            let faq = faq::load_dir(&faq_dir()).unwrap();
            black_box(Engine::new(faq, EngineConfig::default()))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
