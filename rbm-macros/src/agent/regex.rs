//! Regular expressions are checked when the agent compiles, not at the first
//! message: a typo, or a pattern too large to compile, is an error on the
//! literal.

/// Builds `source` exactly as the runtime will (same `regex` crate, same
/// options, same size limits), returning its group names in order, or the
/// error (a syntax error points into the pattern).
pub(crate) fn check(source: &str, ignore_case: bool) -> Result<Vec<String>, String> {
    let regex = regex::RegexBuilder::new(source)
        .case_insensitive(ignore_case)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(limit) => format!(
                "the compiled pattern exceeds the `regex` crate's size limit of {limit} bytes \
                 (a large repetition such as `{{1000}}` multiplies its size): simplify it"
            ),
            other => other.to_string(),
        })?;
    Ok(regex
        .capture_names()
        .flatten()
        .map(ToString::to_string)
        .collect())
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

    #[test]
    fn rejects_patterns_too_large_to_compile() {
        let error = check("a{10000}{10000}", false).expect_err("too large");
        assert!(error.contains("size limit"), "{error}");
        assert!(check("a{100}", true).is_ok());
    }
}
