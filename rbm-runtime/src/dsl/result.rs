//! What a handler may return, and how it becomes the runtime's `HandlerResult`.

use std::fmt::Display;

use crate::agent::{HandlerError, HandlerResult};
use crate::reply::Reply;

/// A handler's return value: the replies to send, or an error.
///
/// Implemented for `()`, [`Reply`], `Vec<Reply>`, `Option<Reply>`, and
/// `Result<T, E>` where `T` is one of those and `E: Display`. An `Err` is
/// logged by the server and the delivery answers `500`, so Google
/// redelivers it — unless it is a [`SendError`](crate::SendError) or
/// [`HandlerError`] that retrying cannot fix (a reply the RBM API refuses
/// for good): that one is logged and the delivery acknowledged.
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

impl<T: IntoHandlerResult, E: Display + 'static> IntoHandlerResult for Result<T, E> {
    fn into_handler_result(self) -> HandlerResult {
        match self {
            Ok(value) => value.into_handler_result(),
            Err(error) => Err(HandlerError::from_error(error)),
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

    #[test]
    fn a_send_error_keeps_whether_it_is_retryable() {
        use crate::sender::SendError;
        let gone: Result<(), SendError> = Err(SendError::Permanent {
            status: 404,
            message: "not RCS capable".into(),
        });
        let busy: Result<(), SendError> = Err(SendError::Transient("503".into()));
        let failed = |r: HandlerResult| r.expect_err("an error");
        assert!(!failed(gone.into_handler_result()).is_retryable());
        assert!(failed(busy.into_handler_result()).is_retryable());
        let mine: Result<(), HandlerError> = Err(HandlerError::permanent("bad data"));
        assert!(!failed(mine.into_handler_result()).is_retryable());
    }
}
