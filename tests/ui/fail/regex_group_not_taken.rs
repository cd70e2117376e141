use rbm_runtime::prelude::*;

struct Bot;

/// A user's `FromStr` type: for all the macro knows, it could be an extractor.
struct Size(String);

impl std::str::FromStr for Size {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

#[rbm_agent]
impl Bot {
    #[on_message(regex = r"^(?<qty>\d+) (?<size>\w+)$")]
    async fn order(&self, qty: u32) {
        let _ = qty;
    }

    // `sise` is no plain value, but the group it misses names it.
    #[on_message(regex = r"^(?<size>\w+) only$")]
    async fn only(&self, sise: Size) {
        let _ = sise.0;
    }

    // Not errors: a group named `_...` only matches, and `Captures` reads every group.
    #[on_message(regex = r"^(?<qty>\d+) (?<_size>\w+) please$")]
    async fn polite(&self, qty: u32) {
        let _ = qty;
    }

    #[on_message(regex = r"^(?<qty>\d+) (?<size>\w+)!$")]
    async fn urgent(&self, caps: Captures) {
        let _ = caps;
    }
}

fn main() {}
