//! The text step of dispatch: the routes that match a text, in the
//! documented order, found by lookups and one search per kind of route, so
//! the cost of a delivery does not grow with the number of routes.
//!
//! The order, within each pass (the routes limited to a state, then the
//! others): exact texts, `ignore_case` texts, commands (case-sensitive, then
//! `ignore_case`), prefixes (longest first), regexes (declaration order),
//! any text. Candidates are produced one at a time: dispatch tries each
//! (its state filter, its parameters) and asks for the next only when that
//! one does not match, so a regex's captures are run only when reached.

use std::collections::{HashMap, VecDeque};
use std::vec;

use super::input::Found;
use super::matching::split_command;
use super::prefix_trie::PrefixTrie;
use super::regex_routes::RegexRoutes;

/// What a text route matches, as `#[rbm_agent]` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRoute {
    /// `text = "..."`: exactly this text.
    Exact(&'static str),
    /// `text = "...", ignore_case`.
    ExactIgnoreCase(&'static str),
    /// `command = "..."`: the first word of the text.
    Command {
        /// The word.
        word: &'static str,
        /// Whether case is ignored.
        ignore_case: bool,
    },
    /// `prefix = "..."`.
    Prefix {
        /// The prefix.
        value: &'static str,
        /// Whether case is ignored.
        ignore_case: bool,
    },
    /// `regex = "..."`.
    Regex {
        /// The pattern.
        source: &'static str,
        /// Whether case is ignored.
        ignore_case: bool,
    },
    /// `text`: any text.
    Any,
}

/// Route numbers, in the order they are tried.
type Routes = Vec<usize>;

/// The text routes of one pass, ready to be looked up.
#[derive(Debug)]
struct TextPass {
    exact: HashMap<&'static str, Routes>,
    /// Keyed by the text in lowercase.
    folded: HashMap<String, Routes>,
    commands: HashMap<&'static str, Routes>,
    /// Keyed by the word in lowercase.
    folded_commands: HashMap<String, Routes>,
    prefixes: PrefixTrie<usize>,
    regexes: RegexRoutes<usize>,
    any: Routes,
}

impl TextPass {
    fn new(routes: &[(usize, TextRoute)]) -> Self {
        let mut exact: HashMap<_, Routes> = HashMap::new();
        let mut folded: HashMap<_, Routes> = HashMap::new();
        let mut commands: HashMap<_, Routes> = HashMap::new();
        let mut folded_commands: HashMap<_, Routes> = HashMap::new();
        let mut prefixes = PrefixTrie::default();
        let mut regexes = Vec::new();
        let mut any = Vec::new();
        for &(route, matcher) in routes {
            match matcher {
                TextRoute::Exact(text) => exact.entry(text).or_default().push(route),
                TextRoute::ExactIgnoreCase(text) => {
                    folded.entry(text.to_lowercase()).or_default().push(route);
                }
                TextRoute::Command {
                    word,
                    ignore_case: false,
                } => commands.entry(word).or_default().push(route),
                TextRoute::Command {
                    word,
                    ignore_case: true,
                } => folded_commands
                    .entry(word.to_lowercase())
                    .or_default()
                    .push(route),
                TextRoute::Prefix { value, ignore_case } => {
                    prefixes.insert(value, ignore_case, route);
                }
                TextRoute::Regex {
                    source,
                    ignore_case,
                } => regexes.push((route, source, ignore_case)),
                TextRoute::Any => any.push(route),
            }
        }
        Self {
            exact,
            folded,
            commands,
            folded_commands,
            prefixes,
            regexes: RegexRoutes::new(regexes),
            any,
        }
    }
}

/// Every text route of an agent, built once per agent type.
#[doc(hidden)]
#[derive(Debug)]
pub struct TextRoutes {
    passes: Vec<TextPass>,
}

impl TextRoutes {
    /// The routes of each pass (route number, matcher), in declaration
    /// order; passes are tried in the order given.
    pub fn new(passes: &[&[(usize, TextRoute)]]) -> Self {
        Self {
            passes: passes.iter().map(|routes| TextPass::new(routes)).collect(),
        }
    }

    /// The routes matching `text`, in the order they are to be tried, each
    /// with what it found.
    pub fn candidates<'a>(&'a self, text: &'a str) -> TextCandidates<'a> {
        TextCandidates {
            routes: self,
            text,
            pass: 0,
            stage: Stage::Exact,
            ready: VecDeque::new(),
            regexes: Vec::new().into_iter(),
            lowercase: None,
            command: None,
            lowercase_word: None,
        }
    }
}

/// The kinds of text routes of a pass, in the order they are tried.
#[derive(Debug, Clone, Copy)]
enum Stage {
    Exact,
    Folded,
    Commands,
    FoldedCommands,
    Prefixes,
    Regexes,
    Any,
    NextPass,
}

/// The routes matching one text, produced as dispatch asks for them.
#[doc(hidden)]
#[derive(Debug)]
pub struct TextCandidates<'a> {
    routes: &'a TextRoutes,
    text: &'a str,
    pass: usize,
    stage: Stage,
    /// Candidates found and not yet handed out.
    ready: VecDeque<(usize, Found<'a>)>,
    /// The regexes of the pass that match, whose captures are still to run.
    regexes: vec::IntoIter<usize>,
    /// The text in lowercase, once a pass needed it (shared by the passes).
    lowercase: Option<String>,
    /// The first word and the rest, once a pass needed them.
    command: Option<(&'a str, &'a str)>,
    /// The first word in lowercase, once a pass needed it.
    lowercase_word: Option<String>,
}

impl<'a> TextCandidates<'a> {
    /// Queues `routes`, each having found `found`.
    fn queue(&mut self, routes: Option<&Routes>, found: impl Fn() -> Found<'a>) {
        for &route in routes.into_iter().flatten() {
            self.ready.push_back((route, found()));
        }
    }

    /// Finds the candidates of the current stage of the current pass and
    /// moves on to the next stage; `false` when every pass is done.
    fn advance(&mut self) -> bool {
        let routes = self.routes;
        let Some(pass) = routes.passes.get(self.pass) else {
            return false;
        };
        let text = self.text;
        self.stage = match self.stage {
            Stage::Exact => {
                self.queue(pass.exact.get(text), || Found::Nothing);
                Stage::Folded
            }
            Stage::Folded => {
                if !pass.folded.is_empty() {
                    let lowercase = self.lowercase.get_or_insert_with(|| text.to_lowercase());
                    let found = pass.folded.get(lowercase.as_str());
                    self.queue(found, || Found::Nothing);
                }
                Stage::Commands
            }
            Stage::Commands => {
                if !pass.commands.is_empty() {
                    let (word, rest) = *self.command.get_or_insert_with(|| split_command(text));
                    self.queue(pass.commands.get(word), || Found::Rest(rest));
                }
                Stage::FoldedCommands
            }
            Stage::FoldedCommands => {
                if !pass.folded_commands.is_empty() {
                    let (word, rest) = *self.command.get_or_insert_with(|| split_command(text));
                    let lowercase = self
                        .lowercase_word
                        .get_or_insert_with(|| word.to_lowercase());
                    let found = pass.folded_commands.get(lowercase.as_str());
                    self.queue(found, || Found::Rest(rest));
                }
                Stage::Prefixes
            }
            Stage::Prefixes => {
                if !pass.prefixes.is_empty() {
                    for (end, &route) in pass.prefixes.matches(text) {
                        self.ready
                            .push_back((route, Found::Rest(text[end..].trim_start())));
                    }
                }
                Stage::Regexes
            }
            Stage::Regexes => {
                if !pass.regexes.is_empty() {
                    self.regexes = pass.regexes.matching(text).into_iter();
                }
                Stage::Any
            }
            Stage::Any => {
                self.queue(Some(&pass.any), || Found::Nothing);
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

impl<'a> Iterator for TextCandidates<'a> {
    type Item = (usize, Found<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(candidate) = self.ready.pop_front() {
                return Some(candidate);
            }
            // Regexes come before the pass's next stage: the stage is only
            // advanced once their captures have all been tried.
            if let Some(position) = self.regexes.next() {
                let routes = self.routes;
                let regexes = &routes.passes[self.pass].regexes;
                if let Some((&route, regex, captures)) = regexes.captures(position, self.text) {
                    return Some((route, Found::Captures(regex, captures)));
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

    /// The route numbers and what each found, as text.
    fn tried(routes: &TextRoutes, text: &str) -> Vec<(usize, String)> {
        routes
            .candidates(text)
            .map(|(route, found)| {
                let found = match found {
                    Found::Nothing => String::new(),
                    Found::Rest(rest) => format!("rest {rest}"),
                    Found::Captures(_, captures) => format!("captures {}", &captures[0]),
                    Found::Segments(_) => "segments".into(),
                };
                (route, found)
            })
            .collect()
    }

    fn owned(expected: &[(usize, &str)]) -> Vec<(usize, String)> {
        expected.iter().map(|(r, f)| (*r, f.to_string())).collect()
    }

    #[test]
    fn each_kind_in_the_documented_order_in_each_pass() {
        use TextRoute::*;
        let filtered: &[(usize, TextRoute)] = &[(0, Any), (1, Exact("ab 1"))];
        let unfiltered: &[(usize, TextRoute)] = &[
            (2, Any),
            (
                3,
                Regex {
                    source: r"^\w+",
                    ignore_case: false,
                },
            ),
            (
                4,
                Prefix {
                    value: "a",
                    ignore_case: false,
                },
            ),
            (
                5,
                Prefix {
                    value: "AB",
                    ignore_case: true,
                },
            ),
            (
                6,
                Command {
                    word: "AB",
                    ignore_case: true,
                },
            ),
            (
                7,
                Command {
                    word: "ab",
                    ignore_case: false,
                },
            ),
            (8, ExactIgnoreCase("AB 1")),
            (9, Exact("ab 1")),
            (
                10,
                Regex {
                    source: r"1$",
                    ignore_case: false,
                },
            ),
        ];
        let routes = TextRoutes::new(&[filtered, unfiltered]);
        assert_eq!(
            tried(&routes, "ab 1"),
            owned(&[
                (1, ""),
                (0, ""),
                (9, ""),
                (8, ""),
                (7, "rest 1"),
                (6, "rest 1"),
                (5, "rest 1"),
                (4, "rest b 1"),
                (3, "captures ab"),
                (10, "captures 1"),
                (2, ""),
            ])
        );
        assert_eq!(
            tried(&routes, "Ab"),
            owned(&[
                (0, ""),
                (6, "rest "),
                (5, "rest "),
                (3, "captures Ab"),
                (2, "")
            ])
        );
    }

    #[test]
    fn routes_of_one_value_are_all_tried_in_declaration_order() {
        let routes = TextRoutes::new(&[&[
            (0, TextRoute::ExactIgnoreCase("Hi")),
            (1, TextRoute::ExactIgnoreCase("hI")),
        ]]);
        assert_eq!(tried(&routes, "HI"), owned(&[(0, ""), (1, "")]));
        assert_eq!(tried(&routes, "ho"), owned(&[]));
    }
}
