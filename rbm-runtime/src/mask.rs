//! Keeps phone numbers out of logs: only the last 4 digits are shown.

use std::fmt;

/// Displays a phone number with all but its last 4 characters masked.
pub(crate) struct MaskedPhone<'a>(pub &'a str);

impl MaskedPhone<'_> {
    /// Appends the masked number to `out` (no formatting machinery).
    pub(crate) fn push_to(&self, out: &mut String) {
        let chars = self.0.chars().count();
        let keep = chars.min(4).min(chars.saturating_sub(2));
        out.push_str("***");
        out.extend(self.0.chars().skip(chars - keep));
    }
}

impl fmt::Display for MaskedPhone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut masked = String::with_capacity(7);
        self.push_to(&mut masked);
        f.write_str(&masked)
    }
}

// Quoted like the `&str` it stands for, so a masked field reads as a string
// in a `{:?}` of the struct holding it.
impl fmt::Debug for MaskedPhone<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::MaskedPhone;

    #[test]
    fn shows_at_most_the_last_four_digits() {
        assert_eq!(MaskedPhone("+12223334444").to_string(), "***4444");
        assert_eq!(MaskedPhone("+123").to_string(), "***23");
        assert_eq!(MaskedPhone("").to_string(), "***");
        assert_eq!(format!("{:?}", MaskedPhone("+12223334444")), "\"***4444\"");
    }
}
