//! Hostile input, generated: `Engine::answer` and the value reader never panic, never hang,
//! and every reply refers to the GP. A fixed budget in CI (PROPTEST_CASES, default below);
//! longer by hand: `PROPTEST_CASES=200000 cargo test --release --test integration fuzz:: -- --nocapture`.

use b12bot::analysis::Analysis;
use b12bot::engine::{Context, Engine, EngineConfig};
use b12bot::text::Lang;
use b12bot::{b12, faq};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        Engine::new(faq::load_dir(&dir).unwrap(), EngineConfig::default())
    })
}

/// The slowest single input seen, for the report printed at the end.
static SLOWEST: Mutex<(Duration, usize)> = Mutex::new((Duration::ZERO, 0));

fn check(text: &str) {
    let t = Instant::now();
    let _ = b12::read_value(text);
    let _ = engine().faq().red_flags.detect(&Analysis::new(text));
    for hint in [None, Some(Lang::En)] {
        let a = engine().answer(text, &Context { lang_hint: hint });
        assert!(
            a.refers_to_gp,
            "{:?}",
            text.chars().take(60).collect::<String>()
        );
        assert!(!a.reply.trim().is_empty());
    }
    let took = t.elapsed();
    let mut s = SLOWEST.lock().unwrap();
    if took > s.0 {
        *s = (took, text.len());
    }
}

/// Text that looks like patients' messages and their mistakes: words of the domain, numbers
/// with units, decimal commas, emoji, control and bidi characters, zero-width spaces.
fn patientish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("b12".to_string()),
        Just("B 12".to_string()),
        Just("vitamine".to_string()),
        Just("tekort".to_string()),
        Just("pmol/l".to_string()),
        Just("pg/ml".to_string()),
        Just("nmol/L".to_string()),
        Just("µmol/l".to_string()),
        Just("holoTC".to_string()),
        Just("mma".to_string()),
        Just("jaar".to_string()),
        Just("pijn op de borst".to_string()),
        Just("niet".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{202E}".to_string()),
        Just("🙂".to_string()),
        Just("\u{0}".to_string()),
        (0u32..100_000).prop_map(|n| n.to_string()),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a},{b}")),
        "[a-zA-Zéëï]{1,12}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500),
        ..ProptestConfig::default()
    })]

    #[test]
    fn patient_like_text_never_panics_and_refers_to_the_gp(text in patientish()) {
        check(&text);
    }

    #[test]
    fn arbitrary_unicode_never_panics_and_refers_to_the_gp(text in any::<String>()) {
        check(&text);
    }
}

#[test]
fn huge_and_repetitive_messages_stay_fast() {
    let cases = [
        "9".repeat(100_000),
        "b12 ".repeat(25_000),
        "1,5 pmol/l ".repeat(9_000),
        "\u{200B}".repeat(30_000),
        "🙂".repeat(25_000),
        (0..10_000).map(|i| format!("{i} ")).collect::<String>(),
    ];
    for c in &cases {
        let t = Instant::now();
        check(c);
        // Generous: debug build on a shared 2-core machine; the point is "no hang".
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{} bytes took {:?}",
            c.len(),
            t.elapsed()
        );
    }
    let s = SLOWEST.lock().unwrap();
    println!("slowest single input so far: {:?} ({} bytes)", s.0, s.1);
}
