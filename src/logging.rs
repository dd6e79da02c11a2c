//! The log: env_logger (`RUST_LOG`), behind a guard that keeps patients out of it.
//!
//! Our own code never logs message text, names, usernames, phone numbers or chat ids, at any
//! level. teloxide, at the levels it logs by default, says nothing about updates either, with
//! one exception: an update it cannot read (Telegram sent a field this version does not know,
//! or something malformed) is logged at error level *with the whole update*, so with the
//! patient's message, name, username and chat id. [`Private`] replaces such records by a line
//! that says what happened without the content.

use log::{Log, Metadata, Record};

/// Sets up logging for the `b12bot` binary: `RUST_LOG` (default `warn`) through [`Private`].
pub fn init() {
    let inner =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).build();
    let max = inner.filter();
    if log::set_boxed_logger(Box::new(Private { inner })).is_ok() {
        log::set_max_level(max);
    }
}

/// A logger that passes every record on, except the ones of other crates that would quote an
/// update: those are passed on with their content withheld.
pub struct Private<L> {
    pub inner: L,
}

impl<L: Log> Log for Private<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.inner.enabled(record.metadata()) {
            return;
        }
        match withheld(record.target(), &record.args().to_string()) {
            None => self.inner.log(record),
            Some(safe) => self.inner.log(
                &Record::builder()
                    .metadata(record.metadata().clone())
                    .args(format_args!("{safe}"))
                    .module_path(record.module_path())
                    .file(record.file())
                    .line(record.line())
                    .build(),
            ),
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// What to log instead of a record of `target` saying `message`, when it would quote an
/// update; `None` for every other record (ours are never rewritten).
pub fn withheld(target: &str, message: &str) -> Option<&'static str> {
    if !target.starts_with("teloxide") {
        return None;
    }
    if message.starts_with("Cannot parse an update") {
        Some(
            "Cannot parse an update (its content is withheld: it would quote the patient's \
             message, name and chat id); it is skipped",
        )
    } else if message.starts_with("Unhandled update") {
        Some("Unhandled update (its content is withheld)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn teloxide_records_quoting_an_update_are_withheld_and_nothing_else() {
        let update = "Cannot parse an update.\nError: Object {\"text\": String(\"mijn b12\")}";
        let safe = withheld("teloxide::dispatching::dispatcher", update).unwrap();
        assert!(!safe.contains("mijn b12") && safe.contains("Cannot parse an update"));
        assert!(
            withheld(
                "teloxide::dispatching::dispatcher",
                "Unhandled update: Update {..}"
            )
            .is_some()
        );
        assert_eq!(
            withheld(
                "teloxide::update_listeners::polling",
                "retrying getting updates in 4s"
            ),
            None
        );
        // Our own records are never rewritten (they never quote anything).
        assert_eq!(withheld("b12bot::telegram::handlers", update), None);
    }

    #[derive(Default)]
    struct Capture(Mutex<Vec<String>>);

    impl Log for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &Record<'_>) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {}", record.target(), record.args()));
        }
        fn flush(&self) {}
    }

    #[test]
    fn the_guard_passes_records_on_with_the_content_replaced() {
        let guard = Private {
            inner: Capture::default(),
        };
        let log = |target: &str, message: std::fmt::Arguments<'_>| {
            guard.log(
                &Record::builder()
                    .target(target)
                    .level(log::Level::Error)
                    .args(message)
                    .build(),
            )
        };
        log(
            "teloxide::dispatching::dispatcher",
            format_args!("Cannot parse an update.\nError: {}", "Xandriel"),
        );
        log(
            "b12bot::telegram::serve",
            format_args!("polling for updates"),
        );
        let seen = guard.inner.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert!(seen[0].starts_with("teloxide::dispatching::dispatcher Cannot parse an update ("));
        assert!(!seen[0].contains("Xandriel"));
        assert_eq!(seen[1], "b12bot::telegram::serve polling for updates");
    }
}
