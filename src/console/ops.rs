//! Operations: `/healthz`, `/readyz` and `/metrics` (Prometheus text, through the
//! `metrics-exporter-prometheus` crate).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The answer latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The process's Prometheus recorder, installed on first use. The doors count answers
/// with the `metrics` macros; without a recorder (no console) those are no-ops.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("b12bot_answer_seconds".into()),
                LATENCY_BUCKETS,
            )
            .expect("non-empty buckets")
            .install_recorder()
            .expect("one metrics recorder per process");
        describe();
        handle
    })
}

/// Names and explains every metric, and shows the counters at zero before the first event.
fn describe() {
    metrics::describe_counter!(
        "b12bot_answers_total",
        "Patient messages answered, by intent"
    );
    metrics::describe_counter!(
        "b12bot_no_match_total",
        "Patient messages the bot found no answer for"
    );
    metrics::describe_histogram!(
        "b12bot_answer_seconds",
        metrics::Unit::Seconds,
        "Time to compute an answer"
    );
    metrics::describe_counter!("b12bot_reloads_total", "FAQ reloads, by outcome");
    metrics::describe_gauge!(
        "b12bot_update_backlog",
        "Telegram updates recorded and not answered yet (the update ledger)"
    );
    metrics::describe_gauge!(
        "b12bot_outbox_backlog",
        "Messages in the outbox waiting for delivery"
    );
    metrics::describe_counter!("b12bot_errors_total", "Errors while handling, by where");
    for intent in crate::engine::Intent::ALL {
        metrics::counter!("b12bot_answers_total", "intent" => intent.name()).increment(0);
    }
    metrics::counter!("b12bot_no_match_total").increment(0);
    for outcome in ["published", "refused"] {
        metrics::counter!("b12bot_reloads_total", "outcome" => outcome).increment(0);
    }
    metrics::counter!("b12bot_errors_total", "where" => "console").increment(0);
}
