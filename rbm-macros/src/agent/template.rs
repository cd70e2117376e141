//! Postback templates (`size:{size}`), split into pieces at compile time.

use super::model::Piece;

/// Splits a template into literals and `{name}` segments (`{{` and `}}` are
/// literal braces). A template without segments is an exact postback.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '}' => {
                return Err(
                    "unmatched `}` in postback template (write `}}` for a literal brace)".into(),
                );
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    name.push(c);
                }
                if !closed {
                    return Err(format!("`{{{name}` is not closed: write `{{{name}}}`"));
                }
                segment(&name, &pieces, &literal)?;
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Segment(name));
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// Checks a segment name, and that it is not glued to the previous segment.
fn segment(name: &str, pieces: &[Piece], literal_before: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_alphanumeric());
    if !valid {
        return Err(format!(
            "`{{{name}}}` is not a template segment: write `{{name}}` with a Rust identifier (and close it with `}}`)"
        ));
    }
    if pieces
        .iter()
        .any(|p| matches!(p, Piece::Segment(n) if n == name))
    {
        return Err(format!(
            "segment `{{{name}}}` appears twice in the template"
        ));
    }
    if literal_before.is_empty() && matches!(pieces.last(), Some(Piece::Segment(_))) {
        return Err(format!(
            "segment `{{{name}}}` directly follows another segment: put a separator between them, e.g. `{{a}}:{{b}}`"
        ));
    }
    Ok(())
}

/// The template's literal text only: two templates with the same skeleton
/// match the same data, whatever their segments are called.
pub(crate) fn skeleton(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => l.replace('{', "{{").replace('}', "}}"),
            Piece::Segment(_) => "{}".into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.into())
    }

    fn seg(s: &str) -> Piece {
        Piece::Segment(s.into())
    }

    #[test]
    fn splits_literals_and_segments() {
        assert_eq!(parse("size:{size}"), Ok(vec![lit("size:"), seg("size")]));
        assert_eq!(
            parse("{a}/{b}!"),
            Ok(vec![seg("a"), lit("/"), seg("b"), lit("!")])
        );
        assert_eq!(parse("a{{b}}"), Ok(vec![lit("a{b}")]));
        assert_eq!(skeleton(&[lit("size:"), seg("size")]), "size:{}");
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(parse("{a}{b}").is_err());
        assert!(parse("{}").is_err());
        assert!(parse("{1x}").is_err());
        assert!(parse("{a").is_err());
        assert!(parse("a}").is_err());
        assert!(parse("{a}-{a}").is_err());
    }
}
