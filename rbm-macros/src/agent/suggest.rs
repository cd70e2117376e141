//! "Did you mean": the closest known name to a misspelt one.

/// The candidate closest to `unknown`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(unknown: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let unknown = unknown.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (distance(&unknown, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(unknown.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["text", "prefix", "regex", "postback", "ignore_case"];
        assert_eq!(closest("txt", &keys), Some("text"));
        assert_eq!(closest("regx", &keys), Some("regex"));
        assert_eq!(closest("ignorecase", &keys), Some("ignore_case"));
        assert_eq!(closest("Postback", &keys), Some("postback"));
        assert_eq!(closest("banana", &keys), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
