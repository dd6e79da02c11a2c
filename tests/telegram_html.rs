//! The reply renderer against Telegram's HTML rules (as the fake server checks them), and the
//! fake server's own fidelity: its validator and the updates it produces.

use crate::support;

use b12bot::telegram::html::{MESSAGE_LIMIT, Para, paragraphs, render_chunks, tg_len};
use proptest::prelude::*;
use serde_json::Value;
use support::fake_bot_api::{FakeBotApi, Patient, parse_html};
use teloxide::types::{MediaKind, MessageKind, Update, UpdateKind};
use teloxide::utils::html::escape;

// ---- the validator is Telegram's, not a rubber stamp -------------------------------------

#[test]
fn validator_accepts_telegrams_allowed_markup() {
    let ok = [
        ("<b>vet</b> en <i>schuin</i>", "vet en schuin"),
        (
            "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>",
            "abcdefg",
        ),
        (
            "<span class=\"tg-spoiler\">x</span><tg-spoiler>y</tg-spoiler>",
            "xy",
        ),
        (
            "<a href=\"https://www.geldersevallei.nl/\">site</a>",
            "site",
        ),
        (
            "<pre><code class=\"language-rust\">let x;</code></pre>",
            "let x;",
        ),
        ("<blockquote expandable>lang</blockquote>", "lang"),
        (
            "<tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji>",
            "👍",
        ),
        (
            "1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;x&quot; &#65;&#x42;",
            "1 < 2 && 3 > 2 \"x\" AB",
        ),
    ];
    for (html, text) in ok {
        let (parsed, _) = parse_html(html).unwrap_or_else(|e| panic!("{html}: {e}"));
        assert_eq!(parsed, text, "{html}");
    }
}

#[test]
fn validator_rejects_what_telegram_rejects() {
    let bad = [
        ("<p>alinea</p>", "Unsupported start tag \"p\""),
        ("<br>", "Unsupported start tag \"br\""),
        (
            "<b>open",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("<span>x</span>", "must have class \"tg-spoiler\""),
        ("<a>x</a>", "must have attribute \"href\""),
        ("B12 < 150", "Unclosed start tag"),
        ("AT&T", "Unescaped \"&\""),
        ("&nbsp;", "Unsupported HTML entity"),
        ("5 > 4", "Unexpected \">\""),
    ];
    for (html, message) in bad {
        let err = parse_html(html).expect_err(html);
        assert!(err.contains(message), "{html}: {err}");
    }
}

#[test]
fn entities_are_measured_in_utf16_units() {
    let (_, entities) = parse_html("🙂 <b>B12</b>").unwrap();
    assert_eq!(entities, vec![("bold".to_string(), 3, 3)]);
}

#[tokio::test]
async fn the_fake_answers_bad_html_with_telegrams_400() {
    let fake = FakeBotApi::start(support::TOKEN).await;
    let client_url = format!("{}/bot{}/sendMessage", fake.url(), support::TOKEN);
    let body = serde_json::json!({"chat_id": 1, "text": "<p>x</p>", "parse_mode": "HTML"});
    let response = post_json(&client_url, &body.to_string()).await;
    assert_eq!(response["ok"], false);
    assert_eq!(response["error_code"], 400);
    assert_eq!(
        response["description"],
        "Bad Request: can't parse entities: Unsupported start tag \"p\" at byte offset 0"
    );
    let long = "a".repeat(4097);
    let body = serde_json::json!({"chat_id": 1, "text": long});
    let response = post_json(&client_url, &body.to_string()).await;
    assert_eq!(response["description"], "Bad Request: message is too long");
    assert!(fake.all_sent().is_empty());
}

/// A bare HTTP/1.1 POST (the tests have no HTTP client of their own).
async fn post_json(url: &str, body: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let json = response.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {response}"))
}

// ---- the fake's updates are real Telegram updates -----------------------------------------

#[tokio::test]
async fn every_update_the_fake_makes_parses_as_the_right_teloxide_update() {
    let fake = FakeBotApi::start(support::TOKEN).await;
    let p = Patient::new(77, "Anneke", Some("nl"));
    fake.send_text(&p, "/start");
    fake.send_photo(&p, Some("uitslag"));
    fake.send_voice(&p);
    fake.send_sticker(&p);
    fake.send_document(&p);
    fake.send_location(&p);
    fake.send_contact(&p);
    fake.edit_text(&p, 1, "nieuw");
    fake.send_group_text(-100_123, &p, "hoi");
    fake.send_channel_post(-100_456, "post");
    let msg = serde_json::json!({"message_id": 5, "chat": {"id": 77, "type": "private", "first_name": "A"}, "date": 1, "text": "x"});
    fake.press(&p, &msg, "t:treatment");

    let url = format!("{}/bot{}/getUpdates", fake.url(), support::TOKEN);
    let response = post_json(&url, "{}").await;
    let updates: Vec<Update> = serde_json::from_str(&response["result"].to_string()).unwrap();
    let kinds: Vec<String> = updates
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) | UpdateKind::EditedMessage(m) | UpdateKind::ChannelPost(m) => {
                match &m.kind {
                    MessageKind::Common(c) => match &c.media_kind {
                        MediaKind::Text(_) => "text",
                        MediaKind::Photo(_) => "photo",
                        MediaKind::Voice(_) => "voice",
                        MediaKind::Sticker(_) => "sticker",
                        MediaKind::Document(_) => "document",
                        MediaKind::Location(_) => "location",
                        MediaKind::Contact(_) => "contact",
                        _ => "other media",
                    },
                    _ => "service",
                }
                .to_string()
            }
            UpdateKind::CallbackQuery(q) => format!("callback {}", q.data.as_deref().unwrap_or("")),
            UpdateKind::Error(e) => format!("UNPARSED {e}"),
            _ => "other".into(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "text",
            "photo",
            "voice",
            "sticker",
            "document",
            "location",
            "contact",
            "text",
            "text",
            "text",
            "callback t:treatment"
        ]
    );
    assert!(matches!(updates[7].kind, UpdateKind::EditedMessage(_)));
    assert!(matches!(updates[9].kind, UpdateKind::ChannelPost(_)));
    assert!(updates[8].chat().unwrap().is_supergroup());
}

// ---- the renderer never produces what Telegram rejects ------------------------------------

fn plain_of(chunks: &[String]) -> Vec<String> {
    chunks
        .iter()
        .map(|c| {
            parse_html(c)
                .unwrap_or_else(|e| panic!("rejected: {e}\n{c}"))
                .0
        })
        .collect()
}

#[test]
fn a_reply_that_fits_is_one_message() {
    let chunks = render_chunks(
        &[Para::bold("Titel & zo"), Para::plain("<script>")],
        MESSAGE_LIMIT,
    );
    assert_eq!(plain_of(&chunks), ["Titel & zo\n\n<script>"]);
}

#[test]
fn an_empty_reply_is_no_message() {
    assert!(render_chunks(&[Para::plain("  \n ")], MESSAGE_LIMIT).is_empty());
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Words, HTML-special characters, emoji (two UTF-16 units), accents, line breaks.
    let piece = prop_oneof![
        "[a-zA-Z]{1,12}",
        Just(" ".to_string()),
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just(". ".to_string()),
        Just("<b>".to_string()),
        Just("&amp;".to_string()),
        Just("&".to_string()),
        Just(">".to_string()),
        Just("🙂".to_string()),
        Just("é".to_string()),
        "[a-z]{40,200}",
    ];
    proptest::collection::vec(piece, 0..400).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rendered_chunks_are_valid_fit_and_lose_nothing(
        title in "[a-zA-Z &<>]{0,40}",
        body in text_strategy(),
        limit in prop_oneof![Just(MESSAGE_LIMIT), 20usize..300],
    ) {
        let mut paras = vec![Para::bold(title.clone())];
        paras.extend(paragraphs(&body).into_iter().map(Para::plain));
        let chunks = render_chunks(&paras, limit);
        let plain = plain_of(&chunks);
        for p in &plain {
            prop_assert!(tg_len(p) <= limit, "{} > {limit}", tg_len(p));
            prop_assert!(!p.trim().is_empty());
        }
        // Every non-space character survives, in order.
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let original = format!("{title}{body}");
        prop_assert_eq!(squash(&plain.concat()), squash(&original));
    }

    #[test]
    fn short_paragraphs_are_never_cut(
        paras in proptest::collection::vec("[a-z]{1,10}( [a-z]{1,10}){0,30}", 1..60),
    ) {
        // Each paragraph fits a message on its own, so each must arrive whole in one message.
        let limit = 400;
        let input: Vec<Para> = paras.iter().cloned().map(Para::plain).collect();
        let chunks = render_chunks(&input, limit);
        let arrived: Vec<String> = plain_of(&chunks)
            .iter()
            .flat_map(|c| c.split("\n\n").map(str::to_string).collect::<Vec<_>>())
            .collect();
        prop_assert_eq!(arrived, paras);
    }

    #[test]
    fn escape_round_trips_through_telegrams_parser(s in "\\PC{0,200}") {
        let (parsed, entities) = parse_html(&escape(&s)).unwrap();
        prop_assert_eq!(parsed, s);
        prop_assert!(entities.is_empty());
    }
}
