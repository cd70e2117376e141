//! A pizza shop: an order kept in each user's conversation state (choose,
//! add, review, confirm), state-filtered routes, a carousel menu and a
//! cart card, suggested replies with postback templates, a regex route,
//! location and file routes, events, and a fallback.
//!
//! ```sh
//! RBM_CLIENT_TOKEN=secret PORT=8080 cargo run --example pizza
//! ```

use std::fmt;
use std::str::FromStr;

use rbm_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the shop is (degrees north, degrees east).
const SHOP: (f64, f64) = (60.1699, 24.9384);

/// The pizza shop agent. Each user's order is conversation state, kept in
/// the store: it survives restarts, and a failed delivery leaves it as it was.
#[derive(Debug, Default)]
pub struct Pizza;

/// A pizza size, as it appears in postback data and orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// 25 cm.
    Small,
    /// 30 cm.
    Medium,
    /// 35 cm.
    Large,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 3] = [Self::Small, Self::Medium, Self::Large];

    /// The price of one pizza, in euros.
    pub fn price(self) -> u32 {
        match self {
            Self::Small => 8,
            Self::Medium => 10,
            Self::Large => 12,
        }
    }

    fn centimetres(self) -> u32 {
        match self {
            Self::Small => 25,
            Self::Medium => 30,
            Self::Large => 35,
        }
    }
}

/// Pizzas of one size in the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// How many.
    pub qty: u32,
    /// Of which size.
    pub size: Size,
}

/// Where a user's order stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// Choosing pizzas, with what is in the cart so far.
    Shopping {
        /// The cart.
        cart: Vec<Line>,
    },
    /// A size was picked: the next number typed is how many.
    Quantity {
        /// The size picked.
        size: Size,
        /// The cart.
        cart: Vec<Line>,
    },
    /// Looking at the cart: a confirmation places the order.
    Review {
        /// The cart.
        cart: Vec<Line>,
    },
}

impl Default for Order {
    fn default() -> Self {
        Self::Shopping { cart: Vec::new() }
    }
}

impl Order {
    /// The pizzas chosen so far.
    pub fn cart(&self) -> &[Line] {
        match self {
            Self::Shopping { cart } | Self::Quantity { cart, .. } | Self::Review { cart } => cart,
        }
    }

    /// The cart, taken out of the order (which goes back to shopping).
    fn take_cart(&mut self) -> Vec<Line> {
        match std::mem::take(self) {
            Self::Shopping { cart } | Self::Quantity { cart, .. } | Self::Review { cart } => cart,
        }
    }

    /// Adds pizzas; the order goes back to shopping.
    fn add(&mut self, qty: u32, size: Size) -> Reply {
        if qty == 0 {
            return Reply::text("Zero pizzas? Pick a number from 1 up.");
        }
        let mut cart = self.take_cart();
        match cart.iter_mut().find(|line| line.size == size) {
            Some(line) => line.qty += qty,
            None => cart.push(Line { qty, size }),
        }
        *self = Self::Shopping { cart };
        Reply::text(format!("Added {qty} × {size}."))
            .suggest_reply("My cart", "cart")
            .suggest_reply("More", "menu")
    }
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

#[rbm_agent(state = Order)]
impl Pizza {
    /// Greets the user and offers the menu.
    #[on_message(text = "hi", ignore_case)]
    #[on_message(command = "/start")]
    async fn hello(&self) -> Reply {
        Reply::text("Hello! Hungry?")
            .suggest_reply("Menu", "menu")
            .suggest_reply("My cart", "cart")
    }

    /// The menu: a carousel with one card per size, each with its button.
    #[on_message(postback = "menu")]
    #[on_message(text = "menu", ignore_case)]
    async fn menu(&self) -> Vec<Reply> {
        let cards = Size::ALL.map(|size| {
            CardContent::new()
                .title(format!("{} pizza", capitalised(size)))
                .description(format!("{} cm, {} €", size.centimetres(), size.price()))
                .suggest_reply(capitalised(size), format!("size:{size}"))
        });
        vec![
            Reply::text("Which size?"),
            Reply::carousel(CardWidth::Medium, cards),
        ]
    }

    /// A size was picked: ask how many (tap a number, or type one).
    #[on_message(postback = "size:{size}")]
    async fn size(&self, size: Size, order: &mut Order) -> Reply {
        *order = Order::Quantity {
            size,
            cart: order.take_cart(),
        };
        Reply::text(format!("How many {size} pizzas?"))
            .suggest_reply("1", format!("add:{size}:1"))
            .suggest_reply("2", format!("add:{size}:2"))
            .suggest_reply("3", format!("add:{size}:3"))
    }

    /// A number typed right after picking a size.
    #[on_message(regex = r"^\s*(?<qty>\d{1,2})\s*$", state = "Quantity")]
    async fn typed_quantity(&self, qty: u32, order: &mut Order) -> Reply {
        let Order::Quantity { size, .. } = *order else {
            return Reply::text("Which size?").suggest_reply("Menu", "menu");
        };
        order.add(qty, size)
    }

    /// Anything else while a quantity is expected.
    #[on_message(state = "Quantity")]
    async fn not_a_quantity(&self) -> Reply {
        Reply::text("How many? Type a number from 1 to 99, or tap one.")
    }

    /// Adds pizzas from a suggestion tap.
    #[on_message(postback = "add:{size}:{qty}")]
    async fn add(&self, size: Size, qty: u32, order: &mut Order) -> Reply {
        order.add(qty, size)
    }

    /// Adds pizzas typed as text, e.g. "2 large".
    #[on_message(regex = r"^(?<qty>\d{1,2}) (?<size>small|medium|large)$", ignore_case)]
    async fn typed_order(&self, qty: u32, size: Size, order: &mut Order) -> Reply {
        order.add(qty, size)
    }

    /// The cart, as a card with what is in it and the total; confirming it
    /// places the order.
    #[on_message(postback = "cart")]
    #[on_message(text = "cart", ignore_case)]
    async fn cart(&self, order: &mut Order) -> Reply {
        let cart = order.take_cart();
        if cart.is_empty() {
            return Reply::text("Your cart is empty.").suggest_reply("Menu", "menu");
        }
        let lines: Vec<String> = cart
            .iter()
            .map(|l| format!("{} × {}", l.qty, l.size))
            .collect();
        let total: u32 = cart.iter().map(|l| l.qty * l.size.price()).sum();
        let card = CardContent::new()
            .title("Your order")
            .description(format!("{}. Total {total} €.", lines.join(", ")))
            .suggest_reply("Confirm", "confirm")
            .suggest_reply("More pizzas", "menu")
            .suggest_reply("Empty the cart", "empty");
        *order = Order::Review { cart };
        Reply::card(StandaloneCard::vertical(card))
    }

    /// Places the order: shows the typing indicator while "talking to the
    /// kitchen", then confirms. A failed send fails the delivery, and the
    /// order stays in review, so nothing is placed twice or lost.
    #[on_message(postback = "confirm", state = "Review")]
    #[on_message(text = "yes", ignore_case, state = "Review")]
    async fn confirm(&self, ctx: &Context, order: &mut Order) -> Result<Vec<Reply>, SendError> {
        ctx.typing().await?;
        let count: u32 = order.take_cart().iter().map(|line| line.qty).sum();
        Ok(vec![
            Reply::text(format!("Order placed: {count} pizzas.")),
            Reply::text("Share your location and we will tell you how far the shop is."),
        ])
    }

    /// A confirmation with no cart in review.
    #[on_message(postback = "confirm")]
    async fn nothing_to_confirm(&self) -> Reply {
        Reply::text("Let us look at your cart first.").suggest_reply("My cart", "cart")
    }

    /// Empties the cart.
    #[on_message(postback = "empty")]
    async fn empty(&self, order: &mut Order) -> Reply {
        *order = Order::default();
        Reply::text("Your cart is empty.").suggest_reply("Menu", "menu")
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

    /// An unsubscribe forgets the order (no reply: the user left).
    #[on_event(unsubscribe)]
    async fn unsubscribed(&self, order: &mut Order) {
        *order = Order::default();
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

/// "Small", "Medium", "Large".
fn capitalised(size: Size) -> String {
    let name = size.to_string();
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
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
    rbm_runtime::serve_from_env(Pizza).await
}
