//! The one home of time and calendar: the clock, civil dates, weekdays, the hospital's time
//! zone (CET/CEST from the tz database bundled with `jiff`), office hours, and the names of
//! days and months. Core: no edge imports; the only I/O is reading the system clock in
//! [`now`], which callers pass on as plain unix seconds.

use crate::text::Lang;
use std::fmt;

/// Unix seconds now, from the system clock (0 for a clock before 1970).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Nanoseconds since the Unix epoch now, for ids that must differ between calls.
pub fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// The hospital's time zone: how local clock time relates to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZone {
    /// CET (UTC+1), and CEST (UTC+2) from the last Sunday of March 01:00 UTC to the last
    /// Sunday of October 01:00 UTC (the EU rule), from the tz database bundled with jiff.
    EuropeAmsterdam,
    /// A fixed offset from UTC in minutes (east positive).
    Fixed(i32),
}

impl TimeZone {
    /// `Europe/Amsterdam` (also `CET`), `UTC`, or `UTC+01:00` / `UTC-05:30` / `+02:00`.
    pub fn parse(text: &str) -> Result<TimeZone, String> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if lower == "europe/amsterdam" || lower == "cet" || lower == "cet/cest" {
            return Ok(TimeZone::EuropeAmsterdam);
        }
        if lower == "utc" || lower == "z" {
            return Ok(TimeZone::Fixed(0));
        }
        let offset = lower.strip_prefix("utc").unwrap_or(&lower);
        let bad = || {
            format!(
                "unknown time zone \"{t}\"; write \"Europe/Amsterdam\" (CET/CEST, switching on \
                 the EU dates) or a fixed offset like \"UTC+01:00\""
            )
        };
        let (sign, rest) = match offset.as_bytes().first() {
            Some(b'+') => (1, &offset[1..]),
            Some(b'-') => (-1, &offset[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (Ok(h), Ok(m)) = (h.parse::<i32>(), m.parse::<i32>()) else {
            return Err(bad());
        };
        if !(0..=14).contains(&h) || !(0..60).contains(&m) {
            return Err(bad());
        }
        Ok(TimeZone::Fixed(sign * (h * 60 + m)))
    }

    /// The offset from UTC, in minutes, at this moment.
    pub fn offset_minutes(self, unix_seconds: i64) -> i32 {
        match self {
            TimeZone::Fixed(m) => m,
            TimeZone::EuropeAmsterdam => {
                let at =
                    jiff::Timestamp::from_second(unix_seconds).unwrap_or(if unix_seconds < 0 {
                        jiff::Timestamp::MIN
                    } else {
                        jiff::Timestamp::MAX
                    });
                amsterdam().to_offset(at).seconds() / 60
            }
        }
    }
}

/// A moment as the hospital's clock shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub weekday: Weekday,
    pub hour: u32,
    pub minute: u32,
    /// The offset from UTC in force, in minutes.
    pub utc_offset_minutes: i32,
}

/// Days of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// English (`mon`, `monday`) or Dutch (`ma`, `maandag`) names, any case.
    fn parse(s: &str) -> Option<Weekday> {
        const NAMES: [[&str; 4]; 7] = [
            ["mon", "monday", "ma", "maandag"],
            ["tue", "tuesday", "di", "dinsdag"],
            ["wed", "wednesday", "wo", "woensdag"],
            ["thu", "thursday", "do", "donderdag"],
            ["fri", "friday", "vr", "vrijdag"],
            ["sat", "saturday", "za", "zaterdag"],
            ["sun", "sunday", "zo", "zondag"],
        ];
        let s = s.to_ascii_lowercase();
        NAMES
            .iter()
            .position(|names| names.contains(&s.as_str()))
            .map(|i| Weekday::ALL[i])
    }
}

/// One weekly opening: a day and a time span on it, in local minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opening {
    day: Weekday,
    start: u32,
    end: u32,
}

/// When the triage desk is staffed: weekly openings in the hospital's time zone.
///
/// Written like `"mon-fri 08:00-17:00"`; several spans separated by commas or semicolons
/// (`"mon-thu 08:00-17:00, fri 08:00-12:30"`, or a lunch break as two spans of the same
/// days). Day names in English or Dutch (`ma-vr`); a day range may wrap (`fri-mon`); a span
/// ends after it starts (`24:00` is midnight at the end of the day).
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeHours {
    openings: Vec<Opening>,
    zone: TimeZone,
    text: String,
}

impl OfficeHours {
    pub fn parse(text: &str, zone: TimeZone) -> Result<OfficeHours, String> {
        let mut openings = Vec::new();
        for part in text.split([',', ';']).map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let example = "write them like \"mon-fri 08:00-17:00\"";
            let Some((days, times)) = part.split_once(char::is_whitespace) else {
                return Err(format!("\"{part}\" needs days and times; {example}"));
            };
            let days = parse_days(days.trim())?;
            let (start, end) = parse_span(times.trim(), example)?;
            openings.extend(days.into_iter().map(|day| Opening { day, start, end }));
        }
        if openings.is_empty() {
            return Err(
                "no opening hours given; write them like \"mon-fri 08:00-17:00\"".to_string(),
            );
        }
        Ok(OfficeHours {
            openings,
            zone,
            text: text.trim().to_string(),
        })
    }

    pub fn zone(&self) -> TimeZone {
        self.zone
    }

    /// The hospital's clock at this moment.
    pub fn local(&self, unix_seconds: i64) -> LocalTime {
        let offset = self.zone.offset_minutes(unix_seconds);
        let local = unix_seconds + i64::from(offset) * 60;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            weekday: weekday(days),
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            utc_offset_minutes: offset,
        }
    }

    /// Whether the desk is staffed at this moment.
    pub fn is_open(&self, unix_seconds: i64) -> bool {
        let t = self.local(unix_seconds);
        let minute = t.hour * 60 + t.minute;
        self.openings
            .iter()
            .any(|o| o.day == t.weekday && o.start <= minute && minute < o.end)
    }

    /// The first moment at or after `unix_seconds` when the desk is staffed (the moment
    /// itself during office hours).
    ///
    /// Walks forward minute by minute (at most two weeks, microseconds of work): openings
    /// begin on whole local minutes and offsets are whole minutes, so whether the desk is open
    /// can only change on a whole UTC minute. Walking real time, not clock time, makes the
    /// DST switches come out right without special cases: an opening inside the skipped
    /// spring hour does not happen that day, and one inside the repeated autumn hour opens
    /// the first time round.
    pub fn next_opening(&self, unix_seconds: i64) -> i64 {
        if self.is_open(unix_seconds) {
            return unix_seconds;
        }
        let mut t = unix_seconds.div_euclid(60) * 60 + 60;
        // Every opening is at least a minute long and recurs weekly; only one in the skipped
        // spring hour misses a week, so two weeks always find one.
        let limit = unix_seconds + 15 * 86_400;
        while t < limit {
            if self.is_open(t) {
                return t;
            }
            t += 60;
        }
        unreachable!("office hours without any opening were rejected by OfficeHours::parse")
    }
}

impl fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_days(text: &str) -> Result<Vec<Weekday>, String> {
    let day = |s: &str| {
        Weekday::parse(s.trim()).ok_or_else(|| {
            format!(
                "unknown day \"{}\"; use mon tue wed thu fri sat sun (or ma di wo do vr za zo)",
                s.trim()
            )
        })
    };
    match text.split_once('-') {
        None => Ok(vec![day(text)?]),
        Some((a, b)) => {
            let (a, b) = (day(a)?.index(), day(b)?.index());
            let len = (b + 7 - a) % 7 + 1;
            Ok((0..len).map(|i| Weekday::ALL[(a + i) % 7]).collect())
        }
    }
}

fn parse_span(text: &str, example: &str) -> Result<(u32, u32), String> {
    let Some((a, b)) = text.split_once('-') else {
        return Err(format!("\"{text}\" is not a time span; {example}"));
    };
    let time = |s: &str| -> Result<u32, String> {
        let s = s.trim();
        let bad = || format!("\"{s}\" is not a time like 08:00");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return Err(bad());
        }
        let (h, m) = (
            h.parse::<u32>().map_err(|_| bad())?,
            m.parse::<u32>().map_err(|_| bad())?,
        );
        if m >= 60 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        Ok(h * 60 + m)
    };
    let (start, end) = (time(a)?, time(b)?);
    if end <= start {
        return Err(format!(
            "\"{text}\" ends before it starts; a span cannot cross midnight (split it into two, \
             e.g. \"fri 22:00-24:00, sat 00:00-06:00\")"
        ));
    }
    Ok((start, end))
}

fn weekday(days_since_epoch: i64) -> Weekday {
    // 1970-01-01 was a Thursday.
    Weekday::ALL[(days_since_epoch + 3).rem_euclid(7) as usize]
}

/// `Europe/Amsterdam` from the tz database compiled into the binary (jiff's bundled copy), so
/// the server's own zoneinfo files do not matter.
fn amsterdam() -> &'static jiff::tz::TimeZone {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(|| {
        jiff::tz::TimeZone::get("Europe/Amsterdam")
            .expect("Europe/Amsterdam is in the bundled tz database")
    })
}

const EPOCH: jiff::civil::Date = jiff::civil::date(1970, 1, 1);

/// Days since 1970-01-01 of a date (proleptic Gregorian). A day past the month's end counts
/// on into the next month, as the arithmetic does; years are clamped to jiff's ±9999.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year.clamp(-9999, 9999) as i16;
    let month = month.clamp(1, 12) as i8;
    let first = jiff::civil::Date::new(year, month, 1).unwrap_or(EPOCH);
    let days = first.since(EPOCH).map_or(0, |s| i64::from(s.get_days()));
    days + i64::from(day) - 1
}

/// The date of a day number (inverse of [`days_from_civil`]); clamped to jiff's years
/// ±9999.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let span = jiff::Span::new().days(days.clamp(-7_304_484, 7_304_484));
    let date = EPOCH.checked_add(span).unwrap_or(if days < 0 {
        jiff::civil::Date::MIN
    } else {
        jiff::civil::Date::MAX
    });
    (
        i64::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    )
}

/// Whether `year-month-day` names a real calendar day.
pub fn is_real_date(year: i64, month: u32, day: u32) -> bool {
    let (Ok(y), Ok(m), Ok(d)) = (i16::try_from(year), i8::try_from(month), i8::try_from(day))
    else {
        return false;
    };
    jiff::civil::Date::new(y, m, d).is_ok()
}

/// Day names, Monday first.
const DAY_NAMES: [[&str; 7]; 2] = [
    [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ],
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
];

/// Month names, January first. The Dutch ones are also the words the value reader knows as
/// months ("12 januari" is a date, not a B12 value).
pub const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name of a day of the week ("maandag", "Monday").
pub fn day_name(day: Weekday, lang: Lang) -> &'static str {
    DAY_NAMES[lang_index(lang)][day.index()]
}

/// The name of a month, 1 = January (out-of-range months are clamped).
pub fn month_name(month: u32, lang: Lang) -> &'static str {
    let i = (month as usize).clamp(1, 12) - 1;
    match lang {
        Lang::Nl => MONTHS_NL[i],
        Lang::En => MONTHS_EN[i],
    }
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Nl => 0,
        Lang::En => 1,
    }
}

/// "maandag 14 juli om 08:00" / "Monday 14 July at 08:00".
pub fn format_opening(t: &LocalTime, lang: Lang) -> String {
    let (day, month) = (day_name(t.weekday, lang), month_name(t.month, lang));
    match lang {
        Lang::Nl => format!("{day} {} {month} om {:02}:{:02}", t.day, t.hour, t.minute),
        Lang::En => format!("{day} {} {month} at {:02}:{:02}", t.day, t.hour, t.minute),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn summer_time_switches_on_the_published_eu_dates() {
        // Summer time 2024: 31 March – 27 October; 2025: 30 March – 26 October;
        // 2026: 29 March – 25 October; always at 01:00 UTC.
        let zone = TimeZone::EuropeAmsterdam;
        for (year, march, october) in [(2024, 31, 27), (2025, 30, 26), (2026, 29, 25)] {
            let starts = days_from_civil(year, 3, march) * 86_400 + 3_600;
            let ends = days_from_civil(year, 10, october) * 86_400 + 3_600;
            assert_eq!(zone.offset_minutes(starts - 1), 60, "{year}");
            assert_eq!(zone.offset_minutes(starts), 120, "{year}");
            assert_eq!(zone.offset_minutes(ends - 1), 120, "{year}");
            assert_eq!(zone.offset_minutes(ends), 60, "{year}");
        }
    }

    #[test]
    fn real_dates_and_names() {
        assert!(is_real_date(2024, 2, 29));
        assert!(!is_real_date(2025, 2, 29));
        assert!(!is_real_date(2026, 13, 1));
        assert!(!is_real_date(2026, 4, 31));
        assert_eq!(day_name(Weekday::Wed, Lang::Nl), "woensdag");
        assert_eq!(month_name(7, Lang::En), "July");
    }

    #[test]
    fn weekday_of_known_dates() {
        assert_eq!(weekday(0), Weekday::Thu);
        assert_eq!(weekday(days_from_civil(2026, 11, 25)), Weekday::Wed);
    }

    #[test]
    fn day_ranges_wrap() {
        assert_eq!(
            parse_days("fri-mon").unwrap(),
            vec![Weekday::Fri, Weekday::Sat, Weekday::Sun, Weekday::Mon]
        );
        assert_eq!(parse_days("ma-vr").unwrap().len(), 5);
        assert_eq!(parse_days("sun").unwrap(), vec![Weekday::Sun]);
    }

    #[test]
    fn time_zone_offsets_parse() {
        assert_eq!(TimeZone::parse("UTC+01:00"), Ok(TimeZone::Fixed(60)));
        assert_eq!(TimeZone::parse("-05:30"), Ok(TimeZone::Fixed(-330)));
        assert_eq!(TimeZone::parse("utc"), Ok(TimeZone::Fixed(0)));
        assert_eq!(
            TimeZone::parse("europe/amsterdam"),
            Ok(TimeZone::EuropeAmsterdam)
        );
        assert!(TimeZone::parse("Europe/London").is_err());
        assert!(TimeZone::parse("UTC+25:00").is_err());
    }
}
