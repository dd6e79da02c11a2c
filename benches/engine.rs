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
//!
//! With the semantic signal (the sentence encoder in `models/usem3`):
//! - `semantic/answer_real_faq`, `semantic/answer_generated_10k`: as above, encoder included;
//! - `semantic/load_cold`: reading the FAQ and building the engine, every phrasing embedded;
//!   `semantic/load_warm`: the same with the vectors cached (a restart with the cache file,
//!   or a reload); `semantic/reload_one_changed`: one phrasing changed, so one embedded;
//! - `semantic/load_encoder`: reading the model files;
//! - `encoder/one_sentence`: the Rust encoder, one thread, one dev question at a time; the
//!   numpy reference encodes the same questions one at a time in the same run
//!   (`benches/numpy_reference.py`, when python3 with numpy and sentencepiece and the wheel
//!   are there; `USEM_WHEEL_DIR` names an unpacked wheel) and both figures are printed.

use b12bot::analysis::Analysis;
use b12bot::encoder::{self, Encoder};
use b12bot::engine::{Context, Engine, EngineConfig};
use b12bot::faq::{self, Entry, Faq, Localized, LocalizedList};
use b12bot::semantic::Model;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

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
        red_flag_neighbours: real.red_flag_neighbours.clone(),
        red_flag_neighbours_review: real.red_flag_neighbours_review.clone(),
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

/// The dev set's questions (for timing the encoders on real messages).
fn dev_questions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let qs: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect();
    if qs.is_empty() {
        QUESTIONS.iter().map(|q| q.to_string()).collect()
    } else {
        qs
    }
}

fn semantic(c: &mut Criterion) {
    let t = Instant::now();
    let enc = Arc::new(Encoder::load(&encoder::default_dir()).expect("model loads"));
    eprintln!("encoder loaded in {:.2} s", t.elapsed().as_secs_f64());
    let real = faq::load_dir(&faq_dir()).expect("shipped FAQ loads");
    let model = Arc::new(Model::new(enc.clone()));
    let engine = Engine::new(real.clone(), EngineConfig::default()).with_semantic(model.clone());
    let ctx = Context::default();
    let mut i = 0;
    let mut group = c.benchmark_group("semantic");
    group.bench_function("answer_real_faq", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(engine.answer(black_box(QUESTIONS[i]), &ctx))
        })
    });
    group.sample_size(10);
    group.bench_function("load_encoder", |b| {
        b.iter(|| black_box(Encoder::load(&encoder::default_dir()).unwrap()))
    });
    group.bench_function("load_cold", |b| {
        b.iter(|| {
            let faq = faq::load_dir(&faq_dir()).unwrap();
            let fresh = Arc::new(Model::new(enc.clone()));
            black_box(Engine::new(faq, EngineConfig::default()).with_semantic(fresh))
        })
    });
    group.bench_function("load_warm", |b| {
        b.iter(|| {
            let faq = faq::load_dir(&faq_dir()).unwrap();
            black_box(Engine::new(faq, EngineConfig::default()).with_semantic(model.clone()))
        })
    });
    let mut n = 0;
    group.bench_function("reload_one_changed", |b| {
        b.iter(|| {
            let mut faq = faq::load_dir(&faq_dir()).unwrap();
            n += 1;
            faq.entries[0]
                .questions
                .nl
                .push(format!("nieuwe vraag nummer {n}"));
            let before = model.encoded();
            let e = Engine::new(faq, EngineConfig::default()).with_semantic(model.clone());
            assert_eq!(model.encoded(), before + 1);
            black_box(e)
        })
    });
    group.finish();

    // The 10,000-entry FAQ: its ~270,000 phrasings are embedded once (cold, both cores,
    // timed here and printed, not by criterion) when this bench is selected; criterion then
    // times answers with every vector in memory (as a running bot has them).
    let mut big: Option<Engine> = None;
    let mut group = c.benchmark_group("semantic");
    group.sample_size(30);
    group.bench_function("answer_generated_10k", |b| {
        let big = big.get_or_insert_with(|| {
            let t = Instant::now();
            let big_model = Arc::new(Model::new(enc.clone()));
            let e = Engine::new(generated(&real, 10_000), EngineConfig::default())
                .with_semantic(big_model.clone());
            eprintln!(
                "generated 10k FAQ: {} phrasings embedded, load + index {:.1} s (cold)",
                big_model.encoded(),
                t.elapsed().as_secs_f64()
            );
            e
        });
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            black_box(big.answer(black_box(QUESTIONS[i]), &ctx))
        })
    });
    group.finish();
    drop(big);

    let dev = dev_questions();
    let mut group = c.benchmark_group("encoder");
    let mut k = 0;
    let mut compared = false;
    group.bench_function("one_sentence", |b| {
        if !compared {
            compared = true;
            compare_with_numpy(&enc, &dev);
        }
        b.iter(|| {
            k = (k + 1) % dev.len();
            black_box(enc.encode(black_box(&dev[k])))
        })
    });
    group.finish();
}

/// The Rust encoder and the numpy reference on the same sentences, one at a time, in this
/// run: both per-sentence figures printed side by side.
fn compare_with_numpy(enc: &Encoder, dev: &[String]) {
    for q in dev.iter().take(20) {
        black_box(enc.encode(q)); // warm up, as the script does
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for q in dev {
                black_box(enc.encode(q));
            }
            t.elapsed().as_secs_f64() * 1000.0 / dev.len() as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let rust_ms = rounds[rounds.len() / 2];
    let texts: Vec<&str> = dev.iter().map(String::as_str).collect();
    let t = Instant::now();
    black_box(enc.encode_batch(&texts));
    let rust_batched = t.elapsed().as_secs_f64() * 1000.0 / dev.len() as f64;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/numpy_reference.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&script);
    if let Ok(dir) = std::env::var("USEM_WHEEL_DIR") {
        cmd.arg(dir);
    }
    let numpy = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("piped");
            stdin.write_all(dev.join("\n").as_bytes())?;
            drop(stdin);
            child.wait_with_output()
        });
    match numpy {
        Ok(out) if out.status.success() => {
            let s = String::from_utf8_lossy(&out.stdout);
            let mut parts = s
                .split_whitespace()
                .map(|x| x.parse::<f64>().unwrap_or(f64::NAN));
            let (one, batched) = (
                parts.next().unwrap_or(f64::NAN),
                parts.next().unwrap_or(f64::NAN),
            );
            eprintln!(
                "encoder on {} dev questions, one at a time (median of 5 passes): rust \
                 {rust_ms:.3} ms, numpy {one:.3} ms ({:.2}x); batched: rust \
                 {rust_batched:.3} ms, numpy {batched:.3} ms",
                dev.len(),
                one / rust_ms
            );
        }
        Ok(out) => eprintln!(
            "numpy reference not run ({}); rust {rust_ms:.3} ms per dev question",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => eprintln!("numpy reference not run ({e}); rust {rust_ms:.3} ms per dev question"),
    }
}

criterion_group!(benches, bench, semantic);
criterion_main!(benches);
