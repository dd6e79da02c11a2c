//! The report page's pictures: inline SVG drawn on the server from a [`Report`], so the page
//! needs no JavaScript and shows the same numbers as `b12bot report`. Every bar and point
//! carries its number as a `<title>` (a tooltip, and text for screen readers) and a
//! `data-value`.

use crate::report::Report;
use maud::{Markup, html};

const WIDTH: f64 = 640.0;
const ROW: f64 = 22.0;
const LABEL: f64 = 170.0;

/// Horizontal bars, one per `(label, value)`.
fn bars(id: &str, caption: &str, rows: &[(String, u64)]) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let height = ROW * rows.len().max(1) as f64 + 8.0;
    let span = WIDTH - LABEL - 50.0;
    html! {
        figure id=(id) {
            figcaption { (caption) }
            @if rows.is_empty() {
                p { "None in this period." }
            } @else {
                svg xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(height)
                    viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(caption) {
                    @for (i, (label, value)) in rows.iter().enumerate() {
                        @let y = i as f64 * ROW + 4.0;
                        @let w = (*value as f64 / max * span).max(1.0);
                        text x=(LABEL - 6.0) y=(y + 14.0) text-anchor="end" font-size="12" { (label) }
                        rect class="bar" x=(LABEL) y=(y) width=(format!("{w:.1}")) height=(ROW - 6.0)
                            fill="#2b6cb0" data-value=(value) {
                            title { (label) ": " (value) }
                        }
                        text x=(LABEL + w + 4.0) y=(y + 14.0) font-size="12" { (value) }
                    }
                }
            }
        }
    }
}

/// Questions per day as columns, with the unanswered share drawn over them, and the
/// no-match rate per day as a line.
fn days(report: &Report) -> Markup {
    let days = &report.days;
    let n = days.len().max(1) as f64;
    let (left, top, plot_h) = (40.0, 10.0, 140.0);
    let col = (WIDTH - left - 10.0) / n;
    let max = days.iter().map(|d| d.questions).max().unwrap_or(0).max(1) as f64;
    let y_of = |v: f64| top + plot_h - v / max * plot_h;
    let rate_y = |r: f64| top + plot_h - r * plot_h;
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .filter(|(_, d)| d.questions > 0)
        .map(|(i, d)| {
            format!(
                "{:.1},{:.1}",
                left + (i as f64 + 0.5) * col,
                rate_y(d.unanswered_rate())
            )
        })
        .collect();
    let height = top + plot_h + 30.0;
    html! {
        figure id="chart-days" {
            figcaption { "Questions per day (blue), of which unanswered or unclear (orange); the line is the share unanswered (0–100 %)" }
            svg xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(height)
                viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label="questions per day" {
                line x1=(left) y1=(top + plot_h) x2=(WIDTH - 10.0) y2=(top + plot_h) stroke="#999" {}
                text x=(left - 4.0) y=(top + 8.0) text-anchor="end" font-size="11" { (max as u64) }
                text x=(left - 4.0) y=(top + plot_h) text-anchor="end" font-size="11" { "0" }
                @for (i, d) in days.iter().enumerate() {
                    @let x = left + i as f64 * col + 1.0;
                    @let day = crate::report::date(d.day);
                    @if d.questions > 0 {
                        rect class="day" x=(format!("{x:.1}")) y=(format!("{:.1}", y_of(d.questions as f64)))
                            width=(format!("{:.1}", (col - 2.0).max(1.0)))
                            height=(format!("{:.1}", d.questions as f64 / max * plot_h))
                            fill="#2b6cb0" data-day=(day) data-value=(d.questions) {
                            title { (day) ": " (d.questions) " questions, " (d.unanswered) " unanswered" }
                        }
                        @if d.unanswered > 0 {
                            rect class="unanswered" x=(format!("{x:.1}")) y=(format!("{:.1}", y_of(d.unanswered as f64)))
                                width=(format!("{:.1}", (col - 2.0).max(1.0)))
                                height=(format!("{:.1}", d.unanswered as f64 / max * plot_h))
                                fill="#dd6b20" data-day=(day) data-value=(d.unanswered) {}
                        }
                    }
                }
                @if points.len() > 1 {
                    polyline class="rate" points=(points.join(" ")) fill="none" stroke="#1a202c" stroke-width="1.5" {}
                }
                @if let (Some(first), Some(last)) = (days.first(), days.last()) {
                    text x=(left) y=(height - 8.0) font-size="11" { (crate::report::date(first.day)) }
                    text x=(WIDTH - 10.0) y=(height - 8.0) text-anchor="end" font-size="11" { (crate::report::date(last.day)) }
                }
            }
        }
    }
}

/// Every chart of the report page.
pub fn report_charts(report: &Report) -> Markup {
    let intents: Vec<(String, u64)> = report
        .intents
        .iter()
        .map(|i| (i.intent.name().to_string(), i.count))
        .collect();
    let topics: Vec<(String, u64)> = report
        .topics
        .iter()
        .map(|t| (t.topic.clone(), t.asked))
        .collect();
    let helpful: Vec<(String, u64)> = report
        .topics
        .iter()
        .flat_map(|t| {
            [
                (format!("{} 👍", t.topic), t.helpful),
                (format!("{} 👎", t.topic), t.not_helpful),
            ]
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    html! {
        (days(report))
        (bars("chart-intents", "What the bot did (answers per intent)", &intents))
        (bars("chart-topics", "Topics answered", &topics))
        (bars("chart-feedback", "Helpful 👍 and not helpful 👎 per topic", &helpful))
    }
}
