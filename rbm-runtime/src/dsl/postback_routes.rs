//! The postback step of dispatch: the routes that match postback data, in
//! the documented order, without comparing the data with every route.
//!
//! Within each pass (the routes limited to a state, then the others): exact
//! data by lookup, then templates (most literal characters first, then
//! declaration order), then any postback. Templates are grouped by the
//! literal they start with: the data is compared only with the templates
//! whose leading literal begins it (and those starting with a segment).

use std::collections::{HashMap, VecDeque};
use std::vec;

use super::input::Found;
use super::matching::{Piece, match_template};
use super::prefix_trie::PrefixTrie;

/// What a postback route matches, as `#[rbm_agent]` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostbackRoute {
    /// `postback = "..."` without segments: exactly this data.
    Exact(&'static str),
    /// `postback = "...{segment}..."`: data of this shape.
    Template(&'static [Piece]),
    /// `postback`: any data.
    Any,
}

/// Route numbers, in the order they are tried.
type Routes = Vec<usize>;

/// The postback routes of one pass, ready to be looked up.
#[derive(Debug)]
struct PostbackPass {
    exact: HashMap<&'static str, Routes>,
    /// In the order they are tried.
    templates: Vec<(usize, &'static [Piece])>,
    /// Each template's leading literal (empty when it starts with a
    /// segment), giving its position in `templates`.
    leading: PrefixTrie<usize>,
    any: Routes,
}

impl PostbackPass {
    fn new(routes: &[(usize, PostbackRoute)]) -> Self {
        let mut exact: HashMap<_, Routes> = HashMap::new();
        let mut templates = Vec::new();
        let mut any = Vec::new();
        for &(route, matcher) in routes {
            match matcher {
                PostbackRoute::Exact(data) => exact.entry(data).or_default().push(route),
                PostbackRoute::Template(pieces) => templates.push((route, pieces)),
                PostbackRoute::Any => any.push(route),
            }
        }
        // More literal characters is more specific; a stable sort keeps the
        // declaration order among equals.
        templates.sort_by_key(|(_, pieces)| std::cmp::Reverse(literal_chars(pieces)));
        let mut leading = PrefixTrie::default();
        for (position, (_, pieces)) in templates.iter().enumerate() {
            let literal = match pieces.first() {
                Some(Piece::Literal(literal)) => literal,
                _ => "",
            };
            leading.insert(literal, false, position);
        }
        Self {
            exact,
            templates,
            leading,
            any,
        }
    }
}

/// How many literal characters a template has.
fn literal_chars(pieces: &[Piece]) -> usize {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Literal(literal) => literal.chars().count(),
            Piece::Segment(_) => 0,
        })
        .sum()
}

/// Every postback route of an agent, built once per agent type.
#[doc(hidden)]
#[derive(Debug)]
pub struct PostbackRoutes {
    passes: Vec<PostbackPass>,
}

impl PostbackRoutes {
    /// The routes of each pass (route number, matcher), in declaration
    /// order; passes are tried in the order given.
    pub fn new(passes: &[&[(usize, PostbackRoute)]]) -> Self {
        Self {
            passes: passes
                .iter()
                .map(|routes| PostbackPass::new(routes))
                .collect(),
        }
    }

    /// The routes matching `data`, in the order they are to be tried, each
    /// with what it found.
    pub fn candidates<'a>(&'a self, data: &'a str) -> PostbackCandidates<'a> {
        PostbackCandidates {
            routes: self,
            data,
            pass: 0,
            stage: Stage::Exact,
            ready: VecDeque::new(),
            templates: Vec::new().into_iter(),
        }
    }
}

/// The kinds of postback routes of a pass, in the order they are tried.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Exact,
    Templates,
    Any,
    NextPass,
}

/// The routes matching one postback, produced as dispatch asks for them.
#[doc(hidden)]
#[derive(Debug)]
pub struct PostbackCandidates<'a> {
    routes: &'a PostbackRoutes,
    data: &'a str,
    pass: usize,
    stage: Stage,
    ready: VecDeque<(usize, Found<'a>)>,
    /// The positions of the pass's templates that may match, still to try.
    templates: vec::IntoIter<usize>,
}

impl PostbackCandidates<'_> {
    /// Finds the candidates of the current stage of the current pass and
    /// moves on to the next stage; `false` when every pass is done.
    fn advance(&mut self) -> bool {
        let routes = self.routes;
        let Some(pass) = routes.passes.get(self.pass) else {
            return false;
        };
        self.stage = match self.stage {
            Stage::Exact => {
                let found = pass.exact.get(self.data).into_iter().flatten();
                self.ready
                    .extend(found.map(|&route| (route, Found::Nothing)));
                Stage::Templates
            }
            Stage::Templates => {
                if !pass.templates.is_empty() {
                    let mut positions: Vec<usize> = pass
                        .leading
                        .matches(self.data)
                        .into_iter()
                        .map(|(_, &position)| position)
                        .collect();
                    positions.sort_unstable();
                    self.templates = positions.into_iter();
                }
                Stage::Any
            }
            Stage::Any => {
                self.ready
                    .extend(pass.any.iter().map(|&route| (route, Found::Nothing)));
                Stage::NextPass
            }
            Stage::NextPass => {
                self.pass += 1;
                Stage::Exact
            }
        };
        true
    }
}

impl<'a> Iterator for PostbackCandidates<'a> {
    type Item = (usize, Found<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(candidate) = self.ready.pop_front() {
                return Some(candidate);
            }
            if let Some(position) = self.templates.next() {
                let routes = self.routes;
                let (route, pieces) = routes.passes[self.pass].templates[position];
                if let Some(segments) = match_template(pieces, self.data) {
                    return Some((route, Found::Segments(segments)));
                }
                continue;
            }
            if !self.advance() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QTY_NUMBER: &[Piece] = &[Piece::Literal("qty:"), Piece::Segment("n")];
    const QTY_WORD: &[Piece] = &[Piece::Literal("qty:"), Piece::Segment("word")];
    const QTY_PAIR: &[Piece] = &[
        Piece::Literal("qty:"),
        Piece::Segment("n"),
        Piece::Literal(":"),
        Piece::Segment("m"),
    ];
    const ANY_SUFFIX: &[Piece] = &[Piece::Segment("x"), Piece::Literal(":1")];

    fn tried(routes: &PostbackRoutes, data: &str) -> Vec<(usize, Vec<(&'static str, String)>)> {
        routes
            .candidates(data)
            .map(|(route, found)| {
                let segments = match found {
                    Found::Segments(segments) => segments
                        .into_iter()
                        .map(|(name, value)| (name, value.to_string()))
                        .collect(),
                    _ => Vec::new(),
                };
                (route, segments)
            })
            .collect()
    }

    #[test]
    fn exact_then_templates_by_literal_length_then_any_in_each_pass() {
        use PostbackRoute::*;
        let filtered: &[(usize, PostbackRoute)] = &[(0, Template(QTY_WORD))];
        let unfiltered: &[(usize, PostbackRoute)] = &[
            (1, Any),
            (2, Template(QTY_NUMBER)),
            (3, Template(QTY_WORD)),
            (4, Template(QTY_PAIR)),
            (5, Template(ANY_SUFFIX)),
            (6, Exact("qty:2:1")),
        ];
        let routes = PostbackRoutes::new(&[filtered, unfiltered]);
        let segment = |name, value: &str| (name, value.to_string());
        assert_eq!(
            tried(&routes, "qty:2:1"),
            vec![
                (0, vec![segment("word", "2:1")]),
                (6, vec![]),
                (4, vec![segment("n", "2"), segment("m", "1")]),
                (2, vec![segment("n", "2:1")]),
                (3, vec![segment("word", "2:1")]),
                (5, vec![segment("x", "qty:2")]),
                (1, vec![]),
            ]
        );
        assert_eq!(
            tried(&routes, "size:1"),
            vec![(5, vec![segment("x", "size")]), (1, vec![])]
        );
        assert_eq!(tried(&routes, "size:2"), vec![(1, vec![])]);
    }
}
