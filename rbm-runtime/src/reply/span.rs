//! Durations in words for error messages: "15 days", "1 day and 2 seconds".

use std::time::Duration;

const UNITS: [(u64, &str); 4] = [
    (24 * 60 * 60, "day"),
    (60 * 60, "hour"),
    (60, "minute"),
    (1, "second"),
];

/// `value` in days, hours, minutes and seconds, leaving out the units that
/// are zero; a fraction of a second is written as a decimal.
pub(crate) fn span(value: Duration) -> String {
    let mut left = value.as_secs();
    let mut parts = Vec::new();
    for (size, unit) in UNITS {
        let count = left / size;
        left %= size;
        let is_seconds = size == 1;
        let nanos = if is_seconds { value.subsec_nanos() } else { 0 };
        if count == 0 && nanos == 0 {
            continue;
        }
        parts.push(if nanos == 0 {
            counted(count, unit)
        } else {
            let fraction = format!("{nanos:09}");
            format!("{count}.{} {unit}s", fraction.trim_end_matches('0'))
        });
    }
    match parts.split_last() {
        None => "0 seconds".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "1 day", "2 days".
fn counted(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 60 * 60;

    #[test]
    fn whole_units_agree_with_their_count() {
        assert_eq!(span(Duration::from_secs(DAY)), "1 day");
        assert_eq!(span(Duration::from_secs(15 * DAY)), "15 days");
        assert_eq!(span(Duration::from_secs(1)), "1 second");
        assert_eq!(span(Duration::from_secs(120)), "2 minutes");
        assert_eq!(span(Duration::ZERO), "0 seconds");
    }

    #[test]
    fn mixed_units_are_listed_largest_first() {
        assert_eq!(
            span(Duration::from_secs(15 * DAY + 1)),
            "15 days and 1 second"
        );
        assert_eq!(
            span(Duration::from_secs(DAY + 2 * 3600 + 3 * 60)),
            "1 day, 2 hours and 3 minutes"
        );
        assert_eq!(
            span(Duration::from_secs(15 * DAY) + Duration::from_millis(500)),
            "15 days and 0.5 seconds"
        );
        assert_eq!(span(Duration::from_nanos(1)), "0.000000001 seconds");
    }
}
