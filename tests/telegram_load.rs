//! The load run as a test (ignored by default: it is a measurement, not a quick check).
//!
//! ```text
//! cargo test --release --test integration telegram_load:: -- --ignored --nocapture
//! ```
//!
//! 5,000 updates from 500 private chats through the fake Bot API server and the real
//! dispatcher: every update answered exactly once, each chat's answers in question order.
//! Prints the elapsed time and the process's peak memory (VmHWM).

use crate::support;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run: cargo test --release --test integration telegram_load:: -- --ignored --nocapture"]
async fn five_thousand_updates_from_500_chats_each_answered_once_in_order() {
    let report = support::load::run(
        500,
        10,
        support::load::unthrottled(),
        Duration::from_secs(300),
    )
    .await;
    report.print();
    assert_eq!(report.answered, 5_000);
}
