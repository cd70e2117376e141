//! What a route is to the runtime: where it was declared and what it
//! matches, for logs and tooling.

/// Where a route was declared and what it matches: shown in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// The handler method's name.
    pub name: &'static str,
    /// The route attribute as written, e.g. `on_message(text = "hi")`.
    pub pattern: &'static str,
    /// The first line of the handler's doc comment (empty if none).
    pub doc: &'static str,
    /// The source file of the handler.
    pub file: &'static str,
    /// The line of the handler in `file`.
    pub line: u32,
}
