//! The staff console over HTTP (the router in-process, no network): login and its limit,
//! sessions and CSRF, roles, the editor's inline errors, publishing through check and the
//! reload path, versions and restore, concurrent saves, `/metrics` and `/readyz`.

use crate::support::copy_faq;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use b12bot::console::{Setup, add_user, router};
use b12bot::engine::{Context, Engine, EngineConfig};
use b12bot::handle::engine_handle;
use b12bot::store::{Role, Store};
use std::collections::HashMap;
use tower::ServiceExt;

pub(crate) const PASSWORD: &str = "a long test password";

pub(crate) struct Console {
    pub app: axum::Router,
    pub store: Store,
    pub handle: b12bot::handle::EngineHandle,
    pub faq: std::path::PathBuf,
    _tmp: tempfile::TempDir,
}

impl Console {
    /// The topic the running engine (the one Telegram answers with) gives `question`.
    pub(crate) fn live_topic(&self, question: &str) -> Option<String> {
        self.handle
            .load()
            .answer(question, &Context::default())
            .faq_id
    }
}

pub(crate) fn console() -> Console {
    console_with(None)
}

fn console_with(telegram: Option<b12bot::health::Heartbeat>) -> Console {
    let (tmp, faq) = copy_faq();
    let store = Store::open(&tmp.path().join("data")).unwrap();
    for (name, role) in [
        ("rita", Role::Reviewer),
        ("ed", Role::Editor),
        ("vic", Role::Viewer),
    ] {
        add_user(&store, name, role, PASSWORD).unwrap();
    }
    let engine = Engine::new(
        b12bot::faq::load_dir(&faq).unwrap(),
        EngineConfig::default(),
    );
    let handle = engine_handle(engine);
    let app = router(
        Setup {
            faq: faq.clone(),
            draft: tmp.path().join("data/console-draft"),
            config: EngineConfig::default(),
            handle: handle.clone(),
            store: store.clone(),
            telegram,
        },
        false,
    )
    .unwrap();
    Console {
        app,
        store,
        handle,
        faq,
        _tmp: tmp,
    }
}

/// A browser's worth of state: cookies.
#[derive(Default)]
struct Browser {
    cookies: HashMap<String, String>,
}

struct Page {
    status: StatusCode,
    body: String,
    location: Option<String>,
}

impl Page {
    fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a form with a CSRF token");
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Browser {
    async fn send(&mut self, app: &axum::Router, req: Request<Body>) -> Page {
        let res = app.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            assert!(v.contains("HttpOnly"), "{v}");
            assert!(v.contains("SameSite=Strict"), "{v}");
            self.cookies.insert(k.to_string(), val.to_string());
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        Page {
            status,
            body: String::from_utf8(body.to_vec()).unwrap(),
            location,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, app: &axum::Router, path: &str) -> Page {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(app, req).await
    }

    async fn post(&mut self, app: &axum::Router, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(app, req).await
    }

    async fn login(&mut self, app: &axum::Router, name: &str, password: &str) -> Page {
        let form = self.get(app, "/login").await;
        let csrf = form.csrf();
        self.post(
            app,
            "/login",
            &[("csrf", &csrf), ("name", name), ("password", password)],
        )
        .await
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn login_sessions_and_the_wrong_password_limit() {
    let c = console();
    let mut b = Browser::default();
    assert_eq!(
        b.get(&c.app, "/topics").await.location.as_deref(),
        Some("/login")
    );
    let ok = b.login(&c.app, "ed", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get(&c.app, "/topics").await.status, StatusCode::OK);

    // Five wrong passwords for a name: the sixth attempt is refused even with the right one.
    let mut m = Browser::default();
    for _ in 0..5 {
        assert_eq!(
            m.login(&c.app, "rita", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = m.login(&c.app, "rita", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("Too many wrong passwords"));
    // Another name is not locked by them.
    assert_eq!(
        m.login(&c.app, "vic", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // No password is stored, only its Argon2id hash.
    let (hash, _) = c.store.staff_user("rita").unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn posts_without_session_or_csrf_and_viewers_publishing_are_refused() {
    let c = console();
    let mut anon = Browser::default();
    anon.get(&c.app, "/login").await;
    // The login form itself needs its CSRF token.
    let no_token = anon
        .post(
            &c.app,
            "/login",
            &[("name", "rita"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        anon.post(&c.app, "/publish", &[("csrf", "x")]).await.status,
        StatusCode::FORBIDDEN
    );

    let mut rita = Browser::default();
    rita.login(&c.app, "rita", PASSWORD).await;
    assert_eq!(
        rita.post(&c.app, "/publish", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rita.post(&c.app, "/publish", &[("csrf", "forged")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let mut vic = Browser::default();
    vic.login(&c.app, "vic", PASSWORD).await;
    let report = vic.get(&c.app, "/report").await;
    assert_eq!(report.status, StatusCode::OK);
    let csrf = report.csrf();
    assert_eq!(
        vic.get(&c.app, "/topics").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post(&c.app, "/publish", &[("csrf", &csrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // An editor drafts but does not publish.
    let mut ed = Browser::default();
    ed.login(&c.app, "ed", PASSWORD).await;
    let csrf = ed.get(&c.app, "/topics").await.csrf();
    assert_eq!(
        ed.post(&c.app, "/publish", &[("csrf", &csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(c.store.faq_versions().unwrap().is_empty());
}

/// The editor's form as the page shows it, as (name, value) pairs.
fn form_values(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in [
        "title_nl",
        "title_en",
        "questions_nl",
        "questions_en",
        "keywords_nl",
        "keywords_en",
        "answer_nl",
        "answer_en",
        "related",
        "source",
        "reviewed_by",
        "reviewed_on",
    ] {
        let text_input = format!(r#"name="{field}" value=""#);
        let area = format!(r#"name="{field}" rows="6">"#);
        let value = if let Some(i) = body.find(&text_input) {
            let s = &body[i + text_input.len()..];
            s[..s.find('"').unwrap()].to_string()
        } else if let Some(i) = body.find(&area) {
            let s = &body[i + area.len()..];
            s[..s.find("</textarea>").unwrap()].to_string()
        } else {
            panic!("no field {field}");
        };
        out.push((field.to_string(), unescape(&value)));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn save(b: &mut Browser, c: &Console, page: &Page, change: &[(&str, &str)]) -> Page {
    let mut fields = form_values(&page.body);
    for (k, v) in change {
        fields.iter_mut().find(|(n, _)| n == k).unwrap().1 = v.to_string();
    }
    let base = {
        let key = r#"name="base" value=""#;
        let i = page.body.find(key).unwrap();
        let s = &page.body[i + key.len()..];
        s[..s.find('"').unwrap()].to_string()
    };
    let csrf = page.csrf();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("csrf", &csrf));
    form.push(("base", &base));
    b.post(&c.app, "/topics/insurance", &form).await
}

#[tokio::test]
async fn a_broken_draft_shows_inline_errors_and_is_not_published_then_the_fix_goes_live() {
    let c = console();
    let question = "mag ik met een b12 tekort autorijden";
    let mut rita = Browser::default();
    rita.login(&c.app, "rita", PASSWORD).await;
    let page = rita.get(&c.app, "/topics/insurance").await;
    assert_eq!(page.status, StatusCode::OK);

    // An empty English answer: saved to the draft, shown at its field, not publishable.
    let broken = save(&mut rita, &c, &page, &[("answer_en", "")]).await;
    assert_eq!(broken.status, StatusCode::OK, "{}", broken.body);
    assert!(
        broken.body.contains(r#"id="error-answer_en""#),
        "{}",
        broken.body
    );
    let before = std::fs::read_to_string(c.faq.join("insurance.toml")).unwrap();
    let refused = rita
        .post(&c.app, "/publish", &[("csrf", &broken.csrf())])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        std::fs::read_to_string(c.faq.join("insurance.toml")).unwrap(),
        before
    );

    // Fixed, with a new question; the test pane shows the draft answering it.
    let original = form_values(&page.body);
    let answer_en = &original.iter().find(|(k, _)| k == "answer_en").unwrap().1;
    let questions_nl = format!(
        "{}\n{question}",
        original
            .iter()
            .find(|(k, _)| k == "questions_nl")
            .unwrap()
            .1
    );
    let keywords_nl = format!(
        "{}\nautorijden",
        original.iter().find(|(k, _)| k == "keywords_nl").unwrap().1
    );
    let fixed = save(
        &mut rita,
        &c,
        &broken,
        &[
            ("answer_en", answer_en),
            ("questions_nl", &questions_nl),
            ("keywords_nl", &keywords_nl),
        ],
    )
    .await;
    assert!(fixed.body.contains(r#"id="saved""#), "{}", fixed.body);
    assert!(!fixed.body.contains("class=\"err\""), "{}", fixed.body);
    let pane = rita
        .post(
            &c.app,
            "/test",
            &[("csrf", &fixed.csrf()), ("message", question)],
        )
        .await;
    let draft = &pane.body[pane.body.find(r#"id="draft""#).unwrap()..];
    assert!(
        draft.contains(r#"<td class="topic">insurance</td>"#),
        "{draft}"
    );
    assert_ne!(c.live_topic(question).as_deref(), Some("insurance"));

    // Published: live through the reload path, versioned with a diff.
    let published = rita
        .post(&c.app, "/publish", &[("csrf", &fixed.csrf())])
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(c.live_topic(question).as_deref(), Some("insurance"));
    let versions = c.store.faq_versions().unwrap();
    assert_eq!(versions.len(), 2, "the folder as found, then the publish");
    assert!(
        versions[0]
            .diff
            .lines()
            .any(|l| l.starts_with('+') && l.contains(question)),
        "{}",
        versions[0].diff
    );
    assert_eq!(versions[0].author, "rita");

    // Restoring the first version puts the old FAQ back in one step.
    let restored = rita
        .post(
            &c.app,
            &format!("/versions/{}/restore", versions[1].id),
            &[("csrf", &fixed.csrf())],
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(
        std::fs::read_to_string(c.faq.join("insurance.toml")).unwrap(),
        before
    );
    assert_ne!(c.live_topic(question).as_deref(), Some("insurance"));
}

#[tokio::test]
async fn the_second_of_two_concurrent_saves_is_refused() {
    let c = console();
    let mut ed = Browser::default();
    ed.login(&c.app, "ed", PASSWORD).await;
    let mut rita = Browser::default();
    rita.login(&c.app, "rita", PASSWORD).await;
    let ed_page = ed.get(&c.app, "/topics/insurance").await;
    let rita_page = rita.get(&c.app, "/topics/insurance").await;
    let first = save(&mut ed, &c, &ed_page, &[("title_en", "Insurance (first)")]).await;
    assert!(first.body.contains(r#"id="saved""#));
    let second = save(
        &mut rita,
        &c,
        &rita_page,
        &[("title_en", "Insurance (second)")],
    )
    .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(
        second.body.contains("Insurance (first)"),
        "their version is shown"
    );
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text() {
    let c = console();
    // Two updates recorded, one answered; three messages waiting, one delivered.
    for id in [1, 2] {
        c.store.record_update(id, Some(7), "{}", 100).unwrap();
    }
    c.store.answer_update(1, 101, &[]).unwrap();
    for n in 0..3 {
        let m = b12bot::store::Outbound::text(7 + n, "x", format!("m{n}"));
        c.store.enqueue(&m, 100).unwrap();
    }
    let due = c.store.outbox_due(100, 1).unwrap();
    assert!(c.store.mark_delivered(due[0].id, 1).unwrap());
    let mut b = Browser::default();
    let page = b.get(&c.app, "/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    let lines = page.body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let names: Vec<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    for name in [
        "b12bot_answers_total",
        "b12bot_no_match_total",
        "b12bot_reloads_total",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let gauge = |name: &str| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) => v,
                ref other => panic!("{name} is not a gauge: {other:?}"),
            })
    };
    assert_eq!(gauge("b12bot_update_backlog"), Some(1.0), "{}", page.body);
    assert_eq!(gauge("b12bot_outbox_backlog"), Some(2.0), "{}", page.body);
    assert!(!page.body.contains(PASSWORD));
}

#[tokio::test]
async fn readyz_turns_unready_when_the_database_cannot_be_written() {
    let c = console();
    let mut b = Browser::default();
    assert_eq!(b.get(&c.app, "/healthz").await.status, StatusCode::OK);
    assert_eq!(b.get(&c.app, "/readyz").await.status, StatusCode::OK);
    let db = c.store.path().to_path_buf();
    let wal = db.with_extension("sqlite-wal");
    let files: Vec<_> = [db, wal].into_iter().filter(|p| p.exists()).collect();
    let chattr = |flag: &str| {
        std::process::Command::new("chattr")
            .arg(flag)
            .args(&files)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !chattr("+i") {
        eprintln!("SKIPPED: chattr +i is unavailable here; cannot make the database unwritable");
        return;
    }
    let unready = b.get(&c.app, "/readyz").await;
    chattr("-i");
    assert_eq!(
        unready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        unready.body
    );
    assert!(unready.body.contains("database not writable"));
    assert_eq!(b.get(&c.app, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn readyz_needs_telegram_reached_within_a_minute_when_the_bot_runs_too() {
    let beat = b12bot::health::Heartbeat::default();
    let c = console_with(Some(beat.clone()));
    let mut b = Browser::default();
    let never = b.get(&c.app, "/readyz").await;
    assert_eq!(never.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(never.body.contains("Telegram"), "{}", never.body);
    beat.beat(b12bot::time::now() - 61);
    assert_eq!(
        b.get(&c.app, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    beat.beat(b12bot::time::now());
    assert_eq!(b.get(&c.app, "/readyz").await.status, StatusCode::OK);
}

#[test]
fn add_user_reads_the_password_from_stdin_and_stores_only_its_hash() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    let data = tmp.path().join("data");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", data.display().to_string()),
    )
    .unwrap();
    let run = |password: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_b12bot"))
            .args([
                "console", "add-user", "nina", "--role", "editor", "--config",
            ])
            .arg(&config)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let ok = run(PASSWORD);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let (hash, role) = Store::open(&data)
        .unwrap()
        .staff_user("nina")
        .unwrap()
        .unwrap();
    assert_eq!(role, Role::Editor);
    assert!(hash.starts_with("$argon2id$"));
    for out in [&ok.stdout, &ok.stderr] {
        assert!(!String::from_utf8_lossy(out).contains(PASSWORD));
    }
}

#[tokio::test]
async fn the_report_page_draws_the_report_numbers_as_charts() {
    use b12bot::engine::Intent;
    use b12bot::report::QuestionRecord;
    use b12bot::text::Lang;
    let c = console();
    let now = b12bot::time::now();
    let record = |text: &str, intent: Intent, topic: Option<&str>| QuestionRecord {
        text: text.into(),
        intent,
        topic: topic.map(str::to_string),
        score: 0.5,
        lang: Lang::Nl,
    };
    // Two days ago: two questions, one unanswered; today: three, one unanswered, one 👍.
    let two_days_ago = now - 2 * 86_400;
    c.store
        .log_question(two_days_ago, &record("a", Intent::Faq, Some("mma-test")))
        .unwrap();
    c.store
        .log_question(two_days_ago, &record("zzz", Intent::NoMatch, None))
        .unwrap();
    let liked = c
        .store
        .log_question(now, &record("b", Intent::Faq, Some("mma-test")))
        .unwrap();
    c.store.set_feedback(liked, true).unwrap();
    c.store
        .log_question(now, &record("c", Intent::Faq, Some("treatment")))
        .unwrap();
    c.store
        .log_question(now, &record("yyy", Intent::Clarify, None))
        .unwrap();

    let mut vic = Browser::default();
    vic.login(&c.app, "vic", PASSWORD).await;
    let page = vic.get(&c.app, "/report").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for id in [
        "chart-days",
        "chart-intents",
        "chart-topics",
        "chart-feedback",
    ] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    assert!(body.matches("<svg").count() >= 4);
    // The day columns carry the same numbers as the report.
    let day = |unix: i64| b12bot::report::date(unix);
    for (unix, questions, unanswered) in [(two_days_ago, 2, 1), (now, 3, 1)] {
        assert!(
            body.contains(&format!(
                "data-day=\"{}\" data-value=\"{questions}\"",
                day(unix)
            )),
            "{} {questions}: {body}",
            day(unix)
        );
        assert!(
            body.contains(&format!(
                "{}: {questions} questions, {unanswered} unanswered",
                day(unix)
            )),
            "{body}"
        );
    }
    // Intents and topics as bars: faq 3, mma-test asked twice with one 👍.
    assert!(body.contains("<title>faq: 3</title>"), "{body}");
    assert!(body.contains("<title>mma-test: 2</title>"), "{body}");
    assert!(body.contains("<title>mma-test 👍: 1</title>"), "{body}");
    // And the CLI report's own text is beneath, with the same per-day line.
    assert!(
        body.contains(&format!("| {} | 3 | 1 | 33 % |", day(now))),
        "{body}"
    );
}

#[tokio::test]
async fn the_inbox_turns_unanswered_questions_into_draft_changes_checked_in_the_test_pane() {
    use b12bot::engine::Intent;
    use b12bot::report::QuestionRecord;
    use b12bot::text::Lang;
    let c = console();
    let now = b12bot::time::now();
    for text in [
        "flurbo gnarp wizzle",
        "qwopp zing blarf",
        "plimf plamf plomf",
    ] {
        let q = QuestionRecord {
            text: text.into(),
            intent: Intent::NoMatch,
            topic: None,
            score: 0.1,
            lang: Lang::Nl,
        };
        c.store.log_question(now - 60, &q).unwrap();
    }
    let mut ed = Browser::default();
    ed.login(&c.app, "ed", PASSWORD).await;
    let inbox = ed.get(&c.app, "/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    for text in [
        "flurbo gnarp wizzle",
        "qwopp zing blarf",
        "plimf plamf plomf",
    ] {
        assert!(inbox.body.contains(text), "{text}: {}", inbox.body);
    }
    assert!(inbox.body.contains(r#"<option value="mma-test">"#));
    assert!(inbox.body.contains(r#"<option value="other-vitamins">"#));
    let csrf = inbox.csrf();

    // Add as a question: the test pane shows the draft answering it, the published FAQ not.
    let done = ed
        .post(
            &c.app,
            "/inbox/question",
            &[
                ("csrf", &csrf),
                ("question", "flurbo gnarp wizzle"),
                ("stem", "mma-test"),
                ("lang", "nl"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("inbox-done"), "{}", done.body);
    let (live, draft) = done.body.split_once(r#"id="draft""#).unwrap();
    assert!(
        draft.contains(r#"<td class="topic">mma-test</td>"#),
        "{draft}"
    );
    assert!(
        !live.contains(r#"<td class="topic">mma-test</td>"#),
        "{live}"
    );
    assert_eq!(
        c.live_topic("flurbo gnarp wizzle"),
        None,
        "not live before publishing"
    );

    // Add to out-of-scope, and ignore the third.
    let oos = ed
        .post(
            &c.app,
            "/inbox/out-of-scope",
            &[
                ("csrf", &csrf),
                ("question", "qwopp zing blarf"),
                ("topic", "other-vitamins"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(oos.status, StatusCode::OK, "{}", oos.body);
    assert!(oos.body.contains("Added to out-of-scope other-vitamins"));
    let ignored = ed
        .post(
            &c.app,
            "/inbox/ignore",
            &[("csrf", &csrf), ("question", "plimf plamf plomf")],
        )
        .await;
    assert_eq!(ignored.status, StatusCode::SEE_OTHER);
    let inbox = ed.get(&c.app, "/inbox").await;
    assert!(!inbox.body.contains("plimf plamf plomf"), "{}", inbox.body);
    assert!(inbox.body.contains("flurbo gnarp wizzle"));
    // What only the draft holds says so, and where.
    for (question, at) in [
        ("flurbo gnarp wizzle", "topic mma-test"),
        ("qwopp zing blarf", "out-of-scope other-vitamins"),
    ] {
        let group = &inbox.body[inbox.body.find(question).unwrap()..];
        let group = &group[..group.find("</section>").unwrap()];
        assert!(
            group.contains(&format!("Added to {at} in the draft")),
            "{group}"
        );
    }

    // Refused without the right role or a CSRF token.
    let mut vic = Browser::default();
    vic.login(&c.app, "vic", PASSWORD).await;
    assert_eq!(
        vic.get(&c.app, "/inbox").await.status,
        StatusCode::FORBIDDEN
    );
    let forged = ed
        .post(
            &c.app,
            "/inbox/ignore",
            &[("csrf", "forged"), ("question", "flurbo gnarp wizzle")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Published: the bot answers the new way; the out-of-scope file keeps its comments.
    let mut rita = Browser::default();
    rita.login(&c.app, "rita", PASSWORD).await;
    let csrf = rita.get(&c.app, "/test").await.csrf();
    let published = rita.post(&c.app, "/publish", &[("csrf", &csrf)]).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(
        c.live_topic("flurbo gnarp wizzle").as_deref(),
        Some("mma-test")
    );
    // Published, both are done: the inbox no longer lists them.
    let inbox = ed.get(&c.app, "/inbox").await;
    assert!(
        !inbox.body.contains("flurbo gnarp wizzle"),
        "{}",
        inbox.body
    );
    assert!(!inbox.body.contains("qwopp zing blarf"), "{}", inbox.body);
    assert!(inbox.body.contains(r#"id="empty""#), "{}", inbox.body);
    let file = std::fs::read_to_string(c.faq.join("out-of-scope.toml")).unwrap();
    assert!(
        file.starts_with("# Things this bot must not answer."),
        "{file}"
    );
    assert!(file.contains("\"qwopp zing blarf\""), "{file}");
}
