//! Text from a request, made safe for a log line. A value is written as is
//! when it is plain (printable ASCII without spaces, quotes, `=` or
//! backslashes); otherwise it is quoted, with control characters, quotes and
//! invisible Unicode escaped. So a value can neither end the line (a
//! newline forges a log line), nor colour or erase it (ANSI escapes), nor
//! pass for another field (`x outcome=handled`).

use std::fmt::{self, Write as _};

/// Displays a value that came from a request, escaped for a log line.
///
/// Wraps anything displayable (text, an error message that may quote its
/// input); the hand-assembled delivery line uses [`push_escaped`] instead.
pub(crate) struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        write!(text, "{}", self.0)?;
        if is_plain(&text) {
            return f.write_str(&text);
        }
        f.write_char('"')?;
        for c in text.chars().flat_map(char::escape_debug) {
            f.write_char(c)?;
        }
        f.write_char('"')
    }
}

/// Appends `value` to `out`, escaped as described in the module's doc.
pub(crate) fn push_escaped(out: &mut String, value: &str) {
    if is_plain(value) {
        out.push_str(value);
        return;
    }
    out.push('"');
    // std's escaping turns every control and non-printable character
    // (ANSI's ESC, U+2028, bidi overrides…) into `\n`, `\u{1b}` and the like.
    out.extend(value.chars().flat_map(char::escape_debug));
    out.push('"');
}

/// Whether `value` can be written without quotes: what IDs, phone numbers and
/// paths normally are.
pub(crate) fn is_plain(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\' | b'='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, value);
        out
    }

    #[test]
    fn plain_values_are_written_as_they_are() {
        for plain in ["my-agent_abc@rbm.goog", "+12223334444", "/rbm/webhook?x"] {
            assert_eq!(escaped(plain), plain);
        }
    }

    #[test]
    fn a_value_cannot_end_colour_or_split_the_line() {
        let forged = "a\nINFO delivery outcome=handled\r\x1b[2K\u{202e}\u{2028}\0\"\\";
        let out = escaped(forged);
        assert_eq!(
            out,
            r#""a\nINFO delivery outcome=handled\r\u{1b}[2K\u{202e}\u{2028}\0\"\\""#
        );
        assert!(
            out.chars().all(|c| c.is_ascii_graphic() || c == ' '),
            "{out}"
        );
        assert_eq!(escaped("x outcome=handled"), r#""x outcome=handled""#);
        assert_eq!(escaped(""), r#""""#);
    }

    #[test]
    fn printable_unicode_is_kept_but_quoted() {
        assert_eq!(escaped("café"), "\"café\"");
    }

    #[test]
    fn any_displayable_value_is_escaped() {
        let error = format!("expected value at {:?}", "x\ny");
        assert_eq!(Escaped(&error).to_string(), escaped(&error));
        assert_eq!(Escaped("line\nbreak").to_string(), r#""line\nbreak""#);
    }
}
