//! How a handler fails, and whether handling the delivery again could help.

use std::fmt::Display;

use crate::sender::SendError;

/// Whether an error is worth a redelivery: a retryable failure answers
/// `500`, so Google redelivers the delivery; any other is logged and the
/// delivery acknowledged.
///
/// A handler returning `Result<T, E>` keeps `E`'s answer when `E`
/// implements this trait (as [`SendError`] and [`HandlerError`] do);
/// an error type that does not is retryable. Implement it for your own
/// error types to say which failures retrying cannot fix:
///
/// ```
/// use rbm_runtime::Retryable;
///
/// #[derive(Debug)]
/// enum OrderError {
///     Database,
///     UnknownPizza,
/// }
///
/// impl std::fmt::Display for OrderError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str(match self {
///             Self::Database => "the database is unavailable",
///             Self::UnknownPizza => "no such pizza",
///         })
///     }
/// }
///
/// impl Retryable for OrderError {
///     fn is_retryable(&self) -> bool {
///         matches!(self, Self::Database)
///     }
/// }
/// ```
pub trait Retryable {
    /// Whether handling the delivery again could succeed.
    fn is_retryable(&self) -> bool;
}

/// Whether retrying can help, as a value rather than a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Handling the delivery again may succeed.
    Worthwhile,
    /// Handling the delivery again fails the same way.
    Futile,
}

impl Retry {
    fn of(retryable: bool) -> Self {
        if retryable {
            Self::Worthwhile
        } else {
            Self::Futile
        }
    }
}

/// A handler failed. A retryable failure answers `500`, so Google
/// redelivers the delivery; one that can never succeed (a reply the RBM API
/// refuses for good) is logged and acknowledged instead of being retried for
/// 7 days.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HandlerError {
    message: String,
    retry: Retry,
}

impl HandlerError {
    /// A retryable error with the given description (it is logged, never
    /// sent to the user).
    pub fn new(message: impl Display) -> Self {
        Self {
            message: message.to_string(),
            retry: Retry::Worthwhile,
        }
    }

    /// An error that handling the delivery again cannot fix.
    pub fn permanent(message: impl Display) -> Self {
        Self {
            message: message.to_string(),
            retry: Retry::Futile,
        }
    }

    /// The error a handler's `Err(error)` becomes when its type answers
    /// [`Retryable`]: the same description, and the same answer.
    pub(crate) fn from_retryable<E: Retryable + Display + ?Sized>(error: &E) -> Self {
        Self {
            message: error.to_string(),
            retry: Retry::of(error.is_retryable()),
        }
    }

    /// Whether handling the delivery again could succeed.
    pub fn is_retryable(&self) -> bool {
        self.retry == Retry::Worthwhile
    }
}

impl Retryable for HandlerError {
    fn is_retryable(&self) -> bool {
        HandlerError::is_retryable(self)
    }
}

impl Retryable for SendError {
    fn is_retryable(&self) -> bool {
        SendError::is_retryable(self)
    }
}

impl From<SendError> for HandlerError {
    fn from(error: SendError) -> Self {
        Self {
            retry: Retry::of(error.is_retryable()),
            message: format!("sending a reply failed: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Gone;

    impl Display for Gone {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("gone for good")
        }
    }

    impl Retryable for Gone {
        fn is_retryable(&self) -> bool {
            false
        }
    }

    #[test]
    fn an_error_keeps_its_description_and_its_answer() {
        let error = HandlerError::from_retryable(&Gone);
        assert_eq!(error.to_string(), "gone for good");
        assert!(!error.is_retryable());
        assert!(HandlerError::from_retryable(&HandlerError::new("busy")).is_retryable());
        let refused = SendError::Permanent {
            status: 404,
            message: "not RCS capable".into(),
        };
        assert!(!HandlerError::from_retryable(&refused).is_retryable());
        assert!(!HandlerError::from(refused).is_retryable());
        let busy = SendError::Transient("503".into());
        assert!(Retryable::is_retryable(&busy));
        assert!(HandlerError::from(busy).is_retryable());
    }
}
