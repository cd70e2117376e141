//! An entry waiting in a lane: ready in memory, or only its id.

use super::Job;
use crate::store::EntryId;

/// An entry waiting in its lane.
pub(crate) enum Queued {
    /// Parsed and ready to run.
    Resident(Box<Job>),
    /// Kept by id (and its partition's epoch, see [`Job::epoch`]) while
    /// enough entries are in memory: read from the store when its turn comes.
    Stored(EntryId, u64),
}

impl Queued {
    /// The epoch it was queued in ([`Job::epoch`]).
    pub(crate) fn epoch(&self) -> u64 {
        match self {
            Self::Resident(job) => job.epoch,
            Self::Stored(_, epoch) => *epoch,
        }
    }

    /// Its place in the inbox.
    pub(crate) fn id(&self) -> EntryId {
        match self {
            Self::Resident(job) => job.id,
            Self::Stored(id, _) => *id,
        }
    }
}
