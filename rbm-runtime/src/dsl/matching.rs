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
///
/// A segment is never empty. A segment takes the shortest text that lets the
/// rest of the template match: it ends at the earliest occurrence of the
/// literal that follows it, or, when that literal ends the template, just
/// before the literal at the end of `data`.
///
/// Postback data is user input, so the work is bounded: one forward pass,
/// `O(data.len() × template length)` at worst, with no backtracking. The
/// greedy choice loses no match because the text a later segment can match
/// only grows when it starts earlier (a segment absorbs any extra
/// characters), so when the earliest occurrence of a literal leaves no match,
/// no later occurrence does either.
pub fn match_template<'a>(
    pieces: &'static [Piece],
    data: &'a str,
) -> Option<Vec<(&'static str, &'a str)>> {
    match_counting(pieces, data, &mut 0)
}

/// [`match_template`], adding to `steps` the bytes it compares or scans
/// (what its tests bound).
fn match_counting<'a>(
    pieces: &'static [Piece],
    data: &'a str,
    steps: &mut usize,
) -> Option<Vec<(&'static str, &'a str)>> {
    let mut segments = Vec::new();
    let mut pieces = pieces;
    let mut rest = data;
    loop {
        match pieces {
            [] => return rest.is_empty().then_some(segments),
            [Piece::Literal(literal), tail @ ..] => {
                *steps += literal.len();
                rest = rest.strip_prefix(literal)?;
                pieces = tail;
            }
            [Piece::Segment(name), tail @ ..] => {
                let shortest = rest.chars().next()?.len_utf8();
                let run = tail
                    .iter()
                    .take_while(|piece| matches!(piece, Piece::Literal(_)))
                    .count();
                let (literals, after) = tail.split_at(run);
                let end = if after.is_empty() {
                    end_before_suffix(rest, literals, shortest, steps)?
                } else {
                    earliest_occurrence(rest, literals, shortest, steps)?
                };
                segments.push((*name, &rest[..end]));
                rest = strip_literals(&rest[end..], literals, steps)?;
                pieces = after;
            }
        }
    }
}

/// Where a final segment ends: `text` must end with `literals`, leaving at
/// least `shortest` bytes to the segment.
fn end_before_suffix(
    text: &str,
    literals: &[Piece],
    shortest: usize,
    steps: &mut usize,
) -> Option<usize> {
    let suffix: usize = literals.iter().map(literal_len).sum();
    let end = text.len().checked_sub(suffix)?;
    (end >= shortest && text.is_char_boundary(end))
        .then_some(end)
        .filter(|&end| strip_literals(&text[end..], literals, steps).is_some())
}

/// The earliest position, at least `shortest`, where `literals` occur in
/// `text` one after the other.
fn earliest_occurrence(
    text: &str,
    literals: &[Piece],
    shortest: usize,
    steps: &mut usize,
) -> Option<usize> {
    let Some((first, others)) = literals.split_first() else {
        // Two segments in a row: the first one takes one character.
        return Some(shortest);
    };
    let first = literal_text(first);
    let mut from = shortest;
    loop {
        let found = text[from..].find(first);
        *steps += found.map_or(text.len() - from, |at| at + first.len());
        let at = from + found?;
        if strip_literals(&text[at + first.len()..], others, steps).is_some() {
            return Some(at);
        }
        // Occurrences may overlap: look again one character further.
        from = at + text[at..].chars().next()?.len_utf8();
    }
}

/// `text` without the `literals` it starts with, one after the other.
fn strip_literals<'a>(text: &'a str, literals: &[Piece], steps: &mut usize) -> Option<&'a str> {
    literals.iter().try_fold(text, |rest, piece| {
        let literal = literal_text(piece);
        *steps += literal.len();
        rest.strip_prefix(literal)
    })
}

/// The text of a literal; only runs of literals are passed here.
fn literal_text(piece: &Piece) -> &'static str {
    match piece {
        Piece::Literal(literal) => literal,
        Piece::Segment(_) => "",
    }
}

fn literal_len(piece: &Piece) -> usize {
    literal_text(piece).len()
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

    /// The former matcher, trying every split from the shortest segment on:
    /// exponential, but the reference for which split wins.
    fn backtracking<'a>(
        pieces: &[Piece],
        data: &'a str,
        segments: &mut Vec<(&'static str, &'a str)>,
    ) -> bool {
        match pieces {
            [] => data.is_empty(),
            [Piece::Literal(literal), rest @ ..] => data
                .strip_prefix(literal)
                .is_some_and(|after| backtracking(rest, after, segments)),
            [Piece::Segment(name)] => {
                segments.push((name, data));
                !data.is_empty()
            }
            [Piece::Segment(name), rest @ ..] => {
                for (end, _) in data.char_indices().skip(1) {
                    let mark = segments.len();
                    segments.push((name, &data[..end]));
                    if backtracking(rest, &data[end..], segments) {
                        return true;
                    }
                    segments.truncate(mark);
                }
                false
            }
        }
    }

    /// A template of `segments` segments, each followed by `:`, and `!` at the end.
    fn colon_template(segments: usize) -> &'static [Piece] {
        const NAMES: [&str; 4] = ["a", "b", "c", "d"];
        let mut pieces = Vec::new();
        for i in 0..segments {
            pieces.push(Piece::Segment(NAMES[i % NAMES.len()]));
            pieces.push(Piece::Literal(if i + 1 == segments { "!" } else { ":" }));
        }
        Vec::leak(pieces)
    }

    #[test]
    fn an_adversarial_postback_is_matched_in_one_pass() {
        let pieces = colon_template(20);
        // Thousands of places for each `:` and no `!`: backtracking would try
        // them in every combination before giving up.
        let data = "a:".repeat(5_000);
        let mut steps = 0;
        assert_eq!(match_counting(pieces, &data, &mut steps), None);
        assert!(
            steps <= 2 * data.len(),
            "{steps} steps for {} bytes",
            data.len()
        );

        let data = format!("{}b!", "a:".repeat(5_000));
        let mut steps = 0;
        let segments = match_counting(pieces, &data, &mut steps).expect("a match");
        assert_eq!(segments.len(), 20);
        assert_eq!(segments[0], ("a", "a"));
        assert_eq!(segments[19].1.len(), data.len() - 2 * 19 - 1);
        assert!(
            steps <= 2 * data.len(),
            "{steps} steps for {} bytes",
            data.len()
        );
    }

    #[test]
    fn segments_take_whole_characters() {
        const GLUED: &[Piece] = &[
            Piece::Segment("a"),
            Piece::Segment("b"),
            Piece::Literal("é"),
        ];
        const OVERLAP: &[Piece] = &[
            Piece::Segment("a"),
            Piece::Literal("é"),
            Piece::Literal("x"),
            Piece::Segment("b"),
        ];
        let cases = [
            (GLUED, "ééé", Some(vec![("a", "é"), ("b", "é")])),
            (GLUED, "éé", None),
            (OVERLAP, "ééxéxy", Some(vec![("a", "é"), ("b", "éxy")])),
        ];
        for (pieces, data, expected) in cases {
            assert_eq!(match_template(pieces, data), expected, "{data}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_same_split_wins_as_when_every_split_is_tried(
            shape in proptest::collection::vec((0..4usize, proptest::bool::ANY), 1..6),
            ends_with_segment in proptest::bool::ANY,
            fillers in proptest::collection::vec("[a:é]{1,4}", 7),
            noise in "[a:é]{0,2}",
        ) {
            const LITERALS: [&str; 4] = [":", "a", "a:", "é"];
            const NAMES: [&str; 7] = ["s0", "s1", "s2", "s3", "s4", "s5", "last"];
            // Each step: an optional segment, then a literal (never empty);
            // the data fills the segments with text full of the literals,
            // then maybe some noise that may break the match.
            let mut pieces = Vec::new();
            let mut data = String::new();
            for (i, (literal, segment)) in shape.into_iter().enumerate() {
                if segment {
                    pieces.push(Piece::Segment(NAMES[i]));
                    data.push_str(&fillers[i]);
                }
                pieces.push(Piece::Literal(LITERALS[literal]));
                data.push_str(LITERALS[literal]);
            }
            if ends_with_segment {
                pieces.push(Piece::Segment("last"));
                data.push_str(&fillers[6]);
            }
            data.push_str(&noise);
            let pieces: &'static [Piece] = Vec::leak(pieces);
            let mut expected = Vec::new();
            let expected = backtracking(pieces, &data, &mut expected).then_some(expected);
            proptest::prop_assert_eq!(match_template(pieces, &data), expected);
        }
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
