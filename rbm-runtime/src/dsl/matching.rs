//! The runtime half of route matching that a `match` on literals cannot do:
//! prefixes, commands, postback templates and MIME types.

/// One piece of a postback template, split at compile time by the macro.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Text that must appear verbatim.
    Literal(&'static str),
    /// A named segment: one or more characters.
    Segment(&'static str),
}

/// Matches `data` against a template, returning the value of each segment.
/// A segment is never empty; when a literal after a segment occurs several
/// times, every split is tried from the shortest segment on.
pub fn match_template<'a>(
    pieces: &'static [Piece],
    data: &'a str,
) -> Option<Vec<(&'static str, &'a str)>> {
    let mut segments = Vec::new();
    match_from(pieces, data, &mut segments).then_some(segments)
}

fn match_from<'a>(
    pieces: &'static [Piece],
    data: &'a str,
    segments: &mut Vec<(&'static str, &'a str)>,
) -> bool {
    match pieces {
        [] => data.is_empty(),
        [Piece::Literal(literal), rest @ ..] => data
            .strip_prefix(literal)
            .is_some_and(|after| match_from(rest, after, segments)),
        [Piece::Segment(name)] => {
            if data.is_empty() {
                return false;
            }
            segments.push((name, data));
            true
        }
        [Piece::Segment(name), rest @ ..] => {
            // The macro rejects two segments in a row, so `rest` starts with a literal.
            for (end, _) in data.char_indices().skip(1) {
                let mark = segments.len();
                segments.push((name, &data[..end]));
                if match_from(rest, &data[end..], segments) {
                    return true;
                }
                segments.truncate(mark);
            }
            false
        }
    }
}

/// The text after `prefix`, without leading whitespace, if `text` starts with it.
pub fn strip_prefix<'a>(text: &'a str, prefix: &str, ignore_case: bool) -> Option<&'a str> {
    if !ignore_case {
        return text.strip_prefix(prefix).map(str::trim_start);
    }
    let mut rest = text.char_indices();
    for wanted in prefix.chars() {
        let (_, got) = rest.next()?;
        if !got.to_lowercase().eq(wanted.to_lowercase()) {
            return None;
        }
    }
    let end = rest.next().map_or(text.len(), |(i, _)| i);
    Some(text[end..].trim_start())
}

/// Splits a text into its first word and the rest (without leading whitespace).
pub fn split_command(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim_start()),
        None => (text, ""),
    }
}

/// The MIME type without parameters, in lowercase (`Image/PNG; q=1` → `image/png`).
pub fn mime_essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The top-level type of an essence from [`mime_essence`] (`image/png` → `image`).
pub fn mime_top_level(essence: &str) -> &str {
    essence.split('/').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: &[Piece] = &[Piece::Literal("size:"), Piece::Segment("size")];
    const PAIR: &[Piece] = &[
        Piece::Segment("a"),
        Piece::Literal(":x"),
        Piece::Segment("b"),
    ];

    #[test]
    fn templates_bind_segments_and_reject_empty_ones() {
        assert_eq!(
            match_template(SIZE, "size:large"),
            Some(vec![("size", "large")])
        );
        assert_eq!(match_template(SIZE, "size:"), None);
        assert_eq!(match_template(SIZE, "colour:red"), None);
        assert_eq!(
            match_template(PAIR, "p:y:xq"),
            Some(vec![("a", "p:y"), ("b", "q")])
        );
        assert_eq!(match_template(PAIR, "p:x"), None);
        let exact: &'static [Piece] = &[Piece::Literal("menu")];
        assert_eq!(match_template(exact, "menu"), Some(vec![]));
        assert_eq!(match_template(exact, "menus"), None);
    }

    #[test]
    fn prefixes_and_commands_split_off_the_rest() {
        assert_eq!(strip_prefix("/order 3", "/order", false), Some("3"));
        assert_eq!(strip_prefix("/ORDER  3", "/order", false), None);
        assert_eq!(strip_prefix("/ÖRDER  3", "/örder", true), Some("3"));
        assert_eq!(strip_prefix("/o", "/order", true), None);
        assert_eq!(
            split_command("  /order  two pizzas"),
            ("/order", "two pizzas")
        );
        assert_eq!(split_command("/menu"), ("/menu", ""));
    }

    #[test]
    fn mime_types_are_compared_without_parameters_or_case() {
        assert_eq!(mime_essence("Image/PNG; q=1"), "image/png");
        assert_eq!(mime_top_level("image/png"), "image");
        assert_eq!(mime_top_level(""), "");
    }
}
