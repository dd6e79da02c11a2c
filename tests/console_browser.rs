//! The staff console in a real browser: headless Chromium driven through ChromeDriver (both
//! Debian packages; `.ci/run` installs them) with `fantoccini`. One browser session for the
//! whole story, to keep the suite quick on two cores: log in, fix a broken entry with the
//! inline errors, see the draft in the test pane, publish, see the live answer change; a
//! viewer cannot publish; a POST without a CSRF token is refused. Screenshots of the main
//! pages go to the test's temporary target folder (`docs/console-*.png` were taken so).

use crate::console::{PASSWORD, console};
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

/// The text of the first element matching `css`, waiting (up to 10 s) for the page that a
/// click started to load.
async fn text(client: &Client, css: &str) -> String {
    match client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e.text().await.unwrap(),
        Err(e) => {
            shot(client, "failure").await;
            let source = client.source().await.unwrap_or_default();
            panic!("{css}: {e}\n{source}");
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

async fn login(client: &Client, base: &str, name: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    set(client, "name", name).await;
    set(client, "password", PASSWORD).await;
    click(client, "login").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_fix_test_and_publish_an_entry_in_a_real_browser() {
    let c = console();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = c.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let profile = tempfile::tempdir().unwrap();
    let (_driver, client) = browser(profile.path()).await;
    let question = "mag ik met een b12 tekort autorijden";

    login(&client, &base, "rita").await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/topics")
    );
    assert!(text(&client, "p.ok").await.contains("passes check"));
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

    // Fix it, with a new question; the test pane shows the draft answering it.
    client
        .goto(&format!("{base}/topics/insurance"))
        .await
        .unwrap();
    set(&client, "answer_en", &answer_en).await;
    let questions = value(&client, "questions_nl").await;
    set(&client, "questions_nl", &format!("{questions}\n{question}")).await;
    let keywords = value(&client, "keywords_nl").await;
    set(&client, "keywords_nl", &format!("{keywords}\nautorijden")).await;
    click(&client, "save").await;
    assert!(text(&client, "#saved").await.contains("Saved"));
    client.goto(&format!("{base}/test")).await.unwrap();
    set(&client, "message", question).await;
    click(&client, "try").await;
    assert_eq!(text(&client, "#draft td.topic").await, "insurance");
    assert_ne!(text(&client, "#live td.topic").await, "insurance");
    shot(&client, "test-pane").await;

    // Publish: the running engine answers the new way.
    client.goto(&format!("{base}/topics")).await.unwrap();
    click(&client, "publish").await;
    assert!(text(&client, "#published").await.contains("is live"));
    assert_eq!(c.live_topic(question).as_deref(), Some("insurance"));
    client.goto(&format!("{base}/test")).await.unwrap();
    set(&client, "message", question).await;
    click(&client, "try").await;
    assert_eq!(text(&client, "#live td.topic").await, "insurance");

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
    let versions = c.store.faq_versions().unwrap().len();

    // A viewer reads the report but cannot reach the editor or publish.
    client
        .find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
    assert_eq!(c.store.faq_versions().unwrap().len(), versions);
    // Ending the session is tidying up, not behaviour: on a loaded two-core machine
    // ChromeDriver may not answer it in time, and `Driver`'s drop ends the browser anyway.
    let _ = client.close().await;
}
