//! Scoring the engine on a labelled file (`../shared/eval/README.md` format).
//!
//! Pure: takes the cases' text and returns a report; the CLI reads the file.
//!
//! Emergency sets add, per case: `expect.category` (the red-flag category of an urgent
//! case), `neg` (the kind of hard negative: `listed_symptom`, `long_standing`, `negation`,
//! `idiom`, `past_event`, `b12_overdose`, `about_red_flag`, `ordinary_injection`),
//! `urgent_ok` (an urgent answer does no harm here: not counted as false urgent) and
//! `expect.safety_net` (whether the reply should open with the safety-net sentence). Other
//! fields (`reporter`, `style`, `note`, …) are accepted and ignored.

use crate::b12::Band;
use crate::engine::{Answer, Context, Engine, Intent};
use crate::text::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub id: String,
    pub q: String,
    pub lang: Option<Lang>,
    pub expect: Expect,
    #[serde(default)]
    pub note: Option<String>,
    /// The kind of hard negative, if it is one.
    #[serde(default)]
    pub neg: Option<String>,
    /// An urgent answer does no harm (a question *about* a red flag).
    #[serde(default)]
    pub urgent_ok: bool,
}

/// What the bot should do with it.
#[derive(Debug, Clone, Deserialize)]
pub struct Expect {
    pub intent: String,
    #[serde(default)]
    pub faq_id: Vec<String>,
    #[serde(default)]
    pub pmol_per_l: Option<f64>,
    #[serde(default)]
    pub band: Option<Band>,
    /// The red-flag category of an urgent case.
    #[serde(default)]
    pub category: Option<String>,
    /// Whether the reply should open with the safety-net sentence.
    #[serde(default)]
    pub safety_net: Option<bool>,
}

/// Parse a JSON Lines file of cases; errors name the line.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// How one case went.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: Case,
    pub answer: Answer,
    pub right: bool,
    /// A `clarify` whose first suggestion is accepted.
    pub right_after_tap: bool,
    pub lang_right: bool,
}

/// Judge one answer against its case, by the rules of the eval README.
pub fn judge(case: &Case, answer: &Answer) -> (bool, bool) {
    let e = &case.expect;
    match e.intent.as_str() {
        "faq" => {
            let ok = answer.intent == Intent::Faq
                && answer
                    .faq_id
                    .as_ref()
                    .is_some_and(|id| e.faq_id.contains(id));
            let tap = answer.intent == Intent::Clarify
                && answer
                    .suggestions
                    .first()
                    .is_some_and(|id| e.faq_id.contains(id));
            (ok, tap)
        }
        "b12_value" => {
            let b = answer.b12.as_ref();
            let ok = match e.band {
                Some(Band::NotInterpretable) | None => match b {
                    None => true,
                    Some(b) => b.band == Band::NotInterpretable,
                },
                Some(band) => {
                    answer.intent == Intent::B12Value
                        && b.is_some_and(|b| {
                            b.band == band
                                && match (e.pmol_per_l, b.pmol_per_l) {
                                    (Some(want), Some(got)) => (want - got).abs() <= 1.0,
                                    (None, _) => true,
                                    (Some(_), None) => false,
                                }
                        })
                }
            };
            (ok, false)
        }
        other => (answer.intent.name() == other, false),
    }
}

/// Run every case through the engine.
pub fn run(engine: &Engine, cases: &[Case]) -> Vec<Outcome> {
    cases
        .iter()
        .map(|c| {
            let answer = engine.answer(&c.q, &Context::default());
            let (right, right_after_tap) = judge(c, &answer);
            let lang_right = c.lang.is_none_or(|l| l == answer.lang);
            Outcome {
                case: c.clone(),
                answer,
                right,
                right_after_tap,
                lang_right,
            }
        })
        .collect()
}

/// Share of cases answered right.
pub fn accuracy(outcomes: &[Outcome]) -> f64 {
    if outcomes.is_empty() {
        return 0.0;
    }
    outcomes.iter().filter(|o| o.right).count() as f64 / outcomes.len() as f64
}

/// Is this a case that must not be answered as urgent, and was it? (`urgent_ok` cases are
/// exempt: the emergency advice does them no harm.)
fn is_false_urgent(o: &Outcome) -> bool {
    o.case.expect.intent != "urgent" && !o.case.urgent_ok && o.answer.intent == Intent::Urgent
}

/// Cases whose expected intent is not urgent but were answered as urgent.
pub fn false_urgent(outcomes: &[Outcome]) -> usize {
    outcomes.iter().filter(|o| is_false_urgent(o)).count()
}

/// The ids of value, urgent and human cases answered wrong, and of cases answered as
/// urgent that are not: the ones that must never be wrong.
pub fn safety_misses(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| {
            let must = matches!(
                o.case.expect.intent.as_str(),
                "b12_value" | "urgent" | "human"
            );
            (must && !o.right) || is_false_urgent(o)
        })
        .map(|o| o.case.id.clone())
        .collect()
}

#[derive(Default)]
struct Tally {
    right: usize,
    tap: usize,
    total: usize,
}

fn table(out: &mut String, title: &str, rows: &BTreeMap<String, Tally>) {
    let _ = writeln!(out, "\n{title}");
    for (k, t) in rows {
        let _ = writeln!(
            out,
            "  {k:<20} {:>3}/{:<3} {:>6.1}%{}",
            t.right,
            t.total,
            100.0 * t.right as f64 / t.total.max(1) as f64,
            if t.tap > 0 {
                format!("  (+{} after one tap)", t.tap)
            } else {
                String::new()
            }
        );
    }
}

/// Urgent recall per red-flag category (answered urgent, and with that very category among
/// those that fired), hard negatives answered urgent per kind, and safety-net agreement:
/// each only when the file has such cases.
fn red_flag_tables(out: &mut String, outcomes: &[Outcome]) {
    let mut recall: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut negs: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut net_agree, mut net_total) = (0, 0);
    let mut net_wrong: Vec<&Outcome> = Vec::new();
    for o in outcomes {
        let urgent = o.answer.intent == Intent::Urgent;
        if o.case.expect.intent == "urgent"
            && let Some(cat) = &o.case.expect.category
        {
            let t = recall.entry(cat.clone()).or_default();
            t.0 += usize::from(urgent);
            t.1 += usize::from(o.answer.red_flags.contains(cat));
            t.2 += 1;
        }
        if let Some(neg) = &o.case.neg {
            let t = negs.entry(neg.clone()).or_default();
            t.0 += usize::from(urgent && !o.case.urgent_ok);
            t.1 += usize::from(urgent && o.case.urgent_ok);
            t.2 += 1;
        }
        if let Some(want) = o.case.expect.safety_net {
            net_total += 1;
            if o.answer.safety_net == want {
                net_agree += 1;
            } else {
                net_wrong.push(o);
            }
        }
    }
    if !recall.is_empty() {
        let (hit, total) = recall.values().fold((0, 0), |(h, t), r| (h + r.0, t + r.2));
        let _ = writeln!(
            out,
            "\nurgent recall per category: {hit}/{total} = {:.3}",
            hit as f64 / total.max(1) as f64
        );
        for (cat, (hit, same, total)) in &recall {
            let _ = writeln!(
                out,
                "  {cat:<20} {hit:>3}/{total:<3} {:>6.1}%  (that category among those found: {same})",
                100.0 * *hit as f64 / (*total).max(1) as f64
            );
        }
    }
    if !negs.is_empty() {
        let _ = writeln!(out, "\nhard negatives answered urgent, per kind:");
        for (neg, (wrong, ok, total)) in &negs {
            let _ = writeln!(
                out,
                "  {neg:<20} {wrong:>3}/{total:<3}{}",
                if *ok > 0 {
                    format!("  (+{ok} where urgent is acceptable)")
                } else {
                    String::new()
                }
            );
        }
    }
    if net_total > 0 {
        let _ = writeln!(out, "\nsafety net as labelled: {net_agree}/{net_total}");
        for o in net_wrong {
            let _ = writeln!(
                out,
                "  {} want safety_net={} | {}",
                o.case.id, !o.answer.safety_net, o.case.q
            );
        }
    }
}

/// The report `b12bot eval` prints.
pub fn report(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let n = outcomes.len();
    let right = outcomes.iter().filter(|o| o.right).count();
    let tap = outcomes.iter().filter(|o| o.right_after_tap).count();
    let lang_ok = outcomes.iter().filter(|o| o.lang_right).count();
    let _ = writeln!(
        out,
        "overall: {right}/{n} = {:.3}",
        right as f64 / n.max(1) as f64
    );
    let _ = writeln!(
        out,
        "right after one tap: {} more ({}/{n} = {:.3} with them)",
        tap,
        right + tap,
        (right + tap) as f64 / n.max(1) as f64
    );
    let _ = writeln!(out, "reply language right: {lang_ok}/{n}");
    let _ = writeln!(out, "false urgent: {}", false_urgent(outcomes));
    let _ = writeln!(
        out,
        "refers to GP: {}/{n}",
        outcomes.iter().filter(|o| o.answer.refers_to_gp).count()
    );
    let mut by_intent: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_topic: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_lang: BTreeMap<String, Tally> = BTreeMap::new();
    for o in outcomes {
        for (map, key) in [
            (&mut by_intent, o.case.expect.intent.clone()),
            (
                &mut by_lang,
                o.case
                    .lang
                    .map(|l| l.code().to_string())
                    .unwrap_or("?".into()),
            ),
        ] {
            let t = map.entry(key).or_default();
            t.total += 1;
            t.right += usize::from(o.right);
            t.tap += usize::from(o.right_after_tap);
        }
        if let Some(topic) = o.case.expect.faq_id.first() {
            let t = by_topic.entry(topic.clone()).or_default();
            t.total += 1;
            t.right += usize::from(o.right);
            t.tap += usize::from(o.right_after_tap);
        }
    }
    table(&mut out, "per intent:", &by_intent);
    table(&mut out, "per topic:", &by_topic);
    table(&mut out, "per language:", &by_lang);
    red_flag_tables(&mut out, outcomes);
    let misses: Vec<&Outcome> = outcomes.iter().filter(|o| !o.right).collect();
    let _ = writeln!(out, "\nmisses ({}):", misses.len());
    for o in misses {
        let e = &o.case.expect;
        let want = match e.intent.as_str() {
            "faq" => format!("faq {}", e.faq_id.join("|")),
            "b12_value" => format!(
                "b12_value {:?} {}",
                e.band,
                e.pmol_per_l.map(|p| p.to_string()).unwrap_or_default()
            ),
            "urgent" => format!("urgent {}", e.category.as_deref().unwrap_or("")),
            i => i.to_string(),
        };
        let got = match o.answer.intent {
            Intent::Urgent => format!("urgent {}", o.answer.urgency.as_deref().unwrap_or_default()),
            Intent::Faq => format!("faq {}", o.answer.faq_id.clone().unwrap_or_default()),
            Intent::Clarify => format!("clarify {}", o.answer.suggestions.join("|")),
            Intent::B12Value => format!(
                "b12_value {:?} {:?}",
                o.answer.b12.as_ref().map(|b| b.band),
                o.answer.b12.as_ref().and_then(|b| b.pmol_per_l)
            ),
            i => i.name().to_string(),
        };
        let _ = writeln!(
            out,
            "  {} want {want:<28} got {got:<40} score {:.2} | {}",
            o.case.id, o.answer.score, o.case.q
        );
    }
    let wrong_lang: Vec<&Outcome> = outcomes.iter().filter(|o| !o.lang_right).collect();
    if !wrong_lang.is_empty() {
        let _ = writeln!(
            out,
            "\nreplied in the other language ({}):",
            wrong_lang.len()
        );
        for o in wrong_lang {
            let _ = writeln!(
                out,
                "  {} want {} got {} | {}",
                o.case.id,
                o.case.lang.map(|l| l.code()).unwrap_or("?"),
                o.answer.lang.code(),
                o.case.q
            );
        }
    }
    out
}
