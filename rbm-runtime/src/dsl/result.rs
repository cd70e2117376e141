//! What a handler may return, and how it becomes the runtime's `HandlerResult`.

use std::fmt::Display;

use crate::agent::{HandlerError, HandlerResult};
use crate::reply::Reply;

/// A handler's return value: the replies to send, or an error.
///
/// Implemented for `()`, [`Reply`], `Vec<Reply>`, `Option<Reply>`, and
/// `Result<T, E>` where `T` is one of those and `E: Display`. An `Err` is
/// logged by the server and the delivery answers `500`, so Google
/// redelivers it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by an RBM handler",
    label = "a handler must return a reply, replies, or nothing",
    note = "handlers can return `()`, `Reply`, `Vec<Reply>`, `Option<Reply>`, or `Result<T, E>` with one of those as `T` and `E: std::fmt::Display`"
)]
pub trait IntoHandlerResult {
    /// Converts the value into the runtime's result.
    fn into_handler_result(self) -> HandlerResult;
}

impl IntoHandlerResult for () {
    fn into_handler_result(self) -> HandlerResult {
        Ok(Vec::new())
    }
}

impl IntoHandlerResult for Reply {
    fn into_handler_result(self) -> HandlerResult {
        Ok(vec![self])
    }
}

impl IntoHandlerResult for Vec<Reply> {
    fn into_handler_result(self) -> HandlerResult {
        Ok(self)
    }
}

impl IntoHandlerResult for Option<Reply> {
    fn into_handler_result(self) -> HandlerResult {
        Ok(self.into_iter().collect())
    }
}

impl<T: IntoHandlerResult, E: Display> IntoHandlerResult for Result<T, E> {
    fn into_handler_result(self) -> HandlerResult {
        match self {
            Ok(value) => value.into_handler_result(),
            Err(error) => Err(HandlerError::new(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_return_type_becomes_its_replies() {
        let hi = || Reply::text("hi");
        assert_eq!(().into_handler_result(), Ok(vec![]));
        assert_eq!(hi().into_handler_result(), Ok(vec![hi()]));
        assert_eq!(vec![hi(), hi()].into_handler_result(), Ok(vec![hi(), hi()]));
        assert_eq!(None::<Reply>.into_handler_result(), Ok(vec![]));
        assert_eq!(Some(hi()).into_handler_result(), Ok(vec![hi()]));
        let failed: Result<Reply, &str> = Err("cart is gone");
        assert_eq!(
            failed.into_handler_result(),
            Err(HandlerError::new("cart is gone"))
        );
        let fine: Result<(), String> = Ok(());
        assert_eq!(fine.into_handler_result(), Ok(vec![]));
    }
}
