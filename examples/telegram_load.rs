//! The Telegram load run as a program (same code as the ignored test `telegram_load::` in
//! `tests/`).
//!
//! ```text
//! cargo run --release --example telegram_load                 # 500 chats × 10 updates
//! cargo run --release --example telegram_load -- 100 5        # chats, updates per chat
//! cargo run --release --example telegram_load -- 500 10 telegram   # Telegram's real limits
//! ```
//!
//! By default the bot's sending limits are raised so the run measures the bot itself; with
//! `telegram` it uses Telegram's published limits (30 messages per second overall), which
//! then set the pace.

// The example runs only the load harness of the shared test support; the rest of it (the
// fake server's other scripts, the desk helpers) is for the integration tests.
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let chats = args.first().and_then(|a| a.parse().ok()).unwrap_or(500);
    let per_chat = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let telegram_limits = args.get(2).is_some_and(|a| a == "telegram");
    let limits = if telegram_limits {
        Default::default()
    } else {
        support::load::unthrottled()
    };
    let timeout = Duration::from_secs(if telegram_limits { 1200 } else { 300 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(support::load::run(chats, per_chat, limits, timeout));
    report.print();
}
