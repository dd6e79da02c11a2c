//! End-to-end: the real `telegram::serve::run` (the dispatcher `b12bot serve` runs) polls a fake Bot
//! API server on 127.0.0.1 and is driven the way Telegram would drive it.
//!
//! Each test starts its own fake server and bot. "Exactly once" is checked with a barrier:
//! after the update under test, the same chat sends `/taal`; updates of one chat are handled
//! in order, so once the `/taal` reply (language buttons) is there, everything the earlier
//! update caused has been sent.

use crate::support;

use b12bot::engine::{Answer, Context, Engine, Intent};
use b12bot::handle::AnswerEngine;
use b12bot::text::Lang;
use serde_json::json;
use std::time::Duration;
use support::fake_bot_api::{FakeBotApi, Fault, Patient, Sent};
use support::{SOON, TOKEN, launch, load_faq, real_engine, replies_until_quiet, start_bot};

fn nl_patient(id: i64) -> Patient {
    Patient::new(id, "Anneke", Some("nl"))
}

fn en_patient(id: i64) -> Patient {
    Patient::new(id, "James", Some("en-GB"))
}

fn html_message(m: &Sent) {
    assert_eq!(
        m.parse_mode.as_deref(),
        Some("HTML"),
        "replies use HTML parse mode"
    );
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_registers_the_command_menus_and_shows_every_topic_as_a_button() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();

    // Menus: default and Dutch with Dutch names, English with English names.
    fake.wait_until("three setMyCommands", SOON, |f| f.menus().len() == 3)
        .await;
    let menus = fake.menus();
    let names = |lang: &str| -> Vec<String> {
        menus
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, m)| m.iter().map(|(c, _)| c.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(""), ["start", "onderwerpen", "taal", "help"]);
    assert_eq!(names("nl"), ["start", "onderwerpen", "taal", "help"]);
    assert_eq!(names("en"), ["start", "topics", "language", "help"]);
    let en_menu = &menus.iter().find(|(l, _)| l == "en").unwrap().1;
    assert!(
        en_menu
            .iter()
            .any(|(c, d)| c == "topics" && d == "All topics")
    );

    // The bot asked only for the update kinds it handles.
    let allowed = fake.allowed_updates().expect("allowed_updates sent");
    for kind in ["message", "edited_message", "callback_query"] {
        assert!(allowed.iter().any(|a| a == kind), "{kind} in {allowed:?}");
    }
    assert!(!allowed.iter().any(|a| a == "channel_post"), "{allowed:?}");

    let anneke = nl_patient(1001);
    fake.send_text(&anneke, "/start");
    let james = en_patient(1002);
    fake.send_text(&james, "/start");

    let nl = &fake.wait_for_messages(anneke.chat_id(), 1, SOON).await[0];
    html_message(nl);
    assert!(
        nl.text
            .starts_with(first_line(engine.text("greeting", Lang::Nl)))
    );
    assert!(
        nl.text.contains("diagnose"),
        "says what it cannot do: {}",
        nl.text
    );
    let expected: Vec<(String, String)> = engine
        .topics(Lang::Nl)
        .into_iter()
        .map(|(id, title)| (title.to_string(), format!("t:{id}")))
        .collect();
    assert_eq!(expected.len(), 16);
    assert_eq!(nl.buttons(), expected);

    let en = &fake.wait_for_messages(james.chat_id(), 1, SOON).await[0];
    assert!(en.text.starts_with("Welcome!"), "{}", en.text);
    assert!(
        en.buttons()
            .iter()
            .any(|(t, d)| t == "Questions and contact" && d == "t:contact")
    );

    assert!(fake.requests_of("getMe").iter().all(|r| r.ok()));
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dutch_question_gets_the_faq_answer_with_title_and_related_topics() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let faq = load_faq();
    let entry = faq.entries.iter().find(|e| e.id == "food-sources").unwrap();

    let p = nl_patient(2001);
    fake.send_text(&p, "Welke voeding bevat veel vitamine B12?");
    let replies = replies_until_quiet(fake, &p).await;
    assert_eq!(replies.len(), 1, "exactly one answer: {replies:#?}");
    let m = &replies[0];
    html_message(m);
    assert!(
        m.text.starts_with(&entry.title.nl),
        "title first: {}",
        m.text
    );
    assert_eq!(
        m.entities[0],
        ("bold".to_string(), 0, entry.title.nl.encode_utf16().count())
    );
    assert!(m.text.contains(first_line(&entry.answer.nl)), "{}", m.text);
    assert!(m.text.contains("huisarts"), "refers to the GP");
    let related: Vec<String> = entry.related.iter().map(|id| format!("t:{id}")).collect();
    assert_eq!(m.callback_data(), related);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dutch_question_with_typos_still_finds_its_topic() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let faq = load_faq();
    let what = faq.entries.iter().find(|e| e.id == "what-is-b12").unwrap();
    let insurance = faq.entries.iter().find(|e| e.id == "insurance").unwrap();

    let a = nl_patient(2101);
    fake.send_text(&a, "wat is vitamiene b12 precies");
    let b = nl_patient(2102);
    fake.send_text(&b, "hoeveel kost de behandeling, vergoed de verzekring dat");

    let m = &fake.wait_for_messages(a.chat_id(), 1, SOON).await[0];
    assert!(m.text.contains(first_line(&what.answer.nl)), "{}", m.text);
    let m = &fake.wait_for_messages(b.chat_id(), 1, SOON).await[0];
    assert!(
        m.text.contains(first_line(&insurance.answer.nl)),
        "{}",
        m.text
    );
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_question_is_answered_in_english_even_with_a_dutch_telegram() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let faq = load_faq();
    let entry = faq
        .entries
        .iter()
        .find(|e| e.id == "recovery-time")
        .unwrap();

    // Telegram says Dutch; the text is English: the text wins.
    let p = Patient::new(2201, "Sophie", Some("nl"));
    fake.send_text(&p, "How long until I feel better after B12 injections?");
    let m = &fake.wait_for_messages(p.chat_id(), 1, SOON).await[0];
    assert!(m.text.starts_with(&entry.title.en), "{}", m.text);
    assert!(m.text.contains(first_line(&entry.answer.en)), "{}", m.text);
    let engine = real_engine();
    let titles: Vec<String> = entry
        .related
        .iter()
        .map(|id| engine.title(id, Lang::En).unwrap().to_string())
        .collect();
    let labels: Vec<String> = m.buttons().into_iter().map(|(t, _)| t).collect();
    assert_eq!(labels, titles, "related buttons in English too");
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reported_value_is_explained_by_its_band() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();
    let cases = [
        (
            2301,
            "mijn b12 uitslag was 190 pmol/l",
            "value_extra_test",
            Lang::Nl,
        ),
        (
            2302,
            "b12 was 520 ben ik dan oke",
            "value_very_small_chance",
            Lang::Nl,
        ),
        (
            2303,
            "result from the lab: 120 pmol/L for b12, is that low?",
            "value_high_chance",
            Lang::En,
        ),
    ];
    for (id, question, _, _) in &cases {
        fake.send_text(&nl_patient(*id), question);
    }
    for (id, _, key, lang) in &cases {
        let m = &fake.wait_for_messages(*id, 1, SOON).await[0];
        let band_text = engine.text(key, *lang);
        assert!(!band_text.is_empty());
        assert!(m.text.contains(first_line(band_text)), "{key}: {}", m.text);
    }
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_message_gets_the_emergency_advice_at_once_and_nothing_else() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();

    let p = nl_patient(2401);
    fake.send_text(
        &p,
        "ik heb ineens pijn op de borst en ben net flauwgevallen",
    );
    let replies = replies_until_quiet(fake, &p).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let m = &replies[0];
    assert!(
        m.text
            .starts_with(first_line(engine.text("urgent_112", Lang::Nl))),
        "{}",
        m.text
    );
    assert!(m.text.contains("112"));
    assert!(
        m.buttons().is_empty(),
        "no topic buttons under emergency advice"
    );
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_red_flag_gets_its_own_route_first_in_the_patients_language() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();
    let cases = [
        // (patient, message, route text, a line of the category's own, or none)
        (
            nl_patient(2411),
            "mijn moeder kan ineens haar arm niet meer optillen en praat raar",
            "urgent_112",
            Some(("stroke", Lang::Nl)),
        ),
        (
            en_patient(2412),
            "my little brother swallowed a handful of grandma's pills",
            "urgent_112_huisartsenpost",
            Some(("overdose", Lang::En)),
        ),
        (
            nl_patient(2413),
            "ik zie het echt niet meer zitten, alles is zinloos",
            "urgent_113",
            None,
        ),
    ];
    for (p, message, key, own) in &cases {
        fake.send_text(p, message);
        let replies = replies_until_quiet(fake, p).await;
        assert_eq!(replies.len(), 1, "{message}: {replies:#?}");
        let lang = if p.chat_id() == 2412 {
            Lang::En
        } else {
            Lang::Nl
        };
        let m = &replies[0];
        assert!(
            m.text.starts_with(first_line(engine.text(key, lang))),
            "{message}: {}",
            m.text
        );
        if let Some((id, lang)) = own {
            let category = engine.faq().red_flags.category(id).unwrap();
            let advice = category.disposition.advice.clone();
            assert!(m.text.contains(advice.unwrap().get(*lang)), "{}", m.text);
        }
        assert!(m.buttons().is_empty(), "no buttons under urgent advice");
    }
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_that_gets_worse_suddenly_opens_with_the_safety_net_above_the_answer() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();
    let q = "de tintelingen in mijn voeten worden ineens veel erger, kan dat door een b12 tekort komen?";
    let expected = engine.answer(q, &Context::default());
    assert!(expected.safety_net && expected.intent == Intent::Faq);
    let p = nl_patient(2421);
    fake.send_text(&p, q);
    let replies = replies_until_quiet(fake, &p).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let text = &replies[0].text;
    let net = engine.text("safety_net", Lang::Nl).trim();
    let title = engine
        .title(expected.faq_id.as_deref().unwrap(), Lang::Nl)
        .unwrap();
    assert!(text.starts_with(net), "{text}");
    let title_at = text.find(title).expect("the topic's title");
    assert!(
        title_at > net.len(),
        "the net sentence comes before the title: {text}"
    );
    assert!(
        !replies[0].buttons().is_empty(),
        "the normal answer keeps its buttons"
    );
    bot.stop().await.expect("graceful stop");
}

/// A vague question that the engine answers with `clarify` (picked from candidates, so the
/// test follows the matcher's tuning rather than one wording).
fn clarifying_question(engine: &Engine) -> (String, Answer) {
    for q in [
        "hoe vaak moet je in het begin geprikt worden bij een b12 tekort",
        "ik heb regelmatig een bonzend hart en ben doodop, zou het b12 kunnen zijn",
        "b12 tekort",
        "bloed",
        "tekort",
        "b12 tekort gevolgen",
    ] {
        let a = engine.answer(q, &Context::default());
        if a.intent == Intent::Clarify {
            return (q.to_string(), a);
        }
    }
    panic!("no candidate question gives clarify");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clarify_offers_topics_and_a_tap_answers_the_chosen_one() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let engine = real_engine();
    let (question, expected) = clarifying_question(&engine);

    let p = nl_patient(2501);
    fake.send_text(&p, &question);
    let offer = fake.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    let mut data: Vec<String> = expected
        .suggestions
        .iter()
        .map(|id| format!("t:{id}"))
        .collect();
    data.push("h".into());
    assert_eq!(
        offer.callback_data(),
        data,
        "suggestions, then 'none of these'"
    );
    assert_eq!(offer.buttons().last().unwrap().0, "Geen van deze");

    let chosen = &expected.suggestions[1];
    let tap = fake.press(&p, &offer.json, &format!("t:{chosen}"));
    let replies = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    let answer = &replies[1];
    let topic = engine.answer_topic(chosen, Lang::Nl).unwrap();
    assert!(
        answer
            .text
            .starts_with(engine.title(chosen, Lang::Nl).unwrap())
    );
    assert!(
        answer.text.contains(first_line(&topic.reply)),
        "{}",
        answer.text
    );
    assert_eq!(
        fake.callback_answers(&tap),
        vec![None],
        "acknowledged exactly once"
    );

    // "None of these" → an honest note on how to reach the hospital.
    let none = fake.press(&p, &offer.json, "h");
    let replies = fake.wait_for_messages(p.chat_id(), 3, SOON).await;
    assert!(
        replies[2].text.contains("vragenformulier"),
        "{}",
        replies[2].text
    );
    assert!(replies[2].text.contains("112"));
    assert_eq!(fake.callback_answers(&none), vec![None]);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_and_unknown_buttons_are_acknowledged_with_a_notice() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let p = nl_patient(2601);
    fake.send_text(&p, "/start");
    let start = fake.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();

    // A topic that a later FAQ edit removed.
    let stale = fake.press(&p, &start.json, "t:removed-topic");
    let replies = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    let notice = fake.callback_answers(&stale);
    assert_eq!(notice.len(), 1, "answered exactly once");
    assert!(
        notice[0].as_deref().unwrap().contains("werkt niet meer"),
        "{notice:?}"
    );
    assert_eq!(
        replies[1].buttons().len(),
        16,
        "the topic menu is offered again"
    );

    // Data this version never produced.
    let unknown = fake.press(&p, &start.json, "x:garbage");
    fake.wait_callback_answered(&unknown, SOON).await;
    let notice = fake.callback_answers(&unknown);
    assert_eq!(notice.len(), 1);
    assert!(notice[0].is_some());

    // A button under a message that is too old to be accessible (Telegram sends date 0).
    let old = json!({"message_id": 1, "chat": {"id": p.chat_id(), "type": "private", "first_name": "Anneke"}, "date": 0});
    let inaccessible = fake.press(&p, &old, "t:treatment");
    let replies = fake.wait_for_messages(p.chat_id(), 3, SOON).await;
    let title = real_engine()
        .title("treatment", Lang::Nl)
        .unwrap()
        .to_string();
    assert!(replies[2].text.starts_with(&title), "{}", replies[2].text);
    assert_eq!(fake.callback_answers(&inaccessible).len(), 1);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_voice_stickers_documents_locations_and_contacts_get_a_text_only_note() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    type Sender = fn(&FakeBotApi, &Patient) -> (i64, i64);
    let kinds: [(&str, Sender); 6] = [
        ("photo", |f, p| f.send_photo(p, Some("mijn uitslag"))),
        ("voice", FakeBotApi::send_voice),
        ("sticker", FakeBotApi::send_sticker),
        ("document", FakeBotApi::send_document),
        ("location", FakeBotApi::send_location),
        ("contact", FakeBotApi::send_contact),
    ];
    for (i, (_, send)) in kinds.iter().enumerate() {
        send(fake, &nl_patient(2700 + i as i64));
    }
    let english = en_patient(2710);
    fake.send_voice(&english);

    for (i, (kind, _)) in kinds.iter().enumerate() {
        let p = nl_patient(2700 + i as i64);
        let replies = replies_until_quiet(fake, &p).await;
        assert_eq!(replies.len(), 1, "{kind}: {replies:#?}");
        assert!(
            replies[0].text.contains("alleen tekstberichten"),
            "{kind}: {}",
            replies[0].text
        );
        assert!(
            replies[0].text.contains("pmol/L"),
            "says what to do instead"
        );
    }
    let m = &fake.wait_for_messages(english.chat_id(), 1, SOON).await[0];
    assert!(m.text.contains("only read text messages"), "{}", m.text);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_messages_and_channel_posts_are_not_answered() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let member = nl_patient(2801);
    let group = -1_001_234_567_890i64;
    fake.send_group_text(group, &member, "wat is vitamine b12?");
    fake.send_group_text(group, &member, "/start");
    let channel = -1_009_876_543_210i64;
    // The fake records a getUpdates (what start_bot waits for) before it applies the call's
    // allowed_updates; a post pushed in between would be queued.
    fake.wait_until("allowed_updates from the bot", SOON, |f| {
        f.allowed_updates().is_some()
    })
    .await;
    let post = fake.send_channel_post(channel, "Nieuw: folder over vitamine B12");

    // Barrier in the group's own queue: a button press there must be acknowledged (every
    // callback is), and the group's updates run in order, so after it nothing is pending.
    let group_message = json!({"message_id": 99, "chat": {"id": group, "type": "supergroup", "title": "Familie-app"}, "date": 1_750_000_000, "text": "oud bericht"});
    let press = fake.press(&member, &group_message, "t:treatment");
    fake.wait_callback_answered(&press, SOON).await;

    assert!(fake.sent_to(group).is_empty(), "silent in groups");
    assert_eq!(fake.callback_answers(&press), vec![None]);
    // The bot did not ask for channel posts, so (as on Telegram) none was delivered.
    assert_eq!(post, -1);
    assert!(fake.sent_to(channel).is_empty());
    assert!(
        fake.requests_of("sendMessage").is_empty(),
        "nothing sent anywhere"
    );

    // The same person in a private chat is answered.
    fake.send_text(&member, "wat is vitamine b12?");
    fake.wait_for_messages(member.chat_id(), 1, SOON).await;
    bot.stop().await.expect("graceful stop");
}

/// The real engine, except that it panics on a given message or topic (the seam production
/// code offers for this: `run` takes any `AnswerEngine`).
struct PanicsOn {
    inner: Engine,
    text: &'static str,
    topic: &'static str,
}

impl AnswerEngine for PanicsOn {
    fn answer(&self, text: &str, ctx: &Context) -> Answer {
        if text.contains(self.text) {
            // A real kind of bug: slicing inside a character (its panic message quotes the
            // text, which is why the production panic hook withholds messages).
            let s = text.replace(self.text, "ñ");
            let cut = s.find('ñ').unwrap() + 1;
            let _ = &s[..cut];
        }
        self.inner.answer(text, ctx)
    }
    fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer> {
        if id == self.topic {
            panic!("topic handler bug");
        }
        self.inner.answer_topic(id, lang)
    }
    fn text(&self, key: &str, lang: Lang) -> &str {
        self.inner.text(key, lang)
    }
    fn topics(&self, lang: Lang) -> Vec<(&str, &str)> {
        self.inner.topics(lang)
    }
    fn title(&self, id: &str, lang: Lang) -> Option<&str> {
        self.inner.title(id, lang)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_gets_an_apology_and_the_chat_keeps_being_served() {
    let engine = PanicsOn {
        inner: real_engine(),
        text: "kapotte vraag",
        topic: "insurance",
    };
    let bot = start_bot(engine).await;
    let fake = &bot.fake;
    let p = nl_patient(2901);

    fake.send_text(&p, "dit is een kapotte vraag over b12");
    let sorry = &fake.wait_for_messages(p.chat_id(), 1, SOON).await[0];
    assert!(sorry.text.contains("ging iets mis"), "{}", sorry.text);

    // teloxide would now die on this chat's next update; the bot answers it normally.
    fake.send_text(&p, "wat is vitamine b12?");
    let replies = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    assert!(
        replies[1].text.contains("cobalamine"),
        "{}",
        replies[1].text
    );

    // A panic in a button handler: the press is still answered, once.
    let tap = fake.press(&p, &replies[1].json, "t:insurance");
    let replies = fake.wait_for_messages(p.chat_id(), 3, SOON).await;
    assert!(replies[2].text.contains("ging iets mis"));
    assert_eq!(fake.callback_answers(&tap), vec![None]);

    // Other chats were never affected, and the bot still stops cleanly.
    let other = nl_patient(2902);
    fake.send_text(&other, "wat is vitamine b12?");
    fake.wait_for_messages(other.chat_id(), 1, SOON).await;
    bot.stop().await.expect("graceful stop after panics");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_429_retry_after_is_obeyed() {
    let fake = FakeBotApi::start(TOKEN).await;
    fake.fail_next("getUpdates", [Fault::RetryAfter(1)]);
    fake.fail_next("sendMessage", [Fault::RetryAfter(2)]);
    fake.fail_next("answerCallbackQuery", [Fault::RetryAfter(1)]);
    let bot = launch(fake, real_engine(), |_| {}).await;
    let fake = &bot.fake;

    let p = nl_patient(3001);
    fake.send_text(&p, "wat is vitamine b12?");
    let m = fake.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();

    let polls = fake.requests_of("getUpdates");
    assert_eq!(polls[0].status, Some(429));
    let waited = polls[1].received - polls[0].responded.unwrap();
    assert!(
        waited >= Duration::from_millis(950),
        "getUpdates retried after {waited:?}"
    );

    let sends = fake.requests_of("sendMessage");
    assert_eq!(sends.len(), 2, "one refused, one retried");
    assert_eq!(sends[0].status, Some(429));
    assert!(sends[1].ok());
    assert_eq!(
        sends[0].params["text"], sends[1].params["text"],
        "the same message again"
    );
    let waited = sends[1].received - sends[0].responded.unwrap();
    assert!(
        waited >= Duration::from_millis(1950),
        "sendMessage retried after {waited:?}"
    );
    assert_eq!(fake.sent_to(p.chat_id()).len(), 1, "delivered exactly once");

    let tap = fake.press(&p, &m.json, &m.callback_data()[0]);
    fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    let acks = fake.requests_of("answerCallbackQuery");
    assert_eq!(acks.len(), 2);
    assert_eq!(acks[0].status, Some(429));
    assert!(acks[1].ok());
    let waited = acks[1].received - acks[0].responded.unwrap();
    assert!(
        waited >= Duration::from_millis(950),
        "answerCallbackQuery retried after {waited:?}"
    );
    assert_eq!(fake.callback_answers(&tap), vec![None]);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_question_is_answered_again_quoting_the_edit() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let p = nl_patient(3101);
    let (_, message_id) = fake.send_text(&p, "wat kost een parkeerplek bij het ziekenhuis");
    fake.wait_for_messages(p.chat_id(), 1, SOON).await;
    fake.edit_text(&p, message_id, "wat is vitamine b12?");
    let replies = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    assert!(
        replies[1].text.contains("cobalamine"),
        "{}",
        replies[1].text
    );
    assert_eq!(replies[1].reply_to, Some(message_id));
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taal_switches_the_language_for_messages_that_do_not_tell() {
    let bot = start_bot(real_engine()).await;
    let fake = &bot.fake;
    let p = nl_patient(3201);
    fake.send_text(&p, "/taal");
    let choose = fake.wait_for_messages(p.chat_id(), 1, SOON).await[0].clone();
    assert_eq!(
        choose.buttons(),
        [
            ("Nederlands".to_string(), "l:nl".to_string()),
            ("English".to_string(), "l:en".to_string())
        ]
    );
    let tap = fake.press(&p, &choose.json, "l:en");
    let replies = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    assert_eq!(replies[1].text, "From now on I will answer in English.");
    assert_eq!(fake.callback_answers(&tap), vec![None]);
    assert_eq!(replies[1].buttons().len(), 16, "the topics, now in English");

    // /start and a button tap follow the choice, although Telegram says Dutch.
    fake.send_text(&p, "/start");
    let replies = fake.wait_for_messages(p.chat_id(), 3, SOON).await;
    assert!(
        replies[2].text.starts_with("Welcome!"),
        "{}",
        replies[2].text
    );

    fake.send_text(&p, "/taal nl");
    let replies = fake.wait_for_messages(p.chat_id(), 4, SOON).await;
    assert_eq!(replies[3].text, "Ik antwoord voortaan in het Nederlands.");
    bot.stop().await.expect("graceful stop");
}

/// The real engine, except that one question gets a very long answer full of characters that
/// HTML must escape (no FAQ answer may exceed 4096 characters, so a long reply cannot come
/// from the FAQ files; the door must still split whatever the engine says).
struct LongAnswer {
    inner: Engine,
    reply: String,
}

impl AnswerEngine for LongAnswer {
    fn answer(&self, text: &str, ctx: &Context) -> Answer {
        let mut a = self.inner.answer(text, ctx);
        if text == "geef het lange antwoord" {
            a = self.inner.answer_topic("treatment", Lang::Nl).unwrap();
            a.reply = self.reply.clone();
        }
        a
    }
    fn answer_topic(&self, id: &str, lang: Lang) -> Option<Answer> {
        self.inner.answer_topic(id, lang)
    }
    fn text(&self, key: &str, lang: Lang) -> &str {
        self.inner.text(key, lang)
    }
    fn topics(&self, lang: Lang) -> Vec<(&str, &str)> {
        self.inner.topics(lang)
    }
    fn title(&self, id: &str, lang: Lang) -> Option<&str> {
        self.inner.title(id, lang)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_6000_character_answer_is_split_at_a_paragraph_boundary_and_escaped() {
    let paragraph = |n: usize| {
        format!(
            "Alinea {n}: <b>geen tag</b> & AT&T > 5 < 7, \"citaat\" en 'apostrof' 🙂. {}",
            "Vitamine B12 zit in vlees, vis, eieren en zuivel. "
                .repeat(9)
                .trim_end()
        )
    };
    let paragraphs: Vec<String> = (1..=12).map(paragraph).collect();
    let reply = paragraphs.join("\n\n");
    assert!(reply.chars().count() >= 6000, "{}", reply.chars().count());
    let engine = LongAnswer {
        inner: real_engine(),
        reply: reply.clone(),
    };
    let title = engine.title("treatment", Lang::Nl).unwrap().to_string();
    let related: Vec<String> = engine
        .answer_topic("treatment", Lang::Nl)
        .unwrap()
        .related
        .iter()
        .map(|id| format!("t:{id}"))
        .collect();
    let bot = start_bot(engine).await;
    let fake = &bot.fake;
    let p = nl_patient(3301);
    fake.send_text(&p, "geef het lange antwoord");
    let replies = replies_until_quiet(fake, &p).await;

    assert_eq!(replies.len(), 2, "6000+ characters → two messages");
    for m in &replies {
        assert!(m.text.encode_utf16().count() <= 4096);
        html_message(m);
    }
    // Nothing lost, nothing reordered, and the cut is between paragraphs.
    let mut expected = vec![title.clone()];
    expected.extend(paragraphs.iter().cloned());
    let joined = format!("{}\n\n{}", replies[0].text, replies[1].text);
    assert_eq!(joined, expected.join("\n\n"));
    assert!(
        replies[0]
            .text
            .ends_with(&paragraphs[replies[0].text.matches("Alinea").count() - 1])
    );
    // The patient sees the characters, not markup.
    assert!(replies[1].text.contains("<b>geen tag</b> & AT&T > 5"));
    assert!(
        replies[1]
            .source
            .contains("&lt;b&gt;geen tag&lt;/b&gt; &amp; AT&amp;T &gt; 5")
    );
    // Buttons only under the last part.
    assert!(replies[0].buttons().is_empty());
    assert_eq!(replies[1].callback_data(), related);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_while_running_stops_the_bot_with_an_error() {
    let bot = start_bot(real_engine()).await;
    // BotFather /revoke: the pending long poll and every later request get 401.
    bot.fake.revoke_token();
    let outcome = bot.finished().await;
    assert!(
        matches!(
            outcome,
            Err(b12bot::telegram::serve::ServeError::TokenRevoked)
        ),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swapped_in_engine_answers_the_next_message_without_a_restart() {
    use b12bot::engine::EngineConfig;

    let handle = b12bot::handle::EngineHandle::new(real_engine());
    let fake = FakeBotApi::start(TOKEN).await;
    let config = support::test_config(&fake);
    let bot = support::launch_handle(fake, handle.clone(), config).await;
    let fake = &bot.fake;
    let p = nl_patient(3401);
    fake.send_text(&p, "wat is vitamine b12?");
    let before = fake.wait_for_messages(p.chat_id(), 1, SOON).await;
    assert!(!before[0].text.contains("HERZIEN"));

    // Staff edit the answer; a reload builds a new engine and stores it in the handle.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(support::faq_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let file = dir.path().join("what-is-b12.toml");
    let toml = std::fs::read_to_string(&file).unwrap();
    let edited = toml.replacen(
        "[answer]\nnl = \"\"\"\n",
        "[answer]\nnl = \"\"\"\nHERZIEN: ",
        1,
    );
    assert_ne!(toml, edited, "the entry's Dutch answer was found to edit");
    std::fs::write(&file, edited).unwrap();
    let faq = b12bot::faq::load_dir(dir.path()).expect("edited FAQ loads");
    handle.store(Engine::new(faq, EngineConfig::default()));

    fake.send_text(&p, "wat is vitamine b12?");
    let after = fake.wait_for_messages(p.chat_id(), 2, SOON).await;
    assert!(after[1].text.contains("HERZIEN: "), "{}", after[1].text);
    bot.stop().await.expect("graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_bot_api_at_startup_is_retried_then_reported() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = b12bot::telegram::serve::ServeConfig::new(TOKEN);
    config.api_url = Some(format!("http://127.0.0.1:{port}"));
    config.startup_attempts = 2;
    let started = std::time::Instant::now();
    let handle = b12bot::handle::EngineHandle::new(real_engine());
    let outcome = tokio::time::timeout(
        SOON,
        b12bot::telegram::serve::run(config, handle, std::future::pending()),
    )
    .await
    .expect("gives up instead of retrying forever");
    match outcome {
        Err(b12bot::telegram::serve::ServeError::Unreachable {
            attempts, reason, ..
        }) => {
            assert_eq!(attempts, 2);
            assert!(reason.contains("network error"), "{reason}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited between attempts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heartbeat_is_beaten_once_the_bot_api_answered() {
    let beat = b12bot::health::Heartbeat::default();
    let shared = beat.clone();
    let bot = support::start_bot_with(real_engine(), move |c| c.heartbeat = Some(shared)).await;
    assert!(
        b12bot::time::now() - beat.last() < 5,
        "getMe succeeded at start: the console's /readyz may count Telegram as reachable"
    );
    bot.stop().await.expect("graceful stop");
}
