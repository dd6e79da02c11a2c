//! Publishing FAQ edits without a restart.
//!
//! A reload builds a complete new [`Engine`] aside from the running one and swaps it in
//! atomically (`ArcSwap`): a patient's answer in flight keeps the engine it started with,
//! the next one gets the new engine. A FAQ folder with errors never replaces the engine
//! that is running; the errors go back to whoever asked (the log, the triage group).

use crate::engine::{Engine, EngineConfig};
use crate::faq::{self, LoadErrors};
use crate::handle::EngineHandle;
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// What a reload did.
#[derive(Debug)]
pub enum Outcome {
    /// The new FAQ is live, with this many entries.
    Published { entries: usize },
    /// The FAQ has errors; the running engine was kept.
    Refused(LoadErrors),
}

/// Load `dir`, and when it is valid, swap a new engine into `handle`.
pub fn reload(dir: &Path, config: EngineConfig, handle: &EngineHandle) -> Outcome {
    match faq::load_dir(dir) {
        Ok(faq) => {
            let entries = faq.entries.len();
            // Built aside: the index is ready before anyone can see the new engine. The
            // sentence model (and its cache of vectors) carries over from the running
            // engine: only phrasings that changed are embedded again.
            let mut engine = Engine::new(faq, config);
            if let Some(model) = handle.load().semantic_model() {
                engine = engine.with_semantic(model);
            }
            handle.store(engine);
            metrics::counter!("b12bot_reloads_total", "outcome" => "published").increment(1);
            log::info!("FAQ published: {entries} entries");
            Outcome::Published { entries }
        }
        Err(errors) => {
            metrics::counter!("b12bot_reloads_total", "outcome" => "refused").increment(1);
            log::warn!(
                "FAQ edit refused ({} problems); still answering from the last good FAQ",
                errors.0.len()
            );
            Outcome::Refused(errors)
        }
    }
}

/// How long the folder must be quiet before a reload: an editor's save is often several
/// file events (temporary file, rename, metadata).
pub const SETTLE: Duration = Duration::from_millis(400);

/// Keeps the folder watched while it lives.
pub struct WatchGuard {
    _watcher: notify::RecommendedWatcher,
}

/// Watch `dir` and reload after each settled change; `on_outcome` hears every result
/// (to tell staff). Runs on its own thread; stops when the guard is dropped.
pub fn watch(
    dir: PathBuf,
    config: EngineConfig,
    handle: EngineHandle,
    on_outcome: impl Fn(Outcome) + Send + 'static,
) -> notify::Result<WatchGuard> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event
            && !e.kind.is_access()
        {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    std::thread::Builder::new()
        .name("faq-watch".into())
        .spawn(move || {
            // Ends when the watcher (and with it the sender) is dropped.
            while rx.recv().is_ok() {
                while rx.recv_timeout(SETTLE).is_ok() {}
                on_outcome(reload(&dir, config, &handle));
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(WatchGuard { _watcher: watcher })
}

/// A FAQ folder bound to the handle it publishes into: what a door is given when reloading
/// is possible (a `/reload` command, the folder watch), instead of finding out by itself.
#[derive(Clone)]
pub struct Reloader {
    pub dir: PathBuf,
    pub config: EngineConfig,
    handle: EngineHandle,
}

impl Reloader {
    pub fn new(dir: PathBuf, config: EngineConfig, handle: EngineHandle) -> Reloader {
        Reloader {
            dir,
            config,
            handle,
        }
    }

    /// [`reload`] now (blocking work: loading and indexing the FAQ).
    pub fn reload(&self) -> Outcome {
        reload(&self.dir, self.config, &self.handle)
    }

    /// [`watch`] the folder.
    pub fn watch(
        &self,
        on_outcome: impl Fn(Outcome) + Send + 'static,
    ) -> notify::Result<WatchGuard> {
        watch(
            self.dir.clone(),
            self.config,
            self.handle.clone(),
            on_outcome,
        )
    }
}
