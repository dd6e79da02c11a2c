//! The one integration-test binary (ripgrep's layout): every file in `tests/` is a module of
//! it, sharing `support/`. One binary links once, instead of twenty times on a 2-core CI.
//!
//! Run one area with a filter on its module name, e.g. `cargo test --test integration
//! telegram_e2e::`. A new test file must be declared here; `.ci/layering` fails when a file
//! in `tests/` is not.

mod support;

mod broken_data_dir;
mod config;
mod console;
mod console_browser;
mod crash_recovery;
mod desk_crash;
mod engine;
mod eval;
mod faq_load;
mod forget_cli;
mod fuzz;
mod question_log;
mod red_flag_neighbours;
mod red_flags;
mod reload;
mod report;
mod review;
mod semantic;
mod store;
mod telegram_e2e;
mod telegram_faults;
mod telegram_flood;
mod telegram_hostile;
mod telegram_html;
mod telegram_load;
mod telegram_process;
mod texts_config;
mod triage_e2e;
