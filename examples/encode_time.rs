//! Times the encoder's parts on a few sentences (tokenizing, the forward pass).
//! `cargo run --release --example encode_time`
use std::time::Instant;
fn main() {
    let e = b12bot::encoder::Encoder::load(&b12bot::encoder::default_dir()).unwrap();
    let qs = [
        "wat is vitamine b12 eigenlijk",
        "Can low B12 cause memory problems?",
        "hoe lang duurt het voor ik me beter voel na de b12 spuiten",
    ];
    for q in qs {
        e.encode(q);
    }
    let n = 200;
    let t = Instant::now();
    for i in 0..n {
        std::hint::black_box(e.piece_ids(qs[i % 3]));
    }
    println!(
        "tokenize {:.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    let ids: Vec<Vec<u32>> = qs.iter().map(|q| e.piece_ids(q)).collect();
    let t = Instant::now();
    for i in 0..n {
        std::hint::black_box(e.encode_ids(&ids[i % 3]));
    }
    println!(
        "forward {:.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}
