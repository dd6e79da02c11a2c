//! Grid search of the matcher's thresholds on a labelled file: shows how sensitive the
//! score is to each threshold, so the defaults can be chosen from a plateau rather than
//! a peak. `cargo run --release --example tune -- ../shared/eval/dev.jsonl`

use b12bot::engine::{Engine, EngineConfig, Thresholds};
use b12bot::{eval, faq};
use std::path::Path;

fn main() {
    let file = std::env::args().nth(1).expect("usage: tune FILE.jsonl");
    let cases = eval::parse_cases(&std::fs::read_to_string(file).unwrap()).unwrap();
    let faq = faq::load_dir(Path::new("faq")).unwrap();
    let mut rows = Vec::new();
    for no_match in [0.15, 0.18, 0.2, 0.22, 0.25, 0.28] {
        for accept in [0.25, 0.3, 0.33, 0.36, 0.4, 0.45] {
            for gap in [0.0, 0.02, 0.04, 0.06, 0.08, 0.1] {
                for min_known in [0.4, 0.5, 0.55, 0.6, 0.65, 0.7] {
                    let t = Thresholds {
                        no_match,
                        accept,
                        gap,
                        min_known_unanchored: min_known,
                    };
                    let e = Engine::new(faq.clone(), EngineConfig::default()).with_thresholds(t);
                    let acc = eval::accuracy(&eval::run(&e, &cases));
                    rows.push((acc, no_match, accept, gap, min_known));
                }
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for r in rows.iter().take(25) {
        println!(
            "{:.3}  no_match {:.2} accept {:.2} gap {:.2} min_known {:.2}",
            r.0, r.1, r.2, r.3, r.4
        );
    }
    let d = Thresholds::default();
    let e = Engine::new(faq, EngineConfig::default()).with_thresholds(d);
    println!(
        "default {:?}: {:.3}",
        d,
        eval::accuracy(&eval::run(&e, &cases))
    );
}
