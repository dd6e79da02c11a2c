//! The `b12bot` command line: thin; parses flags and calls the library.

use anyhow::{Context as _, Result, bail};
use b12bot::engine::{Answer, Context, Engine, EngineConfig, Intent, ValuePolicy};
use b12bot::text::Lang;
use b12bot::{eval, faq, review};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "b12bot",
    version,
    about = "Answers patients' questions about vitamin B12"
)]
struct Cli {
    /// The FAQ folder (one TOML file per entry, plus texts.toml).
    #[arg(long, global = true, default_value = "faq", env = "B12BOT_FAQ")]
    faq: PathBuf,
    /// How far the bot goes with a reported B12 value.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "explain-band",
        env = "B12BOT_VALUE_POLICY"
    )]
    value_policy: Policy,
    /// The sentence encoder's folder (weights.npz, sp.model); default models/usem3.
    #[arg(long, global = true, env = "B12BOT_MODEL")]
    model: Option<PathBuf>,
    /// Where the FAQ's sentence vectors are cached between runs (default: vectors.cache in
    /// the model folder); a restart then embeds only the phrasings that changed.
    #[arg(long, global = true, env = "B12BOT_VECTOR_CACHE")]
    vector_cache: Option<PathBuf>,
    /// Match by words alone, without the sentence encoder (for comparisons).
    #[arg(long, global = true)]
    lexical_only: bool,
    #[command(subcommand)]
    command: Command,
}

/// How the engine gets its semantic signal.
struct SemanticSetup {
    model: Option<PathBuf>,
    cache: Option<PathBuf>,
    lexical_only: bool,
}

impl SemanticSetup {
    /// Loads the encoder and the vector cache; `None` (said in the log) when the model
    /// cannot be read: the bot then answers by words alone rather than not at all.
    fn model(&self) -> Option<std::sync::Arc<b12bot::semantic::Model>> {
        if self.lexical_only {
            return None;
        }
        let dir = self
            .model
            .clone()
            .unwrap_or_else(b12bot::encoder::default_dir);
        match b12bot::encoder::Encoder::load(&dir) {
            Ok(encoder) => {
                let model = b12bot::semantic::Model::new(std::sync::Arc::new(encoder));
                let n = model.load_cache(&self.cache_path(&dir));
                log::debug!("sentence encoder loaded, {n} cached vectors");
                Some(std::sync::Arc::new(model))
            }
            Err(e) => {
                log::error!("{e}; answering by words alone, without the sentence encoder");
                None
            }
        }
    }

    fn cache_path(&self, dir: &Path) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| dir.join("vectors.cache"))
    }

    /// The engine for `faq`, with the semantic signal when the model loads; a cache that
    /// grew is written back.
    fn engine(&self, faq: faq::Faq, config: EngineConfig) -> Engine {
        let engine = Engine::new(faq, config);
        let Some(model) = self.model() else {
            return engine;
        };
        let before = model.encoded();
        let engine = engine.with_semantic(model.clone());
        if model.encoded() > before {
            let dir = self
                .model
                .clone()
                .unwrap_or_else(b12bot::encoder::default_dir);
            let path = self.cache_path(&dir);
            if let Err(e) = model.save_cache(&path) {
                log::debug!("cannot write the vector cache {}: {e}", path.display());
            }
        }
        engine
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Policy {
    /// Say which of the hospital's bands the value falls in.
    ExplainBand,
    /// Show the hospital's table, without placing the value.
    TableOnly,
    /// Do not read values; refer to the GP.
    ReferOnly,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Talk to the bot in the terminal.
    Chat,
    /// Answer questions given as arguments, or one per line on stdin.
    Ask {
        /// Print one JSON object per question (the answer contract).
        #[arg(long)]
        json: bool,
        questions: Vec<String>,
    },
    /// Check a FAQ folder before publishing: lists every error (exits non-zero) and
    /// every warning (things patients would be worse off with; exit 0 if only warnings).
    Check {
        /// The folder to check (default: --faq).
        dir: Option<PathBuf>,
        /// `text` for people, `json` for tools.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also print the readability figures of every answer and fixed text as a table.
        #[arg(long)]
        readability: bool,
    },
    /// Show how the matcher reads a question (words, weights, best topics).
    Explain { question: Vec<String> },
    /// Run the Telegram bot (long polling). Needs TELOXIDE_TOKEN; honours TELOXIDE_API_URL.
    /// With a triage chat configured, runs the triage desk (database in the data directory).
    /// Stops gracefully on SIGTERM or Ctrl-C.
    Serve {
        /// The configuration file (TOML; see config.example.toml). B12BOT_* environment
        /// variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also serve the staff console on this address (e.g. 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR", env = "B12BOT_CONSOLE")]
        console: Option<std::net::SocketAddr>,
    },
    /// The staff console in the browser (without Telegram), or `console add-user`.
    Console {
        /// Where to listen; anything but loopback belongs behind a TLS reverse proxy.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// The configuration file (its `data_dir` holds the database and the draft).
        #[arg(long, global = true, value_name = "PATH", env = "B12BOT_CONFIG")]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<ConsoleAction>,
    },
    /// Delete ticket texts older than the configured retention period, once, and print what
    /// was deleted (the bot also does this daily).
    Retention {
        /// The configuration file (TOML); B12BOT_* environment variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Score the bot on a labelled JSON Lines file.
    Eval {
        file: PathBuf,
        /// Exit non-zero when overall accuracy is below this share (e.g. 0.90).
        #[arg(long)]
        min: Option<f64>,
        /// Exit non-zero unless every b12_value, urgent and human case is right and
        /// nothing else was answered as urgent.
        #[arg(long)]
        strict_safety: bool,
    },
    /// Remove everything stored about one patient's chat (on the patient's request).
    Forget {
        /// The patient's Telegram chat id (staff find it on the ticket).
        chat_id: i64,
        /// The configuration file (its `data_dir`).
        #[arg(long, value_name = "PATH", env = "B12BOT_CONFIG")]
        config: Option<PathBuf>,
    },
    /// What patients asked: unanswered questions grouped, per topic (with 👍/👎), per
    /// language, per intent, per day. Reads the database in the configured data directory.
    Report {
        /// Cover the last DAYS days.
        #[arg(long, value_name = "DAYS", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(1..=36_500))]
        since: u32,
        /// `md` (Markdown) for people, `csv` for spreadsheets, `json` for tools.
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        /// The configuration file (its `data_dir`); without it, the defaults and the
        /// B12BOT_* environment variables.
        #[arg(long, value_name = "PATH", env = "B12BOT_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConsoleAction {
    /// Create a staff account (or set its role and password); the password is read from
    /// stdin (one line).
    AddUser {
        name: String,
        #[arg(long, value_enum)]
        role: StaffRole,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StaffRole {
    Viewer,
    Editor,
    Reviewer,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Md,
    Csv,
    Json,
}

fn main() {
    b12bot::logging::init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("b12bot: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = EngineConfig {
        value_policy: match cli.value_policy {
            Policy::ExplainBand => ValuePolicy::ExplainBand,
            Policy::TableOnly => ValuePolicy::TableOnly,
            Policy::ReferOnly => ValuePolicy::ReferOnly,
        },
        staff_desk: false,
    };
    let sem = SemanticSetup {
        model: cli.model.clone(),
        cache: cli.vector_cache.clone(),
        lexical_only: cli.lexical_only,
    };
    let load = |dir: &Path, config: EngineConfig| load(dir, config, &sem);
    match cli.command {
        Command::Chat => chat(&load(&cli.faq, config)?),
        Command::Ask { json, questions } => ask(&load(&cli.faq, config)?, json, questions),
        Command::Explain { question } => {
            print!("{}", load(&cli.faq, config)?.explain(&question.join(" ")));
            Ok(())
        }
        Command::Console {
            addr,
            config: path,
            action,
        } => {
            let settings = b12bot::config::Config::load(path.as_deref())
                .map_err(|e| anyhow::anyhow!("configuration:\n{e}"))?;
            let store = b12bot::store::Store::open(&settings.data_dir)?;
            match action {
                Some(ConsoleAction::AddUser { name, role }) => add_user(&store, &name, role),
                None => {
                    let engine = b12bot::handle::engine_handle(load(&cli.faq, config)?);
                    let _watch = watch_faq(&cli.faq, config, &engine);
                    let setup = console_setup(&cli.faq, &settings, config, engine, store, None);
                    tokio::runtime::Runtime::new()?.block_on(b12bot::console::serve(addr, setup))
                }
            }
        }
        Command::Serve {
            config: path,
            console,
        } => {
            let settings = b12bot::config::Config::load(path.as_deref())
                .map_err(|e| anyhow::anyhow!("configuration:\n{e}"))?;
            let console_settings = settings.clone();
            let door = b12bot::telegram::serve::DoorSettings {
                flood_per_minute: settings.flood_per_minute,
                retention_days: settings.retention_days,
            };
            // The database protects patients' messages against a crash and holds the
            // desk's tickets. A broken data directory is said loudly, but the bot still
            // answers FAQ questions.
            let store = match b12bot::store::Store::open(&settings.data_dir) {
                Ok(store) => Some(store),
                Err(e) => {
                    log::error!(
                        "{e}; the bot answers questions without its database: messages are not \
                         protected against a crash and the triage desk is off"
                    );
                    None
                }
            };
            let triage = match (settings.triage_chat_id, &store) {
                (Some(_), Some(store)) => Some(b12bot::telegram::TriageSetup {
                    store: store.clone(),
                    config: settings,
                    faq: Some(b12bot::telegram::FaqSource {
                        dir: cli.faq.clone(),
                        config: EngineConfig {
                            staff_desk: true,
                            ..config
                        },
                    }),
                }),
                _ => None,
            };
            // The texts offer "ask for a staff member" only when someone can answer.
            let config = EngineConfig {
                staff_desk: triage.is_some(),
                ..config
            };
            let engine = load(&cli.faq, config)?;
            let engine = b12bot::telegram::engine_handle(engine);
            // Staff publish FAQ edits by saving the files: a good edit is live within
            // seconds, a bad one is refused and logged while the bot keeps answering. With
            // the triage desk, the bot watches the folder itself and posts refusals in the
            // group.
            let _watch = triage.is_none().then(|| {
                b12bot::reload::watch(cli.faq.clone(), config, engine.clone(), |o| {
                    if let b12bot::reload::Outcome::Refused(errors) = o {
                        for e in &errors.0 {
                            log::warn!("FAQ edit refused: {e}");
                        }
                    }
                })
                .map_err(|e| log::warn!("cannot watch {} for edits: {e}", cli.faq.display()))
                .ok()
            });
            let heartbeat = console.map(|_| b12bot::health::Heartbeat::default());
            if let Some(addr) = console {
                let store = store
                    .clone()
                    .context("the staff console needs the database")?;
                // The console's /readyz reads the Telegram door's heartbeat.
                let setup = console_setup(
                    &cli.faq,
                    &console_settings,
                    config,
                    engine.clone(),
                    store,
                    heartbeat.clone(),
                );
                std::thread::Builder::new()
                    .name("console".into())
                    .spawn(move || {
                        let outcome = tokio::runtime::Runtime::new()
                            .map_err(anyhow::Error::from)
                            .and_then(|rt| rt.block_on(b12bot::console::serve(addr, setup)));
                        if let Err(e) = outcome {
                            log::error!("staff console stopped: {e:#}");
                        }
                    })?;
            }
            if let Err(e) =
                b12bot::telegram::serve::serve_blocking(engine, store, triage, door, heartbeat)
            {
                eprintln!("b12bot: {e}");
                std::process::exit(e.exit_code().into());
            }
            Ok(())
        }
        Command::Retention { config: path } => retention(path.as_deref()),
        Command::Check {
            dir,
            format,
            readability,
        } => check(
            dir.as_deref().unwrap_or(&cli.faq),
            format,
            readability,
            config,
            &sem,
        ),
        Command::Eval {
            file,
            min,
            strict_safety,
        } => run_eval(&load(&cli.faq, config)?, &file, min, strict_safety),
        Command::Report {
            since,
            format,
            config,
        } => report(since, format, config.as_deref()),
        Command::Forget { chat_id, config } => forget(chat_id, config.as_deref()),
    }
}

/// The bot's existing database, as the configuration places it; `telegram`: the Telegram
/// door's heartbeat when the console runs beside it (`serve --console`).
fn console_setup(
    faq: &Path,
    settings: &b12bot::config::Config,
    config: EngineConfig,
    handle: b12bot::handle::EngineHandle,
    store: b12bot::store::Store,
    telegram: Option<b12bot::health::Heartbeat>,
) -> b12bot::console::Setup {
    b12bot::console::Setup {
        faq: faq.to_path_buf(),
        draft: settings.data_dir.join("console-draft"),
        config,
        handle,
        store,
        telegram,
    }
}

/// Reloads the FAQ when its files change (a console publish reloads by itself too).
fn watch_faq(
    faq: &Path,
    config: EngineConfig,
    engine: &b12bot::handle::EngineHandle,
) -> Option<b12bot::reload::WatchGuard> {
    b12bot::reload::watch(faq.to_path_buf(), config, engine.clone(), |o| {
        if let b12bot::reload::Outcome::Refused(errors) = o {
            for e in &errors.0 {
                log::warn!("FAQ edit refused: {e}");
            }
        }
    })
    .map_err(|e| log::warn!("cannot watch {} for edits: {e}", faq.display()))
    .ok()
}

fn add_user(store: &b12bot::store::Store, name: &str, role: StaffRole) -> Result<()> {
    let role = match role {
        StaffRole::Viewer => b12bot::store::Role::Viewer,
        StaffRole::Editor => b12bot::store::Role::Editor,
        StaffRole::Reviewer => b12bot::store::Role::Reviewer,
    };
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    b12bot::console::add_user(store, name, role, password)?;
    println!("staff user {name} ({}) saved", role.as_str());
    Ok(())
}

fn existing_store(config: Option<&Path>) -> Result<b12bot::store::Store> {
    let config = b12bot::config::Config::load(config)
        .map_err(|e| anyhow::anyhow!("the configuration has errors:\n{e}"))?;
    let path = config.database_path();
    // Opening creates a missing database; working on an empty one from a wrong folder
    // would mislead.
    if !path.exists() {
        bail!(
            "no database at {}: run this where the bot runs, or pass --config (or set \
             B12BOT_DATA_DIR) to the bot's configuration",
            path.display()
        );
    }
    Ok(b12bot::store::Store::open_file(&path)?)
}

fn forget(chat_id: i64, config: Option<&Path>) -> Result<()> {
    let c = existing_store(config)?.forget_chat(chat_id)?;
    println!(
        "removed: {} tickets, {} ticket messages, {} outbox messages, {} update records, {} preferences",
        c.tickets, c.messages, c.outbox, c.updates, c.prefs
    );
    Ok(())
}

fn report(days: u32, format: ReportFormat, config: Option<&Path>) -> Result<()> {
    let store = existing_store(config)?;
    let now = b12bot::time::now();
    let since = now - i64::from(days) * 86_400;
    let report = b12bot::report::Report::build(&store.questions_since(since)?, since, now);
    match format {
        ReportFormat::Md => print!("{}", report.to_markdown()),
        ReportFormat::Csv => print!("{}", report.to_csv()),
        ReportFormat::Json => println!("{}", report.to_json()),
    }
    Ok(())
}

fn load(dir: &Path, config: EngineConfig, sem: &SemanticSetup) -> Result<Engine> {
    let faq = faq::load_dir(dir)
        .map_err(|e| anyhow::anyhow!("the FAQ in {} has errors:\n{e}", dir.display()))?;
    log::info!("FAQ loaded: {} entries", faq.entries.len());
    Ok(sem.engine(faq, config))
}

fn retention(path: Option<&Path>) -> Result<()> {
    let settings =
        b12bot::config::Config::load(path).map_err(|e| anyhow::anyhow!("configuration:\n{e}"))?;
    // Like forget and report: never create a database where the bot does not run.
    let store = existing_store(path)?;
    let now = b12bot::time::now();
    let c = store.retention(now, settings.retention_days)?;
    println!(
        "retention ({} days): deleted {} ticket messages, {} outbox messages, {} update \
         records; unlinked {} tickets from their chat",
        settings.retention_days, c.messages, c.outbox, c.updates, c.tickets_unlinked
    );
    Ok(())
}

fn check(
    dir: &Path,
    format: Format,
    table: bool,
    config: EngineConfig,
    sem: &SemanticSetup,
) -> Result<()> {
    let mut status = review::Status {
        table,
        ..review::Status::default()
    };
    let (mut errors, warnings) = match faq::load_dir(dir) {
        Ok(faq) => {
            status.loaded = Some((faq.entries.len(), faq.texts.map.len()));
            status.unreviewed = review::unreviewed(&faq);
            status.figures = review::readability_of(&faq).0;
            let engine = sem.engine(faq, config);
            let mut warnings = review::review(engine.faq(), &engine, today());
            review::place(&mut warnings, |file| std::fs::read_to_string(file).ok());
            (Vec::new(), warnings)
        }
        Err(faq::LoadErrors(errors)) => (errors, Vec::new()),
    };
    // The Telegram door's texts: one missing from the edited file is an error here, not a
    // silent fallback to the shipped wording at run time.
    let texts = dir.join(faq::TEXTS_FILE);
    if let Ok(text) = std::fs::read_to_string(&texts) {
        errors.extend(b12bot::telegram::texts::missing(&texts, &text));
    }
    match format {
        Format::Text => print!("{}", review::to_text(dir, &errors, &warnings, &status)),
        Format::Json => println!("{}", review::to_json(&errors, &warnings, &status)),
    }
    if !errors.is_empty() {
        bail!("{} is not a valid FAQ folder", dir.display());
    }
    Ok(())
}

/// Today's date (UTC) from the system clock, for the review-date check.
fn today() -> review::Date {
    review::date_from_unix_days(b12bot::time::now().div_euclid(86_400))
}

fn ask(engine: &Engine, json: bool, questions: Vec<String>) -> Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut answer_one = |q: &str| -> Result<()> {
        let a = engine.answer(q, &Context::default());
        if json {
            // The answer contract, plus the engine's calibrated confidence (0..1).
            let mut v = serde_json::to_value(&a)?;
            v["confidence"] = serde_json::json!((f64::from(a.score) * 1000.0).round() / 1000.0);
            writeln!(out, "{}", serde_json::to_string(&v)?)?;
        } else {
            writeln!(out, "{}\n", render(engine, &a))?;
        }
        Ok(())
    };
    if questions.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line.context("reading a question from stdin")?;
            if !line.trim().is_empty() {
                answer_one(&line)?;
            }
        }
    } else {
        for q in &questions {
            answer_one(q)?;
        }
    }
    Ok(())
}

/// An answer as plain text for the terminal, with its follow-up choices numbered.
fn render(engine: &Engine, a: &Answer) -> String {
    let mut s = a.reply.clone();
    if a.intent == Intent::Faq && !a.related.is_empty() {
        s.push_str(&format!("\n\n{}", engine.text("related_intro", a.lang)));
        for (n, id) in a.related.iter().enumerate() {
            s.push_str(&format!(
                "\n  [{}] {}",
                n + 1,
                engine.title(id, a.lang).unwrap_or(id)
            ));
        }
    }
    s
}

fn chat(engine: &Engine) -> Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut lang: Option<Lang> = None;
    let mut choices: Vec<String> = Vec::new();
    println!("{}\n", engine.text("greeting", Lang::Nl));
    println!("(Type a question; a number picks a topic offered; Ctrl-D or 'quit' stops.)");
    loop {
        print!("> ");
        out.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "quit" || line == "exit" {
            break;
        }
        let picked = line
            .parse::<usize>()
            .ok()
            .and_then(|n| choices.get(n.wrapping_sub(1)));
        let a = match picked {
            Some(id) => engine
                .answer_topic(id, lang.unwrap_or(Lang::Nl))
                .expect("offered topics exist"),
            None => engine.answer(line, &Context { lang_hint: lang }),
        };
        lang = Some(a.lang);
        choices = match a.intent {
            Intent::Clarify => a.suggestions.clone(),
            Intent::Faq => a.related.clone(),
            _ => Vec::new(),
        };
        println!("\n{}\n", render(engine, &a));
    }
    Ok(())
}

fn run_eval(engine: &Engine, file: &Path, min: Option<f64>, strict_safety: bool) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cases = eval::parse_cases(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let outcomes = eval::run(engine, &cases);
    print!("{}", eval::report(&outcomes));
    let acc = eval::accuracy(&outcomes);
    if let Some(min) = min
        && acc < min
    {
        bail!("overall accuracy {acc:.3} is below the required {min:.2}");
    }
    if strict_safety {
        let wrong = eval::safety_misses(&outcomes);
        if !wrong.is_empty() {
            bail!("safety cases wrong: {}", wrong.join(", "));
        }
    }
    Ok(())
}
