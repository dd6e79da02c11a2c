//! Grid search of the combined matcher's weight and thresholds ([`Blend`]) on labelled
//! files (the dev set and `eval/*-tune.jsonl` only): every message is read and encoded once,
//! then answered under each setting. Prints the best settings and, for the chosen one, how
//! the accuracy moves when each value moves alone (choose from a plateau, not a peak).
//!
//! `cargo run --release --example blend -- ../shared/eval/dev.jsonl eval/questions-tune.jsonl`

use b12bot::engine::{Blend, Context, Engine, EngineConfig};
use b12bot::semantic::Model;
use b12bot::{encoder, eval, faq};
use std::path::Path;
use std::sync::Arc;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    assert!(!files.is_empty(), "usage: blend FILE.jsonl...");
    let mut cases = Vec::new();
    for f in &files {
        assert!(
            !f.contains("holdout"),
            "held-out files are for measuring only"
        );
        cases.extend(eval::parse_cases(&std::fs::read_to_string(f).unwrap()).unwrap());
    }
    let faq = faq::load_dir(Path::new("faq")).unwrap();
    let enc = encoder::Encoder::load(&encoder::default_dir()).unwrap();
    let model = Arc::new(Model::new(Arc::new(enc)));
    let mut engine = Engine::new(faq, EngineConfig::default()).with_semantic(model);
    let read: Vec<_> = cases.iter().map(|c| engine.read(&c.q)).collect();
    let ctx = Context::default();
    let score = |engine: &mut Engine, b: Blend| -> (usize, usize) {
        engine.set_blend(b);
        let mut right = 0;
        let mut wrong_no_match = 0;
        for (c, a) in cases.iter().zip(&read) {
            let answer = engine.answer_read(a, &ctx);
            let (ok, _) = eval::judge(c, &answer);
            right += ok as usize;
            wrong_no_match += (!ok && c.expect.intent == "no_match") as usize;
        }
        (right, wrong_no_match)
    };
    let d = Blend::default();
    let mut rows = Vec::new();
    for lexical in [0.3, 0.4, 0.5, 0.6] {
        for no_match in [0.25, 0.3, 0.35, 0.4] {
            for oos in [-0.05, 0.0, 0.05] {
                for unanchored in [0.35, 0.4, 0.45, 0.5] {
                    for talk in [0.5, 0.55, 0.6, 0.65] {
                        let b = Blend {
                            lexical,
                            no_match,
                            out_of_scope_margin: oos,
                            min_cosine_unanchored: unanchored,
                            talk,
                            ..d
                        };
                        let (r, _) = score(&mut engine, b);
                        rows.push((r, b));
                    }
                }
            }
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let n = cases.len() as f32;
    for (r, b) in rows.iter().take(15) {
        println!(
            "{:.3}  lexical {:.2} no_match {:.2} oos {:+.2} unanchored {:.2} talk {:.2}",
            *r as f32 / n,
            b.lexical,
            b.no_match,
            b.out_of_scope_margin,
            b.min_cosine_unanchored,
            b.talk
        );
    }
    let (r, _) = score(&mut engine, d);
    println!("default {:.3} ({r}/{})", r as f32 / n, cases.len());
    // One value at a time around the default.
    type Field = (&'static str, fn(&mut Blend) -> &mut f32, [f32; 7]);
    let fields: [Field; 8] = [
        (
            "lexical",
            |b| &mut b.lexical,
            [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        ),
        (
            "no_match",
            |b| &mut b.no_match,
            [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
        ),
        (
            "accept",
            |b| &mut b.accept,
            [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
        ),
        (
            "gap",
            |b| &mut b.gap,
            [0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1],
        ),
        (
            "oos_margin",
            |b| &mut b.out_of_scope_margin,
            [-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1],
        ),
        (
            "unanchored",
            |b| &mut b.min_cosine_unanchored,
            [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
        ),
        (
            "talk",
            |b| &mut b.talk,
            [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
        ),
        (
            "talk_margin",
            |b| &mut b.talk_margin,
            [-0.05, 0.0, 0.02, 0.05, 0.08, 0.1, 0.15],
        ),
    ];
    // Calibration: how often a `faq` answer at a combined score is right, fitted as a
    // logistic curve (maximum likelihood over a grid).
    engine.set_blend(d);
    let mut points = Vec::new();
    for (c, a) in cases.iter().zip(&read) {
        let answer = engine.answer_read(a, &ctx);
        if answer.intent == b12bot::engine::Intent::Faq
            && let Some(ev) = engine.evidence(&c.q)
            && let Some((_, score)) = ev.best()
        {
            points.push((score, eval::judge(c, &answer).0));
        }
    }
    let mut fit = (f64::MIN, 0.0, 0.0);
    for slope in (2..=40).map(|x| x as f64) {
        for mid in (0..=60).map(|x| x as f64 / 100.0) {
            let ll: f64 = points
                .iter()
                .map(|&(x, ok)| {
                    let p = 1.0 / (1.0 + (-slope * (x as f64 - mid)).exp());
                    let p = p.clamp(1e-6, 1.0 - 1e-6);
                    if ok { p.ln() } else { (1.0 - p).ln() }
                })
                .sum();
            if ll > fit.0 {
                fit = (ll, slope, mid);
            }
        }
    }
    println!(
        "confidence: slope {:.0} mid {:.2} over {} faq answers",
        fit.1,
        fit.2,
        points.len()
    );
    for (name, get, values) in fields {
        let line: Vec<String> = values
            .iter()
            .map(|&v| {
                let mut b = d;
                *get(&mut b) = v;
                let (r, _) = score(&mut engine, b);
                format!("{v:.2}:{:.3}", r as f32 / n)
            })
            .collect();
        println!("{name:<12} {}", line.join("  "));
    }
}
