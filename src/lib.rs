//! b12bot: answers patients' questions about vitamin B12 for a Dutch hospital.
//!
//! The crate is a pure core (`analysis`, `engine`, `matcher`, `b12`, `safety`, `text`, `faq`
//! types, `red_flags` validation)
//! with thin edges (FAQ loading, the CLI in `main.rs`, the Telegram door in `telegram`, the
//! configuration in `config`, the SQLite database in `store`).
//! Every door goes through [`engine::Engine::answer`].

pub mod analysis;
pub mod b12;
pub mod config;
pub mod console;
pub mod diagnostics;
pub mod encoder;
pub mod engine;
pub mod eval;
pub mod faq;
pub mod handle;
pub mod health;
pub mod intents;
pub mod logging;
pub mod matcher;
pub mod readability;
pub mod red_flag_neighbours;
pub mod red_flags;
pub mod reload;
pub mod report;
pub mod review;
pub mod safety;
pub mod semantic;
pub mod store;
pub mod telegram;
pub mod text;
pub mod time;
pub mod vocabulary;
