//! Routing a patient's message to an intent and building the [`Answer`].
//!
//! Pure: no I/O, no clock, no globals. Built once from a loaded [`Faq`]; immutable.

use crate::analysis::Analysis;
use crate::b12::{self, Band, Problem, Reading};
use crate::faq::{Faq, Localized, Texts};
use crate::intents::{self, Smalltalk};
use crate::matcher::{Index, Scored};
use crate::safety::{Detection, Route};
use crate::semantic::{Comparison, Model, RedFlagOpinion, SemScores, SemanticIndex, Talk};
use crate::text::Lang;
use crate::vocabulary::Vocabulary;
use serde::Serialize;
use std::sync::Arc;

/// What the bot understood the message to be (the answer contract's `intent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Faq,
    Clarify,
    B12Value,
    Urgent,
    Human,
    Smalltalk,
    NoMatch,
}

impl Intent {
    /// Every intent, in the contract's order.
    pub const ALL: [Intent; 7] = [
        Intent::Faq,
        Intent::Clarify,
        Intent::B12Value,
        Intent::Urgent,
        Intent::Human,
        Intent::Smalltalk,
        Intent::NoMatch,
    ];

    /// The name used in the answer contract, the eval files and the logs.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Faq => "faq",
            Intent::Clarify => "clarify",
            Intent::B12Value => "b12_value",
            Intent::Urgent => "urgent",
            Intent::Human => "human",
            Intent::Smalltalk => "smalltalk",
            Intent::NoMatch => "no_match",
        }
    }

    /// The intent named `name` (see [`Intent::name`]).
    pub fn parse(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// The `b12` object of the answer contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct B12Info {
    pub pmol_per_l: Option<f64>,
    pub band: Band,
    pub unit: Option<String>,
}

/// The engine's answer: exactly the JSON fields of DESIGN.md, plus data for the doors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub intent: Intent,
    pub faq_id: Option<String>,
    pub suggestions: Vec<String>,
    pub b12: Option<B12Info>,
    pub lang: Lang,
    pub refers_to_gp: bool,
    /// The red-flag category that decided an `urgent` answer (`red-flags.toml`); null
    /// otherwise.
    pub urgency: Option<String>,
    /// The reply opens with the safety-net sentence ("if this came on suddenly or is getting
    /// worse, call the huisartsenpost now"): the message sounds acute but matches no red flag.
    pub safety_net: bool,
    pub reply: String,
    /// Every red-flag category that fired, the deciding one first.
    #[serde(skip)]
    pub red_flags: Vec<String>,
    /// The urgent reply sends the patient to 113 (a suicide category fired, alone or beside
    /// another red flag): every text that follows it must keep 113.
    #[serde(skip)]
    pub advises_113: bool,
    /// An `urgent` answer decided by the encoder's second opinion (the message is nearest
    /// to labelled emergencies) rather than by the red-flag words.
    #[serde(skip)]
    pub urgent_by_meaning: bool,
    /// Follow-up topic ids to offer (related entries of a `faq` answer).
    #[serde(skip)]
    pub related: Vec<String>,
    /// Confidence (0..1), for logs, reports and `ask --json`. With the semantic signal it is
    /// calibrated on the tuning data ([`Blend`]): for a `faq` or `clarify` answer, how often
    /// an answer at its combined score was right; for `no_match`, one minus that of the best
    /// topic. Without it, the lexical matcher's score of the best topic.
    #[serde(skip)]
    pub score: f32,
}

/// What the caller knows besides the text.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Language to use when the text itself does not tell (chat setting, Telegram's
    /// `language_code`).
    pub lang_hint: Option<Lang>,
}

/// How far the bot goes with a reported value (the hospital chooses; EU MDR Rule 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValuePolicy {
    /// Say which of the hospital's bands the value falls in.
    #[default]
    ExplainBand,
    /// Show the hospital's table without placing the value.
    TableOnly,
    /// Do not read the value; refer to the GP.
    ReferOnly,
}

impl ValuePolicy {
    /// Every policy, for checks that look at each configuration.
    pub const ALL: [ValuePolicy; 3] = [
        ValuePolicy::ExplainBand,
        ValuePolicy::TableOnly,
        ValuePolicy::ReferOnly,
    ];

    /// The name in the configuration and on the command line (`explain_band`, …).
    pub fn name(self) -> &'static str {
        match self {
            ValuePolicy::ExplainBand => "explain_band",
            ValuePolicy::TableOnly => "table_only",
            ValuePolicy::ReferOnly => "refer_only",
        }
    }
}

/// Engine settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineConfig {
    pub value_policy: ValuePolicy,
    /// Whether the door the engine answers through can pass a patient on to a person (the
    /// Telegram door with a triage desk). Without one, no text may offer "ask for a staff
    /// member": the `_without_desk` variants of the fixed texts are used.
    pub staff_desk: bool,
}

impl EngineConfig {
    /// Every configuration (each value policy, with and without a triage desk).
    pub fn all() -> Vec<EngineConfig> {
        ValuePolicy::ALL
            .into_iter()
            .flat_map(|value_policy| {
                [false, true].map(|staff_desk| EngineConfig {
                    value_policy,
                    staff_desk,
                })
            })
            .collect()
    }

    /// In words, for messages to staff: "value policy table_only, no triage desk".
    pub fn describe(self) -> String {
        format!(
            "value policy {}, {}",
            self.value_policy.name(),
            if self.staff_desk {
                "with a triage desk"
            } else {
                "no triage desk"
            }
        )
    }
}

/// The key of the fixed text that stands for `key` in this configuration: a variant
/// `key_table_only` / `key_refer_only` under that value policy, else `key_without_desk`
/// without a triage desk, else `key` itself — the first that `texts` has.
pub fn variant_key(texts: &Texts, key: &str, config: EngineConfig) -> String {
    let mut candidates = Vec::new();
    if config.value_policy != ValuePolicy::ExplainBand {
        candidates.push(format!("{key}_{}", config.value_policy.name()));
    }
    if !config.staff_desk {
        candidates.push(format!("{key}_without_desk"));
    }
    candidates
        .into_iter()
        .find(|k| texts.map.contains_key(k))
        .unwrap_or_else(|| key.to_string())
}

/// Placeholders the code fills in itself (a number, a unit, a ticket number, a count): never
/// replaced by a fixed text of the same name (`{urgent}` in `/stats` is a count, not the
/// urgent advice).
pub const CODE_PLACEHOLDERS: &[&str] = &[
    "value",
    "unit",
    "pmol",
    "test",
    "ticket",
    "opening",
    "name",
    "open",
    "answered",
    "closed",
    "urgent",
    "out_of_hours",
    "pending",
    "abandoned",
    "entries",
    "count",
];

/// Whether `{name}` puts the fixed text `name` there (see [`include_texts`]).
pub fn includes_text(texts: &Texts, name: &str) -> bool {
    !CODE_PLACEHOLDERS.contains(&name) && texts.map.contains_key(name)
}

/// `text` with every `{name}` that names a fixed text replaced by that text's variant for
/// this configuration (one level: an included text's own `{…}` stay as written). Other
/// placeholders (`{value}`, `{ticket}`) are left for the code that fills them.
pub fn include_texts(text: &str, texts: &Texts, lang: Lang, config: EngineConfig) -> String {
    crate::faq::replace_placeholders(text, |name| {
        includes_text(texts, name).then(|| {
            texts
                .get(&variant_key(texts, name, config), lang)
                .trim()
                .to_string()
        })
    })
}

/// Every fixed text as this configuration shows it: its variant, with included texts.
pub fn resolve_texts(texts: &Texts, config: EngineConfig) -> Texts {
    let map = texts
        .map
        .keys()
        .map(|key| {
            let chosen = variant_key(texts, key, config);
            let get = |lang| include_texts(texts.get(&chosen, lang), texts, lang, config);
            (
                key.clone(),
                Localized {
                    nl: get(Lang::Nl),
                    en: get(Lang::En),
                },
            )
        })
        .collect();
    Texts { map }
}

/// An FAQ answer as this configuration shows it (included texts filled in).
pub fn resolve_answer(answer: &Localized, texts: &Texts, config: EngineConfig) -> Localized {
    Localized {
        nl: include_texts(&answer.nl, texts, Lang::Nl, config),
        en: include_texts(&answer.en, texts, Lang::En, config),
    }
}

/// Confidence thresholds of the FAQ matcher (tuned on the dev set, see README).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Below this best score a question is outside the FAQ.
    pub no_match: f32,
    /// From this score on the best topic is answered; between `no_match` and this, the
    /// likeliest topics are offered to choose from (`clarify`).
    pub accept: f32,
    /// A runner-up closer than this to an answered topic is offered first among the
    /// follow-up topics.
    pub gap: f32,
    /// Without "B12" in the message, the share of it the FAQ must know to count at all.
    pub min_known_unanchored: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            no_match: 0.22,
            accept: 0.30,
            gap: 0.05,
            min_known_unanchored: 0.6,
        }
    }
}

/// How the two signals combine, and the thresholds of the combined matcher (chosen on a
/// plateau of the dev set and `eval/questions-tune.jsonl`, see README "How matching works").
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Blend {
    /// The lexical score's share of a topic's score (the cosine has the rest).
    pub lexical: f32,
    /// Below this combined score a message is outside the FAQ.
    pub no_match: f32,
    /// The combined score from which the best topic is answered outright.
    pub accept: f32,
    /// Between `no_match` and `accept`, a runner-up closer than this makes a `clarify`.
    pub gap: f32,
    /// Out of scope wins when its combined score is within this of the best topic's.
    pub out_of_scope_margin: f32,
    /// Without "B12" in the message, the best topic's cosine must reach this.
    pub min_cosine_unanchored: f32,
    /// A conversation example at least this near (cosine), and nearer than any FAQ
    /// phrasing by `talk_margin`, makes the message small talk or a request for a person.
    pub talk: f32,
    pub talk_margin: f32,
    /// The confidence's logistic curve over the combined score (`1 / (1 + e^-(a (x - b)))`),
    /// fitted on the tuning data: how often an answer at this score was right.
    pub confidence_slope: f32,
    pub confidence_mid: f32,
}

impl Default for Blend {
    fn default() -> Self {
        Blend {
            lexical: 0.5,
            no_match: 0.3,
            accept: 0.35,
            gap: 0.02,
            out_of_scope_margin: 0.05,
            min_cosine_unanchored: 0.4,
            talk: 0.575,
            talk_margin: 0.03,
            confidence_slope: 7.0,
            confidence_mid: 0.26,
        }
    }
}

/// Sentences of a long message encoded on their own besides the whole message.
const QUESTION_SENTENCES: usize = 2;

/// The semantic side of an engine: the example vectors, and a lexical index over the FAQ
/// entries followed by the out-of-scope topics (as entries of their own).
struct Semantic {
    index: SemanticIndex,
    lexical: Index,
    blend: Blend,
}

/// Both signals for one message: what `answer` decides on, `explain` shows and the tuning
/// example dumps.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The lexical matcher over the FAQ (entries only).
    pub lexical: Scored,
    /// The best lexical score of an out-of-scope topic, and which.
    pub lexical_out_of_scope: Option<(usize, f32)>,
    pub semantic: SemScores,
    /// Every entry with its combined score, best first.
    pub combined: Vec<(usize, f32)>,
    /// The combined score of the nearest out-of-scope topic.
    pub out_of_scope: f32,
    pub anchored: bool,
    pub other_subject: bool,
}

impl Evidence {
    pub fn best(&self) -> Option<(usize, f32)> {
        self.combined.first().copied()
    }
    /// The best cosine of any FAQ phrasing.
    pub fn best_cosine(&self) -> f32 {
        self.semantic.entries.iter().copied().fold(0.0, f32::max)
    }
}

/// The answer engine.
pub struct Engine {
    faq: Faq,
    config: EngineConfig,
    /// The fixed texts as this configuration shows them ([`resolve_texts`]).
    texts: Texts,
    /// The entries' answers, likewise, in FAQ order.
    answers: Vec<Localized>,
    index: Index,
    thresholds: Thresholds,
    semantic: Option<Semantic>,
    /// The FAQ's words by language, for a message whose function words do not tell.
    vocabulary: Vocabulary,
}

/// How much of a message the engine reads (Telegram's own message limit).
pub use crate::analysis::MAX_INPUT_CHARS;

/// Does `reply` send the person to their GP: does it name the huisarts, the
/// huisartsenpost, the GP or a general practitioner, as words? (These words have no
/// accents, so no folding is needed: this runs on every reply.)
pub fn mentions_gp(reply: &str) -> bool {
    let mut prev_general = false;
    for w in reply.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        if ["huisarts", "huisartsenpost", "gp"]
            .iter()
            .any(|g| w.eq_ignore_ascii_case(g))
            || (prev_general && w.eq_ignore_ascii_case("practitioner"))
        {
            return true;
        }
        prev_general = w.eq_ignore_ascii_case("general");
    }
    false
}

impl Engine {
    pub fn new(faq: Faq, config: EngineConfig) -> Engine {
        let index = Index::build(&faq);
        let vocabulary = Vocabulary::build(&faq);
        let texts = resolve_texts(&faq.texts, config);
        let answers = faq
            .entries
            .iter()
            .map(|e| resolve_answer(&e.answer, &faq.texts, config))
            .collect();
        Engine {
            faq,
            config,
            texts,
            answers,
            index,
            thresholds: Thresholds::default(),
            semantic: None,
            vocabulary,
        }
    }

    /// The out-of-scope file's subjects (folded patterns).
    fn other_subjects(&self) -> impl Iterator<Item = &String> {
        self.faq.out_of_scope.iter().flat_map(|t| &t.subjects)
    }

    /// The same engine with the semantic signal: every phrasing, out-of-scope and
    /// conversation example embedded with `model` (through its cache). Without it the engine
    /// matches by words alone.
    pub fn with_semantic(mut self, model: Arc<Model>) -> Engine {
        let index = SemanticIndex::build(model, &self.faq);
        let mut both = Faq {
            entries: self.faq.entries.clone(),
            synonyms: self.faq.synonyms.clone(),
            ..Faq::default()
        };
        for t in &self.faq.out_of_scope {
            both.entries.push(crate::faq::Entry {
                id: format!("out-of-scope:{}", t.id),
                title: Localized::default(),
                questions: crate::faq::LocalizedList {
                    nl: t.nl.clone(),
                    en: t.en.clone(),
                },
                keywords: Default::default(),
                answer: Localized::default(),
                related: Vec::new(),
                source: String::new(),
                reviewed_by: None,
                reviewed_on: None,
                file: t.file.clone(),
            });
        }
        self.semantic = Some(Semantic {
            index,
            lexical: Index::build(&both),
            blend: Blend::default(),
        });
        self
    }

    /// The same engine with other weights and thresholds for the combined matcher.
    pub fn with_blend(mut self, blend: Blend) -> Engine {
        self.set_blend(blend);
        self
    }

    /// Other weights and thresholds for the combined matcher (for tuning).
    pub fn set_blend(&mut self, blend: Blend) {
        if let Some(s) = &mut self.semantic {
            s.blend = blend;
        }
    }

    /// The sentence model this engine was built with (to build the next one after an FAQ
    /// edit with the same model and its cache).
    pub fn semantic_model(&self) -> Option<Arc<Model>> {
        self.semantic.as_ref().map(|s| s.index.model().clone())
    }

    /// The blend in use (with the semantic signal).
    pub fn blend(&self) -> Option<Blend> {
        self.semantic.as_ref().map(|s| s.blend)
    }

    /// The same engine with other matcher thresholds (for tuning and tests).
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Engine {
        self.thresholds = thresholds;
        self
    }

    /// The FAQ this engine answers from.
    pub fn faq(&self) -> &Faq {
        &self.faq
    }

    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// A fixed text (`texts.toml`) in `lang`, as this configuration shows it: the variant
    /// for its value policy and triage desk, with included texts filled in.
    pub fn text(&self, key: &str, lang: Lang) -> &str {
        self.texts.get(key, lang)
    }

    /// Topic ids and titles in `lang`, in FAQ order (for topic buttons).
    pub fn topics(&self, lang: Lang) -> Vec<(&str, &str)> {
        self.faq
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e.title.get(lang)))
            .collect()
    }

    /// The title of a topic in `lang`.
    pub fn title(&self, id: &str, lang: Lang) -> Option<&str> {
        self.entry_index(id)
            .map(|i| self.faq.entries[i].title.get(lang))
    }

    fn entry_index(&self, id: &str) -> Option<usize> {
        self.faq.entries.iter().position(|e| e.id == id)
    }

    /// The scores of every topic for a text (for `check`'s confusability report and tuning).
    pub fn score(&self, text: &str) -> Scored {
        self.index.score(text)
    }

    /// Why the matcher scores a text as it does: each word with its weight and the FAQ
    /// terms it meets, then the best topics. For staff and tuning (`b12bot explain`).
    pub fn explain(&self, text: &str) -> String {
        use std::fmt::Write;
        // The engine's own reading (with the encoder's vector when it has the signal).
        let analysis = self.read(text);
        let tokens = &analysis.tokens;
        let question = intents::without_smalltalk(tokens).join(" ");
        let words = self.index.query_words(&question);
        let mut out = String::new();
        for w in &words {
            let _ = write!(out, "{:<18} w={:.2}", w.word, w.weight);
            for &(t, s) in &w.matches {
                let _ = write!(
                    out,
                    "  {}({:.2}, idf {:.2})",
                    self.index.term_name(t),
                    s,
                    self.index.idf(t)
                );
            }
            out.push('\n');
        }
        let scored = self.index.score_words(&words);
        let _ = writeln!(
            out,
            "known {:.2}, b12 named: {}",
            scored.known,
            intents::names_b12(tokens)
        );
        for h in scored.hits.iter().take(5) {
            let _ = writeln!(
                out,
                "  {:<20} score {:.3} coverage {:.3}",
                self.faq.entries[h.entry].id, h.score, h.coverage
            );
        }
        // The same reading throughout: the message goes through the encoder once.
        let evidence = self
            .semantic
            .as_ref()
            .zip(self.compare(&analysis))
            .map(|(s, compared)| self.evidence_for(s, &analysis, &compared));
        if let Some(ev) = evidence {
            let b = self.blend().unwrap_or_default();
            let _ = writeln!(
                out,
                "semantic (cosine, max over phrasings) and combined ({:.0}% lexical):",
                b.lexical * 100.0
            );
            let lex = |e: usize| {
                ev.lexical
                    .hits
                    .iter()
                    .find(|h| h.entry == e)
                    .map_or(0.0, |h| h.score)
            };
            for &(e, c) in ev.combined.iter().take(5) {
                let _ = writeln!(
                    out,
                    "  {:<20} lexical {:.3} cosine {:.3} combined {:.3}",
                    self.faq.entries[e].id,
                    lex(e),
                    ev.semantic.entries[e],
                    c
                );
            }
            let oos_name = |i: usize| self.faq.out_of_scope[i].id.as_str();
            let _ = writeln!(
                out,
                "  out of scope: lexical {:.3} ({}) cosine {:.3} ({}) combined {:.3}",
                ev.lexical_out_of_scope.map_or(0.0, |x| x.1),
                ev.lexical_out_of_scope.map_or("-", |x| oos_name(x.0)),
                ev.semantic.out_of_scope.map_or(0.0, |x| x.1),
                ev.semantic.out_of_scope.map_or("-", |x| oos_name(x.0)),
                ev.out_of_scope
            );
            let talk: Vec<String> = Talk::ALL
                .iter()
                .map(|&k| format!("{} {:.3}", k.name(), ev.semantic.talk(k)))
                .collect();
            let _ = writeln!(out, "  conversation: {}", talk.join(", "));
            let a = self.answer_read(&analysis, &Context::default());
            let _ = writeln!(
                out,
                "answer: {} {} confidence {:.2}",
                a.intent.name(),
                a.faq_id.as_deref().unwrap_or(""),
                a.score
            );
        }
        out.push_str(&self.faq.red_flags.explain(&analysis));
        if let Some(o) = self.red_flag_opinion(&analysis) {
            let cats = self.faq.red_flags.categories();
            let near: Vec<&str> = o.categories.iter().map(|&c| cats[c].id.as_str()).collect();
            let _ = writeln!(
                out,
                "second opinion (nearest labelled messages): urgent {:.3} ({}), calm {:.3}, \
                 margin {:.3} of {:.2} needed: {}",
                o.urgent,
                near.join(", "),
                o.calm,
                o.urgent - o.calm,
                o.margin,
                if o.is_urgent() {
                    "urgent"
                } else {
                    "not urgent"
                }
            );
        }
        out
    }

    /// What the red flags say about a message (the engine's first step, on its own).
    pub fn red_flags(&self, text: &str) -> Detection {
        self.faq.red_flags.detect(&Analysis::new(text))
    }

    /// Would this message be answered as urgent? For the doors that must know before they
    /// answer (flood control lets urgent messages through); the same reading as
    /// [`Engine::answer`]'s first step.
    pub fn is_urgent(&self, text: &str) -> bool {
        let analysis = self.read(text);
        self.faq.red_flags.is_urgent(&analysis)
            || self
                .urgent_by_meaning(self.compare(&analysis).as_ref())
                .is_some()
    }

    /// The encoder's second opinion, when the red-flag words found nothing: the message is
    /// nearer to the labelled emergencies than to the calm messages by more than the
    /// margin (`red-flag-neighbours.toml`). `None` without the semantic signal.
    pub fn red_flag_opinion(&self, analysis: &Analysis<'_>) -> Option<RedFlagOpinion> {
        self.opinion(self.compare(analysis).as_ref())
    }

    /// The message's vector compared with every example (with the semantic signal).
    fn compare<'a>(&self, analysis: &'a Analysis<'_>) -> Option<Comparison<'a>> {
        let s = self.semantic.as_ref()?;
        Some(s.index.compare(analysis.vector.as_deref()?))
    }

    fn opinion(&self, compared: Option<&Comparison<'_>>) -> Option<RedFlagOpinion> {
        self.semantic
            .as_ref()?
            .index
            .red_flag_opinion_compared(compared?)
    }

    fn urgent_by_meaning(&self, compared: Option<&Comparison<'_>>) -> Option<RedFlagOpinion> {
        self.opinion(compared).filter(RedFlagOpinion::is_urgent)
    }

    /// The answer to a topic chosen directly (a button tap); `None` for an unknown id.
    pub fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer> {
        let i = self.entry_index(id)?;
        Some(self.faq_answer(i, 1.0, lang))
    }

    /// Answer a patient's message.
    ///
    /// Order matters: red flags first (an emergency is never answered with an FAQ text),
    /// then a reported value, then a request for a person, small talk, and the FAQ. A
    /// message that sounds acute but matches no red flag gets its normal answer opened by
    /// the safety-net sentence.
    pub fn answer(&self, text: &str, ctx: &Context) -> Answer {
        // One reading of the message for every step. Telegram's messages are at most 4096
        // characters; a longer text (pasted from elsewhere, or hostile) is read as far as
        // that, so no input can stall the bot.
        self.answer_read(&self.read(text), ctx)
    }

    /// [`Engine::answer`] for a message already read with [`Engine::read`] (tuning reads
    /// each message once and answers it under many thresholds).
    pub fn answer_read(&self, analysis: &Analysis<'_>, ctx: &Context) -> Answer {
        // The message's function words, else the FAQ's words of one language ("b12 in
        // fish??"), else what the conversation said before.
        let lang = analysis
            .lang
            .or_else(|| self.vocabulary.guess(&analysis.tokens))
            .or(ctx.lang_hint)
            .unwrap_or(Lang::Nl);
        let flags = self.faq.red_flags.detect(analysis);
        if flags.is_urgent() {
            return self.urgent(&flags, lang);
        }
        // The message vector compared with every example once, for both the second opinion
        // and the FAQ.
        let compared = self.compare(analysis);
        if let Some(opinion) = self.urgent_by_meaning(compared.as_ref()) {
            return self.urgent_from_neighbours(&opinion, lang);
        }
        let answer = self.ordinary(analysis, compared.as_ref(), lang);
        if flags.safety_net {
            return self.with_safety_net(answer);
        }
        answer
    }

    /// The one reading of a message: the analysis, with the encoder's vector when the engine
    /// has the semantic signal.
    pub fn read<'a>(&self, text: &'a str) -> Analysis<'a> {
        let mut analysis = Analysis::new(text);
        if let Some(s) = &self.semantic {
            // The message and its question sentences in one batch through the encoder.
            let mut texts = vec![analysis.text];
            texts.extend(
                analysis
                    .question_sentences(QUESTION_SENTENCES)
                    .into_iter()
                    .map(|span| &analysis.text[span]),
            );
            let mut vectors = s.index.encode_all(&texts).into_iter();
            analysis.vector = vectors.next();
            analysis.sentence_vectors = vectors.collect();
        }
        analysis
    }

    /// Both signals for a message (with the semantic signal; `None` without it).
    pub fn evidence(&self, text: &str) -> Option<Evidence> {
        let analysis = self.read(text);
        let s = self.semantic.as_ref()?;
        let compared = self.compare(&analysis)?;
        Some(self.evidence_for(s, &analysis, &compared))
    }

    fn evidence_for(
        &self,
        s: &Semantic,
        analysis: &Analysis<'_>,
        compared: &Comparison<'_>,
    ) -> Evidence {
        let tokens = &analysis.tokens;
        let b = s.blend;
        let question = intents::without_smalltalk(tokens).join(" ");
        let all = s.lexical.score(&question);
        let n = self.faq.entries.len();
        let lexical_out_of_scope = all
            .hits
            .iter()
            .find(|h| h.entry >= n)
            .map(|h| (h.entry - n, h.score));
        let mut lexical = all;
        lexical.hits.retain(|h| h.entry < n);
        let candidates: Vec<usize> = lexical.hits.iter().take(16).map(|h| h.entry).collect();
        let mut semantic = s.index.score_compared(compared, &candidates);
        // The question in a long message: each entry's best over the whole message and its
        // question sentences. Out of scope and conversation are judged on the whole message.
        for sv in &analysis.sentence_vectors {
            let part = s.index.score(sv, &candidates);
            for (a, b) in semantic.entries.iter_mut().zip(part.entries) {
                *a = a.max(b);
            }
        }
        let mut lex = vec![0.0f32; n];
        for h in &lexical.hits {
            lex[h.entry] = h.score;
        }
        let mix = |l: f32, c: f32| b.lexical * l + (1.0 - b.lexical) * c.max(0.0);
        let mut combined: Vec<(usize, f32)> = (0..n)
            .map(|e| (e, mix(lex[e], semantic.entries[e])))
            .collect();
        combined.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        combined.truncate(8);
        let out_of_scope = mix(
            lexical_out_of_scope.map_or(0.0, |x| x.1),
            semantic.out_of_scope.map_or(0.0, |x| x.1),
        );
        Evidence {
            lexical,
            lexical_out_of_scope,
            semantic,
            combined,
            out_of_scope,
            anchored: intents::names_b12(tokens),
            other_subject: intents::names_other_subject(tokens, self.other_subjects()),
        }
    }

    /// The calibrated confidence of a combined score (0..1).
    fn confidence(b: &Blend, score: f32) -> f32 {
        1.0 / (1.0 + (-b.confidence_slope * (score - b.confidence_mid)).exp())
    }

    /// With the semantic signal: a person, small talk, the FAQ, or no match.
    fn ordinary_semantic(
        &self,
        s: &Semantic,
        analysis: &Analysis<'_>,
        compared: &Comparison<'_>,
        lang: Lang,
    ) -> Answer {
        let tokens = &analysis.tokens;
        let b = s.blend;
        let ev = self.evidence_for(s, analysis, compared);
        let best_cos = ev.best_cosine();
        let near = |kind: Talk| {
            let c = ev.semantic.talk(kind);
            (c >= b.talk && c > best_cos + b.talk_margin).then_some(c)
        };
        if intents::wants_human(tokens) || near(Talk::Human).is_some() {
            return self.simple(Intent::Human, "human", lang);
        }
        let kind = intents::smalltalk(tokens).or_else(|| {
            [
                (Talk::Thanks, Smalltalk::Thanks),
                (Talk::Bye, Smalltalk::Bye),
                (Talk::Greeting, Smalltalk::Greeting),
            ]
            .into_iter()
            .filter_map(|(t, k)| near(t).map(|c| (c, k)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k)
        });
        // A thanks or goodbye told with a story around it ("my wife read along and it
        // cleared things up; thanks a lot, bye"): it thanks in so many words, asks nothing
        // (no question mark, no B12), no FAQ topic reaches the no-match threshold, and it is
        // nearer to the thanks (or goodbye) examples than to any FAQ phrasing.
        let faq_would_answer = ev.best().is_some_and(|(_, score)| score >= b.no_match);
        let kind = kind.or_else(|| {
            if faq_would_answer {
                return None;
            }
            let k = intents::closes(tokens)?;
            let talk = match k {
                Smalltalk::Bye => Talk::Bye,
                _ => Talk::Thanks,
            };
            (!analysis.text.contains('?')
                && !ev.anchored
                && ev.semantic.talk(talk)
                    > best_cos.max(ev.semantic.out_of_scope.map_or(0.0, |o| o.1)))
            .then_some(k)
        });
        if let Some(kind) = kind {
            let key = match kind {
                Smalltalk::Greeting => "greeting",
                Smalltalk::Thanks => "thanks",
                Smalltalk::Bye => "bye",
            };
            return self.simple(Intent::Smalltalk, key, lang);
        }
        self.decide(&ev, &b, lang)
    }

    /// The FAQ part of [`Engine::ordinary_semantic`].
    fn decide(&self, ev: &Evidence, b: &Blend, lang: Lang) -> Answer {
        let Some((best, score)) = ev.best() else {
            return self.no_match(lang, 0.0);
        };
        let confidence = Self::confidence(b, score);
        if ev.out_of_scope + b.out_of_scope_margin >= score
            || (!ev.anchored
                && (ev.other_subject || ev.semantic.entries[best] < b.min_cosine_unanchored))
            || score < b.no_match
        {
            return self.no_match(lang, 1.0 - confidence);
        }
        let close: Vec<usize> = ev
            .combined
            .iter()
            .take(3)
            .filter(|&&(_, c)| score - c < b.gap)
            .map(|&(e, _)| e)
            .collect();
        if score >= b.accept || close.len() < 2 {
            let mut a = self.faq_answer(best, confidence, lang);
            if let Some(&second) = close.get(1) {
                let id = &self.faq.entries[second].id;
                a.related.retain(|r| r != id);
                a.related.insert(0, id.clone());
            }
            return a;
        }
        self.clarify(&close, confidence, lang)
    }

    /// Everything but the red flags.
    fn ordinary(
        &self,
        analysis: &Analysis<'_>,
        compared: Option<&Comparison<'_>>,
        lang: Lang,
    ) -> Answer {
        let text = analysis.text;
        let tokens = &analysis.tokens;
        if let Some(r) = b12::read_value(text) {
            return self.value(&r, b12::names_other_lab(text), lang);
        }
        if let Some((s, compared)) = self.semantic.as_ref().zip(compared) {
            return self.ordinary_semantic(s, analysis, compared, lang);
        }
        if intents::wants_human(tokens) {
            return self.simple(Intent::Human, "human", lang);
        }
        if let Some(kind) = intents::smalltalk(tokens) {
            let key = match kind {
                Smalltalk::Greeting => "greeting",
                Smalltalk::Thanks => "thanks",
                Smalltalk::Bye => "bye",
            };
            return self.simple(Intent::Smalltalk, key, lang);
        }
        let question = intents::without_smalltalk(tokens).join(" ");
        self.faq_or_clarify(&question, tokens, lang)
    }

    /// The normal answer, opened by the safety-net sentence.
    fn with_safety_net(&self, mut answer: Answer) -> Answer {
        let net = self.text("safety_net", answer.lang).trim();
        answer.reply = format!("{net}\n\n{}", answer.reply);
        answer.refers_to_gp |= mentions_gp(net);
        answer.safety_net = true;
        answer
    }

    fn faq_or_clarify(&self, question: &str, tokens: &[String], lang: Lang) -> Answer {
        let t = self.thresholds;
        let scored = self.index.score(question);
        let anchored = intents::names_b12(tokens);
        let Some(best) = scored.best() else {
            return self.no_match(lang, 0.0);
        };
        // Without "B12" in it, a question must be mostly in the FAQ's words, and mostly in
        // one entry's words: words scattered over several topics are a question about
        // something else that happens to share "bloed" or "tekort".
        if !anchored
            && (intents::names_other_subject(tokens, self.other_subjects())
                || scored.known < t.min_known_unanchored
                || best.coverage < t.min_known_unanchored * 0.75)
        {
            return self.no_match(lang, best.score);
        }
        let candidates: Vec<usize> = scored
            .hits
            .iter()
            .take(3)
            .filter(|h| h.score >= t.no_match * 0.5 && h.score >= best.score * 0.75)
            .map(|h| h.entry)
            .collect();
        if best.score < t.no_match {
            // Named B12 but no topic stands out: offer the likeliest ones.
            if anchored && candidates.len() >= 2 {
                return self.clarify(&candidates, best.score, lang);
            }
            return self.no_match(lang, best.score);
        }
        if best.score >= t.accept {
            let mut a = self.faq_answer(best.entry, best.score, lang);
            // A close runner-up is offered first among the follow-ups: one tap away.
            if let Some(second) = scored.second()
                && best.score - second.score < t.gap
            {
                let id = &self.faq.entries[second.entry].id;
                a.related.retain(|r| r != id);
                a.related.insert(0, id.clone());
            }
            return a;
        }
        if candidates.len() < 2 {
            return self.faq_answer(best.entry, best.score, lang);
        }
        self.clarify(&candidates, best.score, lang)
    }

    fn faq_answer(&self, i: usize, score: f32, lang: Lang) -> Answer {
        let e = &self.faq.entries[i];
        Answer {
            faq_id: Some(e.id.clone()),
            related: e.related.clone(),
            score,
            ..self.finish(
                Intent::Faq,
                self.answers[i].get(lang).trim().to_string(),
                lang,
            )
        }
    }

    fn clarify(&self, entries: &[usize], score: f32, lang: Lang) -> Answer {
        let mut reply = self.text("clarify_intro", lang).trim().to_string();
        for (n, &i) in entries.iter().enumerate() {
            reply.push_str(&format!(
                "\n{}. {}",
                n + 1,
                self.faq.entries[i].title.get(lang)
            ));
        }
        Answer {
            suggestions: entries
                .iter()
                .map(|&i| self.faq.entries[i].id.clone())
                .collect(),
            score,
            ..self.finish(Intent::Clarify, reply, lang)
        }
    }

    fn no_match(&self, lang: Lang, score: f32) -> Answer {
        Answer {
            score,
            ..self.simple(Intent::NoMatch, "no_match", lang)
        }
    }

    /// The route's advice first and nothing else: the route text's first line, the
    /// category's own line (if it has one), the rest of the route text; and 113's line when a
    /// suicide category fired beside another one.
    fn urgent(&self, d: &Detection, lang: Lang) -> Answer {
        let cats = self.faq.red_flags.categories();
        let first = &cats[d.categories[0]];
        self.urgent_reply(d, first.text_key(), first.disposition.advice.as_ref(), lang)
    }

    /// An emergency found by the encoder's second opinion. The nearest labelled messages
    /// decide the route: when they agree on one, its text (with the category's own line
    /// when they agree on the category too); otherwise 112 or the huisartsenpost, and 113
    /// beside it when one of them needs 113.
    fn urgent_from_neighbours(&self, opinion: &RedFlagOpinion, lang: Lang) -> Answer {
        let cats = self.faq.red_flags.categories();
        let mut found: Vec<usize> = Vec::new();
        for &c in &opinion.categories {
            if !found.contains(&c) {
                found.push(c);
            }
        }
        let keys: std::collections::BTreeSet<&str> =
            found.iter().map(|&c| cats[c].text_key()).collect();
        let first = &cats[found[0]];
        // One route: its text, and the category's own line when there is one category.
        // Routes that differ: 112 or the huisartsenpost first (113's line is added by
        // `urgent_reply` when a suicide category is among them).
        let (key, advice) = if keys.len() == 1 {
            let advice = (found.len() == 1)
                .then_some(first.disposition.advice.as_ref())
                .flatten();
            (first.text_key(), advice)
        } else {
            ("urgent_112_huisartsenpost", None)
        };
        let d = Detection {
            categories: found,
            safety_net: false,
        };
        let mut answer = self.urgent_reply(&d, key, advice, lang);
        answer.urgent_by_meaning = true;
        answer
    }

    /// The urgent reply: the route text's first line, the category's own line (if any),
    /// the rest of the route text, and 113's line when a suicide category is among the
    /// categories but the route text is not 113's.
    fn urgent_reply(
        &self,
        d: &Detection,
        text_key: &str,
        advice: Option<&Localized>,
        lang: Lang,
    ) -> Answer {
        let cats = self.faq.red_flags.categories();
        let first = &cats[d.categories[0]];
        let route_text = self.text(text_key, lang).trim();
        let (head, rest) = route_text.split_once('\n').unwrap_or((route_text, ""));
        let mut reply = head.trim().to_string();
        if let Some(advice) = advice {
            reply.push('\n');
            reply.push_str(advice.get(lang).trim());
        }
        if !rest.trim().is_empty() {
            reply.push('\n');
            reply.push_str(rest.trim());
        }
        let advises_113 = d
            .categories
            .iter()
            .any(|&c| cats[c].disposition.route == Route::Suicide113);
        if text_key != "urgent_113" && advises_113 {
            reply.push_str("\n\n");
            reply.push_str(self.text("urgent_also_113", lang).trim());
        }
        Answer {
            urgency: Some(first.id.clone()),
            red_flags: d.categories.iter().map(|&c| cats[c].id.clone()).collect(),
            advises_113,
            ..self.finish(Intent::Urgent, reply, lang)
        }
    }

    fn simple(&self, intent: Intent, key: &str, lang: Lang) -> Answer {
        self.finish(intent, self.text(key, lang).trim().to_string(), lang)
    }

    /// The reply to a reported value. `other_lab`: the message says the blood was measured
    /// elsewhere. The hospital's table is for its own laboratory's results: a value from
    /// another lab, or in another unit than this lab reports (pmol/L), gets the table with
    /// that caveat, is not placed in a band, and is promised no automatic extra test.
    fn value(&self, r: &Reading, other_lab: bool, lang: Lang) -> Answer {
        let mut reply = String::new();
        let number = format_number(r.number, lang);
        let unit = r.unit.map(|u| u.label()).unwrap_or("pmol/L");
        let other_unit = r.unit.is_some_and(|u| u != b12::Unit::PmolPerL);
        let mut push = |text: &str| {
            if !reply.is_empty() {
                reply.push_str("\n\n");
            }
            reply.push_str(text.trim());
        };
        let other_test = |test: b12::OtherTest| {
            self.text("value_other_test", lang)
                .replace("{test}", self.text(test.text_key(), lang).trim())
        };
        // A value of a test outside the B12 question (ferritin, vitamin D) is outside the
        // bot's subject: no match, with the reason.
        if let Some(Problem::OtherTest(test)) = &r.problem
            && !test.beside_b12()
        {
            return self.finish(Intent::NoMatch, other_test(*test), lang);
        }
        match (&r.problem, self.config.value_policy) {
            (_, ValuePolicy::ReferOnly) => push(self.text("value_refer_only", lang)),
            (Some(Problem::OtherTest(test)), _) => push(&other_test(*test)),
            (Some(Problem::UnknownUnit(u)), _) => {
                push(&self.text("value_unknown_unit", lang).replace("{unit}", u))
            }
            (Some(Problem::Implausible), _) => {
                let shown = match r.unit {
                    Some(u) => format!("{number} {}", u.label()),
                    None => number.clone(),
                };
                push(
                    &self
                        .text("value_not_interpretable", lang)
                        .replace("{value}", &shown),
                );
            }
            (None, policy) => {
                let intro = match (r.unit, r.pmol_per_l) {
                    (Some(_), Some(p)) if other_unit => self
                        .text("value_intro_converted", lang)
                        .replace("{pmol}", &format_number(round1(p), lang)),
                    _ => self.text("value_intro", lang).to_string(),
                };
                push(&intro.replace("{value}", &number).replace("{unit}", unit));
                if other_unit || other_lab {
                    let why = if other_unit {
                        self.text("value_other_unit", lang).replace("{unit}", unit)
                    } else {
                        self.text("value_other_lab", lang).to_string()
                    };
                    push(&why);
                    push(self.text("value_table_other_lab", lang));
                } else if policy == ValuePolicy::TableOnly {
                    push(self.text("value_table_only", lang));
                } else {
                    let key = match r.band {
                        Band::HighChance => "value_high_chance",
                        Band::ExtraTest => "value_extra_test",
                        Band::VerySmallChance => "value_very_small_chance",
                        Band::NotInterpretable => "value_not_interpretable",
                    };
                    push(self.text(key, lang));
                    push(self.text("value_other_labs", lang));
                }
            }
        }
        Answer {
            b12: Some(B12Info {
                pmol_per_l: r.pmol_per_l.map(round2),
                band: r.band,
                unit: r.unit.map(|u| u.label().to_string()),
            }),
            ..self.finish(Intent::B12Value, reply.trim().to_string(), lang)
        }
    }

    /// Every reply goes through here: it guarantees the GP referral.
    fn finish(&self, intent: Intent, mut reply: String, lang: Lang) -> Answer {
        let mut refers = mentions_gp(&reply);
        if !refers {
            if !reply.is_empty() {
                reply.push_str("\n\n");
            }
            let referral = self.text("gp_referral", lang).trim();
            reply.push_str(referral);
            refers = mentions_gp(referral);
        }
        Answer {
            intent,
            faq_id: None,
            suggestions: Vec::new(),
            b12: None,
            lang,
            refers_to_gp: refers,
            urgency: None,
            safety_net: false,
            reply,
            red_flags: Vec::new(),
            advises_113: false,
            urgent_by_meaning: false,
            related: Vec::new(),
            score: 0.0,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A number as patients write it: decimal comma in Dutch, no trailing zeros.
fn format_number(x: f64, lang: Lang) -> String {
    let s = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    match lang {
        Lang::Nl => s.replace('.', ","),
        Lang::En => s,
    }
}
