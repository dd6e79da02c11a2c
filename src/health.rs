//! Liveness shared between the doors: when the Telegram door last reached the Bot API, read
//! by the staff console's `/readyz`. Neither door names the other; the composition root
//! (`main.rs`) hands both the same [`Heartbeat`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// How often the Telegram door proves the Bot API is reachable (`getMe`) while it runs.
pub const BEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

/// Unix seconds of the last successful Bot API call (0: never). A cheap `Clone` handle.
#[derive(Clone, Default, Debug)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    pub fn beat(&self, now: i64) {
        self.0.store(now, Ordering::Relaxed);
    }

    pub fn last(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}
