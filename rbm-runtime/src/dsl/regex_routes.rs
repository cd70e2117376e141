//! Which of a step's regexes match a text, found in one search of the text
//! by a `RegexSet`; captures are then run only for those, in declaration
//! order, when dispatch reaches them.

use regex::{Captures, Regex, RegexSet, RegexSetBuilder};

use super::private::compile_regex;

/// The regexes of one step, each with a value, in declaration order.
#[derive(Debug)]
pub(crate) struct RegexRoutes<T> {
    /// Only the regexes that compiled (see [`compile_regex`]).
    regexes: Vec<(T, Regex)>,
    /// One set per case setting (the set builder's flags apply to all its
    /// patterns), with the position in `regexes` of each of its patterns.
    /// A set that does not build leaves its regexes always tried.
    sets: Vec<(Option<RegexSet>, Vec<usize>)>,
}

impl<T> RegexRoutes<T> {
    /// Compiles `routes` (value, source, ignore case), in declaration order.
    pub(crate) fn new(routes: impl IntoIterator<Item = (T, &'static str, bool)>) -> Self {
        Self::with_set_size_limit(routes, SET_SIZE_LIMIT)
    }

    /// [`RegexRoutes::new`], with the sets' compiled size limited to
    /// `limit` bytes.
    fn with_set_size_limit(
        routes: impl IntoIterator<Item = (T, &'static str, bool)>,
        limit: usize,
    ) -> Self {
        let mut regexes = Vec::new();
        let mut sources: [Vec<(usize, &str)>; 2] = Default::default();
        for (value, source, ignore_case) in routes {
            if let Some(regex) = compile_regex(source, ignore_case) {
                sources[usize::from(ignore_case)].push((regexes.len(), source));
                regexes.push((value, regex));
            }
        }
        let sets = sources
            .into_iter()
            .zip([false, true])
            .filter(|(patterns, _)| !patterns.is_empty())
            .map(|(patterns, ignore_case)| {
                let (positions, sources): (Vec<usize>, Vec<&str>) = patterns.into_iter().unzip();
                (build_set(&sources, ignore_case, limit), positions)
            })
            .collect();
        Self { regexes, sets }
    }

    /// Whether there is no regex.
    pub(crate) fn is_empty(&self) -> bool {
        self.regexes.is_empty()
    }

    /// The positions of the regexes that match `text`, in declaration order.
    pub(crate) fn matching(&self, text: &str) -> Vec<usize> {
        let mut matching = Vec::new();
        for (set, positions) in &self.sets {
            match set {
                Some(set) => matching.extend(set.matches(text).into_iter().map(|i| positions[i])),
                None => matching.extend_from_slice(positions),
            }
        }
        // One set's patterns are in declaration order already.
        if self.sets.len() > 1 {
            matching.sort_unstable();
        }
        matching
    }

    /// The value, regex and captures of the regex at `position` in `text`,
    /// if it matches.
    pub(crate) fn captures<'a>(
        &'a self,
        position: usize,
        text: &'a str,
    ) -> Option<(&'a T, &'a Regex, Captures<'a>)> {
        let (value, regex) = self.regexes.get(position)?;
        Some((value, regex, regex.captures(text)?))
    }
}

/// The compiled size a set may reach: many patterns together may exceed the
/// limit each one met alone (the `regex` crate's default, 10 MiB), so a set
/// gets more room.
const SET_SIZE_LIMIT: usize = 64 << 20;

/// The set of `sources`; `None` (every one is then tried) if it does not
/// build, which each pattern alone did.
fn build_set(sources: &[&str], ignore_case: bool, limit: usize) -> Option<RegexSet> {
    match RegexSetBuilder::new(sources)
        .case_insensitive(ignore_case)
        .size_limit(limit)
        .build()
    {
        Ok(set) => Some(set),
        Err(error) => {
            tracing::warn!(
                %error,
                regexes = sources.len(),
                "route regexes do not compile as one set: each is tried in turn"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_regexes_in_declaration_order_across_case_settings() {
        let routes = RegexRoutes::new([
            ('a', r"^\d+$", false),
            ('b', r"^ab", true),
            ('c', "a{10000}{10000}", false),
            ('d', r"^\d", false),
            ('e', r"b", true),
        ]);
        // The regex that does not compile is left out: positions skip it.
        assert_eq!(routes.matching("42"), vec![0, 2]);
        assert_eq!(routes.matching("ABC"), vec![1, 3]);
        assert_eq!(routes.matching("zz"), Vec::<usize>::new());
        let (value, _, captures) = routes.captures(3, "xBx").expect("matches");
        assert_eq!((*value, &captures[0]), ('e', "B"));
        assert!(routes.captures(0, "x").is_none());
        assert!(!routes.is_empty());
    }

    #[test]
    fn a_set_too_large_to_build_leaves_its_regexes_tried_in_turn() {
        let routes = RegexRoutes::with_set_size_limit(
            [(0, r"^\w+$", false), (1, r"^\d+$", false), (2, r"x", true)],
            10,
        );
        assert!(routes.sets.iter().all(|(set, _)| set.is_none()));
        assert_eq!(routes.matching("abc"), vec![0, 1, 2]);
        assert!(routes.captures(0, "abc").is_some());
        assert!(routes.captures(1, "abc").is_none());
    }
}
