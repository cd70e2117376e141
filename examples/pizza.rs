//! A pizza shop: suggested replies with postback templates, a regex route,
//! location and file routes, events, and a fallback.
//!
//! ```sh
//! RBM_CLIENT_TOKEN=secret PORT=8080 cargo run --example pizza
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use rbm_runtime::prelude::*;

/// Where the shop is (degrees north, degrees east).
const SHOP: (f64, f64) = (60.1699, 24.9384);

/// The pizza shop agent: one cart per phone number.
#[derive(Default)]
pub struct Pizza {
    carts: Mutex<HashMap<String, Vec<(u32, Size)>>>,
}

/// A pizza size, as it appears in postback data and orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 25 cm.
    Small,
    /// 30 cm.
    Medium,
    /// 35 cm.
    Large,
}

impl FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Ok(Self::Small),
            "medium" => Ok(Self::Medium),
            "large" => Ok(Self::Large),
            other => Err(format!("no pizza size {other:?}")),
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        })
    }
}

#[rbm_agent]
impl Pizza {
    /// Greets the user and offers the menu.
    #[on_message(text = "hi", ignore_case)]
    #[on_message(command = "/start")]
    async fn hello(&self) -> Reply {
        Reply::text("Hello! Hungry?")
            .suggest_reply("Menu", "menu")
            .suggest_reply("My cart", "cart")
    }

    /// Shows the sizes; each chip carries its size in the postback data.
    #[on_message(postback = "menu")]
    #[on_message(text = "menu", ignore_case)]
    async fn menu(&self) -> Reply {
        Reply::text("Which size?")
            .suggest_reply("Small", "size:small")
            .suggest_reply("Medium", "size:medium")
            .suggest_reply("Large", "size:large")
    }

    /// A size was picked: ask how many.
    #[on_message(postback = "size:{size}")]
    async fn size(&self, size: Size) -> Reply {
        Reply::text(format!("How many {size} pizzas?"))
            .suggest_reply("1", format!("add:{size}:1"))
            .suggest_reply("2", format!("add:{size}:2"))
            .suggest_reply("3", format!("add:{size}:3"))
    }

    /// Adds pizzas from a suggestion tap.
    #[on_message(postback = "add:{size}:{qty}")]
    async fn add(&self, from: PhoneNumber, size: Size, qty: u32) -> Reply {
        self.add_to_cart(from, qty, size)
    }

    /// Adds pizzas typed as text, e.g. "2 large".
    #[on_message(regex = r"^(?<qty>\d{1,2}) (?<size>small|medium|large)$", ignore_case)]
    async fn typed_order(&self, from: PhoneNumber, qty: u32, size: Size) -> Reply {
        self.add_to_cart(from, qty, size)
    }

    /// Shows the cart.
    #[on_message(postback = "cart")]
    #[on_message(text = "cart", ignore_case)]
    async fn cart(&self, from: PhoneNumber) -> Reply {
        let carts = self.carts.lock().unwrap_or_else(|e| e.into_inner());
        match carts.get(from.as_str()).filter(|items| !items.is_empty()) {
            None => Reply::text("Your cart is empty.").suggest_reply("Menu", "menu"),
            Some(items) => {
                let lines: Vec<String> = items.iter().map(|(q, s)| format!("{q} × {s}")).collect();
                Reply::text(format!("In your cart: {}.", lines.join(", ")))
                    .suggest_reply("Check out", "checkout")
            }
        }
    }

    /// Checks out: shows the typing indicator while "talking to the
    /// kitchen", then confirms. A failed send fails the delivery (500), so
    /// Google redelivers it.
    #[on_message(postback = "checkout")]
    async fn checkout(&self, from: PhoneNumber, ctx: &Context) -> Result<Vec<Reply>, SendError> {
        ctx.typing().await?;
        let items = self
            .carts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(from.as_str())
            .unwrap_or_default();
        let count: u32 = items.iter().map(|(q, _)| q).sum();
        Ok(vec![
            Reply::text(format!("Order placed: {count} pizzas.")),
            Reply::text("Share your location and we will tell you how far the shop is."),
        ])
    }

    /// Tells how far the shop is from the shared location.
    #[on_message(location)]
    async fn near(&self, at: Location) -> Reply {
        let km = distance_km((at.latitude, at.longitude), SHOP);
        Reply::text(format!("The shop is {km:.1} km away."))
    }

    /// A photo: thanks for it.
    #[on_message(file, mime = "image/*")]
    async fn photo(&self, file: UserFile) -> Reply {
        let name = file
            .payload
            .file_name
            .unwrap_or_else(|| "your photo".into());
        Reply::text(format!("Thanks for {name}! It looks delicious."))
    }

    /// Any other file.
    #[on_message(file)]
    async fn other_file(&self) -> Reply {
        Reply::text("We can only look at pictures.")
    }

    /// A new subscriber gets the greeting.
    #[on_event(subscribe)]
    async fn subscribed(&self) -> Reply {
        Reply::text("Welcome to the pizza shop!").suggest_reply("Menu", "menu")
    }

    /// An unsubscribe empties the cart (no reply: the user left).
    #[on_event(unsubscribe)]
    async fn unsubscribed(&self, from: PhoneNumber) {
        self.carts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(from.as_str());
    }

    /// Receipts need no answer; they are acknowledged.
    #[on_event(delivered, read)]
    async fn receipt(&self) {}

    /// A message expired before delivery: nothing to do but log it.
    #[on_server_event]
    async fn expired(&self, event: &ServerEvent) {
        eprintln!(
            "message {:?} expired: {}",
            event.message_id, event.event_type
        );
    }

    /// The agent went live.
    #[on_launch_event(launched)]
    async fn launched(&self, event: &AgentLaunchEvent) {
        eprintln!("launched in {:?}", event.region_id);
    }

    /// Anything else.
    #[on_message]
    async fn fallback(&self) -> Reply {
        Reply::text("Sorry, I did not get that.").suggest_reply("Menu", "menu")
    }
}

impl Pizza {
    fn add_to_cart(&self, from: PhoneNumber, qty: u32, size: Size) -> Reply {
        if qty == 0 {
            return Reply::text("Zero pizzas? Pick a number from 1 up.");
        }
        let mut carts = self.carts.lock().unwrap_or_else(|e| e.into_inner());
        carts
            .entry(from.into_inner())
            .or_default()
            .push((qty, size));
        Reply::text(format!("Added {qty} × {size}."))
            .suggest_reply("My cart", "cart")
            .suggest_reply("More", "menu")
    }
}

/// Great-circle distance between two points, in kilometres.
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    rbm_runtime::serve_from_env(Pizza::default()).await
}
