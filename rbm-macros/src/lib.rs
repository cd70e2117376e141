//! Attribute macros of rbm. Users depend on `rbm-runtime`, which re-exports
//! them (`use rbm_runtime::prelude::*;`). The DSL is documented on
//! [`macro@rbm_agent`].
//!
//! The generated code names items of the runtime's hidden `__private`
//! module, which is no stable API: `rbm-runtime` therefore depends on this
//! crate with an exact version requirement (`=0.1.0`), so a runtime never
//! meets a macros crate it was not released with.

mod agent;
mod exports;

use proc_macro::TokenStream;

/// Turns an `impl` block of async handlers into an RBM agent.
///
/// An agent is an `impl` block of `async` handler methods marked `#[rbm_agent]`;
/// each handler carries one or more route attributes. The macro implements
/// `rbm_runtime::Agent` with one generated `match` (no chain of boxed filters),
/// a route table for logs, and leaves every handler a plain method that unit
/// tests can call directly.
///
/// ```rust
/// use rbm_runtime::prelude::*;
///
/// #[derive(Default)]
/// struct Pizza;
///
/// #[rbm_agent]
/// impl Pizza {
///     /// Greets the user (the first doc line is the route's description in logs).
///     #[on_message(text = "hi", ignore_case)]
///     async fn hi(&self) -> Reply {
///         Reply::text("Hello! Which size?").suggest_reply("Large", "size:large")
///     }
///
///     #[on_message(postback = "size:{size}")]
///     async fn size(&self, size: String, from: PhoneNumber) -> Reply {
///         Reply::text(format!("{size} for {from}, coming up"))
///     }
///
///     #[on_message(regex = r"^(?<qty>\d+) pizzas?$")]
///     async fn order(&self, qty: u32) -> Result<Reply, std::fmt::Error> {
///         Ok(Reply::text(format!("{qty} pizzas")))
///     }
///
///     #[on_message(location)]
///     async fn near(&self, at: Location) -> Reply {
///         Reply::text(format!("You are at {}, {}", at.latitude, at.longitude))
///     }
///
///     #[on_message(file, mime = "image/*")]
///     async fn photo(&self, file: UserFile) -> Reply {
///         Reply::text(format!("Nice {}", file.payload.mime_type))
///     }
///
///     #[on_event(read)]
///     async fn read(&self, event: &UserEvent) {}
///
///     #[on_message] // no keys: the fallback for messages no route took
///     async fn other(&self) -> Reply {
///         Reply::text("Sorry?")
///     }
/// }
/// # fn main() {}
/// ```
///
/// ## Route attributes
///
/// | attribute | matches |
/// |---|---|
/// | `#[on_message(text = "hi")]` | a text that is exactly `hi` |
/// | `#[on_message(text = "hi", ignore_case)]` | a text equal to `hi` ignoring case (Unicode lowercase) |
/// | `#[on_message(text)]` | any text |
/// | `#[on_message(command = "/order")]` | a text whose first word is `/order` (`ignore_case` allowed); the rest is `Rest` |
/// | `#[on_message(prefix = "order:")]` | a text starting with `order:` (`ignore_case` allowed); the rest is `Rest` |
/// | `#[on_message(regex = r"...")]` | a text the regular expression matches (`ignore_case` allowed); compiled once, checked at compile time |
/// | `#[on_message(postback = "yes")]` | a suggestion response whose postback data is exactly `yes` |
/// | `#[on_message(postback = "size:{size}")]` | postback data of that shape; each `{name}` segment goes to the parameter called `name` (`{_name}` is matched and ignored; `{{`/`}}` are literal braces) |
/// | `#[on_message(postback)]` | any suggestion response |
/// | `#[on_message(location)]` | a shared location |
/// | `#[on_message(file, mime = "image/png")]`, `mime = "image/*"`, `#[on_message(file)]` | a user file of that MIME type (case and parameters ignored), of that top-level type, or any file (`mime` alone implies `file`) |
/// | `#[on_message]` | the fallback: any message no other route took (at most one) |
/// | `#[on_event(delivered, read, is_typing, subscribe, unsubscribe)]`, `#[on_event]` | user events of those types; without keys, any user event no other route took (new types included) |
/// | `#[on_server_event(ttl_expiration_revoked, ttl_expiration_revoke_failed)]`, `#[on_server_event]` | server (TTL expiry) events |
/// | `#[on_launch_event(unlaunched, pending, launched, rejected, suspended)]`, `#[on_launch_event]` | agent launch events by their new state |
/// | `#[on_unknown]` | a payload of no known kind (kept as raw JSON) |
///
/// A handler may carry several route attributes (`#[on_message(text = "menu", ignore_case)]`
/// and `#[on_message(postback = "menu")]` on the same method). Every route attribute also
/// takes `state = "Variant"` (see [Conversation state](#conversation-state)).
///
/// ## Read receipts
///
/// `#[rbm_agent(read_receipts)]` makes the runtime mark every user message read (a `READ`
/// agent event naming the message's `messageId`) before its handler runs, whichever route
/// takes it (or none). The receipt's event id is derived from the delivery, so a delivery
/// that failed and is redelivered does not show the user a second receipt. Without the
/// argument, take `&Context` in a handler and call `ctx.mark_read()` where it fits.
/// Besides `read_receipts`, `#[rbm_agent]` takes only `state = T` (below); an unknown
/// argument is a compile error (with a "did you mean").
///
/// ## Conversation state
///
/// `#[rbm_agent(state = Order)]` (`#[rbm_agent(read_receipts, state = Order)]` with both)
/// keeps an `Order` per user: `Serialize + DeserializeOwned + Default + Send`, and
/// `Order::default()` for a new user. A handler takes it as a `&mut Order` parameter (any
/// name, any position, written with the same path as in the attribute); what the handler
/// leaves there is stored with the delivery's done mark, only if the handler succeeded, so
/// a failed delivery is redelivered with the state it first saw. Assign `Order::default()`
/// to start over. A handler that does not take `&mut Order` stores nothing itself; it may
/// read, set or reset the state through `&Context` (`state`, `set_state`, `reset_state`).
///
/// Every route attribute takes `state = "Variant"`: the route matches only while the state
/// is that variant of the state enum (a unit, tuple or struct variant alike); a variant the
/// enum does not have is a compile error on the string.
///
/// ```rust
/// use rbm_runtime::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Default, Serialize, Deserialize)]
/// enum Order {
///     #[default]
///     Browsing,
///     Sizing,
///     Paying { total: u32 },
/// }
///
/// struct Pizza;
///
/// #[rbm_agent(state = Order)]
/// impl Pizza {
///     #[on_message(text = "order", ignore_case)]
///     async fn order(&self, order: &mut Order) -> Reply {
///         *order = Order::Sizing;
///         Reply::text("How many?")
///     }
///
///     #[on_message(regex = r"^(?<n>\d+)$", state = "Sizing")]
///     async fn size(&self, n: u32, order: &mut Order) -> Reply {
///         *order = Order::Paying { total: n * 12 };
///         Reply::text(format!("{} EUR, tap Pay", n * 12))
///     }
///
///     #[on_message(text = "help", state = "Paying")]
///     async fn help_paying(&self) -> Reply {
///         Reply::text("Tap Pay to finish")
///     }
///
///     #[on_message(text = "help")] // in every other state
///     async fn help(&self) -> Reply {
///         Reply::text("Say order")
///     }
/// }
/// # fn main() {}
/// ```
///
/// ## Matching order
///
/// The payload's kind is classified first (message, user event, server event,
/// launch event, unknown). Then, within the kind, routes are tried in this order
/// (an exact match always beats a pattern; routes limited to a state come first, see below):
///
/// 1. **Text**: exact `text = ...` → `text = ..., ignore_case` → `command` (case-sensitive,
///    then ignore_case) → `prefix` (longest first) → `regex` (declaration order) → `text` (any).
/// 2. **Suggestion response**: exact `postback = ...` → templates (most literal characters
///    first, then declaration order) → `postback` (any). Two templates of the same shape are
///    allowed when their segments have different types: `qty:{n}` with `n: u32` declared
///    before `qty:{word}` with `word: String` takes `qty:3`, and `qty:few` falls through to
///    the `String` one. Declared the other way round, the `String` one would take everything,
///    so that (like two templates of one shape and the same types) is an unreachable route.
///    Types are compared as written, with standard paths recognised (`String`,
///    `std::string::String` and `::std::string::String` are one type, as are `u32` and
///    `core::primitive::u32`); a macro cannot resolve a `type` alias, so an alias counts as
///    a type of its own.
/// 3. **Location**: `location`.
/// 4. **File**: exact MIME type → `type/*` wildcard → `file` (any).
/// 5. Any message still not taken: the `#[on_message]` fallback.
/// 6. **Events**: the route naming the event type (or new launch state) → the route without keys.
///
/// Within each step, the routes limited to the user's current state (`state = "..."`) are
/// tried first, in the order above, then the routes without `state`; a route limited to
/// another state is skipped. So while the state is `Checkout`,
/// `#[on_message(text = "help", state = "Checkout")]` takes `help` before
/// `#[on_message(text = "help")]` (and so would `#[on_message(text, state = "Checkout")]`);
/// in any other state the unfiltered one does. One matcher may appear once per state and
/// once without `state`; twice with the same `state` is an unreachable route.
///
/// A route whose parameters cannot be extracted from this delivery (a typed
/// segment or capture that does not parse, a required value that is absent)
/// does not match, and the next route in the order is tried. When no route
/// matches, the delivery is acknowledged with no reply.
///
/// ## Extractors
///
/// Parameters are extracted by type, in any order, besides `&self`. Each is also
/// accepted as `Option<T>`, which always matches (`None` when absent).
///
/// | type | what | routes |
/// |---|---|---|
/// | `PhoneNumber` | the user's number (sender; recipient of a server event) | messages, user and server events |
/// | `MessageId` | the payload's `messageId` | messages, user and server events |
/// | `EventId` | the payload's `eventId` | messages, all events |
/// | `AgentId` | the agent's id | everything |
/// | `SendTime` | when it was sent | messages, all events |
/// | `Text` | the whole text | `text`, `command`, `prefix`, `regex` |
/// | `Rest<T>` | the text after the command or prefix, parsed as `T` (default `String`) | `command`, `prefix` |
/// | `Captures` | all groups of the regex | `regex` |
/// | a parameter named like a regex group or template segment | that group/segment, parsed with `FromStr` (`Option<T>` for an optional group) | `regex`, `postback` templates |
/// | `PostbackData`, `&SuggestionResponse` | the tapped suggestion | `postback` |
/// | `Location` | the shared location | `location` |
/// | `UserFile`, `&UserFile` | the file | `file` |
/// | `&UserMessage` | the whole message | message routes |
/// | `&UserEvent`, `UserEventType` | the whole user event, its type | `on_event` |
/// | `&ServerEvent`, `ServerEventType` | the whole server event, its type | `on_server_event` |
/// | `&AgentLaunchEvent` | the whole launch event | `on_launch_event` |
/// | `&UnknownPayload` | the raw JSON | `on_unknown` |
/// | `&Context` | sends extra replies and agent events (`reply`, `typing`, `mark_read`) | everything |
/// | `&Delivery` | the delivery with its Pub/Sub metadata | everything |
/// | `&mut T` | the conversation state, with `#[rbm_agent(state = T)]` | everything |
///
/// A type a route cannot provide (a `Location` on a text route) is a compile error
/// on that parameter, whose note lists what the route allows.
///
/// ## Return types
///
/// `()`, `Reply`, `Vec<Reply>`, `Option<Reply>`, or `Result<T, E>` with one of those as `T`
/// and `E: Display`. The replies are sent in order after the handler returns; an `Err` is
/// logged and the delivery answers `500`, so Google redelivers it (reply ids are derived
/// from the delivery, so replies already sent are not sent twice). When `E` implements
/// `Retryable` (as `SendError` and `HandlerError` do, and as your own error types may), its
/// `is_retryable()` decides: an error retrying cannot fix (`HandlerError::permanent`, a
/// reply the RBM API refuses for good) is logged and the delivery acknowledged with `200`.
/// This is decided on the error's real type, so it works through type aliases too.
///
/// ## Compile errors
///
/// Every error of one impl is reported together and the impl is still emitted, so
/// the rest of the crate (and the IDE) keeps working: handlers that are not
/// `async`, that take `self`/`&mut self` or are generic; unknown keys and unknown
/// `#[rbm_agent(...)]` arguments (with a "did you mean"); keys that do not combine;
/// invalid regular expressions and ones too large for the `regex` crate to compile
/// (each regex is built at compile time with the runtime's options, so the error
/// points at the literal and a route regex never fails at run time); malformed
/// templates and segments no parameter takes; named regex groups no parameter takes
/// (unless the handler takes `Captures`; `(?<_name>...)` only matches); a parameter of
/// a plain value type named like no group or segment of its route, listing those
/// there are; invalid MIME types; duplicate or
/// unreachable routes (including a template an earlier one of the same shape always
/// takes first); more than one fallback; parameter and return types a route does not
/// allow; a handler whose future is not `Send` (an `Rc` or a `MutexGuard` held
/// across an `.await`), reported on the handler's name; a `&mut` parameter on an agent
/// without `state = T`, twice in one handler or of another type than `T`; a
/// `state = "..."` filter without a declared state, that is no identifier or that names
/// a variant `T` does not have; and a state type that is not `Serialize`,
/// `DeserializeOwned`, `Default` and `Send`, reported on the type in the attribute.
#[proc_macro_attribute]
pub fn rbm_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    agent::rbm_agent(args.into(), item.into()).into()
}

/// Routes user messages to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_message(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_message", item.into()).into()
}

/// Routes user events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_event", item.into()).into()
}

/// Routes server (TTL expiry) events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_server_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_server_event", item.into()).into()
}

/// Routes agent launch events to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_launch_event(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_launch_event", item.into()).into()
}

/// Routes payloads of no known kind to a handler (inside `#[rbm_agent]`).
#[proc_macro_attribute]
pub fn on_unknown(_args: TokenStream, item: TokenStream) -> TokenStream {
    agent::stray("on_unknown", item.into()).into()
}
