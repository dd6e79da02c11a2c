//! Running the bot: configuration, startup checks, long polling, graceful shutdown.
//!
//! [`serve`] is what `b12bot serve` runs: configuration from the environment, SIGTERM/SIGINT
//! as the stop signal. [`run`] is the same code with both passed in, for tests and embedding.

use super::api::{self, CONTROL, TgBot, describe};
use super::commands::{MENU_EN, MENU_NL};
use super::flood::Flood;
use super::handlers::schema;
use super::isolate::kind_name;
use super::ledger::{Ledger, listener};
use super::prefs::ChatLangs;
use super::questions::QuestionLog;
use super::texts::text;
use super::triage::{Desk, DeskHandle, TriageSetup};
use crate::handle::{AnswerEngine, EngineHandle};
use crate::text::Lang;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::{Limits, Settings};
use teloxide::dispatching::Dispatcher;
use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;
use teloxide::requests::HasPayload;
use teloxide::stop::StopToken;
use teloxide::types::{BotCommand, Me};
use teloxide::update_listeners::UpdateListener;
use teloxide::{ApiError, Bot, RequestError, dptree};

/// How to reach Telegram, and how hard to push it.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The bot's token from @BotFather (`TELOXIDE_TOKEN`). Never logged.
    pub token: String,
    /// A Bot API server other than api.telegram.org (`TELOXIDE_API_URL`): a self-hosted
    /// server, or the fake one in the tests.
    pub api_url: Option<String>,
    /// Telegram's sending limits (default: Telegram's published ones).
    pub limits: Limits,
    /// Long-polling timeout of `getUpdates`.
    pub poll_timeout: Duration,
    /// How long any one HTTP request to the Bot API may take before the client gives up
    /// (a timed-out reply is retried, see `retry`). Must be longer than `poll_timeout`, or
    /// every long poll would time out; the default (17 s, teloxide's own) also leaves room for
    /// the 10 s teloxide waits after a 5xx before it reads the answer.
    pub request_timeout: Duration,
    /// `getMe` attempts at startup while Telegram is unreachable (a wrong token fails at once).
    pub startup_attempts: u32,
    /// The database: every update is recorded in it before Telegram is told it arrived, so a
    /// crash loses no patient's message (see [`super::ledger`]). `None` (no database, or one
    /// that cannot be opened): answered without that protection. When `None` and a triage
    /// desk is set up, the desk's database is used.
    pub store: Option<crate::store::Store>,
    /// The database and configuration for the triage desk; the desk runs when the
    /// configuration names a triage chat. `None`: no desk (patients are told how to reach
    /// the hospital instead).
    pub triage: Option<TriageSetup>,
    /// Days after which patient texts are deleted from the database (`retention_days`);
    /// the triage desk's configuration has its own, which wins when the desk runs.
    pub retention_days: u32,
    /// Messages a private chat may send per minute before flood control stops answering it
    /// for the rest of the minute ([`super::flood`]); 0 switches it off.
    pub flood_per_minute: u32,
    /// Beaten after every successful `getMe` (at start and every
    /// [`crate::health::BEAT_EVERY`]): the staff console's `/readyz` reads it.
    pub heartbeat: Option<crate::health::Heartbeat>,
}

impl ServeConfig {
    pub fn new(token: impl Into<String>) -> ServeConfig {
        ServeConfig {
            token: token.into(),
            api_url: None,
            limits: Limits::default(),
            poll_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(17),
            startup_attempts: 6,
            store: None,
            triage: None,
            flood_per_minute: crate::config::DEFAULT_FLOOD_PER_MINUTE,
            retention_days: crate::config::DEFAULT_RETENTION_DAYS,
            heartbeat: None,
        }
    }

    /// `TELOXIDE_TOKEN` (required) and `TELOXIDE_API_URL` (optional).
    pub fn from_env() -> Result<ServeConfig, ServeError> {
        let token = std::env::var("TELOXIDE_TOKEN")
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or(ServeError::MissingToken)?;
        let mut config = ServeConfig::new(token);
        config.api_url = std::env::var("TELOXIDE_API_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        Ok(config)
    }
}

/// Why the bot could not start, or stopped other than by a signal.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "TELOXIDE_TOKEN is not set: create a bot with @BotFather and set TELOXIDE_TOKEN to its token"
    )]
    MissingToken,
    #[error("TELOXIDE_API_URL is not a valid URL: {0}")]
    BadApiUrl(String),
    #[error(
        "Telegram rejected the bot token (401 Unauthorized): it is wrong or has been revoked; \
         copy the current token from @BotFather into TELOXIDE_TOKEN"
    )]
    InvalidToken,
    #[error(
        "Telegram revoked the bot token while the bot was running; get a new one from @BotFather"
    )]
    TokenRevoked,
    #[error("could not reach the Bot API at {url} ({attempts} attempts): {reason}")]
    Unreachable {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error("the Bot API refused to start the bot: {0}")]
    Refused(String),
}

impl ServeError {
    /// The process exit code for this error (sysexits-style: 78 = configuration).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::MissingToken
            | ServeError::BadApiUrl(_)
            | ServeError::InvalidToken
            | ServeError::TokenRevoked => 78,
            ServeError::Unreachable { .. } | ServeError::Refused(_) => 69,
        }
    }
}

/// The configuration file's settings for the Telegram door that hold with or without the
/// triage desk.
#[derive(Debug, Clone, Copy)]
pub struct DoorSettings {
    pub flood_per_minute: u32,
    pub retention_days: u32,
}

/// The production entry point (`b12bot serve`): configuration from the environment, stops
/// gracefully on SIGTERM or SIGINT (in-flight answers are sent and the update offset is
/// committed before it returns `Ok`).
pub async fn serve(
    engine: EngineHandle,
    store: Option<crate::store::Store>,
    triage: Option<TriageSetup>,
    settings: DoorSettings,
    heartbeat: Option<crate::health::Heartbeat>,
) -> Result<(), ServeError> {
    let mut config = ServeConfig::from_env()?;
    config.store = store;
    config.triage = triage;
    config.flood_per_minute = settings.flood_per_minute;
    config.retention_days = settings.retention_days;
    config.heartbeat = heartbeat;
    install_private_panic_hook();
    run(config, engine, stop_signal()).await
}

/// [`serve`] for a synchronous `main`: builds the runtime and serves until a signal.
/// Exit with [`ServeError::exit_code`] on an error.
///
/// The caller keeps a clone of `engine` to swap in a new engine (a FAQ reload) while the bot
/// runs.
pub fn serve_blocking(
    engine: EngineHandle,
    store: Option<crate::store::Store>,
    triage: Option<TriageSetup>,
    settings: DoorSettings,
    heartbeat: Option<crate::health::Heartbeat>,
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| ServeError::Refused(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(serve(engine, store, triage, settings, heartbeat));
    if let Err(err) = &outcome {
        log::error!("{err}");
    }
    outcome
}

/// Resolves on the first SIGTERM or SIGINT. Listening starts when this is called, so a signal
/// during startup is not lost.
fn stop_signal() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => log::info!("SIGTERM received: stopping gracefully"),
                    _ = int.recv() => log::info!("SIGINT received: stopping gracefully"),
                }
            }),
            _ => {
                log::warn!("cannot listen for SIGTERM; only Ctrl-C stops the bot");
                Box::pin(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
            }
        }
    }
    #[cfg(not(unix))]
    {
        Box::pin(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Panic messages can quote the data being processed (a slicing panic quotes the string), so
/// the production binary logs where a panic happened, not what it said.
fn install_private_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".into());
        log::error!("panic at {place} (message withheld: it may quote patient text)");
    }));
}

/// Runs the bot until `stop` resolves (then stops gracefully) or a fatal error occurs.
///
/// Startup: `getMe` (a wrong token is a [`ServeError::InvalidToken`] at once; an unreachable
/// server is retried `startup_attempts` times), then the command menus (`setMyCommands`, in
/// Dutch, English, and Dutch as the default), then long polling with the [`schema`].
pub async fn run<S>(config: ServeConfig, engine: EngineHandle, stop: S) -> Result<(), ServeError>
where
    S: Future<Output = ()> + Send + 'static,
{
    let mut stop = Box::pin(stop);
    let plain = build_bot(&config)?;
    let bot: TgBot = throttled(plain, config.limits);

    let me = tokio::select! {
        me = get_me(&bot, &config) => me?,
        () = &mut stop => {
            log::info!("stopped during startup");
            return Ok(());
        }
    };
    log::info!("connected to the Bot API as @{}", me.username());
    let beating = config.heartbeat.clone().map(|beat| {
        beat.beat(crate::time::now());
        let bot = bot.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(crate::health::BEAT_EVERY).await;
                if api::send(bot.get_me(), &CONTROL).await.is_ok() {
                    beat.beat(crate::time::now());
                }
            }
        })
    });
    register_commands(&bot, &*engine.load()).await;

    // The database (the desk's when none was given on its own): the update ledger and the
    // question log use it, and the retention timer keeps its patient texts within
    // `retention_days`, with or without the desk.
    let store = config
        .store
        .clone()
        .or_else(|| config.triage.as_ref().map(|t| t.store.clone()));
    let (stop_desk, desk_stopping) = tokio::sync::watch::channel(false);
    let mut desk_tasks = Vec::new();
    if let Some(store) = &store {
        let days = config
            .triage
            .as_ref()
            .map_or(config.retention_days, |t| t.config.retention_days);
        desk_tasks.push(tokio::spawn(retention_timer(
            store.clone(),
            days,
            desk_stopping.clone(),
        )));
    }
    // The triage desk and its delivery task (pending rows of an earlier run are sent now).
    let desk: DeskHandle = match config.triage.clone() {
        Some(setup) => {
            let wake = Arc::new(tokio::sync::Notify::new());
            match Desk::new(setup, wake.clone(), &engine) {
                Some(desk) => {
                    desk_tasks.push(tokio::spawn(super::outbox::deliver(
                        bot.clone(),
                        desk.store.clone(),
                        wake,
                        desk_stopping.clone(),
                    )));
                    log::info!("triage desk active");
                    Some(Arc::new(desk))
                }
                None => None,
            }
        }
        None => None,
    };
    if desk.is_none() {
        log::info!(
            "triage desk off (no triage chat configured, or no database): patients who ask \
             for a person are told how to reach the hospital"
        );
    }
    // With the desk: the FAQ folder is watched here, and a refused edit reaches the group.
    let _faq_watch = desk.as_ref().and_then(|desk| watch_faq(&engine, desk));

    delete_webhook(&bot).await;
    if store.is_none() {
        log::warn!("no database: updates are not recorded, so a crash can lose a message");
    }
    let (ledger, retry) = Ledger::new(store.clone());
    let mut listener = listener(bot.clone(), ledger.clone(), retry, config.poll_timeout);
    let stop_polling = listener.stop_token();
    let fatal: Arc<Mutex<Option<ServeError>>> = Arc::default();
    let listener_errors = Arc::new(ListenerErrors {
        stop: stop_polling.clone(),
        fatal: fatal.clone(),
    });

    let mut dispatcher = Dispatcher::builder(bot, schema())
        .dependencies(dptree::deps![
            engine,
            Arc::new(ChatLangs::new()),
            desk,
            Arc::new(QuestionLog(store.clone())),
            Arc::new(Flood::new(config.flood_per_minute)),
            ledger
        ])
        .worker_queue_size(super::flood::WORKER_QUEUE)
        .default_handler(|update| async move {
            log::debug!(
                "ignored update {} ({})",
                update.id.0,
                kind_name(&update.kind)
            );
        })
        .error_handler(Arc::new(HandlerErrors))
        .build();

    // Stop by stopping the listener (a latched flag), not through the dispatcher's shutdown
    // token: the polling stream then yields what it already fetched, commits the offset with
    // a last `getUpdates`, and ends; the dispatcher drains every chat's queue and returns.
    let stopper = tokio::spawn(async move {
        stop.await;
        log::info!("stopping: finishing in-flight answers and committing the update offset");
        stop_polling.stop();
    });

    log::info!("polling for updates");
    let outcome = dispatcher
        .try_dispatch_with_listener(listener, listener_errors)
        .await;
    stopper.abort();
    if let Some(task) = beating {
        task.abort();
    }
    // Let the delivery task finish the round it is sending (so nothing it sent goes unmarked).
    let _ = stop_desk.send(true);
    for task in desk_tasks {
        if tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .is_err()
        {
            log::warn!("the delivery task did not stop in time");
        }
    }
    if let Err(err) = outcome {
        return Err(classify_startup_error(&err, &config));
    }
    if let Some(err) = fatal.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(err);
    }
    log::info!("stopped");
    Ok(())
}

/// Watches the desk's FAQ folder (when it has one and the engine is the real one): good
/// edits are published, refused ones are logged and posted in the triage group.
fn watch_faq(engine: &EngineHandle, desk: &Arc<Desk>) -> Option<crate::reload::WatchGuard> {
    let reloader = desk.reloader.clone()?;
    let (for_texts, desk) = (engine.clone(), desk.clone());
    let watched = reloader.watch(move |o| {
        if let crate::reload::Outcome::Refused(errors) = o {
            for e in &errors.0 {
                log::warn!("FAQ edit refused: {e}");
            }
            super::triage::post_refusal(&*for_texts.load(), &desk, &errors);
        }
    });
    match watched {
        Ok(guard) => {
            log::info!("watching the FAQ folder for edits");
            Some(guard)
        }
        Err(e) => {
            log::warn!("cannot watch {} for edits: {e}", reloader.dir.display());
            None
        }
    }
}

/// Long polling does not work while a webhook is set: remove one (keeping its pending
/// updates, which polling then fetches). A failure is logged; polling then reports it.
async fn delete_webhook(bot: &TgBot) {
    match api::send(bot.get_webhook_info(), &CONTROL).await {
        Ok(info) if info.url.is_none() => {}
        Ok(_) => match api::send(bot.delete_webhook(), &CONTROL).await {
            Ok(_) => log::info!("webhook removed: the bot polls for updates"),
            Err(e) => log::warn!("deleteWebhook failed: {}", describe(&e)),
        },
        Err(e) => log::warn!("getWebhookInfo failed: {}", describe(&e)),
    }
}

/// Deletes old ticket texts once at startup and then daily.
async fn retention_timer(
    store: crate::store::Store,
    days: u32,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let at = crate::time::now();
        match store.call(move |s| s.retention(at, days)).await {
            Ok(c) => log::info!(
                "retention ({days} days): deleted {} ticket messages, {} outbox rows, {} update \
                 records; unlinked {} tickets",
                c.messages,
                c.outbox,
                c.updates,
                c.tickets_unlinked
            ),
            Err(e) => log::error!("retention failed: {e}"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(86_400)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Throttle with retries on 429 (`retry_after` obeyed, then the same request is sent again),
/// its worker spawned on the current runtime.
fn throttled(bot: Bot, limits: Limits) -> Throttle<Bot> {
    let (throttle, worker) = Throttle::with_settings(bot, Settings::default().limits(limits));
    tokio::spawn(worker);
    throttle
}

fn build_bot(config: &ServeConfig) -> Result<Bot, ServeError> {
    if config.request_timeout <= config.poll_timeout {
        log::warn!(
            "the request timeout ({:?}) is not longer than the polling timeout ({:?}): long \
             polls will time out",
            config.request_timeout,
            config.poll_timeout
        );
    }
    let client = teloxide::net::default_reqwest_settings()
        .timeout(config.request_timeout)
        .build()
        .map_err(|e| ServeError::Refused(format!("cannot build the HTTP client: {e}")))?;
    let bot = Bot::with_client(config.token.clone(), client);
    match &config.api_url {
        None => Ok(bot),
        Some(url) => {
            let url = url.trim().trim_end_matches('/');
            // Parsed relative to the default URL: an absolute URL replaces it entirely.
            // (`reqwest::Url` is not re-exported, so parse through the bot's own URL.)
            let parsed = bot
                .api_url()
                .join(url)
                .ok()
                .filter(|u| url.contains("://") && matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| ServeError::BadApiUrl(url.to_string()))?;
            Ok(bot.set_api_url(parsed))
        }
    }
}

fn api_url_for_messages(config: &ServeConfig) -> String {
    config
        .api_url
        .clone()
        .unwrap_or_else(|| "https://api.telegram.org".into())
}

async fn get_me(bot: &TgBot, config: &ServeConfig) -> Result<Me, ServeError> {
    let attempts = config.startup_attempts.max(1);
    let mut last = String::new();
    for attempt in 1..=attempts {
        match api::send(bot.get_me(), &CONTROL).await {
            Ok(me) => return Ok(me),
            Err(err) => {
                let classified = classify_startup_error(&err, config);
                if !matches!(classified, ServeError::Unreachable { .. }) {
                    return Err(classified);
                }
                last = describe(&err);
                if attempt < attempts {
                    let wait =
                        api::backoff(attempt, Duration::from_secs(1), Duration::from_secs(32));
                    log::warn!(
                        "getMe failed ({last}); retrying in {}s ({attempt}/{attempts})",
                        wait.as_secs()
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    Err(ServeError::Unreachable {
        url: api_url_for_messages(config),
        attempts,
        reason: last,
    })
}

fn classify_startup_error(err: &RequestError, config: &ServeConfig) -> ServeError {
    match err {
        RequestError::Api(ApiError::InvalidToken) => ServeError::InvalidToken,
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
            ServeError::Unreachable {
                url: api_url_for_messages(config),
                attempts: 1,
                reason: describe(err),
            }
        }
        other => ServeError::Refused(describe(other)),
    }
}

/// The command menus: Dutch names for Dutch and as the default, English names for English.
/// A failure is logged; the bot works without a menu.
async fn register_commands(bot: &TgBot, engine: &dyn AnswerEngine) {
    let menus = [
        (None, MENU_NL, Lang::Nl),
        (Some("nl"), MENU_NL, Lang::Nl),
        (Some("en"), MENU_EN, Lang::En),
    ];
    for (language_code, menu, lang) in menus {
        let commands: Vec<BotCommand> = menu
            .iter()
            .map(|(name, key)| BotCommand::new(*name, text(engine, *key, lang)))
            .collect();
        let mut request = bot.set_my_commands(commands);
        if let Some(code) = language_code {
            request.payload_mut().language_code = Some(code.to_string());
        }
        match api::send(request, &CONTROL).await {
            Ok(_) => log::info!(
                "command menu registered ({})",
                language_code.unwrap_or("default")
            ),
            Err(err) => log::warn!("setMyCommands failed: {}", describe(&err)),
        }
    }
}

/// Logs handler errors (failed sends) without their content.
struct HandlerErrors;

impl ErrorHandler<RequestError> for HandlerErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> futures_boxed::BoxFuture<'static, ()> {
        Box::pin(async move {
            match &error {
                RequestError::Api(ApiError::BotBlocked) => {
                    log::info!("a patient has blocked the bot; reply not delivered")
                }
                _ => log::error!("sending a reply failed: {}", describe(&error)),
            }
        })
    }
}

/// Errors of `getUpdates`. Polling retries by itself (with backoff, or after `retry_after`);
/// a token revoked while running stops the bot instead of retrying forever.
struct ListenerErrors {
    stop: StopToken,
    fatal: Arc<Mutex<Option<ServeError>>>,
}

impl ErrorHandler<RequestError> for ListenerErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> futures_boxed::BoxFuture<'static, ()> {
        Box::pin(async move {
            match &error {
                RequestError::Api(ApiError::InvalidToken) => {
                    log::error!("getUpdates: the token is no longer valid; stopping");
                    *self.fatal.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(ServeError::TokenRevoked);
                    self.stop.stop();
                }
                RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => log::warn!(
                    "getUpdates: another instance of this bot is polling with the same token"
                ),
                _ => log::warn!("getUpdates failed: {}; retrying", describe(&error)),
            }
        })
    }
}

mod futures_boxed {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_url(url: &str) -> Result<String, ServeError> {
        let mut config = ServeConfig::new("1:x");
        config.api_url = Some(url.to_string());
        build_bot(&config).map(|b| b.api_url().to_string())
    }

    #[test]
    fn api_urls() {
        assert_eq!(
            api_url("http://127.0.0.1:8081").unwrap(),
            "http://127.0.0.1:8081/"
        );
        assert_eq!(
            api_url("https://tg.example.org/tbas/").unwrap(),
            "https://tg.example.org/tbas"
        );
        assert_eq!(
            api_url("HTTP://Example.org").unwrap(),
            "http://example.org/"
        );
        for bad in [
            "not a url",
            "127.0.0.1:8081",
            "ftp://example.org",
            "http://",
        ] {
            assert!(
                matches!(api_url(bad), Err(ServeError::BadApiUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn token_errors_point_to_botfather_and_map_to_exit_codes() {
        let err = ServeError::InvalidToken;
        assert!(err.to_string().contains("@BotFather"));
        assert_eq!(err.exit_code(), 78);
        assert_eq!(ServeError::MissingToken.exit_code(), 78);
        let unreachable = ServeError::Unreachable {
            url: "https://api.telegram.org".into(),
            attempts: 6,
            reason: "network error (cannot connect)".into(),
        };
        assert_eq!(unreachable.exit_code(), 69);
    }
}
