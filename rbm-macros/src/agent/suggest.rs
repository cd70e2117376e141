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

/// Edit distance over chars where swapping two neighbours counts as one
/// edit (optimal string alignment), since `txet` is one slip, not two.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["text", "prefix", "regex", "postback", "ignore_case"];
        assert_eq!(closest("txt", &keys), Some("text"));
        assert_eq!(closest("regx", &keys), Some("regex"));
        assert_eq!(closest("txet", &keys), Some("text"));
        assert_eq!(closest("ignorecase", &keys), Some("ignore_case"));
        assert_eq!(closest("Postback", &keys), Some("postback"));
        assert_eq!(closest("banana", &keys), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
