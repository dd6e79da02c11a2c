//! The semantic signal: every FAQ phrasing, out-of-scope example and conversation example
//! embedded by the sentence [`Encoder`], and a message compared with them by cosine.
//!
//! [`Model`] is the encoder with a content-addressed cache of vectors (the text's hash →
//! its vector, for one model): an engine rebuilt after an FAQ edit embeds only the texts it
//! has not seen, and the edges can keep the cache on disk ([`Model::load_cache`],
//! [`Model::save_cache`]) so a restart embeds nothing that did not change.
//!
//! [`SemanticIndex`] is built from a [`Faq`] with a model. Scoring a message vector is one
//! matrix-vector product over the examples (pure compute). On a very large FAQ the entries
//! are first narrowed by their centroid (the mean of an entry's phrasings) and the lexical
//! candidates, so the product stays small.

use crate::encoder::{DIM, Encoder, Vector, similarities};
use crate::faq::Faq;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The encoder and its cache of vectors, shared by every engine built with it.
pub struct Model {
    encoder: Arc<Encoder>,
    cache: Mutex<HashMap<u64, Arc<[f32]>>>,
    /// Texts encoded so far (not found in the cache): for tests and benches.
    encoded: AtomicUsize,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({:?}, {} cached)", self.encoder, self.cached())
    }
}

const CACHE_MAGIC: &[u8; 8] = b"b12vec01";

fn text_key(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl Model {
    pub fn new(encoder: Arc<Encoder>) -> Model {
        Model {
            encoder,
            cache: Mutex::new(HashMap::new()),
            encoded: AtomicUsize::new(0),
        }
    }

    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Texts encoded (not taken from the cache) since the model was made.
    pub fn encoded(&self) -> usize {
        self.encoded.load(Ordering::Relaxed)
    }

    /// Vectors in the cache.
    pub fn cached(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The vector of each text: from the cache, or encoded (on up to `threads` threads) and
    /// cached.
    pub fn vectors(&self, texts: &[&str]) -> Vec<Arc<[f32]>> {
        let keys: Vec<u64> = texts.iter().map(|t| text_key(t)).collect();
        let mut missing: Vec<usize> = Vec::new();
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let mut seen = std::collections::HashSet::new();
            for (i, k) in keys.iter().enumerate() {
                if !cache.contains_key(k) && seen.insert(*k) {
                    missing.push(i);
                }
            }
        }
        if !missing.is_empty() {
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4)
                .min(missing.len().div_ceil(64));
            // Each thread encodes its share in batches (the weights read once per batch).
            let encode = |part: &[usize]| -> Vec<(u64, Arc<[f32]>)> {
                let part_texts: Vec<&str> = part.iter().map(|&i| texts[i]).collect();
                part.iter()
                    .zip(self.encoder.encode_batch(&part_texts))
                    .map(|(&i, v)| (keys[i], Arc::from(v)))
                    .collect()
            };
            let made: Vec<(u64, Arc<[f32]>)> = if threads <= 1 {
                encode(&missing)
            } else {
                let chunk = missing.len().div_ceil(threads);
                std::thread::scope(|s| {
                    let handles: Vec<_> = missing
                        .chunks(chunk)
                        .map(|part| s.spawn(|| encode(part)))
                        .collect();
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().expect("encoding does not panic"))
                        .collect()
                })
            };
            self.encoded.fetch_add(made.len(), Ordering::Relaxed);
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.extend(made);
        }
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter().map(|k| cache[k].clone()).collect()
    }

    /// Reads a cache file written by [`Model::save_cache`] into the cache. A file of another
    /// model, or one that cannot be read, adds nothing (the vectors are made again): returns
    /// how many vectors it added.
    pub fn load_cache(&self, path: &Path) -> usize {
        let Ok(bytes) = std::fs::read(path) else {
            return 0;
        };
        let Some(entries) = self.parse_cache(&bytes) else {
            log::warn!(
                "ignoring the vector cache {}: not of this model",
                path.display()
            );
            return 0;
        };
        let n = entries.len();
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(entries);
        n
    }

    fn parse_cache(&self, mut bytes: &[u8]) -> Option<Vec<(u64, Arc<[f32]>)>> {
        let mut magic = [0u8; 8];
        bytes.read_exact(&mut magic).ok()?;
        let mut id = [0u8; 16];
        bytes.read_exact(&mut id).ok()?;
        if &magic != CACHE_MAGIC || u128::from_le_bytes(id) != self.encoder.model_id() {
            return None;
        }
        let record = 8 + DIM * 4;
        if !bytes.len().is_multiple_of(record) {
            return None;
        }
        Some(
            bytes
                .chunks_exact(record)
                .map(|r| {
                    let key = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
                    let v: Vec<f32> = r[8..]
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                        .collect();
                    (key, Arc::from(v))
                })
                .collect(),
        )
    }

    /// Writes the cache to `path` (through a temporary file, so a crash leaves the old one).
    pub fn save_cache(&self, path: &Path) -> std::io::Result<()> {
        let mut out = Vec::new();
        out.extend_from_slice(CACHE_MAGIC);
        out.extend_from_slice(&self.encoder.model_id().to_le_bytes());
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let mut keys: Vec<&u64> = cache.keys().collect();
            keys.sort();
            for k in keys {
                out.extend_from_slice(&k.to_le_bytes());
                for x in cache[k].iter() {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

/// What a row of the index stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A phrasing of FAQ entry `i` (its questions and titles).
    Entry(usize),
    /// An example of out-of-scope topic `i`.
    OutOfScope(usize),
    /// A conversation example.
    Talk(Talk),
}

/// The kinds of conversation (`conversation.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Talk {
    Thanks,
    Bye,
    Greeting,
    Human,
}

impl Talk {
    pub const ALL: [Talk; 4] = [Talk::Thanks, Talk::Bye, Talk::Greeting, Talk::Human];

    pub fn name(self) -> &'static str {
        match self {
            Talk::Thanks => "thanks",
            Talk::Bye => "bye",
            Talk::Greeting => "greeting",
            Talk::Human => "human",
        }
    }
}

/// Above this many FAQ phrasings, entries are narrowed by their centroid first.
const EXACT_ROWS: usize = 20_000;
/// Entries kept by the centroid when narrowing.
const CENTROID_CANDIDATES: usize = 32;

/// The vectors of a FAQ's examples. Immutable once built.
pub struct SemanticIndex {
    model: Arc<Model>,
    /// Every example a message is compared with in full, one matrix: the FAQ phrasings
    /// (entry by entry, `entry_rows`; only on a FAQ of at most [`EXACT_ROWS`] phrasings),
    /// then the out-of-scope and conversation examples (`other`), the labelled emergencies
    /// (`urgent`) and the labelled calm messages.
    examples: Array2<f32>,
    other: Range<usize>,
    urgent: Range<usize>,
    /// Rows of `examples` that count as calm for the second opinion: the labelled calm
    /// messages, the FAQ's questions (on a FAQ compared in full) and the other examples.
    calm: Vec<usize>,
    /// On a FAQ too large to compare in full: its phrasings, and each entry's mean phrasing
    /// (unit length). `None` otherwise.
    large: Option<(Array2<f32>, Array2<f32>)>,
    entry_rows: Vec<Range<usize>>,
    other_class: Vec<Class>,
    urgent_category: Vec<usize>,
    nearest: usize,
    margin: f32,
}

/// A message vector compared with every example of an index ([`SemanticIndex::compare`]):
/// one matrix-vector product, read by both [`SemanticIndex::score_compared`] and
/// [`SemanticIndex::red_flag_opinion_compared`].
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    /// The message vector (for the entries of a large FAQ, compared on demand).
    vector: &'a [f32],
    /// Its cosine with each row of the index's `examples`.
    cosines: Array1<f32>,
}

/// What the nearest labelled messages say about a message (see [`crate::red_flag_neighbours`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlagOpinion {
    /// Mean cosine of the nearest urgent messages.
    pub urgent: f32,
    /// Mean cosine of the nearest calm messages.
    pub calm: f32,
    /// The categories of the nearest urgent messages, nearest first (one per message).
    pub categories: Vec<usize>,
    /// The margin the urgent side must beat the calm side by.
    pub margin: f32,
}

impl RedFlagOpinion {
    /// The message is nearer to the emergencies by more than the margin.
    pub fn is_urgent(&self) -> bool {
        !self.categories.is_empty() && self.urgent - self.calm > self.margin
    }
}

/// The `k` largest values of `sims` with their positions, largest first.
fn top_k(sims: impl Iterator<Item = f32>, k: usize) -> Vec<(usize, f32)> {
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    for (i, x) in sims.enumerate() {
        if best.len() < k || x > best[best.len() - 1].1 {
            let at = best.partition_point(|&(_, b)| b >= x);
            best.insert(at, (i, x));
            best.truncate(k);
        }
    }
    best
}

impl std::fmt::Debug for SemanticIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SemanticIndex({} phrasings, {} other examples)",
            self.entry_rows.last().map_or(0, |r| r.end),
            self.other.len()
        )
    }
}

/// How near a message is to each class.
#[derive(Debug, Clone, Default)]
pub struct SemScores {
    /// Per FAQ entry, the best cosine over its phrasings (0 for entries not compared on a
    /// large FAQ).
    pub entries: Vec<f32>,
    /// The nearest out-of-scope topic and its cosine.
    pub out_of_scope: Option<(usize, f32)>,
    /// Per [`Talk`] kind (in [`Talk::ALL`] order), the best cosine.
    pub talk: [f32; 4],
}

impl SemScores {
    pub fn talk(&self, kind: Talk) -> f32 {
        self.talk[kind as usize]
    }
}

fn stack(vectors: &[Arc<[f32]>]) -> Array2<f32> {
    let mut m = Array2::<f32>::zeros((vectors.len(), DIM));
    for (mut row, v) in m.rows_mut().into_iter().zip(vectors) {
        row.assign(&ArrayView1::from(&v[..]));
    }
    m
}

impl SemanticIndex {
    /// Embeds every entry's questions and titles (both languages), the out-of-scope and the
    /// conversation examples (through the model's cache).
    pub fn build(model: Arc<Model>, faq: &Faq) -> SemanticIndex {
        let mut texts: Vec<&str> = Vec::new();
        let mut entry_rows = Vec::with_capacity(faq.entries.len());
        for e in &faq.entries {
            let start = texts.len();
            for l in [&e.questions.nl, &e.questions.en] {
                texts.extend(l.iter().map(String::as_str));
            }
            texts.push(&e.title.nl);
            texts.push(&e.title.en);
            entry_rows.push(start..texts.len());
        }
        let n_faq = texts.len();
        let mut other_class = Vec::new();
        for (i, t) in faq.out_of_scope.iter().enumerate() {
            for q in t.nl.iter().chain(&t.en) {
                texts.push(q);
                other_class.push(Class::OutOfScope(i));
            }
        }
        let c = &faq.conversation;
        for (kind, list) in [
            (Talk::Thanks, &c.thanks),
            (Talk::Bye, &c.bye),
            (Talk::Greeting, &c.greeting),
            (Talk::Human, &c.human),
        ] {
            for q in list.nl.iter().chain(&list.en) {
                texts.push(q);
                other_class.push(Class::Talk(kind));
            }
        }
        // The second opinion on emergencies. The FAQ's questions count as calm only on a
        // FAQ small enough to compare with every phrasing.
        let n_other = texts.len();
        let labelled = &faq.red_flag_neighbours;
        texts.extend(labelled.urgent.iter().map(|(_, t)| t.as_str()));
        texts.extend(labelled.calm.iter().map(String::as_str));
        let mut calm_rows: Vec<usize> = (n_other + labelled.urgent.len()..texts.len()).collect();
        if n_faq <= EXACT_ROWS {
            for (e, r) in faq.entries.iter().zip(&entry_rows) {
                let questions = e.questions.nl.len() + e.questions.en.len();
                calm_rows.extend(r.start..r.start + questions);
            }
        }
        calm_rows.extend(n_faq..n_other);
        let vectors = model.vectors(&texts);
        let exact = n_faq <= EXACT_ROWS;
        // The examples compared in full; row numbers below are `texts`' less `skip`.
        let skip = if exact { 0 } else { n_faq };
        let examples = stack(&vectors[skip..]);
        let large = (!exact).then(|| {
            let faq_m = stack(&vectors[..n_faq]);
            let mut c = Array2::<f32>::zeros((entry_rows.len(), DIM));
            for (mut row, r) in c.rows_mut().into_iter().zip(&entry_rows) {
                let mean = faq_m.slice(ndarray::s![r.clone(), ..]).sum_axis(Axis(0));
                let norm = mean.dot(&mean).sqrt().max(1e-6);
                row.assign(&(mean / norm));
            }
            (faq_m, c)
        });
        let urgent_end = n_other + labelled.urgent.len();
        SemanticIndex {
            model,
            examples,
            other: n_faq - skip..n_other - skip,
            urgent: n_other - skip..urgent_end - skip,
            calm: calm_rows.into_iter().map(|i| i - skip).collect(),
            large,
            entry_rows,
            other_class,
            urgent_category: labelled.urgent.iter().map(|&(c, _)| c).collect(),
            nearest: labelled.nearest,
            margin: labelled.margin,
        }
    }

    /// A message vector's cosines with every example compared in full.
    pub fn compare<'a>(&self, v: &'a [f32]) -> Comparison<'a> {
        Comparison {
            vector: v,
            cosines: similarities(self.examples.view(), ArrayView1::from(v)),
        }
    }

    /// The second opinion on emergencies for a message vector: its nearest urgent and calm
    /// labelled messages. `None` when there are no labelled messages on either side.
    pub fn red_flag_opinion(&self, v: &[f32]) -> Option<RedFlagOpinion> {
        self.red_flag_opinion_compared(&self.compare(v))
    }

    /// [`SemanticIndex::red_flag_opinion`] of a message already compared.
    pub fn red_flag_opinion_compared(&self, c: &Comparison<'_>) -> Option<RedFlagOpinion> {
        if self.urgent.is_empty() || self.calm.is_empty() {
            return None;
        }
        let k = self.nearest.max(1);
        let mean = |best: &[(usize, f32)]| {
            best.iter().map(|&(_, x)| x).sum::<f32>() / best.len().max(1) as f32
        };
        let urgent = c.cosines.slice(ndarray::s![self.urgent.clone()]);
        let near_urgent = top_k(urgent.iter().copied(), k);
        let near_calm = top_k(self.calm.iter().map(|&i| c.cosines[i]), k);
        Some(RedFlagOpinion {
            urgent: mean(&near_urgent),
            calm: mean(&near_calm),
            categories: near_urgent
                .iter()
                .map(|&(i, _)| self.urgent_category[i])
                .collect(),
            margin: self.margin,
        })
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// The vector of a message.
    pub fn encode(&self, text: &str) -> Vector {
        self.model.encoder().encode(text)
    }

    /// The vectors of several texts (one batch through the encoder: a message and its
    /// question sentences).
    pub fn encode_all(&self, texts: &[&str]) -> Vec<Vector> {
        self.model.encoder().encode_batch(texts)
    }

    /// Compares a message vector with every example. `candidates`: entries to compare in
    /// any case on a large FAQ (the lexical matcher's best).
    pub fn score(&self, v: &[f32], candidates: &[usize]) -> SemScores {
        self.score_compared(&self.compare(v), candidates)
    }

    /// [`SemanticIndex::score`] of a message already compared.
    pub fn score_compared(&self, c: &Comparison<'_>, candidates: &[usize]) -> SemScores {
        let mut entries = vec![0.0f32; self.entry_rows.len()];
        let best = |sims: ArrayView1<'_, f32>| sims.iter().copied().fold(f32::MIN, f32::max);
        match &self.large {
            None => {
                for (e, r) in self.entry_rows.iter().enumerate() {
                    if !r.is_empty() {
                        entries[e] = best(c.cosines.slice(ndarray::s![r.clone()]));
                    }
                }
            }
            Some((faq, centroids)) => {
                let v = ArrayView1::from(c.vector);
                let near = similarities(centroids.view(), v);
                let mut order: Vec<usize> = (0..near.len()).collect();
                let k = CENTROID_CANDIDATES.min(order.len());
                if k > 0 && k < order.len() {
                    order.select_nth_unstable_by(k - 1, |&a, &b| near[b].total_cmp(&near[a]));
                }
                order.truncate(k);
                order.extend(candidates.iter().copied().filter(|&e| e < entries.len()));
                order.sort_unstable();
                order.dedup();
                for e in order {
                    let r = self.entry_rows[e].clone();
                    entries[e] = best(similarities(faq.slice(ndarray::s![r, ..]), v).view());
                }
            }
        }
        let mut out_of_scope: Option<(usize, f32)> = None;
        let mut talk = [f32::MIN; 4];
        if !self.other.is_empty() {
            let sims = c.cosines.slice(ndarray::s![self.other.clone()]);
            for (s, class) in sims.iter().zip(&self.other_class) {
                match *class {
                    Class::OutOfScope(i) => {
                        if out_of_scope.is_none_or(|(_, b)| *s > b) {
                            out_of_scope = Some((i, *s));
                        }
                    }
                    Class::Talk(k) => {
                        let t = &mut talk[k as usize];
                        *t = t.max(*s);
                    }
                    Class::Entry(_) => {}
                }
            }
        }
        for t in &mut talk {
            if *t == f32::MIN {
                *t = 0.0;
            }
        }
        SemScores {
            entries,
            out_of_scope,
            talk,
        }
    }
}
