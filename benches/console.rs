//! Speed of the staff console's pages: `cargo bench --bench console`.
//!
//! The console's router in-process (no network, as a reverse proxy would hand it requests),
//! over a copy of the shipped FAQ, with the sentence encoder as `serve` runs it, a staff
//! member logged in and a week of logged questions in the database. Each benchmark is one
//! request and its whole response body: `/topics`, an entry's editor, the test pane (the
//! message answered by the published FAQ and by the draft, with `explain`), the report and
//! its charts, the inbox, `/metrics`. The target is under 20 ms median per page.

use axum::body::Body;
use axum::http::{Request, header};
use b12bot::console::{Setup, add_user, router};
use b12bot::encoder::{self, Encoder};
use b12bot::engine::{Engine, EngineConfig, Intent};
use b12bot::handle::engine_handle;
use b12bot::report::QuestionRecord;
use b12bot::semantic::Model;
use b12bot::store::{Role, Store};
use b12bot::text::Lang;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "a long bench password";

fn copy_faq(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq");
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
    }
}

struct Response {
    status: u16,
    cookies: Vec<String>,
    body: String,
}

async fn send(app: &axum::Router, req: Request<Body>) -> Response {
    let res = app.clone().oneshot(req).await.unwrap();
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    Response {
        status,
        cookies,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn csrf(body: &str) -> String {
    let key = r#"name="csrf" value=""#;
    let rest = &body[body.find(key).expect("a form") + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

/// Logs `name` in: the cookie header of the session, and a CSRF token for its forms.
async fn log_in(app: &axum::Router, name: &str) -> (String, String) {
    let form = send(app, get("/login", "")).await;
    let pre = form.cookies.join("; ");
    let body = format!(
        "csrf={}&name={name}&password={}",
        csrf(&form.body),
        PASSWORD.replace(' ', "+")
    );
    let ok = send(app, post("/login", &pre, &body)).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let cookie = ok.cookies.join("; ");
    let topics = send(app, get("/topics", &cookie)).await;
    (cookie, csrf(&topics.body))
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let faq = tmp.path().join("faq");
    copy_faq(&faq);
    let store = Store::open(&tmp.path().join("data")).unwrap();
    add_user(&store, "rita", Role::Reviewer, PASSWORD).unwrap();
    // A week of questions: what the report and the inbox group and draw.
    let now = b12bot::time::now();
    let asked = [
        ("wat is vitamine b12", Intent::Faq, Some("what-is-b12")),
        (
            "mag ik met een b12 tekort autorijden",
            Intent::NoMatch,
            None,
        ),
        ("hoe vaak moet ik prikken", Intent::Faq, Some("treatment")),
        ("waar kan ik parkeren", Intent::NoMatch, None),
        ("wordt het vergoed", Intent::Faq, Some("insurance")),
    ];
    for i in 0..700 {
        let (text, intent, topic) = asked[i % asked.len()];
        let q = QuestionRecord {
            text: text.into(),
            intent,
            topic: topic.map(String::from),
            score: 0.5,
            lang: Lang::Nl,
        };
        store.log_question(now - (i as i64) * 864, &q).unwrap();
    }
    let enc = Arc::new(Encoder::load(&encoder::default_dir()).expect("model loads"));
    let engine = Engine::new(
        b12bot::faq::load_dir(&faq).unwrap(),
        EngineConfig::default(),
    )
    .with_semantic(Arc::new(Model::new(enc)));
    let app = router(
        Setup {
            faq: faq.clone(),
            draft: tmp.path().join("data/console-draft"),
            config: EngineConfig::default(),
            handle: engine_handle(engine),
            store: store.clone(),
            telegram: None,
        },
        false,
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (cookie, token) = rt.block_on(log_in(&app, "rita"));
    let test_form =
        format!("csrf={token}&message=mijn+b12+was+180+pmol%2Fl%2C+moet+ik+naar+de+huisarts");

    let mut group = c.benchmark_group("console");
    for path in [
        "/topics",
        "/topics/insurance",
        "/report",
        "/inbox",
        "/metrics",
    ] {
        // The first view after a start pays the draft's `check` once; pages reuse it after.
        assert_eq!(
            rt.block_on(send(&app, get(path, &cookie))).status,
            200,
            "{path}"
        );
        group.bench_function(path.trim_start_matches('/'), |b| {
            b.iter(|| black_box(rt.block_on(send(&app, get(path, &cookie))).body.len()))
        });
    }
    let first = rt.block_on(send(&app, post("/test", &cookie, &test_form)));
    assert_eq!(first.status, 200, "{}", first.body);
    group.bench_function("test_pane", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(send(&app, post("/test", &cookie, &test_form)))
                    .body
                    .len(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
