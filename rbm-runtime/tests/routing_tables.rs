//! The route tables against a reference matcher that tries every route, one
//! after another, in the documented order (what dispatch did before the
//! tables): on generated route sets and generated texts and postbacks, they
//! must give the same candidates in the same order, and so the same route
//! when each route accepts or refuses what it found (a typed capture or
//! segment that does not parse gives way to the next route).

use proptest::prelude::*;
use rbm_runtime::__private::{
    Found, Piece, PostbackRoute, PostbackRoutes, TextRoute, TextRoutes, match_template,
    split_command, strip_prefix,
};

/// What a candidate found, as owned text (comparable across matchers).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Nothing,
    Rest(String),
    /// The whole match and the `n` group, if it took part.
    Captures(String, Option<String>),
    Segments(Vec<(&'static str, String)>),
}

impl From<Found<'_>> for Seen {
    fn from(found: Found<'_>) -> Self {
        match found {
            Found::Nothing => Seen::Nothing,
            Found::Rest(rest) => Seen::Rest(rest.into()),
            Found::Captures(_, captures) => Seen::Captures(
                captures[0].into(),
                captures.name("n").map(|n| n.as_str().into()),
            ),
            Found::Segments(segments) => Seen::Segments(
                segments
                    .into_iter()
                    .map(|(name, value)| (name, value.into()))
                    .collect(),
            ),
        }
    }
}

type Pass<R> = Vec<(usize, R)>;

/// Every text route of every pass, tried one by one in the documented order.
fn reference_text(passes: &[Pass<TextRoute>], text: &str) -> Vec<(usize, Seen)> {
    let mut tried = Vec::new();
    for pass in passes {
        let of = |keep: &dyn Fn(&TextRoute) -> bool| -> Vec<(usize, TextRoute)> {
            pass.iter().filter(|(_, r)| keep(r)).copied().collect()
        };
        for (route, matcher) in of(&|r| matches!(r, TextRoute::Exact(_))) {
            if let TextRoute::Exact(value) = matcher
                && value == text
            {
                tried.push((route, Seen::Nothing));
            }
        }
        for (route, matcher) in of(&|r| matches!(r, TextRoute::ExactIgnoreCase(_))) {
            if let TextRoute::ExactIgnoreCase(value) = matcher
                && value.to_lowercase() == text.to_lowercase()
            {
                tried.push((route, Seen::Nothing));
            }
        }
        let (word, rest) = split_command(text);
        for wanted_case in [false, true] {
            for (route, matcher) in of(&|r| matches!(r, TextRoute::Command { .. })) {
                if let TextRoute::Command {
                    word: w,
                    ignore_case,
                } = matcher
                    && ignore_case == wanted_case
                    && (if ignore_case {
                        w.to_lowercase() == word.to_lowercase()
                    } else {
                        w == word
                    })
                {
                    tried.push((route, Seen::Rest(rest.into())));
                }
            }
        }
        let mut prefixes = of(&|r| matches!(r, TextRoute::Prefix { .. }));
        prefixes.sort_by_key(|(_, r)| match r {
            TextRoute::Prefix { value, .. } => std::cmp::Reverse(value.chars().count()),
            _ => unreachable!("only prefixes"),
        });
        for (route, matcher) in prefixes {
            if let TextRoute::Prefix { value, ignore_case } = matcher
                && let Some(rest) = strip_prefix(text, value, ignore_case)
            {
                tried.push((route, Seen::Rest(rest.into())));
            }
        }
        for (route, matcher) in of(&|r| matches!(r, TextRoute::Regex { .. })) {
            if let TextRoute::Regex {
                source,
                ignore_case,
            } = matcher
            {
                let regex = regex::RegexBuilder::new(source)
                    .case_insensitive(ignore_case)
                    .build()
                    .expect("the generated regexes compile");
                if let Some(captures) = regex.captures(text) {
                    tried.push((
                        route,
                        Seen::Captures(
                            captures[0].into(),
                            captures.name("n").map(|n| n.as_str().into()),
                        ),
                    ));
                }
            }
        }
        for (route, _) in of(&|r| matches!(r, TextRoute::Any)) {
            tried.push((route, Seen::Nothing));
        }
    }
    tried
}

/// Every postback route of every pass, tried one by one in the documented
/// order.
fn reference_postback(passes: &[Pass<PostbackRoute>], data: &str) -> Vec<(usize, Seen)> {
    let mut tried = Vec::new();
    for pass in passes {
        for (route, matcher) in pass {
            if let PostbackRoute::Exact(value) = matcher
                && *value == data
            {
                tried.push((*route, Seen::Nothing));
            }
        }
        let mut templates: Vec<(usize, &'static [Piece])> = pass
            .iter()
            .filter_map(|(route, matcher)| match matcher {
                PostbackRoute::Template(pieces) => Some((*route, *pieces)),
                _ => None,
            })
            .collect();
        templates.sort_by_key(|(_, pieces)| {
            std::cmp::Reverse(
                pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Literal(literal) => literal.chars().count(),
                        Piece::Segment(_) => 0,
                    })
                    .sum::<usize>(),
            )
        });
        for (route, pieces) in templates {
            if let Some(segments) = match_template(pieces, data) {
                tried.push((route, Found::Segments(segments).into()));
            }
        }
        for (route, matcher) in pass {
            if *matcher == PostbackRoute::Any {
                tried.push((*route, Seen::Nothing));
            }
        }
    }
    tried
}

fn leak(text: String) -> &'static str {
    text.leak()
}

/// Short strings over few characters, so that routes overlap: case pairs,
/// a character whose lowercase is two characters, a final sigma, digits.
const ALPHABET: &str = "[aAbB/ éÉİiΣς12:]";

fn word() -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("{ALPHABET}{{1,4}}")).expect("a valid regex")
}

/// Regexes with and without an `n` group, some overlapping, some whose `n`
/// is not a number (so a typed `n` does not parse).
const REGEXES: &[&str] = &[
    r"^(?<n>\d+)",
    r"(?<n>\d+)$",
    r"^a",
    r"b",
    r"^(?<n>[a1]+)",
    r"é",
    r"^\S+ (?<n>\S+)",
    r"(?<n>σ)?$",
];

fn text_route() -> impl Strategy<Value = TextRoute> {
    let ignore_case = any::<bool>();
    prop_oneof![
        word().prop_map(|w| TextRoute::Exact(leak(w))),
        word().prop_map(|w| TextRoute::ExactIgnoreCase(leak(w))),
        (word(), ignore_case).prop_map(|(w, ignore_case)| TextRoute::Command {
            word: leak(w.replace(' ', "_")),
            ignore_case
        }),
        (word(), ignore_case).prop_map(|(w, ignore_case)| TextRoute::Prefix {
            value: leak(w),
            ignore_case
        }),
        (0..REGEXES.len(), ignore_case).prop_map(|(i, ignore_case)| TextRoute::Regex {
            source: REGEXES[i],
            ignore_case
        }),
        Just(TextRoute::Any),
    ]
}

/// Routes numbered in declaration order, split at random into the pass of
/// the routes limited to a state and the pass of the others.
fn passes<R: Clone + std::fmt::Debug>(
    route: impl Strategy<Value = R>,
) -> impl Strategy<Value = Vec<Pass<R>>> {
    proptest::collection::vec((route, any::<bool>()), 0..24).prop_map(|routes| {
        let mut passes = vec![Vec::new(), Vec::new()];
        for (number, (route, filtered)) in routes.into_iter().enumerate() {
            passes[usize::from(!filtered)].push((number, route));
        }
        passes
    })
}

/// A text: random, or built from a route's value (case changed at random)
/// and a random tail, so that routes do match.
fn text_for(passes: &[Pass<TextRoute>]) -> impl Strategy<Value = String> + use<> {
    let values: Vec<&'static str> = passes
        .iter()
        .flatten()
        .filter_map(|(_, route)| match route {
            TextRoute::Exact(v) | TextRoute::ExactIgnoreCase(v) => Some(*v),
            TextRoute::Command { word, .. } => Some(*word),
            TextRoute::Prefix { value, .. } => Some(*value),
            _ => None,
        })
        .collect();
    let tail = || proptest::string::string_regex(&format!("{ALPHABET}{{0,5}}")).expect("valid");
    let built = (
        proptest::sample::select(if values.is_empty() { vec![""] } else { values }),
        any::<bool>(),
        tail(),
    )
        .prop_map(|(value, upper, tail)| {
            let value = if upper {
                value.to_uppercase()
            } else {
                value.into()
            };
            format!("{value}{tail}")
        });
    prop_oneof![tail(), built]
}

fn text_routes(passes: &[Pass<TextRoute>]) -> TextRoutes {
    let slices: Vec<&[(usize, TextRoute)]> = passes.iter().map(Vec::as_slice).collect();
    TextRoutes::new(&slices)
}

/// A route refuses what it found when it has an `n` that is not a number
/// (a parameter `n: u32`, as a typed capture or segment), or, for one
/// route in three, when it has any segment `s` that is not a number.
fn accepts(route: usize, seen: &Seen) -> bool {
    match seen {
        Seen::Captures(_, Some(n)) => n.parse::<u32>().is_ok(),
        Seen::Segments(segments) => {
            segments
                .iter()
                .all(|(name, value)| *name != "n" || value.parse::<u32>().is_ok())
                && (!route.is_multiple_of(3)
                    || segments.iter().all(|(_, v)| v.parse::<u32>().is_ok()))
        }
        _ => true,
    }
}

/// The route dispatch picks: the first candidate that accepts.
fn picked(candidates: &[(usize, Seen)]) -> Option<usize> {
    candidates
        .iter()
        .find(|(route, seen)| accepts(*route, seen))
        .map(|(route, _)| *route)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn text_tables_try_what_the_reference_tries(
        (passes, texts) in passes(text_route()).prop_flat_map(|passes| {
            let texts = proptest::collection::vec(text_for(&passes), 8);
            (Just(passes), texts)
        })
    ) {
        let routes = text_routes(&passes);
        for text in &texts {
            let tried: Vec<(usize, Seen)> = routes
                .candidates(text)
                .map(|(route, found)| (route, found.into()))
                .collect();
            let expected = reference_text(&passes, text);
            prop_assert_eq!(picked(&tried), picked(&expected), "text {:?}", text);
            prop_assert_eq!(tried, expected, "text {:?}", text);
        }
    }
}

/// Template literals that overlap and repeat.
const LITERALS: &[&str] = &["qty:", ":", "q", "size:", "é"];
const SEGMENTS: &[&str] = &["n", "s", "m"];

/// A template: literals and segments alternating (no two segments in a
/// row, each name once), starting with either.
fn template() -> impl Strategy<Value = &'static [Piece]> {
    (
        any::<bool>(),
        proptest::collection::vec(0..LITERALS.len(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(segment_first, literals, segment_last)| {
            let mut pieces = Vec::new();
            let mut names = SEGMENTS.iter();
            let mut segment = |pieces: &mut Vec<Piece>| {
                if let Some(name) = names.next() {
                    pieces.push(Piece::Segment(name));
                }
            };
            if segment_first {
                segment(&mut pieces);
            }
            let count = literals.len();
            for (i, literal) in literals.into_iter().enumerate() {
                pieces.push(Piece::Literal(LITERALS[literal]));
                if i + 1 < count || segment_last {
                    segment(&mut pieces);
                }
            }
            &*Vec::leak(pieces)
        })
}

fn postback_route() -> impl Strategy<Value = PostbackRoute> {
    prop_oneof![
        3 => template().prop_map(PostbackRoute::Template),
        1 => proptest::sample::select(vec!["qty:1", "q", "size::", "qty:x:2"])
            .prop_map(PostbackRoute::Exact),
        1 => Just(PostbackRoute::Any),
    ]
}

/// Data: random, or a template filled with numbers and words.
fn data_for(passes: &[Pass<PostbackRoute>]) -> impl Strategy<Value = String> + use<> {
    let templates: Vec<&'static [Piece]> = passes
        .iter()
        .flatten()
        .filter_map(|(_, route)| match route {
            PostbackRoute::Template(pieces) => Some(*pieces),
            _ => None,
        })
        .collect();
    let random = proptest::string::string_regex("[qtyszie:é12x]{0,10}").expect("valid");
    let filled = (
        proptest::sample::select(if templates.is_empty() {
            vec![&[][..]]
        } else {
            templates
        }),
        proptest::collection::vec(
            proptest::sample::select(vec!["1", "23", "x", "q:", ":", "é"]),
            3,
        ),
    )
        .prop_map(|(pieces, fills)| {
            let mut fills = fills.into_iter();
            pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Literal(literal) => literal.to_string(),
                    Piece::Segment(_) => fills.next().unwrap_or("1").to_string(),
                })
                .collect::<String>()
        });
    prop_oneof![random, filled]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn postback_tables_try_what_the_reference_tries(
        (passes, data) in passes(postback_route()).prop_flat_map(|passes| {
            let data = proptest::collection::vec(data_for(&passes), 8);
            (Just(passes), data)
        })
    ) {
        let slices: Vec<&[(usize, PostbackRoute)]> = passes.iter().map(Vec::as_slice).collect();
        let routes = PostbackRoutes::new(&slices);
        for data in &data {
            let tried: Vec<(usize, Seen)> = routes
                .candidates(data)
                .map(|(route, found)| (route, found.into()))
                .collect();
            let expected = reference_postback(&passes, data);
            prop_assert_eq!(picked(&tried), picked(&expected), "data {:?}", data);
            prop_assert_eq!(tried, expected, "data {:?}", data);
        }
    }
}

#[test]
fn a_typed_capture_that_does_not_parse_gives_way_to_the_next_regex() {
    let passes = vec![
        Vec::new(),
        vec![
            (
                0,
                TextRoute::Regex {
                    source: r"^(?<n>\w+)$",
                    ignore_case: false,
                },
            ),
            (
                1,
                TextRoute::Regex {
                    source: r"^[a-z]",
                    ignore_case: false,
                },
            ),
            (2, TextRoute::Any),
        ],
    ];
    let routes = text_routes(&passes);
    let tried = |text: &str| -> Vec<(usize, Seen)> {
        routes
            .candidates(text)
            .map(|(route, found)| (route, found.into()))
            .collect()
    };
    assert_eq!(picked(&tried("42")), Some(0));
    assert_eq!(picked(&tried("abc")), Some(1));
    assert_eq!(picked(&tried("é")), Some(2));
    assert_eq!(tried("abc"), reference_text(&passes, "abc"));
}
