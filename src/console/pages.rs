//! The console's pages and forms (maud templates, checked at compile time).

use super::App;
use super::auth::{self, LOGIN_COOKIE, Login, SESSION_COOKIE, SESSION_SECONDS};
use super::draft::{self, EntryFile, Published, Saved};
use crate::engine::{Answer, Context};
use crate::handle::AnswerEngine;
use crate::store::{Role, StaffSession};
use crate::text::Lang;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

type Fields = HashMap<String, String>;

pub(super) fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/topics") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/topics", get(topics))
        .route("/topics/{stem}", get(entry_page).post(save_entry))
        .route("/test", get(test_page).post(test_pane))
        .route("/publish", post(publish))
        .route("/versions", get(versions))
        .route("/versions/{id}/restore", post(restore))
        .route("/report", get(report))
        .route("/inbox", get(inbox))
        .route("/inbox/ignore", post(inbox_ignore))
        .route("/inbox/{action}", post(inbox_add))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(app)
}

// ---------------------------------------------------------------------------------------
// Sessions, roles and CSRF

fn cookie(name: &'static str, value: String, app: &App, max_age: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(app.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
}

async fn staff(app: &Arc<App>, jar: &CookieJar) -> Option<StaffSession> {
    let token = jar.get(SESSION_COOKIE)?.value().to_string();
    let store = app.store.clone();
    store
        .call(move |s| s.staff_session(&token, crate::time::now()))
        .await
        .ok()
        .flatten()
}

/// The logged-in staff member, if their role allows `role`'s pages; otherwise the response
/// (to the login page, or 403).
async fn require(app: &Arc<App>, jar: &CookieJar, role: Role) -> Result<StaffSession, Response> {
    match staff(app, jar).await {
        None => Err(Redirect::to("/login").into_response()),
        Some(s) if s.role < role => Err((
            StatusCode::FORBIDDEN,
            page(
                Some(&s),
                "Not allowed",
                html! { p { "Your role (" (s.role.as_str()) ") may not do this." } },
            ),
        )
            .into_response()),
        Some(s) => Ok(s),
    }
}

/// As [`require`], for a POST: also checks the form's CSRF token against the session's.
async fn require_post(
    app: &Arc<App>,
    jar: &CookieJar,
    role: Role,
    form: &Fields,
) -> Result<StaffSession, Response> {
    let Some(s) = staff(app, jar).await else {
        return Err((StatusCode::FORBIDDEN, "no session\n").into_response());
    };
    if form.get("csrf").map(String::as_str) != Some(s.csrf.as_str()) {
        return Err((StatusCode::FORBIDDEN, "missing or wrong CSRF token\n").into_response());
    }
    require(app, jar, role).await
}

fn csrf(s: &StaffSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

// ---------------------------------------------------------------------------------------
// Layout

fn page(who: Option<&StaffSession>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · b12bot console" }
                style { (CSS) }
            }
            body {
                header {
                    strong { "b12bot console" }
                    @if let Some(s) = who {
                        nav {
                            @if s.role >= Role::Editor {
                                a href="/topics" { "Topics" } " "
                                a href="/test" { "Test pane" } " "
                                a href="/inbox" { "Inbox" } " "
                                a href="/versions" { "Versions" } " "
                            }
                            a href="/report" { "Report" } " "
                            form method="post" action="/logout" class="inline" {
                                (csrf(s))
                                button { "Log out " (s.name) " (" (s.role.as_str()) ")" }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
header{background:#0b4f6c;color:#fff;padding:.6em 1em;display:flex;gap:2em;align-items:center}\
header a,header button{color:#fff;background:none;border:0;font:inherit;cursor:pointer;text-decoration:underline}\
main{padding:1em 2em;max-width:80em}.inline{display:inline}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}\
label{display:block;font-weight:600;margin-top:.8em}textarea,input[type=text],input[type=password]{width:100%;box-sizing:border-box}\
.err{color:#b00020;font-weight:600}.warn{color:#8a5a00}.ok{color:#17692f;font-weight:600}\
.cols{display:grid;grid-template-columns:1fr 1fr;gap:2em}pre{white-space:pre-wrap;background:#f5f5f5;padding:.5em}\
.reply{white-space:pre-wrap;border-left:4px solid #0b4f6c;padding:.5em;background:#eef6fa}";

// ---------------------------------------------------------------------------------------
// Login

async fn login_page(State(app): State<Arc<App>>, jar: CookieJar) -> impl IntoResponse {
    let token = auth::token();
    let jar = jar.add(cookie(LOGIN_COOKIE, token.clone(), &app, 600));
    (jar, login_form(&token, None))
}

fn login_form(token: &str, message: Option<&str>) -> Markup {
    page(
        None,
        "Log in",
        html! {
            @if let Some(m) = message { p.err { (m) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(token);
                label for="name" { "Name" }
                input type="text" id="name" name="name" autocomplete="username";
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="current-password";
                p { button id="login" { "Log in" } }
            }
        },
    )
}

async fn login(State(app): State<Arc<App>>, jar: CookieJar, Form(f): Form<Fields>) -> Response {
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string());
    let given = f.get("csrf").cloned();
    if expected.is_none() || expected != given {
        return (StatusCode::FORBIDDEN, "missing or wrong CSRF token\n").into_response();
    }
    let name = f.get("name").cloned().unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let store = app.store.clone();
    let who = name.clone();
    let outcome = store
        .call(move |s| {
            auth::login(s, &who, &password, crate::time::now())
                .map_err(|e| crate::store::StoreError::Task(e.to_string()))
        })
        .await;
    let token = auth::token();
    let jar = jar.add(cookie(LOGIN_COOKIE, token.clone(), &app, 600));
    match outcome {
        Ok(Login::Ok { token: session }) => {
            log::info!("console: staff login");
            let jar = jar.add(cookie(SESSION_COOKIE, session, &app, SESSION_SECONDS));
            (jar, Redirect::to("/topics")).into_response()
        }
        Ok(Login::Wrong) => {
            log::info!("console: a wrong password");
            (
                StatusCode::UNAUTHORIZED,
                jar,
                login_form(&token, Some("Wrong name or password.")),
            )
                .into_response()
        }
        Ok(Login::Locked { seconds }) => {
            log::warn!("console: logins refused for a name after repeated wrong passwords");
            (
                StatusCode::TOO_MANY_REQUESTS,
                jar,
                login_form(
                    &token,
                    Some(&format!(
                        "Too many wrong passwords for this name. Try again in {} minutes.",
                        seconds / 60
                    )),
                ),
            )
                .into_response()
        }
        Err(e) => error(e),
    }
}

async fn logout(State(app): State<Arc<App>>, jar: CookieJar, Form(f): Form<Fields>) -> Response {
    if let Err(r) = require_post(&app, &jar, Role::Viewer, &f).await {
        return r;
    }
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let token = c.value().to_string();
        let _ = app
            .store
            .call(move |s| s.end_staff_session(&token, crate::time::now()))
            .await;
    }
    (
        jar.remove(Cookie::from(SESSION_COOKIE)),
        Redirect::to("/login"),
    )
        .into_response()
}

fn error(e: impl std::fmt::Display) -> Response {
    metrics::counter!("b12bot_errors_total", "where" => "console").increment(1);
    log::error!("console: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error (see the log)\n",
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Topics and the editor

async fn topics(State(app): State<Arc<App>>, jar: CookieJar) -> Response {
    let s = match require(&app, &jar, Role::Editor).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let checked = app.faqs.check(&app.faqs.draft);
    let names = match app.faqs.topic_names() {
        Ok(n) => n,
        Err(e) => return error(e),
    };
    let rows: Vec<(String, String, String, usize, usize)> = names
        .into_iter()
        .map(|stem| {
            let text = app.faqs.draft_text(&stem).unwrap_or_default();
            let e: EntryFile = toml::from_str(&text).unwrap_or_default();
            let file = format!("{stem}.toml");
            let errors = checked
                .errors
                .iter()
                .filter(|x| ends(&x.file, &file))
                .count();
            let warnings = checked
                .warnings
                .iter()
                .filter(|x| ends(&x.file, &file))
                .count();
            (
                stem,
                e.title.nl,
                e.reviewed_on.unwrap_or_else(|| "never".into()),
                errors,
                warnings,
            )
        })
        .collect();
    page(
        Some(&s),
        "Topics (draft)",
        html! {
            @if checked.errors.is_empty() {
                p.ok { "The draft passes check." }
            } @else {
                p.err { "The draft has " (checked.errors.len()) " errors; it cannot be published." }
                ul { @for e in checked.errors.iter().filter(|e| e.line == 0 || e.field.is_none()) { li.err { (e) } } }
            }
            table {
                tr { th { "Topic" } th { "Title" } th { "Last review" } th { "Errors" } th { "Warnings" } }
                @for (stem, title, reviewed, errors, warnings) in &rows {
                    tr {
                        td { a href={ "/topics/" (stem) } { (stem) } }
                        td { (title) }
                        td { (reviewed) }
                        td.err { @if *errors > 0 { (errors) } }
                        td.warn { (warnings) }
                    }
                }
            }
            @if s.role >= Role::Reviewer {
                form method="post" action="/publish" {
                    (csrf(&s))
                    p { button id="publish" { "Publish the draft" } }
                }
            }
        },
    )
    .into_response()
}

fn ends(path: &std::path::Path, file: &str) -> bool {
    path.file_name().and_then(|n| n.to_str()) == Some(file)
}

/// The form's fields: (form name, the check's field name, label, multi-line).
const FIELDS: &[(&str, &str, &str, bool)] = &[
    ("title_nl", "title.nl", "Title (nl)", false),
    ("title_en", "title.en", "Title (en)", false),
    (
        "questions_nl",
        "questions.nl",
        "Questions (nl), one per line",
        true,
    ),
    (
        "questions_en",
        "questions.en",
        "Questions (en), one per line",
        true,
    ),
    (
        "keywords_nl",
        "keywords.nl",
        "Keywords (nl), one per line",
        true,
    ),
    (
        "keywords_en",
        "keywords.en",
        "Keywords (en), one per line",
        true,
    ),
    ("answer_nl", "answer.nl", "Answer (nl)", true),
    ("answer_en", "answer.en", "Answer (en)", true),
    ("related", "related", "Related topics, one per line", true),
    ("source", "source", "Source", false),
    ("reviewed_by", "reviewed_by", "Reviewed by", false),
    (
        "reviewed_on",
        "reviewed_on",
        "Reviewed on (YYYY-MM-DD)",
        false,
    ),
];

fn value_of(e: &EntryFile, field: &str) -> String {
    match field {
        "title_nl" => e.title.nl.clone(),
        "title_en" => e.title.en.clone(),
        "questions_nl" => e.questions.nl.join("\n"),
        "questions_en" => e.questions.en.join("\n"),
        "keywords_nl" => e.keywords.nl.join("\n"),
        "keywords_en" => e.keywords.en.join("\n"),
        "answer_nl" => e.answer.nl.clone(),
        "answer_en" => e.answer.en.clone(),
        "related" => e.related.join("\n"),
        "source" => e.source.clone(),
        "reviewed_by" => e.reviewed_by.clone().unwrap_or_default(),
        "reviewed_on" => e.reviewed_on.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn entry_from(id: String, f: &Fields) -> EntryFile {
    let get = |k: &str| {
        f.get(k)
            .map(|v| v.replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    let lines = |k: &str| -> Vec<String> {
        get(k)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let text = |k: &str| {
        let v = get(k).trim().to_string();
        if v.contains('\n') {
            format!("{v}\n")
        } else {
            v
        }
    };
    let opt = |k: &str| Some(get(k).trim().to_string()).filter(|v| !v.is_empty());
    EntryFile {
        id,
        related: lines("related"),
        source: get("source").trim().to_string(),
        reviewed_by: opt("reviewed_by"),
        reviewed_on: opt("reviewed_on"),
        title: draft::Both {
            nl: text("title_nl"),
            en: text("title_en"),
        },
        questions: draft::BothList {
            nl: lines("questions_nl"),
            en: lines("questions_en"),
        },
        keywords: draft::BothList {
            nl: lines("keywords_nl"),
            en: lines("keywords_en"),
        },
        answer: draft::Both {
            nl: text("answer_nl"),
            en: text("answer_en"),
        },
    }
}

async fn entry_page(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Path(stem): Path<String>,
) -> Response {
    let s = match require(&app, &jar, Role::Editor).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match app.faqs.draft_text(&stem) {
        Ok(text) => editor(&app, &s, &stem, &text, None).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no such topic\n").into_response(),
    }
}

fn editor(app: &App, s: &StaffSession, stem: &str, text: &str, message: Option<Markup>) -> Markup {
    let entry: EntryFile = toml::from_str(text).unwrap_or_default();
    let checked = app.faqs.check(&app.faqs.draft);
    let file = format!("{stem}.toml");
    let at = |field: &str| -> (Vec<String>, Vec<String>) {
        (
            checked
                .errors
                .iter()
                .filter(|e| ends(&e.file, &file) && e.field.as_deref() == Some(field))
                .map(|e| e.message.clone())
                .collect(),
            checked
                .warnings
                .iter()
                .filter(|w| ends(&w.file, &file) && w.field.as_deref() == Some(field))
                .map(|w| w.message.clone())
                .collect(),
        )
    };
    let known: Vec<&str> = FIELDS.iter().map(|f| f.1).collect();
    let other_errors: Vec<String> = checked
        .errors
        .iter()
        .filter(|e| ends(&e.file, &file) && !e.field.as_deref().is_some_and(|f| known.contains(&f)))
        .map(ToString::to_string)
        .collect();
    page(
        Some(s),
        &format!("Topic {stem} (draft)"),
        html! {
            @if let Some(m) = message { (m) }
            @for e in &other_errors { p.err { (e) } }
            form method="post" action={ "/topics/" (stem) } {
                (csrf(s))
                input type="hidden" name="base" value=(draft::fingerprint(text));
                @for (name, field, label, multi) in FIELDS {
                    @let (errors, warnings) = at(field);
                    label for=(name) { (label) }
                    @for e in &errors { div.err id={ "error-" (name) } { (e) } }
                    @for w in &warnings { div.warn { (w) } }
                    @if *multi {
                        textarea id=(name) name=(name) rows="6" { (value_of(&entry, name)) }
                    } @else {
                        input type="text" id=(name) name=(name) value=(value_of(&entry, name));
                    }
                }
                p { button id="save" { "Save draft" } }
            }
        },
    )
}

async fn save_entry(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Path(stem): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    let s = match require_post(&app, &jar, Role::Editor, &f).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(text) = app.faqs.draft_text(&stem) else {
        return (StatusCode::NOT_FOUND, "no such topic\n").into_response();
    };
    let id = toml::from_str::<EntryFile>(&text)
        .map(|e| e.id)
        .unwrap_or_else(|_| stem.clone());
    let entry = entry_from(id, &f);
    let base = f.get("base").cloned().unwrap_or_default();
    match app.faqs.save_entry(&stem, &base, &entry) {
        Ok(Saved::Saved) => {
            log::info!("console: draft of {stem} saved");
            let text = app.faqs.draft_text(&stem).unwrap_or_default();
            editor(
                &app,
                &s,
                &stem,
                &text,
                Some(html! { p.ok id="saved" { "Saved to the draft." } }),
            )
            .into_response()
        }
        Ok(Saved::Conflict) => (
            StatusCode::CONFLICT,
            editor(
                &app,
                &s,
                &stem,
                &text,
                Some(html! { p.err id="conflict" {
                    "Someone else saved this topic after you opened it; your changes were not \
                     saved. Below is their version: apply your change again."
                } }),
            ),
        )
            .into_response(),
        Err(e) => error(e),
    }
}

// ---------------------------------------------------------------------------------------
// The test pane

async fn test_page(State(app): State<Arc<App>>, jar: CookieJar) -> Response {
    match require(&app, &jar, Role::Editor).await {
        Ok(s) => test_view(&app, &s, "", None).into_response(),
        Err(r) => r,
    }
}

async fn test_pane(State(app): State<Arc<App>>, jar: CookieJar, Form(f): Form<Fields>) -> Response {
    match require_post(&app, &jar, Role::Editor, &f).await {
        Ok(s) => {
            let message = f.get("message").map(String::as_str).unwrap_or("");
            test_view(&app, &s, message, None).into_response()
        }
        Err(r) => r,
    }
}

fn test_view(app: &App, s: &StaffSession, message: &str, note: Option<Markup>) -> Markup {
    let live = app.faqs.handle.load();
    let checked = (!message.is_empty()).then(|| app.faqs.check(&app.faqs.draft));
    // The published FAQ and the draft answer the message side by side, on two threads.
    let views = checked.as_ref().map(|checked| {
        std::thread::scope(|scope| {
            let draft = scope.spawn(|| checked.engine.as_ref().map(|e| answer_view(e, message)));
            let live = answer_view(&*live, message);
            // A panic there is the same bug it would be on this thread.
            let draft = draft
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (live, draft)
        })
    });
    page(
        Some(s),
        "Test pane",
        html! {
            @if let Some(note) = note { (note) }
            form method="post" action="/test" {
                (csrf(s))
                label for="message" { "A patient's message" }
                input type="text" id="message" name="message" value=(message);
                p { button id="try" { "Answer" } }
            }
            @if let (Some(checked), Some((live, draft))) = (&checked, views) {
                div.cols {
                    section id="live" {
                        h2 { "Published" }
                        (live)
                    }
                    section id="draft" {
                        h2 { "Draft" }
                        @match draft {
                            Some(view) => (view),
                            None => p.err { "The draft has " (checked.errors.len()) " errors; fix them first." },
                        }
                    }
                }
            }
        },
    )
}

fn answer_view(engine: &dyn AnswerEngine, message: &str) -> Markup {
    let a: Answer = engine.answer(message, &Context::default());
    let buttons: Vec<&String> = a.suggestions.iter().chain(a.related.iter()).collect();
    html! {
        div.reply { (a.reply) }
        table {
            tr { th { "Intent" } td.intent { (a.intent.name()) } }
            tr { th { "Topic" } td.topic { (a.faq_id.as_deref().unwrap_or("-")) } }
            tr { th { "Language" } td { (a.lang.code()) } }
            tr { th { "Score" } td { (format!("{:.2}", a.score)) } }
            tr { th { "Buttons" } td { @for b in &buttons { span { "[" (engine.title(b, a.lang).unwrap_or(b)) "] " } } } }
        }
        details { summary { "Explain" } pre { (engine.explain(message)) } }
    }
}

// ---------------------------------------------------------------------------------------
// Publishing and versions

async fn publish(State(app): State<Arc<App>>, jar: CookieJar, Form(f): Form<Fields>) -> Response {
    let s = match require_post(&app, &jar, Role::Reviewer, &f).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let outcome = app.faqs.publish(&app.store, &s.name);
    published(&s, outcome)
}

async fn restore(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Response {
    let s = match require_post(&app, &jar, Role::Reviewer, &f).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let outcome = app.faqs.restore(&app.store, &s.name, id);
    published(&s, outcome)
}

fn published(s: &StaffSession, outcome: anyhow::Result<Published>) -> Response {
    match outcome {
        Ok(Published::Live { version, entries }) => {
            log::info!("console: FAQ version {version} published ({entries} entries)");
            page(
                Some(s),
                "Published",
                html! { p.ok id="published" { "Version " (version) " is live: " (entries) " topics." } },
            )
            .into_response()
        }
        Ok(Published::Refused(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                Some(s),
                "Not published",
                html! {
                    p.err id="refused" { "The draft has errors; the bot keeps answering from the published FAQ." }
                    ul { @for e in &errors { li { (e) } } }
                },
            ),
        )
            .into_response(),
        Err(e) => error(e),
    }
}

async fn versions(State(app): State<Arc<App>>, jar: CookieJar) -> Response {
    let s = match require(&app, &jar, Role::Editor).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list = match app.store.faq_versions() {
        Ok(l) => l,
        Err(e) => return error(e),
    };
    page(
        Some(&s),
        "Published versions",
        html! {
            @if list.is_empty() { p { "Nothing published from the console yet." } }
            @for v in &list {
                section {
                    h2 { "Version " (v.id) }
                    p { (v.note) " — by " (v.author) " at " (jiff::Timestamp::from_second(v.created_at).map(|t| t.to_string()).unwrap_or_default()) }
                    @if s.role >= Role::Reviewer {
                        form method="post" action={ "/versions/" (v.id) "/restore" } {
                            (csrf(&s))
                            button { "Restore this version" }
                        }
                    }
                    @if !v.diff.is_empty() { details { summary { "Changes" } pre { (v.diff) } } }
                }
            }
        },
    )
    .into_response()
}

// ---------------------------------------------------------------------------------------
// Report

/// The report over the last 30 days, as `b12bot report` builds it.
async fn last_30_days(app: &App) -> anyhow::Result<crate::report::Report> {
    let now = crate::time::now();
    let since = now - 30 * 86_400;
    let store = app.store.clone();
    let records = store.call(move |s| s.questions_since(since)).await?;
    Ok(crate::report::Report::build(&records, since, now))
}

async fn report(State(app): State<Arc<App>>, jar: CookieJar) -> Response {
    let s = match require(&app, &jar, Role::Viewer).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let report = match last_30_days(&app).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    page(
        Some(&s),
        "Report: the last 30 days",
        html! {
            p { (report.questions) " questions, " (report.unanswered) " of them unanswered or unclear." }
            (super::charts::report_charts(&report))
            h2 { "The same as b12bot report" }
            pre { (report.to_markdown()) }
        },
    )
    .into_response()
}

// ---------------------------------------------------------------------------------------
// Inbox: the report's unanswered and unclear questions, each turned into a draft change

async fn inbox(State(app): State<Arc<App>>, jar: CookieJar) -> Response {
    let s = match require(&app, &jar, Role::Editor).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let report = match last_30_days(&app).await {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let ignored = app.faqs.ignored();
    // What the published FAQ now holds is done; what only the draft holds waits for publishing.
    let live = draft::placed(&app.faqs.live);
    let in_draft = draft::placed(&app.faqs.draft);
    let folded = |g: &crate::report::Group| crate::text::fold(g.example.trim());
    let groups: Vec<&crate::report::Group> = report
        .groups
        .iter()
        .filter(|g| !ignored.contains(&draft::group_key(&g.example)))
        .filter(|g| !live.contains_key(&folded(g)))
        .collect();
    let topics = app.faqs.topic_names().unwrap_or_default();
    let out_of_scope = app.faqs.out_of_scope_topics();
    let lang_select = |lang: Lang| {
        html! {
            select name="lang" {
                @for l in [Lang::Nl, Lang::En] {
                    option value=(l.code()) selected[l == lang] { (l.code()) }
                }
            }
        }
    };
    page(
        Some(&s),
        "Inbox: unanswered and unclear questions (last 30 days)",
        html! {
            p { "Each change goes into the draft: check it in the test pane, then publish." }
            @if groups.is_empty() { p id="empty" { "Nothing to look at." } }
            @for g in &groups {
                @let lang = crate::analysis::Analysis::new(&g.example).lang.unwrap_or(Lang::Nl);
                section.group {
                    h2.example { (g.example) }
                    p { "Asked " (times(g.count)) " (no match " (g.no_match) ", clarify " (g.clarify) "), " (g.wordings) (if g.wordings == 1 { " wording." } else { " wordings." }) }
                    @if let Some(at) = in_draft.get(&folded(g)) {
                        p.ok.in-draft { "Added to " (at) " in the draft: check it in the test pane, then publish." }
                    }
                    form.add-question method="post" action="/inbox/question" {
                        (csrf(&s))
                        input type="hidden" name="question" value=(g.example);
                        "Add as a question to topic "
                        select name="stem" { @for t in &topics { option value=(t) { (t) } } }
                        " in " (lang_select(lang)) " "
                        button { "Add" }
                    }
                    @if !out_of_scope.is_empty() {
                        form.add-out-of-scope method="post" action="/inbox/out-of-scope" {
                            (csrf(&s))
                            input type="hidden" name="question" value=(g.example);
                            "Add to out-of-scope "
                            select name="topic" { @for t in &out_of_scope { option value=(t) { (t) } } }
                            " in " (lang_select(lang)) " "
                            button { "Add" }
                        }
                    }
                    form.ignore method="post" action="/inbox/ignore" {
                        (csrf(&s))
                        input type="hidden" name="question" value=(g.example);
                        button { "Ignore" }
                    }
                }
            }
        },
    )
    .into_response()
}

/// "once", "2 times".
fn times(n: u64) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

fn form_lang(f: &Fields) -> Lang {
    match f.get("lang").map(String::as_str) {
        Some("en") => Lang::En,
        _ => Lang::Nl,
    }
}

/// After an inbox change: the test pane with the question, published beside draft.
fn inbox_done(app: &App, s: &StaffSession, question: &str, added: bool, into: &str) -> Response {
    let note = if added {
        format!("Added to {into} in the draft. Below: what the published FAQ and the draft answer.")
    } else {
        format!("{into} has this already. Below: what the published FAQ and the draft answer.")
    };
    test_view(
        app,
        s,
        question,
        Some(html! { p.ok id="inbox-done" { (note) } }),
    )
    .into_response()
}

/// `/inbox/question` (to a topic's questions, field `stem`) or `/inbox/out-of-scope` (to
/// an out-of-scope topic's examples, field `topic`).
async fn inbox_add(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Path(action): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    let s = match require_post(&app, &jar, Role::Editor, &f).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let question = f.get("question").cloned().unwrap_or_default();
    let lang = form_lang(&f);
    let (outcome, into) = match action.as_str() {
        "question" => {
            let stem = f.get("stem").cloned().unwrap_or_default();
            let added = app.faqs.add_question(&stem, lang, &question);
            (added, format!("topic {stem}"))
        }
        "out-of-scope" => {
            let topic = f.get("topic").cloned().unwrap_or_default();
            let added = app.faqs.add_out_of_scope(&topic, lang, &question);
            (added, format!("out-of-scope {topic}"))
        }
        _ => return (StatusCode::NOT_FOUND, "no such inbox action\n").into_response(),
    };
    match outcome {
        Ok(added) => {
            log::info!("console: inbox question added to {into} in the draft");
            inbox_done(&app, &s, &question, added, &into)
        }
        Err(e) => error(e),
    }
}

async fn inbox_ignore(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(r) = require_post(&app, &jar, Role::Editor, &f).await {
        return r;
    }
    match app
        .faqs
        .ignore(f.get("question").map(String::as_str).unwrap_or(""))
    {
        Ok(()) => Redirect::to("/inbox").into_response(),
        Err(e) => error(e),
    }
}

// ---------------------------------------------------------------------------------------
// Operations

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let mut problems = Vec::new();
    if app.faqs.handle.load().topics(Lang::Nl).is_empty() {
        problems.push("no FAQ loaded".to_string());
    }
    let store = app.store.clone();
    if let Err(e) = store.call(|s| s.probe_write()).await {
        problems.push(format!("database not writable: {e}"));
    }
    let mut telegram = String::new();
    if let Some(beat) = &app.telegram {
        let ago = crate::time::now() - beat.last();
        if ago > 60 {
            problems.push("Telegram not reached in the last minute".to_string());
        } else {
            telegram = format!("Telegram reached {ago} s ago\n");
        }
    }
    if problems.is_empty() {
        format!("ready\n{telegram}").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready:\n{}\n", problems.join("\n")),
        )
            .into_response()
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let handle = super::ops::metrics();
    // The backlogs are read from the database when scraped: they are state, not events.
    let store = app.store.clone();
    match store.call(|s| s.backlog()).await {
        Ok(b) => {
            metrics::gauge!("b12bot_update_backlog").set(b.updates as f64);
            metrics::gauge!("b12bot_outbox_backlog").set(b.outbox as f64);
        }
        Err(e) => {
            log::warn!("metrics: cannot read the backlogs: {e}");
            metrics::counter!("b12bot_errors_total", "where" => "metrics").increment(1);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
