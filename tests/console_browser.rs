//! The staff console in a real browser: headless Chromium driven through ChromeDriver (both
//! Debian packages; `.ci/run` installs them) with `fantoccini`, against the real
//! `b12bot serve --console` process and the fake Bot API. One browser session for the whole
//! story, to keep the suite quick on two cores: a patient's question goes unanswered and
//! lands in the inbox; staff log in, fix a broken entry with the inline errors, add the
//! question to a topic from the inbox and see the test pane change, publish, and the running
//! bot answers the patient the new way; restoring the earlier version takes it back; a
//! viewer cannot publish; a POST without a CSRF token is refused; five wrong passwords slow
//! the next login down. Screenshots of the main pages go to the test's temporary target
//! folder (`docs/console-*.png` were taken so).

use crate::console::PASSWORD;
use crate::support::fake_bot_api::{FakeBotApi, Patient};
use crate::support::process::BotProcess;
use crate::support::{SOON, TOKEN, copy_faq};
use b12bot::store::{Role, Store};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver(Child);

impl Drop for Driver {
    /// Ends ChromeDriver and the browser it started (its own process group), also when the
    /// test failed before closing the session.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

async fn browser(user_data: &std::path::Path) -> (Driver, Client) {
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"])
        .expect("chromium is not installed (apt-get install -y chromium chromium-driver)");
    let chromedriver = find(&["/usr/bin/chromedriver"])
        .expect("chromedriver is not installed (apt-get install -y chromium-driver)");
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", user_data.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        match builder.capabilities(caps.clone()).connect(&url).await {
            Ok(client) => return (driver, client),
            Err(e) if started.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a browser session: {e}"),
        }
    }
}

async fn set(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
}

async fn value(client: &Client, id: &str) -> String {
    client
        .execute(
            "return document.getElementById(arguments[0]).value;",
            vec![json!(id)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// The text of the first element matching `css`, waiting for the page that a click started
/// to load (up to a minute: the bot under test is a debug build, on two cores shared with
/// the rest of the suite, and a save or the first view checks the whole draft); an element
/// that went stale because that page replaced the one it was found on is looked up again.
async fn text(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = client
            .wait()
            .at_most(deadline.saturating_duration_since(Instant::now()))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(e) => match e.text().await {
                Ok(t) => return t,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{css}: {e}"),
            },
            Err(e) => {
                shot(client, "failure").await;
                let source = client.source().await.unwrap_or_default();
                panic!("{css}: {e}\n{source}");
            }
        }
    }
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn log_out(client: &Client) {
    client
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Done when the login form is there (the next step must not cut the logout short).
    text(client, "input#name").await;
}

async fn login(client: &Client, base: &str, name: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    set(client, "name", name).await;
    set(client, "password", PASSWORD).await;
    click(client, "login").await;
    // Done when the browser left the login page, or it came back with a message: a `goto`
    // before that would cut the login's POST short.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = client
            .current_url()
            .await
            .is_ok_and(|u| u.path() != "/login");
        if left || client.find(Locator::Css("p.err")).await.is_ok() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the login of {name} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the button of the `form_css` form inside the `section` whose `h2` reads `heading`,
/// after setting its `select`s (name, value).
async fn submit_in_section(
    client: &Client,
    heading: &str,
    form_css: &str,
    selects: &[(&str, &str)],
) {
    let found = client
        .execute(
            "const [heading, formCss, selects] = arguments;
             const section = [...document.querySelectorAll('section')]
               .find(s => s.querySelector('h2')?.textContent.trim() === heading);
             if (!section) return false;
             const form = section.querySelector(formCss);
             for (const [name, value] of selects) form.querySelector(`[name=${name}]`).value = value;
             form.querySelector('button').click();
             return true;",
            vec![json!(heading), json!(form_css), json!(selects)],
        )
        .await
        .unwrap();
    assert_eq!(found, json!(true), "no section {heading:?} with {form_css}");
}

/// Sends `text` as `p` and returns the bot's new messages once it answered (and a moment
/// more, for a second message belonging to the same answer).
async fn ask(fake: &FakeBotApi, p: &Patient, text: &str) -> Vec<String> {
    let before = fake.sent_to(p.chat_id()).len();
    fake.send_text(p, text);
    fake.wait_for_messages(p.chat_id(), before + 1, SOON).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    fake.sent_to(p.chat_id())[before..]
        .iter()
        .map(|m| m.text.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_fix_test_and_publish_in_a_real_browser_and_the_running_bot_follows() {
    let question = "kan ik de spuiten meenemen op vakantie naar het buitenland";
    let fake = FakeBotApi::start(TOKEN).await;
    let (tmp, faq) = copy_faq();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    {
        let store = Store::open(&data).unwrap();
        for (name, role) in [
            ("rita", Role::Reviewer),
            ("ed", Role::Editor),
            ("vic", Role::Viewer),
        ] {
            b12bot::console::add_user(&store, name, role, PASSWORD).unwrap();
        }
    }
    let treatment = b12bot::faq::load_dir(&faq)
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.id == "treatment")
        .unwrap();
    let treatment_line = treatment.answer.nl.lines().next().unwrap().to_string();
    let answered_by_treatment =
        |replies: &[String]| replies.iter().any(|r| r.contains(&treatment_line));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let url = fake.url();
    let bot = BotProcess::spawn_with_faq(
        &data,
        &faq,
        None,
        &[
            ("TELOXIDE_TOKEN", TOKEN),
            ("TELOXIDE_API_URL", &url),
            ("B12BOT_CONSOLE", &format!("127.0.0.1:{port}")),
            // No triage desk: the question log the inbox reads is kept all the same.
        ],
        "warn",
    )
    .await;
    fake.wait_polling(SOON).await;

    // A patient asks what the FAQ does not cover yet: it reaches the inbox.
    let patient = Patient::new(4101, "Anna", Some("nl"));
    let before = ask(&fake, &patient, question).await;
    assert!(!answered_by_treatment(&before), "{before:?}");

    let profile = tempfile::tempdir().unwrap();
    let (_driver, client) = browser(profile.path()).await;
    login(&client, &base, "rita").await;
    // The topics page (its first view checks the whole draft) says whether it passes.
    assert!(text(&client, "p.ok").await.contains("passes check"));
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/topics")
    );
    shot(&client, "topics").await;

    // Break the English answer: the error shows at that field, and publishing is refused.
    client
        .goto(&format!("{base}/topics/insurance"))
        .await
        .unwrap();
    let answer_en = value(&client, "answer_en").await;
    set(&client, "answer_en", "").await;
    click(&client, "save").await;
    let error = text(&client, "#error-answer_en").await;
    assert!(!error.is_empty());
    client
        .execute(
            "document.getElementById('answer_nl').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    shot(&client, "editor-inline-error").await;
    client.goto(&format!("{base}/topics")).await.unwrap();
    click(&client, "publish").await;
    assert!(text(&client, "#refused").await.contains("errors"));

    // Fix it.
    client
        .goto(&format!("{base}/topics/insurance"))
        .await
        .unwrap();
    set(&client, "answer_en", &answer_en).await;
    click(&client, "save").await;
    assert!(text(&client, "#saved").await.contains("Saved"));

    // The inbox shows the patient's question; adding it to a topic opens the test pane,
    // where the draft answers it and the published FAQ does not.
    client.goto(&format!("{base}/inbox")).await.unwrap();
    let inbox = text(&client, "main").await;
    assert!(
        inbox.contains(question),
        "{inbox}\nthe bot said: {before:?}"
    );
    shot(&client, "inbox").await;
    submit_in_section(
        &client,
        question,
        "form.add-question",
        &[("stem", "treatment"), ("lang", "nl")],
    )
    .await;
    assert_eq!(text(&client, "#draft td.topic").await, "treatment");
    assert_ne!(text(&client, "#live td.topic").await, "treatment");
    shot(&client, "test-pane").await;

    // Publish: the running bot answers the patient the new way, within seconds.
    client.goto(&format!("{base}/topics")).await.unwrap();
    click(&client, "publish").await;
    assert!(text(&client, "#published").await.contains("is live"));
    let after = ask(&fake, &patient, question).await;
    assert!(answered_by_treatment(&after), "{after:?}");

    // Restore the version from before the console's first publish: the bot follows again.
    client.goto(&format!("{base}/versions")).await.unwrap();
    assert!(text(&client, "h1").await.contains("versions"));
    client
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            vec![],
        )
        .await
        .unwrap();
    // The publish's diff holds the added question.
    assert!(text(&client, "main").await.contains(question));
    shot(&client, "versions").await;
    submit_in_section(&client, "Version 1", "form", &[]).await;
    assert!(text(&client, "#published").await.contains("is live"));
    let restored = ask(&fake, &patient, question).await;
    assert!(!answered_by_treatment(&restored), "{restored:?}");

    // The report page draws the same numbers as `b12bot report`.
    client.goto(&format!("{base}/report")).await.unwrap();
    assert!(text(&client, "h1").await.contains("Report"));
    assert!(client.source().await.unwrap().contains("<svg"));
    shot(&client, "report").await;

    // A POST without the CSRF token is refused, session or not.
    let status = client
        .execute_async(
            "const done = arguments[0];
             fetch('/publish', {method: 'POST', headers: {'Content-Type':
               'application/x-www-form-urlencoded'}, body: ''}).then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));

    // A viewer reads the report but cannot reach the editor or publish.
    log_out(&client).await;
    login(&client, &base, "vic").await;
    client.goto(&format!("{base}/report")).await.unwrap();
    assert!(text(&client, "h1").await.contains("Report"));
    client.goto(&format!("{base}/topics")).await.unwrap();
    assert!(text(&client, "main").await.contains("may not"));
    let status = client
        .execute_async(
            "const done = arguments[0];
             const csrf = document.querySelector('input[name=csrf]').value;
             fetch('/publish', {method: 'POST', headers: {'Content-Type':
               'application/x-www-form-urlencoded'}, body: 'csrf=' + csrf})
               .then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));

    // Five wrong passwords: the next login, even with the right one, is slowed down.
    log_out(&client).await;
    for _ in 0..5 {
        client.goto(&format!("{base}/login")).await.unwrap();
        set(&client, "name", "ed").await;
        set(&client, "password", "not the password").await;
        click(&client, "login").await;
        assert!(
            text(&client, "p.err")
                .await
                .contains("Wrong name or password")
        );
    }
    login(&client, &base, "ed").await;
    assert!(
        text(&client, "p.err")
            .await
            .contains("Too many wrong passwords")
    );
    // Ending the session is tidying up, not behaviour: on a loaded two-core machine
    // ChromeDriver may not answer it in time, and `Driver`'s drop ends the browser anyway.
    let _ = client.close().await;

    bot.signal("TERM");
    let (status, stderr) = bot.exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
    // As found, the publish and the restore; the viewer's attempt added nothing.
    let versions = Store::open(&data).unwrap().faq_versions().unwrap();
    assert_eq!(
        versions.len(),
        3,
        "{:?}",
        versions.iter().map(|v| &v.note).collect::<Vec<_>>()
    );
}
