//! How stored values are shown: ages for a person, phone numbers masked,
//! text from requests made safe for a terminal.

use std::time::{SystemTime, UNIX_EPOCH};

/// The time now, in unix milliseconds.
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// How long ago `then_ms` was, at `now_ms`, never negative (clocks drift).
pub(super) fn age_ms(now_ms: i64, then_ms: i64) -> i64 {
    now_ms.saturating_sub(then_ms).max(0)
}

/// A duration for a person, to the precision that matters at its size:
/// "3 s", "2 min", "1 h 5 min", "2 d 3 h".
pub(super) fn human_age(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (minute, hour, day) = (60, 60 * 60, 24 * 60 * 60);
    match secs {
        s if s < minute => format!("{s} s"),
        s if s < hour => format!("{} min", s / minute),
        s if s < day => with_rest(s / hour, "h", s % hour / minute, "min"),
        s => with_rest(s / day, "d", s % day / hour, "h"),
    }
}

fn with_rest(whole: i64, unit: &str, rest: i64, rest_unit: &str) -> String {
    if rest == 0 {
        format!("{whole} {unit}")
    } else {
        format!("{whole} {unit} {rest} {rest_unit}")
    }
}

/// A phone number with all but its last 4 characters hidden, as the
/// server's logs show it; a short number keeps at least 2 hidden.
pub(super) fn masked_phone(phone: &str) -> String {
    let chars = phone.chars().count();
    let keep = chars.min(4).min(chars.saturating_sub(2));
    let tail: String = phone.chars().skip(chars - keep).collect();
    format!("***{}", one_line(&tail))
}

/// `text` with every control or invisible character (newlines, ANSI
/// escapes, bidi overrides) and backslash escaped, so that what a request
/// put in it can neither break a line nor drive the terminal.
pub(crate) fn one_line(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        // Quotes are harmless on a terminal and common in error messages.
        if matches!(c, '"' | '\'') {
            shown.push(c);
        } else {
            shown.extend(c.escape_debug());
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_the_precision_that_matters() {
        assert_eq!(human_age(-5), "0 s");
        assert_eq!(human_age(3_999), "3 s");
        assert_eq!(human_age(59_999), "59 s");
        assert_eq!(human_age(60_000), "1 min");
        assert_eq!(human_age(150_000), "2 min");
        assert_eq!(human_age(3_600_000), "1 h");
        assert_eq!(human_age(3_900_000), "1 h 5 min");
        assert_eq!(human_age(86_400_000), "1 d");
        assert_eq!(
            human_age(2 * 86_400_000 + 3 * 3_600_000 + 59_000),
            "2 d 3 h"
        );
    }

    #[test]
    fn ages_never_go_negative() {
        assert_eq!(age_ms(1_000, 5_000), 0);
        assert_eq!(age_ms(5_000, 1_000), 4_000);
        assert_eq!(age_ms(i64::MAX, i64::MIN), i64::MAX);
    }

    #[test]
    fn phones_show_at_most_their_last_four_characters() {
        assert_eq!(masked_phone("+12223334444"), "***4444");
        assert_eq!(masked_phone("+123"), "***23");
        assert_eq!(masked_phone("12"), "***");
        assert_eq!(masked_phone(""), "***");
        assert_eq!(masked_phone("+1222333\n\u{1b}[2"), "***\\n\\u{1b}[2");
    }

    #[test]
    fn text_cannot_break_the_line_or_drive_the_terminal() {
        assert_eq!(
            one_line("plain 'quoted' \"text\""),
            "plain 'quoted' \"text\""
        );
        assert_eq!(one_line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(one_line("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(one_line("x\u{202e}y\u{2028}z"), "x\\u{202e}y\\u{2028}z");
        assert_eq!(one_line("back\\slash"), "back\\\\slash");
        assert_eq!(one_line("ünïcødé ok"), "ünïcødé ok");
    }
}
