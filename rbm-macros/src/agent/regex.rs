//! Regular expressions are checked when the agent compiles, not at the first
//! message: a typo is an error on the literal.

use regex_syntax::hir::{Hir, HirKind};

/// Parses `source` like the `regex` crate will, returning its group names
/// in order, or the parser's error (which points into the pattern).
pub(crate) fn check(source: &str, ignore_case: bool) -> Result<Vec<String>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(ignore_case)
        .build()
        .parse(source)
        .map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    collect_names(&hir, &mut names);
    Ok(names)
}

fn collect_names(hir: &Hir, names: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Capture(capture) => {
            if let Some(name) = &capture.name {
                names.push(name.to_string());
            }
            collect_names(&capture.sub, names);
        }
        HirKind::Repetition(repetition) => collect_names(&repetition.sub, names),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            for sub in subs {
                collect_names(sub, names);
            }
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_group_names_and_rejects_bad_syntax() {
        assert_eq!(
            check(r"^order (?<qty>\d+)( (?P<size>\w+))?$", false),
            Ok(vec!["qty".to_string(), "size".to_string()])
        );
        assert!(check(r"^order (\d+$", false).is_err());
    }
}
