//! Which of a step's regexes match a text, found in one search of the text
//! by a `RegexSet`; captures are then run only for those, in declaration
//! order, when dispatch reaches them.
//!
//! A route's own `Regex` is compiled the first time the set says it
//! matches: with Unicode classes one takes hundreds of kilobytes, and most
//! of a large bot's regexes may never match.

use std::sync::OnceLock;

use regex::{Captures, Regex, RegexSet, RegexSetBuilder};

use super::private::compile_regex;

/// One regex route: its value, its source and, once needed, its regex.
#[derive(Debug)]
struct RegexRoute<T> {
    value: T,
    source: &'static str,
    ignore_case: bool,
    /// `None` inside if it does not compile alone (it did in its set).
    regex: OnceLock<Option<Regex>>,
}

/// The regexes of one step, each with a value, in declaration order.
#[derive(Debug)]
pub(crate) struct RegexRoutes<T> {
    /// Only the regexes that compile (see [`compile_regex`]).
    regexes: Vec<RegexRoute<T>>,
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
        let routes: Vec<(T, &'static str, bool)> = routes.into_iter().collect();
        // Per route in declaration order: whether it is kept, with its
        // regex when it had to be compiled already.
        let mut kept: Vec<Option<OnceLock<Option<Regex>>>> =
            std::iter::repeat_with(|| None).take(routes.len()).collect();
        let mut groups = Vec::new();
        for ignore_case in [false, true] {
            let members: Vec<usize> = (0..routes.len())
                .filter(|&i| routes[i].2 == ignore_case)
                .collect();
            if members.is_empty() {
                continue;
            }
            let sources: Vec<&str> = members.iter().map(|&i| routes[i].1).collect();
            let (set, members) = match set_of(&sources, ignore_case, limit) {
                // Every pattern compiles: each regex waits until it matches.
                Ok(set) => {
                    for &i in &members {
                        kept[i] = Some(OnceLock::new());
                    }
                    (Some(set), members)
                }
                // Leave out what does not compile, and try again without it.
                Err(_) => {
                    let valid: Vec<usize> = members
                        .into_iter()
                        .filter(|&i| {
                            let regex = compile_regex(routes[i].1, ignore_case);
                            let compiles = regex.is_some();
                            kept[i] = compiles.then(|| OnceLock::from(regex));
                            compiles
                        })
                        .collect();
                    let sources: Vec<&str> = valid.iter().map(|&i| routes[i].1).collect();
                    (build_set(&sources, ignore_case, limit), valid)
                }
            };
            groups.push((set, members));
        }
        let mut position = vec![usize::MAX; routes.len()];
        let mut regexes = Vec::new();
        for (i, ((value, source, ignore_case), regex)) in routes.into_iter().zip(kept).enumerate() {
            if let Some(regex) = regex {
                position[i] = regexes.len();
                regexes.push(RegexRoute {
                    value,
                    source,
                    ignore_case,
                    regex,
                });
            }
        }
        let sets = groups
            .into_iter()
            .filter(|(_, members)| !members.is_empty())
            .map(|(set, members)| (set, members.iter().map(|&i| position[i]).collect()))
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
        let route = self.regexes.get(position)?;
        let regex = route
            .regex
            .get_or_init(|| compile_regex(route.source, route.ignore_case))
            .as_ref()?;
        Some((&route.value, regex, regex.captures(text)?))
    }
}

/// The compiled size a set may reach: many patterns together may exceed the
/// limit each one met alone (the `regex` crate's default, 10 MiB), so a set
/// gets more room.
const SET_SIZE_LIMIT: usize = 64 << 20;

/// The set of `sources`.
fn set_of(sources: &[&str], ignore_case: bool, limit: usize) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(sources)
        .case_insensitive(ignore_case)
        .size_limit(limit)
        .build()
}

/// The set of `sources`; `None` (every one is then tried) if it does not
/// build, which each pattern alone did.
fn build_set(sources: &[&str], ignore_case: bool, limit: usize) -> Option<RegexSet> {
    if sources.is_empty() {
        return None;
    }
    match set_of(sources, ignore_case, limit) {
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
    fn a_route_regex_is_compiled_only_once_its_set_says_it_matches() {
        let routes = RegexRoutes::new([(0, r"^(?<n>\d+) a$", false), (1, r"^(?<n>\d+) b$", false)]);
        let compiled = |routes: &RegexRoutes<i32>| -> Vec<bool> {
            routes
                .regexes
                .iter()
                .map(|r| r.regex.get().is_some())
                .collect()
        };
        assert_eq!(compiled(&routes), [false, false]);
        assert_eq!(routes.matching("7 b"), vec![1]);
        let (value, _, captures) = routes.captures(1, "7 b").expect("matches");
        assert_eq!((*value, &captures["n"]), (1, "7"));
        assert_eq!(compiled(&routes), [false, true]);
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
