//! Hostile input end to end, in-process against the fake Bot API server, with the triage desk
//! on: button data the bot never made, button presses that claim another person's chat,
//! replies to messages the bot never sent, and texts built to hurt (tens of thousands of
//! characters, thousands of numbers, zero-width and right-to-left characters, combining
//! marks, markup).
//!
//! For each: a clear answer or nothing, never a crash, nothing done for or sent to anyone
//! else, every button press acknowledged exactly once, and the bot keeps serving.

use crate::support;

use b12bot::telegram::commands::Callback;
use serde_json::{Value, json};
use std::collections::HashMap;
use support::desk::{
    GROUP, desk_state, open_ticket, outsider, patient, staff, start_desk, wait_for_patient_text,
};
use support::fake_bot_api::{BOT_USERNAME, FakeBotApi, Patient, Sent};
use support::{SOON, TOKEN, replies_until_quiet};

async fn fake() -> FakeBotApi {
    FakeBotApi::start(TOKEN).await
}

/// A message the bot could have sent to `chat` (for presses and replies that refer to it).
fn bot_message(message_id: i64, chat: Value, text: &str) -> Value {
    let bot_id: i64 = TOKEN.split(':').next().unwrap().parse().unwrap();
    json!({
        "message_id": message_id,
        "from": {"id": bot_id, "is_bot": true, "first_name": "B12 Info", "username": BOT_USERNAME},
        "chat": chat,
        "date": 1_750_000_000,
        "text": text,
    })
}

/// Each patient asks a plain question and gets the FAQ answer: the bot still serves them.
/// Returns what each chat had received before that answer (the chat's updates run in
/// order, so everything its earlier updates caused).
async fn still_answer(f: &FakeBotApi, patients: &[&Patient]) -> HashMap<i64, Vec<Sent>> {
    let before: HashMap<i64, usize> = patients
        .iter()
        .map(|p| (p.chat_id(), f.sent_to(p.chat_id()).len()))
        .collect();
    for p in patients {
        f.send_text(p, "wat is vitamine b12");
    }
    let answered = |f: &FakeBotApi, chat: i64| {
        f.sent_to(chat)
            .iter()
            .skip(before[&chat])
            .any(|s| s.text.contains("cobalamine"))
    };
    f.wait_until("every chat answered again", SOON, |f| {
        patients.iter().all(|p| answered(f, p.chat_id()))
    })
    .await;
    patients
        .iter()
        .map(|p| {
            let sent = f.sent_to(p.chat_id());
            let at = sent
                .iter()
                .rposition(|s| s.text.contains("cobalamine"))
                .unwrap();
            (p.chat_id(), sent[..at].to_vec())
        })
        .collect()
}

/// Callback data the bot never produced: malformed, unknown, overflowing, over-long, staff
/// buttons, control and direction characters, and pseudo-random strings (fixed seed).
fn hostile_callback_data() -> Vec<String> {
    let mut data: Vec<String> = [
        "",
        " ",
        "x",
        ":",
        "::::",
        "t:",
        "t: ",
        "t:no-such-topic",
        "t:../../etc/passwd",
        "t:treatment\u{0}",
        "t:<b>treatment</b>",
        "t:\u{200b}treatment",
        "\u{202e}t:treatment",
        "l:",
        "l:xx",
        "l:nl:en",
        "e:",
        "e:maybe",
        "h:1",
        "m:1",
        "f:",
        "f:1",
        "f:x:1",
        "f:-1:1",
        "f:99999999999999999999999999:1",
        "f:1:2",
        "k:",
        "k:0",
        "k:-5",
        "k:99999999999999999999",
        "k:1",
        "c:abc",
        "c:1",
        "🙂",
        "%00%ff",
        "' OR 1=1 --",
    ]
    .map(String::from)
    .to_vec();
    data.push(format!("t:{}", "a".repeat(5000)));
    data.push("f:1:1".repeat(1000));
    let alphabet: Vec<char> = "tlehmkcf:0123456789-# \u{0}\u{7f}\u{202e}\u{200b}é🙂<>&\"'\\"
        .chars()
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    while data.len() < 80 {
        let len = (next() % 70) as usize;
        let random: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        // Only data the bot never makes (a random "h" or "m" is a real button).
        if Callback::decode(&random).is_none() {
            data.push(random);
        }
    }
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_button_data_is_acknowledged_once_and_does_nothing_else() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let data = hostile_callback_data();
    // One patient per press, so flood control stays out of the way and every press reaches
    // the handlers.
    let pressed: Vec<(Patient, String, String)> = data
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = patient(3_000 + i as i64);
            let menu = bot_message(1, p.private_chat_json(), "Kies een onderwerp:");
            let id = f.press(&p, &menu, d);
            (p, d.clone(), id)
        })
        .collect();
    for (_, d, id) in &pressed {
        f.wait_until(&format!("press {d:?} acknowledged"), SOON, |f| {
            !f.callback_answers(id).is_empty()
        })
        .await;
    }
    // After the next question is answered, everything the presses caused has been sent.
    let asked: Vec<&Patient> = pressed.iter().map(|(p, _, _)| p).collect();
    let before = still_answer(f, &asked).await;
    for (p, d, id) in &pressed {
        assert_eq!(
            f.callback_answers(id).len(),
            1,
            "{d:?}: answered exactly once"
        );
        let sent = &before[&p.chat_id()];
        // A topic that does not exist gets the topic menu again; anything else nothing but the
        // acknowledgement.
        if let Some(Callback::Topic(_)) = Callback::decode(d) {
            assert_eq!(sent.len(), 1, "{d:?}: {sent:#?}");
            assert_eq!(sent[0].buttons().len(), 16, "{d:?}: the topic menu");
        } else {
            assert!(sent.is_empty(), "{d:?}: {sent:#?}");
        }
    }
    assert!(
        f.sent_to(GROUP).is_empty(),
        "nothing reached the triage group"
    );
    assert!(store.open_tickets().unwrap().is_empty(), "no ticket opened");
    assert!(
        store
            .questions_since(0)
            .unwrap()
            .iter()
            .all(|q| q.helpful.is_none())
    );
    let chats: std::collections::HashSet<i64> =
        pressed.iter().map(|(p, _, _)| p.chat_id()).collect();
    assert!(
        f.all_sent().iter().all(|s| chats.contains(&s.chat_id)),
        "every message went to the chat it answers"
    );
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_on_another_persons_message_acts_on_nothing_and_reveals_nothing() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let victim = patient(3_101);
    let mallory = Patient::new(3_102, "Mallory", Some("en"));

    // The victim's recent questions are what an escalation would share.
    f.send_text(&victim, "wat is de hoofdstad van frankrijk");
    f.send_text(&victim, "wat is vitamine b12");
    let sent = f.wait_for_messages(victim.chat_id(), 2, SOON).await;
    let answer = sent[1].clone();
    let feedback = answer
        .callback_data()
        .into_iter()
        .find(|d| d.starts_with("f:"))
        .expect("👍/👎 under the FAQ answer");

    // A callback query is (who pressed, the message with the button); a message in the
    // victim's private chat pressed by someone else claims the victim's conversation.
    let mut presses = Vec::new();
    for data in [
        "e:y",
        "e:n",
        "h",
        "m",
        "t:treatment",
        "l:en",
        feedback.as_str(),
        "k:1",
        "c:1",
    ] {
        presses.push(f.press(&mallory, &answer.json, data));
    }
    // Without a message (a button under an inline message) and in a group.
    presses.push(f.press_query(
        &mallory,
        json!({"inline_message_id": "AAAAAQAAAA8", "data": "e:y"}),
    ));
    let group_message = bot_message(
        5,
        json!({"id": -1_005_555, "type": "supergroup", "title": "Familie-app"}),
        "Kies een onderwerp:",
    );
    presses.push(f.press(&mallory, &group_message, "e:y"));
    // A game button: no data at all.
    presses.push(f.press_query(
        &mallory,
        json!({"message": answer.json, "game_short_name": "b12"}),
    ));
    for id in &presses {
        f.wait_callback_answered(id, SOON).await;
    }

    // The presses ran in the victim's chat's order: after the barrier all were handled.
    let replies = replies_until_quiet(f, &victim).await;
    assert_eq!(
        replies.len(),
        2,
        "nothing was sent into the victim's chat: {replies:#?}"
    );
    let barrier = f.sent_to(victim.chat_id()).pop().unwrap();
    assert!(
        barrier.text.starts_with("In welke taal"),
        "the victim's language was not changed: {}",
        barrier.text
    );
    for id in &presses {
        assert_eq!(
            f.callback_answers(id),
            vec![None],
            "acknowledged once, nothing said"
        );
    }
    assert!(
        f.sent_to(mallory.chat_id()).is_empty(),
        "nothing to the presser"
    );
    assert!(f.sent_to(GROUP).is_empty(), "nothing shared with the desk");
    assert!(store.open_tickets().unwrap().is_empty(), "no ticket");
    assert!(
        store
            .questions_since(0)
            .unwrap()
            .iter()
            .all(|q| q.helpful.is_none()),
        "no rating recorded"
    );

    // The same press by the victim works (so the above was refused, not broken).
    let offer_press = f.press(&victim, &answer.json, "h");
    f.wait_callback_answered(&offer_press, SOON).await;
    let offer = wait_for_patient_text(f, &victim, "hoofdstad van frankrijk").await;
    assert!(offer.callback_data().contains(&"e:y".to_string()));
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_to_messages_the_bot_never_sent_relay_nothing() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(3_201);
    let post = open_ticket(f, &store, &p).await;
    let state = desk_state(&store);
    let to_patient = f.sent_to(p.chat_id()).len();
    let in_group = f.sent_to(GROUP).len();

    // In a private chat: a question quoting a message the bot never sent, and one quoting
    // the ticket's post from the triage group. Each is just a question to the bot.
    let q = patient(3_202);
    let ghost = bot_message(
        987_654,
        q.private_chat_json(),
        "Antwoord van een medewerker van het ziekenhuis (vraag #1):",
    );
    f.private_message(
        &q,
        json!({"text": "wat is vitamine b12", "reply_to_message": ghost}),
    );
    f.private_message(
        &q,
        json!({"text": "Bedankt voor het antwoord!", "reply_to_message": post.json}),
    );
    let replies = replies_until_quiet(f, &q).await;
    assert_eq!(replies.len(), 2, "one answer each: {replies:#?}");
    assert!(
        replies[0].text.contains("cobalamine"),
        "{}",
        replies[0].text
    );
    for r in &replies {
        assert!(!r.text.contains("frankrijk"), "{}", r.text);
    }

    // In the triage group: staff (and someone else) reply to a message the bot never sent,
    // and to a staff member's own message.
    let group_chat = json!({"id": GROUP, "type": "supergroup", "title": "Triage B12"});
    let ghost = bot_message(777_777, group_chat, "Nieuwe vraag #1");
    f.send_group_reply(GROUP, &staff(), "Antwoord voor niemand", Some(&ghost));
    f.send_group_photo(GROUP, &staff(), Some("een foto voor niemand"), Some(&ghost));
    f.send_group_reply(GROUP, &outsider(), "Ik ook", Some(&ghost));
    let (_, own_id) = f.send_group_reply(GROUP, &staff(), "even overleggen", None);
    let own = json!({"message_id": own_id, "from": staff().user_json(),
        "chat": {"id": GROUP, "type": "supergroup", "title": "Triage B12"},
        "date": 1_750_000_000, "text": "even overleggen"});
    f.send_group_reply(GROUP, &staff(), "Ja, doe maar", Some(&own));
    // Barrier: the group's updates run in order; /open is answered after all of the above.
    f.send_group_text(GROUP, &staff(), "/open");
    // The two staff replies to the bot's (supposed) message get a note that they were not
    // passed on; the outsider's and the reply to a colleague get nothing.
    let sent = f.wait_for_messages(GROUP, in_group + 3, SOON).await;
    for note in &sent[in_group..in_group + 2] {
        assert!(note.text.contains("niet doorgestuurd"), "{}", note.text);
    }
    assert!(
        sent[in_group + 2].text.contains("#1"),
        "{}",
        sent[in_group + 2].text
    );
    assert_eq!(
        sent.len(),
        in_group + 3,
        "two notes and /open's answer in the group"
    );

    assert!(f.requests_of("copyMessage").is_empty(), "nothing relayed");
    assert_eq!(
        f.sent_to(p.chat_id()).len(),
        to_patient,
        "nothing to the patient"
    );
    assert_eq!(desk_state(&store), state, "the ticket is untouched");
    assert!(state.starts_with("status=Open "), "{state}");
    bot.stop().await.unwrap();
}

/// Texts built to hurt: (name, text).
fn hostile_texts() -> Vec<(&'static str, String)> {
    let numbers: Vec<String> = (0..3000).map(|i| (150 + 10 * i).to_string()).collect();
    vec![
        ("3000 numbers", numbers.join(" ")),
        ("3000 values", "B12 180 pmol/L ".repeat(3000)),
        ("B12 x3000", "B12 ".repeat(3000)),
        ("one letter x20000", "a".repeat(20_000)),
        ("question marks", "?".repeat(4096)),
        ("zero-width only", "\u{200b}".repeat(4000)),
        (
            "zero-width inside words",
            "wat\u{200b} is\u{200d} vitamine\u{feff} b12\u{2060}".to_string(),
        ),
        (
            "right-to-left override",
            "\u{202e}21b enimativ si taw\u{202c} mijn b12 is 180".to_string(),
        ),
        (
            "right-to-left marks",
            "\u{200f}B12 180 pmol/L\u{200f}\u{061c}".to_string(),
        ),
        (
            "Arabic and Hebrew",
            "ما هو فيتامين ب12 מה זה ויטמין".to_string(),
        ),
        (
            "combining marks",
            format!("b12{}", "e\u{301}\u{316}\u{35c}".repeat(3000)),
        ),
        ("emoji", "🩸💉".repeat(3000)),
        ("markup", "<b><i>&amp;</i></b>&lt;script&gt;".repeat(500)),
        ("slashes", "/".repeat(4000)),
        (
            "a command with a long argument",
            format!("/start {}", "x ".repeat(3000)),
        ),
        ("newlines", format!("{}b12", "\n".repeat(4000))),
        (
            "control characters",
            "\u{0}\u{1}\u{7}\u{1b}[31mb12\u{7f}".to_string(),
        ),
        (
            "a huge value",
            format!("mijn b12 is {} pmol/l", "9".repeat(400)),
        ),
        (
            "odd values",
            "b12 1e308 pmol/l, b12 -180 pmol/l, b12 NaN, b12 0,0000001".to_string(),
        ),
        (
            "red flags drowned in numbers",
            format!("{} ik heb pijn op de borst", numbers[..500].join(" ")),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_strange_texts_get_a_clear_answer_and_the_bot_keeps_serving() {
    let (bot, _dir, store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let texts = hostile_texts();
    let patients: Vec<Patient> = (0..texts.len())
        .map(|i| patient(3_300 + i as i64))
        .collect();
    for (p, (_, text)) in patients.iter().zip(&texts) {
        f.send_text(p, text);
    }
    // The drowned red flag opens a ticket, which makes its next message a follow-up rather
    // than a question for the bot.
    let drowned = patients.len() - 1;
    let asked: Vec<&Patient> = patients[..drowned].iter().collect();
    let mut replied = still_answer(f, &asked).await;
    replied.insert(
        patients[drowned].chat_id(),
        replies_until_quiet(f, &patients[drowned]).await,
    );
    for (p, (name, _)) in patients.iter().zip(&texts) {
        let replies = &replied[&p.chat_id()];
        // The fake accepts only what Telegram accepts (valid HTML, at most 4096 characters).
        assert!(
            (1..=2).contains(&replies.len()),
            "{name}: one clear answer: {replies:#?}"
        );
        for r in replies {
            assert!(!r.text.trim().is_empty(), "{name}");
            assert!(!r.text.contains("<script>"), "{name}: escaped: {}", r.text);
        }
    }
    // The drowned red flag is still a red flag.
    let urgent = &f.sent_to(patients[drowned].chat_id())[0];
    assert!(urgent.text.contains("112"), "{}", urgent.text);
    assert!(
        f.requests_of("sendMessage").iter().all(|r| r.ok()),
        "Telegram refused nothing the bot sent"
    );

    // The patient with 3000 numbers asks for a person: what is shared is cut to a readable
    // length, in the offer and in the ticket.
    let p = &patients[0];
    f.send_text(p, "ik wil een medewerker spreken");
    let offer = wait_for_patient_text(f, p, "medewerker van het ziekenhuis").await;
    assert!(offer.text.contains('…'), "{}", offer.text);
    let posts = f.sent_to(GROUP).len();
    let press = f.press(p, &offer.json, "e:y");
    f.wait_callback_answered(&press, SOON).await;
    f.wait_until("the ticket post", SOON, |f| {
        f.sent_to(GROUP)
            .iter()
            .skip(posts)
            .any(|s| s.text.contains("Nieuwe vraag"))
    })
    .await;
    let post = f
        .sent_to(GROUP)
        .into_iter()
        .rfind(|s| s.text.contains("Nieuwe vraag"))
        .unwrap();
    assert!(post.text.contains('…'), "{}", post.text);
    assert!(post.text.chars().count() < 2000, "{}", post.text.len());
    let ticket = store
        .open_tickets()
        .unwrap()
        .into_iter()
        .find(|t| !t.urgent)
        .expect("the ticket");
    for m in store.messages(ticket.number).unwrap() {
        assert!(
            m.text.chars().count() <= 601,
            "stored cut: {}",
            m.text.len()
        );
    }
    bot.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_into_a_huge_text_is_answered_again_once() {
    let (bot, _dir, _store) = start_desk(fake().await).await;
    let f = &bot.fake;
    let p = patient(3_401);
    let (_, id) = f.send_text(&p, "wat is vitamine b12");
    f.wait_for_messages(p.chat_id(), 1, SOON).await;
    f.edit_text(&p, id, &"150 160 170 ".repeat(3000));
    f.edit_text(&p, id, &"\u{202e}\u{200b}".repeat(3000));
    let replies = replies_until_quiet(f, &p).await;
    assert_eq!(
        replies.len(),
        3,
        "the question and each edit, once: {replies:#?}"
    );
    assert_eq!(replies[1].reply_to, Some(id), "the edit is quoted");
    still_answer(f, &[&p]).await;
    bot.stop().await.unwrap();
}
