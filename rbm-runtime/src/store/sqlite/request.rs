//! A write request to the writer thread, and its answer, which waits until
//! the write is durable (or failed).

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::store::{
    Appended, DedupeKey, Entry, EntryId, NewEntry, Selection, StateChange, StoreError,
    StoreErrorSource,
};

pub(super) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A write, with where to send its answer.
pub(super) enum Request {
    Append(NewEntry, Reply<Appended>),
    Complete(EntryId, Option<StateChange>, Reply<()>),
    RecordFailure {
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: String,
        reply: Reply<()>,
    },
    DeadLetter(EntryId, String, Reply<()>),
    RetryDead(Selection, Reply<Vec<Entry>>),
    DropDead(Selection, Reply<u64>),
    /// An inline delivery was handled: mark its keys done.
    Finish(Vec<DedupeKey>, Option<StateChange>, Reply<()>),
    /// Prune every done mark due now.
    Prune(Reply<u64>),
    /// Write a state outside any delivery.
    PutState(StateChange, Reply<()>),
}

/// A request's answer, held until its transaction commits.
pub(super) enum Answer {
    Appended(Reply<Appended>, Result<Appended, StoreError>),
    Unit(Reply<()>, Result<(), StoreError>),
    Entries(Reply<Vec<Entry>>, Result<Vec<Entry>, StoreError>),
    Count(Reply<u64>, Result<u64, StoreError>),
}

impl Answer {
    /// The transaction did not commit: what succeeded in it did not happen.
    pub(super) fn undone(self, cause: &StoreErrorSource) -> Self {
        let failed = || StoreError::Write(Arc::clone(cause));
        match self {
            Self::Appended(reply, Ok(_)) => Self::Appended(reply, Err(failed())),
            Self::Unit(reply, Ok(())) => Self::Unit(reply, Err(failed())),
            Self::Entries(reply, Ok(_)) => Self::Entries(reply, Err(failed())),
            Self::Count(reply, Ok(_)) => Self::Count(reply, Err(failed())),
            failed_alone => failed_alone,
        }
    }

    /// Why this request failed, if it did with a backend error.
    pub(super) fn cause(&self) -> Option<StoreErrorSource> {
        let error = match self {
            Self::Appended(_, Err(error)) => error,
            Self::Unit(_, Err(error)) => error,
            Self::Entries(_, Err(error)) => error,
            Self::Count(_, Err(error)) => error,
            _ => return None,
        };
        match error {
            StoreError::Write(source) | StoreError::Read(source) => Some(Arc::clone(source)),
            _ => None,
        }
    }

    pub(super) fn send(self) {
        // A caller that stopped waiting (its request was cancelled) needs
        // no answer: what committed stays committed either way.
        let _ = match self {
            Self::Appended(reply, result) => reply.send(result).map_err(drop),
            Self::Unit(reply, result) => reply.send(result).map_err(drop),
            Self::Entries(reply, result) => reply.send(result).map_err(drop),
            Self::Count(reply, result) => reply.send(result).map_err(drop),
        };
    }
}

/// The answer of a request that could not run: `cause` failed it.
pub(super) fn refuse(request: Request, cause: &StoreErrorSource) -> Answer {
    let failed = || StoreError::Write(Arc::clone(cause));
    match request {
        Request::Append(_, reply) => Answer::Appended(reply, Err(failed())),
        Request::Complete(_, _, reply)
        | Request::RecordFailure { reply, .. }
        | Request::DeadLetter(_, _, reply)
        | Request::Finish(_, _, reply)
        | Request::PutState(_, reply) => Answer::Unit(reply, Err(failed())),
        Request::RetryDead(_, reply) => Answer::Entries(reply, Err(failed())),
        Request::DropDead(_, reply) | Request::Prune(reply) => Answer::Count(reply, Err(failed())),
    }
}
