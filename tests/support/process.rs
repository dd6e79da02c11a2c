//! The real `b12bot serve` process (the binary cargo built for this package), started
//! against the fake Bot API server of the test.

use super::fake_bot_api::FakeBotApi;
use super::{SOON, TOKEN, faq_dir};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_b12bot"))
}

/// The binary must be this package's (a target dir shared between checkouts of the same
/// crate can hold another checkout's build under the same name).
async fn assert_binary_has_serve() {
    let out = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .await
        .expect("run b12bot");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("TELOXIDE_TOKEN"),
        "{} has no `serve` subcommand: rebuild this package",
        binary().display()
    );
    warm_vector_cache();
}

/// Embeds the FAQ's texts once into the vector cache every spawned bot reads (the model's
/// `vectors.cache`), as a restarted bot finds it: on a clean clone the first bots would
/// otherwise each embed every phrasing and labelled message at once, on two cores, in a
/// debug build, and miss the tests' deadlines while starting.
pub fn warm_vector_cache() {
    // Once; callers meanwhile wait for the first (a blocking wait of seconds, once).
    static WARM: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    WARM.get_or_init(|| {
        let out = std::process::Command::new(binary())
            .arg("--faq")
            .arg(faq_dir())
            .args(["ask", "wat is vitamine b12"])
            .env("RUST_LOG", "warn")
            .output()
            .expect("run b12bot ask");
        assert!(
            out.status.success(),
            "b12bot ask failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

pub struct BotProcess {
    child: Child,
    /// The bot's data directory (its database), removed with the process; `None` when the
    /// test brings its own.
    _data: Option<tempfile::TempDir>,
}

impl BotProcess {
    /// `b12bot serve` with a fresh data directory of its own.
    pub async fn spawn(envs: &[(&str, &str)], rust_log: &str) -> BotProcess {
        let data = tempfile::tempdir().expect("data dir");
        let mut bot = BotProcess::spawn_in(data.path(), None, envs, rust_log).await;
        bot._data = Some(data);
        bot
    }

    /// `b12bot serve` on the data directory `data`. With `setup`, the bot runs in a mount
    /// namespace of its own, after the shell commands `setup` (which can mount a small or
    /// read-only file system on `data`, seen by the bot only).
    pub async fn spawn_in(
        data: &Path,
        setup: Option<&str>,
        envs: &[(&str, &str)],
        rust_log: &str,
    ) -> BotProcess {
        BotProcess::spawn_with_faq(data, &faq_dir(), setup, envs, rust_log).await
    }

    /// `b12bot serve` on the data directory `data` and the FAQ folder `faq` (a copy, when
    /// the test lets the bot change it).
    pub async fn spawn_with_faq(
        data: &Path,
        faq: &Path,
        setup: Option<&str>,
        envs: &[(&str, &str)],
        rust_log: &str,
    ) -> BotProcess {
        assert_binary_has_serve().await;
        let mut cmd = match setup {
            None => Command::new(binary()),
            Some(setup) => {
                let mut cmd = Command::new("unshare");
                // Root needs only a mount namespace; anyone else maps themselves to root in
                // a user namespace first.
                if !running_as_root() {
                    cmd.args(["--user", "--map-root-user"]);
                }
                cmd.args(["--mount", "--propagation", "private", "sh", "-euc"])
                    .arg(format!("{setup}\nexec \"$0\" \"$@\""))
                    .arg(binary());
                cmd
            }
        };
        cmd.arg("--faq")
            .arg(faq)
            .arg("serve")
            .env_remove("TELOXIDE_TOKEN")
            .env_remove("TELOXIDE_API_URL")
            .env_remove("TELOXIDE_PROXY")
            .env_remove("B12BOT_TRIAGE_CHAT_ID")
            .env_remove("B12BOT_STAFF_IDS")
            .env("RUST_LOG", rust_log)
            .env("B12BOT_DATA_DIR", data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        BotProcess {
            child: cmd.spawn().expect("spawn b12bot serve"),
            _data: None,
        }
    }

    pub async fn against(fake: &FakeBotApi, rust_log: &str) -> BotProcess {
        let url = fake.url();
        BotProcess::spawn(
            &[("TELOXIDE_TOKEN", TOKEN), ("TELOXIDE_API_URL", &url)],
            rust_log,
        )
        .await
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its status and everything it wrote to stderr.
    pub async fn exit(mut self) -> (ExitStatus, String) {
        let mut stderr = self.child.stderr.take().expect("piped");
        let reader = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        let status = tokio::time::timeout(SOON, self.child.wait())
            .await
            .expect("b12bot exits within the time limit")
            .expect("wait for b12bot");
        (status, reader.await.unwrap())
    }
}

/// Whether this test runs as root (who may mount without a user namespace, and whom file
/// permissions do not stop).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}
