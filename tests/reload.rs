//! Publishing FAQ edits without a restart: good edits go live, bad ones never replace the
//! running engine, and answers in flight are not disturbed.

use b12bot::engine::{Context, Engine, EngineConfig, Intent};
use b12bot::handle::{AnswerEngine, engine_handle};
use b12bot::reload::{self, Outcome};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

fn copy_faq() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("faq");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    for f in std::fs::read_dir(src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    (tmp, dir)
}

fn engine(dir: &Path) -> Engine {
    Engine::new(b12bot::faq::load_dir(dir).unwrap(), EngineConfig::default())
}

/// A question the shipped FAQ does not answer, and an entry that answers it.
const NEW_QUESTION: &str = "mag ik met een b12 tekort autorijden";
const NEW_ENTRY: &str = r#"id = "driving"
related = ["contact"]
source = "test"
[title]
nl = "Autorijden"
en = "Driving"
[questions]
nl = ["mag ik met een b12 tekort autorijden", "autorijden en b12"]
en = ["can i drive with low b12", "driving and b12"]
[answer]
nl = "Vraag uw huisarts of autorijden verstandig is."
en = "Ask your GP whether driving is wise."
"#;

fn asks_new(e: &dyn AnswerEngine) -> bool {
    let a = e.answer(NEW_QUESTION, &Context::default());
    a.intent == Intent::Faq && a.faq_id.as_deref() == Some("driving")
}

#[test]
fn a_good_edit_is_published_and_a_bad_one_is_refused_keeping_the_last_good_faq() {
    let (_tmp, dir) = copy_faq();
    let handle = engine_handle(engine(&dir));
    assert!(!asks_new(&*handle.load()));

    std::fs::write(dir.join("driving.toml"), NEW_ENTRY).unwrap();
    match reload::reload(&dir, EngineConfig::default(), &handle) {
        Outcome::Published { entries } => assert_eq!(entries, 17),
        Outcome::Refused(e) => panic!("{e}"),
    }
    assert!(asks_new(&*handle.load()));

    // Three staff mistakes at once: a syntax error, a duplicate id, an unknown related id.
    std::fs::write(dir.join("broken.toml"), "id = \"broken\"\n[title\nnl = 1\n").unwrap();
    std::fs::write(dir.join("driving2.toml"), NEW_ENTRY).unwrap();
    let treatment = std::fs::read_to_string(dir.join("treatment.toml")).unwrap();
    std::fs::write(
        dir.join("treatment.toml"),
        treatment.replacen("related = [", "related = [\"no-such-topic\", ", 1),
    )
    .unwrap();
    let Outcome::Refused(errors) = reload::reload(&dir, EngineConfig::default(), &handle) else {
        panic!("a broken FAQ was published");
    };
    let text = errors.to_string();
    assert!(text.contains("broken.toml:2:"), "{text}");
    assert!(
        text.contains("driving2.toml") && text.contains("\"driving\""),
        "{text}"
    );
    assert!(text.contains("no-such-topic"), "{text}");
    // Still the last good FAQ.
    let e = handle.load();
    // Every entry is a topic.
    assert_eq!(e.topics(b12bot::text::Lang::Nl).len(), 17);
    assert!(asks_new(&*e));
}

#[test]
fn the_watcher_publishes_a_saved_edit_within_seconds_without_dropping_answers() {
    let (_tmp, dir) = copy_faq();
    let handle = engine_handle(engine(&dir));
    let (tx, rx) = mpsc::channel();
    let _guard = reload::watch(
        dir.clone(),
        EngineConfig::default(),
        handle.clone(),
        move |o| {
            let _ = tx.send(matches!(o, Outcome::Published { .. }));
        },
    )
    .unwrap();

    // A patient keeps asking while staff save the file.
    let stop = Arc::new(AtomicBool::new(false));
    let asker = {
        let (handle, stop) = (handle.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut answered = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let a = handle
                    .load()
                    .answer("wat is vitamine b12", &Context::default());
                assert_eq!(a.faq_id.as_deref(), Some("what-is-b12"));
                answered += 1;
            }
            answered
        })
    };

    let saved = Instant::now();
    std::fs::write(dir.join("driving.toml"), NEW_ENTRY).unwrap();
    let published = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a reload within 10 s");
    assert!(published);
    assert!(asks_new(&*handle.load()));
    let took = saved.elapsed();
    stop.store(true, Ordering::Relaxed);
    let answered = asker.join().expect("no answer failed during the reload");
    assert!(answered > 0);
    assert!(took < Duration::from_secs(5), "published after {took:?}");

    // A bad save is refused; the good engine stays.
    std::fs::write(dir.join("texts.toml"), "greeting = \n").unwrap();
    let published = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a reload attempt");
    assert!(!published);
    assert!(asks_new(&*handle.load()));
}
