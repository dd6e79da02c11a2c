//! The staff console: a small web application in the same binary, over the same engine
//! handle, reload path and database as the Telegram door (an edge beside it; it never names
//! `telegram`). Server-rendered HTML (maud), no JavaScript needed.
//!
//! Security: binds to loopback by default; Argon2id passwords; sessions in the database
//! behind an HttpOnly, SameSite=Strict cookie with an expiry; a CSRF token in every form,
//! checked on every POST; wrong passwords limited per name; roles checked on the server for
//! every request. Patient text is never logged.

pub mod auth;
mod charts;
pub mod draft;
mod edit;
pub mod ops;
mod pages;

use crate::engine::EngineConfig;
use crate::handle::EngineHandle;
use crate::store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::health::Heartbeat;
pub use auth::add_user;

/// What the console serves.
pub struct Setup {
    /// The live FAQ folder (what the bot answers from).
    pub faq: PathBuf,
    /// Where the draft copy lives (created from the live folder when missing).
    pub draft: PathBuf,
    pub config: EngineConfig,
    pub handle: EngineHandle,
    pub store: Store,
    /// Set when the Telegram door runs in the same process: `/readyz` then also requires
    /// a successful Bot API call within the last minute.
    pub telegram: Option<Heartbeat>,
}

pub(crate) struct App {
    pub faqs: draft::Faqs,
    pub store: Store,
    pub telegram: Option<Heartbeat>,
    /// `Secure` on cookies: set when the console sits behind a TLS proxy (any address other
    /// than loopback).
    pub secure_cookies: bool,
}

/// The console's routes.
pub fn router(setup: Setup, secure_cookies: bool) -> anyhow::Result<axum::Router> {
    let faqs = draft::Faqs {
        live: setup.faq,
        draft: setup.draft,
        config: setup.config,
        handle: setup.handle,
        checked: Default::default(),
    };
    faqs.prepare()?;
    ops::metrics();
    Ok(pages::routes(Arc::new(App {
        faqs,
        store: setup.store,
        telegram: setup.telegram,
        secure_cookies,
    })))
}

/// Serves the console on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, setup: Setup) -> anyhow::Result<()> {
    let app = router(setup, !addr.ip().is_loopback())?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    log::info!("staff console on http://{}", listener.local_addr()?);
    if !addr.ip().is_loopback() {
        log::warn!(
            "the staff console listens on a non-loopback address: put a TLS reverse proxy in front"
        );
    }
    axum::serve(listener, app).await?;
    Ok(())
}
