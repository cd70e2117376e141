//! Which extractors each kind of route allows, as one trait per kind.
//!
//! Generated code extracts every parameter through the trait of its route's
//! kind, spanned on the parameter's type: a type the kind does not allow is
//! a compile error on that parameter, whose note lists what is allowed.

use super::extract::{
    AgentId, Captures, EventId, Extractor, MessageId, PhoneNumber, PostbackData, Rest, Text,
};
use super::input::Input;
use crate::agent::Delivery;
use crate::context::Context;
use crate::protocol::{
    AgentLaunchEvent, Location, SendTime, ServerEvent, ServerEventType, SuggestionResponse,
    UnknownPayload, UserEvent, UserEventType, UserFile, UserMessage,
};

/// Declares the parameter trait of one route kind, and its `Option<T>` impl
/// (an optional parameter always matches: `None` when the value is absent).
macro_rules! route_kind {
    ($(#[$meta:meta])* $name:ident, $message:literal, $label:literal, $note:literal) => {
        $(#[$meta])*
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $name<'a>: Sized {
            /// The value, or `None` when the route does not match this delivery.
            fn extract(input: &Input<'a>) -> Option<Self>;
        }

        impl<'a, T: $name<'a>> $name<'a> for Option<T> {
            fn extract(input: &Input<'a>) -> Option<Self> {
                Some(T::extract(input))
            }
        }
    };
}

/// Lets a type be a parameter of the listed route kinds, through its one
/// [`Extractor`] impl.
macro_rules! allow {
    (<$lt:lifetime> $ty:ty => $($kind:ident),+ $(,)?) => {
        $(
            impl<$lt> $kind<$lt> for $ty {
                fn extract(input: &Input<$lt>) -> Option<Self> {
                    <Self as Extractor<$lt>>::get(input)
                }
            }
        )+
    };
}

route_kind!(
    /// Parameters of `text`/`text = "..."` routes.
    TextParam,
    "`{Self}` cannot be a parameter of a text route handler",
    "not available on a text route",
    "a text route handler can take: `Text`, `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `prefix = "..."` and `command = "..."` routes.
    PrefixParam,
    "`{Self}` cannot be a parameter of a prefix or command route handler",
    "not available on a prefix or command route",
    "a prefix or command route handler can take: `Rest<T>`, `Text`, `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `regex = "..."` routes (besides named-group parameters).
    RegexParam,
    "`{Self}` cannot be a parameter of a regex route handler",
    "not available on a regex route",
    "a regex route handler can take: `Captures`, a parameter named like a named group (any `FromStr` type), `Text`, `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `postback` routes (besides template-segment parameters).
    PostbackParam,
    "`{Self}` cannot be a parameter of a postback route handler",
    "not available on a postback route",
    "a postback route handler can take: `PostbackData`, `&SuggestionResponse`, a parameter named like a template segment (any `FromStr` type), `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `location` routes.
    LocationParam,
    "`{Self}` cannot be a parameter of a location route handler",
    "not available on a location route",
    "a location route handler can take: `Location`, `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `file` routes.
    FileParam,
    "`{Self}` cannot be a parameter of a file route handler",
    "not available on a file route",
    "a file route handler can take: `UserFile`, `&UserFile`, `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of the message fallback (`#[on_message]` without keys).
    MessageParam,
    "`{Self}` cannot be a parameter of a message fallback handler",
    "not available on a message fallback",
    "a message fallback handler can take: `PhoneNumber`, `MessageId`, `EventId`, `AgentId`, `SendTime`, `&UserMessage`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `#[on_event]` routes.
    UserEventParam,
    "`{Self}` cannot be a parameter of a user event handler",
    "not available on a user event",
    "a user event handler can take: `&UserEvent`, `UserEventType`, `PhoneNumber`, `EventId`, `MessageId`, `AgentId`, `SendTime`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `#[on_server_event]` routes.
    ServerEventParam,
    "`{Self}` cannot be a parameter of a server event handler",
    "not available on a server event",
    "a server event handler can take: `&ServerEvent`, `ServerEventType`, `PhoneNumber`, `EventId`, `MessageId`, `AgentId`, `SendTime`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `#[on_launch_event]` routes.
    LaunchEventParam,
    "`{Self}` cannot be a parameter of a launch event handler",
    "not available on a launch event",
    "a launch event handler can take: `&AgentLaunchEvent`, `EventId`, `AgentId`, `SendTime`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);
route_kind!(
    /// Parameters of `#[on_unknown]` routes.
    UnknownParam,
    "`{Self}` cannot be a parameter of an unknown payload handler",
    "not available on an unknown payload",
    "an unknown payload handler can take: `&UnknownPayload`, `AgentId`, `&Context`, `&Delivery` (each also as `Option<_>`), and `&self`"
);

// Every route about a user message: the common fields of the message.
allow!(<'a> PhoneNumber => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam);
allow!(<'a> MessageId => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam);
allow!(<'a> EventId => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam, LaunchEventParam);
allow!(<'a> AgentId => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam, LaunchEventParam, UnknownParam);
allow!(<'a> SendTime => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam, LaunchEventParam);
allow!(<'a> &'a UserMessage => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam);
allow!(<'a> &'a Context => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam, LaunchEventParam, UnknownParam);
allow!(<'a> &'a Delivery => TextParam, PrefixParam, RegexParam, PostbackParam, LocationParam,
    FileParam, MessageParam, UserEventParam, ServerEventParam, LaunchEventParam, UnknownParam);

// What only some kinds carry.
allow!(<'a> Text => TextParam, PrefixParam, RegexParam);
allow!(<'a> Captures => RegexParam);
allow!(<'a> PostbackData => PostbackParam);
allow!(<'a> &'a SuggestionResponse => PostbackParam);
allow!(<'a> Location => LocationParam);
allow!(<'a> UserFile => FileParam);
allow!(<'a> &'a UserFile => FileParam);
allow!(<'a> &'a UserEvent => UserEventParam);
allow!(<'a> UserEventType => UserEventParam);
allow!(<'a> &'a ServerEvent => ServerEventParam);
allow!(<'a> ServerEventType => ServerEventParam);
allow!(<'a> &'a AgentLaunchEvent => LaunchEventParam);
allow!(<'a> &'a UnknownPayload => UnknownParam);

impl<'a, T: std::str::FromStr> PrefixParam<'a> for Rest<T> {
    fn extract(input: &Input<'a>) -> Option<Self> {
        <Self as Extractor<'a>>::get(input)
    }
}
