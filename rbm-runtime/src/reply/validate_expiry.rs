//! The expiry limits: a `ttl` or an `expireTime` at most 15 days ahead, and
//! never already over.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Expiry;
use super::validate::ReplyError;

/// A message expires at most this long after it is sent (15 days).
pub const MAX_EXPIRY: Duration = Duration::from_secs(15 * 24 * 60 * 60);

/// Checks `expiry` for a message sent at `now`.
pub(super) fn check_expiry(expiry: &Expiry, now: DateTime<Utc>) -> Result<(), ReplyError> {
    match *expiry {
        Expiry::Ttl(ttl) if ttl.is_zero() => Err(ReplyError::ZeroTtl),
        Expiry::Ttl(ttl) if ttl > MAX_EXPIRY => Err(ReplyError::TtlTooLong { ttl }),
        Expiry::Ttl(_) => Ok(()),
        Expiry::ExpireTime(expire_time) => match (expire_time - now).to_std() {
            // Negative: chrono refuses to make a std Duration of it.
            Err(_) => Err(ReplyError::ExpireTimeNotInFuture {
                expire_time,
                behind: (now - expire_time).to_std().unwrap_or(Duration::MAX),
            }),
            Ok(Duration::ZERO) => Err(ReplyError::ExpireTimeNotInFuture {
                expire_time,
                behind: Duration::ZERO,
            }),
            Ok(ahead) if ahead > MAX_EXPIRY => {
                Err(ReplyError::ExpireTimeTooFar { expire_time, ahead })
            }
            Ok(_) => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2030-01-01T12:00:00Z".parse().expect("a timestamp")
    }

    fn ttl(value: Duration) -> Result<(), ReplyError> {
        check_expiry(&Expiry::Ttl(value), now())
    }

    fn expire_in(delta: TimeDelta) -> Result<(), ReplyError> {
        check_expiry(&Expiry::ExpireTime(now() + delta), now())
    }

    #[test]
    fn a_ttl_is_more_than_zero() {
        assert_eq!(ttl(Duration::ZERO), Err(ReplyError::ZeroTtl));
        assert_eq!(ttl(Duration::from_nanos(1)), Ok(()));
        assert_eq!(
            ReplyError::ZeroTtl.to_string(),
            "the ttl is zero; it must be more than zero and at most 15 days"
        );
    }

    #[test]
    fn a_ttl_is_at_most_15_days() {
        assert_eq!(ttl(MAX_EXPIRY), Ok(()));
        let over = MAX_EXPIRY + Duration::from_secs(1);
        let error = ttl(over).expect_err("too long");
        assert_eq!(error, ReplyError::TtlTooLong { ttl: over });
        assert_eq!(
            error.to_string(),
            "the ttl is 15 days and 1 second; the limit is 15 days"
        );
        let error = ttl(Duration::from_secs(16 * 24 * 60 * 60)).expect_err("too long");
        assert_eq!(
            error.to_string(),
            "the ttl is 16 days; the limit is 15 days"
        );
    }

    #[test]
    fn an_expire_time_is_in_the_future() {
        assert_eq!(expire_in(TimeDelta::seconds(1)), Ok(()));
        let now_error = expire_in(TimeDelta::zero()).expect_err("now");
        assert_eq!(
            now_error,
            ReplyError::ExpireTimeNotInFuture {
                expire_time: now(),
                behind: Duration::ZERO
            }
        );
        assert_eq!(
            now_error.to_string(),
            "the expireTime 2030-01-01T12:00:00Z is now; it must be in the future"
        );
        let past = expire_in(-TimeDelta::days(1)).expect_err("past");
        assert_eq!(
            past.to_string(),
            "the expireTime 2029-12-31T12:00:00Z is 1 day in the past; it must be in the future"
        );
    }

    #[test]
    fn an_expire_time_is_at_most_15_days_ahead() {
        assert_eq!(expire_in(TimeDelta::days(15)), Ok(()));
        let error = expire_in(TimeDelta::days(15) + TimeDelta::seconds(1)).expect_err("far");
        assert_eq!(
            error,
            ReplyError::ExpireTimeTooFar {
                expire_time: now() + TimeDelta::days(15) + TimeDelta::seconds(1),
                ahead: MAX_EXPIRY + Duration::from_secs(1),
            }
        );
        assert_eq!(
            error.to_string(),
            "the expireTime 2030-01-16T12:00:01Z is 15 days and 1 second ahead; the limit is 15 days"
        );
    }
}
