//! Keeps phone numbers out of logs: only the last 4 digits are shown.

use std::fmt;

use crate::escape::{is_plain, push_escaped};

/// Displays a phone number with all but its last 4 characters masked. The
/// number comes from a request: what is shown of it is escaped for a log line.
pub(crate) struct MaskedPhone<'a>(pub &'a str);

impl MaskedPhone<'_> {
    /// The characters shown: at most the last four, never all but two.
    fn tail(&self) -> &str {
        // Phone numbers are ASCII: count bytes, not characters.
        if self.0.is_ascii() {
            let len = self.0.len();
            return &self.0[len - len.min(4).min(len.saturating_sub(2))..];
        }
        let chars = self.0.chars().count();
        let keep = chars.min(4).min(chars.saturating_sub(2));
        self.0
            .char_indices()
            .nth(chars - keep)
            .map_or("", |(start, _)| &self.0[start..])
    }

    /// Appends the masked number to `out` (no formatting machinery).
    pub(crate) fn push_to(&self, out: &mut String) {
        let tail = self.tail();
        if tail.is_empty() || is_plain(tail) {
            out.push_str("***");
            out.push_str(tail);
        } else {
            push_escaped(out, &format!("***{tail}"));
        }
    }
}

impl fmt::Display for MaskedPhone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = self.tail();
        if tail.is_empty() || is_plain(tail) {
            // The usual case, written without a copy.
            f.write_str("***")?;
            return f.write_str(tail);
        }
        let mut masked = String::with_capacity(16);
        self.push_to(&mut masked);
        f.write_str(&masked)
    }
}

// Quoted like the `&str` it stands for, so a masked field reads as a string
// in a `{:?}` of the struct holding it.
impl fmt::Debug for MaskedPhone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::MaskedPhone;

    #[test]
    fn shows_at_most_the_last_four_digits() {
        assert_eq!(MaskedPhone("+12223334444").to_string(), "***4444");
        assert_eq!(MaskedPhone("+123").to_string(), "***23");
        assert_eq!(MaskedPhone("").to_string(), "***");
        assert_eq!(format!("{:?}", MaskedPhone("+12223334444")), "\"***4444\"");
    }

    #[test]
    fn what_is_shown_cannot_break_a_log_line() {
        assert_eq!(
            MaskedPhone("+1222\n\u{1b}[2").to_string(),
            r#""***\n\u{1b}[2""#
        );
        assert_eq!(MaskedPhone("+1 234 5").to_string(), r#""***34 5""#);
        assert_eq!(MaskedPhone("+12é4567").to_string(), "***4567");
        assert_eq!(MaskedPhone("é12").to_string(), "***2");
    }
}
