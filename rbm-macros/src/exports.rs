//! Every path into the runtime that the generated code names, defined once.
//!
//! Generated code reaches `rbm_runtime` only through its hidden
//! `__private` module, so the runtime can move things without breaking
//! expanded code; this file is the only one that spells that path. The two
//! crates are released together and the runtime requires this exact version
//! of the macros, so every item named here exists in the runtime that
//! expands it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::Ident;

/// The runtime crate, as users depend on it.
const RUNTIME: &str = "rbm_runtime";

/// Its module of everything generated code needs.
const PRIVATE: &str = "__private";

/// One item of `::rbm_runtime::__private`. Interpolated in `quote!`, it
/// expands to the full path at the call site; [`Export::at`] spans it on a
/// user's token, so an error about it points there.
#[derive(Clone, Copy)]
pub(crate) struct Export(&'static str);

impl Export {
    /// The path, spanned on `span`.
    pub(crate) fn at(self, span: Span) -> TokenStream {
        let runtime = Ident::new(RUNTIME, span);
        let private = Ident::new(PRIVATE, span);
        let item = Ident::new(self.0, span);
        quote_spanned!(span=> ::#runtime::#private::#item)
    }
}

impl ToTokens for Export {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.at(Span::call_site()));
    }
}

macro_rules! exports {
    ($($(#[$doc:meta])* $name:ident = $item:literal;)*) => {
        $($(#[$doc])* pub(crate) const $name: Export = Export($item);)*
    };
}

exports! {
    // The agent and what it is handed.
    /// The trait the generated impl implements.
    AGENT = "Agent";
    /// One delivery.
    DELIVERY = "Delivery";
    /// The handling of one delivery.
    CONTEXT = "Context";
    /// A route's name, pattern and place, for logs.
    ROUTE_INFO = "RouteInfo";
    /// What `dispatch` returns: the route and the result.
    HANDLED = "Handled";
    /// What `handle` returns.
    HANDLER_RESULT = "HandlerResult";
    /// `std::future::Future`, re-exported.
    FUTURE = "Future";
    /// The result of a delivery no route took.
    UNHANDLED = "unhandled";

    // Payload kinds the dispatch matches on.
    /// The classified payload.
    PAYLOAD = "Payload";
    /// What a user message carries.
    MESSAGE_CONTENT = "MessageContent";
    /// The type of a user event.
    USER_EVENT_TYPE = "UserEventType";
    /// The type of a server event.
    SERVER_EVENT_TYPE = "ServerEventType";
    /// The new state of a launch event.
    LAUNCH_STATE = "LaunchState";

    // Matching.
    /// `std::sync::LazyLock`, re-exported, for the route tables.
    LAZY_LOCK = "LazyLock";
    /// What a text route matches.
    TEXT_ROUTE = "TextRoute";
    /// The text routes of an agent, built once.
    TEXT_ROUTES = "TextRoutes";
    /// What a postback route matches.
    POSTBACK_ROUTE = "PostbackRoute";
    /// The postback routes of an agent, built once.
    POSTBACK_ROUTES = "PostbackRoutes";
    /// A piece of a postback template.
    PIECE = "Piece";
    /// A MIME type without parameters, lowercase.
    MIME_ESSENCE = "mime_essence";
    /// The top-level type of a MIME essence.
    MIME_TOP_LEVEL = "mime_top_level";

    // Extraction and the call.
    /// What extractors read from.
    INPUT = "Input";
    /// A regex group or template segment parsed as the parameter's type.
    NAMED = "named";
    /// Like `NAMED`, for an `Option<T>` parameter.
    NAMED_OPTIONAL = "named_optional";
    /// Requires a handler's future to be `Send`.
    REQUIRE_SEND = "require_send";
    /// Picks how a `Result` whose error answers `Retryable` is finished.
    RETRYABLE_RESULT_KIND = "RetryableResultKind";
    /// Picks how any other return value is finished.
    OTHER_RETURN_KIND = "OtherReturnKind";

    // Conversation state.
    /// The user's state, loaded once per delivery.
    LOAD_STATE = "load_state";
    /// Stores what a handler made of the state, if it succeeded.
    SAVE_STATE = "save_state";

    // The parameter trait of each route kind.
    /// Parameters of `text` routes.
    TEXT_PARAM = "TextParam";
    /// Parameters of `command` and `prefix` routes.
    PREFIX_PARAM = "PrefixParam";
    /// Parameters of `regex` routes.
    REGEX_PARAM = "RegexParam";
    /// Parameters of `postback` routes.
    POSTBACK_PARAM = "PostbackParam";
    /// Parameters of `location` routes.
    LOCATION_PARAM = "LocationParam";
    /// Parameters of `file` routes.
    FILE_PARAM = "FileParam";
    /// Parameters of the message fallback.
    MESSAGE_PARAM = "MessageParam";
    /// Parameters of `on_event` routes.
    USER_EVENT_PARAM = "UserEventParam";
    /// Parameters of `on_server_event` routes.
    SERVER_EVENT_PARAM = "ServerEventParam";
    /// Parameters of `on_launch_event` routes.
    LAUNCH_EVENT_PARAM = "LaunchEventParam";
    /// Parameters of `on_unknown` routes.
    UNKNOWN_PARAM = "UnknownParam";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_a_path_into_the_private_module() {
        assert_eq!(
            ROUTE_INFO.to_token_stream().to_string(),
            ":: rbm_runtime :: __private :: RouteInfo"
        );
    }
}
