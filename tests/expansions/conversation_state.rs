//! Conversation state: an enum state with unit, tuple and struct variants,
//! filters on every kind of route, `&mut` state next to other parameters;
//! and a struct state without filters, declared with `read_receipts`.

use rbm_runtime::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
enum Checkout {
    #[default]
    Browsing,
    Sizing(u32),
    Paying {
        total: u32,
        currency: String,
    },
}

mod flows {
    /// Generic, named by a path: filters go through `flows::Wizard::<u8>`.
    #[derive(Default, serde::Serialize, serde::Deserialize)]
    pub(crate) enum Wizard<T> {
        #[default]
        Start,
        Step(T),
    }
}

struct Shop;

#[rbm_agent(state = Checkout)]
impl Shop {
    #[on_message(text = "help", state = "Paying")]
    async fn help_paying(&self, from: PhoneNumber, state: &mut Checkout, text: Text) -> Reply {
        if let Checkout::Paying { total, currency } = state {
            return Reply::text(format!("{from}: {text} with {total} {currency}"));
        }
        Reply::text("unreachable")
    }

    #[on_message(text = "help")]
    #[on_message(text = "help", state = "Browsing")]
    async fn help(&self) -> Reply {
        Reply::text("help")
    }

    #[on_message(text = "size", ignore_case, state = "Browsing")]
    #[on_message(command = "/size", state = "Browsing")]
    async fn start_sizing(&self, order: &mut Checkout) -> Reply {
        *order = Checkout::Sizing(0);
        Reply::text("which size?")
    }

    #[on_message(regex = r"^(?<n>\d+)$", state = "Sizing")]
    #[on_message(postback = "size:{n}", state = "Sizing")]
    async fn size(&self, n: u32, order: &mut Checkout) -> Result<Reply, HandlerError> {
        *order = Checkout::Paying {
            total: n * 10,
            currency: "EUR".into(),
        };
        Ok(Reply::text("pay?"))
    }

    #[on_message(prefix = "size:", state = "Sizing")]
    async fn size_words(&self, Rest(words): Rest, order: &mut Checkout) {
        *order = Checkout::Sizing(words.len() as u32);
    }

    #[on_message(postback = "pay", state = "Paying")]
    #[on_message(postback, state = "Paying")]
    async fn pay(&self, ctx: &Context, order: &mut Checkout) -> Vec<Reply> {
        let _ = ctx;
        *order = Checkout::default();
        vec![Reply::text("paid")]
    }

    #[on_message(location, state = "Browsing")]
    #[on_message(file, mime = "image/*", state = "Sizing")]
    #[on_message(text, state = "Paying")]
    async fn anything_else(&self, state: &mut Checkout) {
        *state = Checkout::Browsing;
    }

    #[on_message(state = "Paying")]
    async fn fallback_paying(&self) -> Reply {
        Reply::text("finish paying first")
    }

    #[on_message]
    async fn fallback(&self) {}

    #[on_event(read, state = "Paying")]
    #[on_event(state = "Sizing")]
    #[on_server_event(state = "Paying")]
    #[on_launch_event(launched, state = "Browsing")]
    #[on_unknown(state = "Browsing")]
    async fn events(&self) {}

    #[on_event(read)]
    async fn read(&self, state: &mut Checkout, event: &UserEvent) {
        let _ = (state, event);
    }

    #[on_message(postback = "size:{n}")]
    async fn postback_anywhere(&self, n: u32) -> Reply {
        Reply::text(format!("{n}"))
    }
}

struct Wizardry;

#[rbm_agent(state = flows::Wizard<u8>)]
impl Wizardry {
    #[on_message(text, state = "Step")]
    async fn step(&self, wizard: &mut flows::Wizard<u8>) {
        if let flows::Wizard::Step(n) = wizard {
            *n += 1;
        }
    }

    #[on_message(text)]
    async fn start(&self, wizard: &mut flows::Wizard<::core::primitive::u8>) {
        *wizard = flows::Wizard::Step(0);
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Counter {
    count: u64,
}

#[derive(Default)]
struct Count;

#[rbm_agent(read_receipts, state = Counter)]
impl Count {
    #[on_message(text = "count")]
    async fn count(&self, counter: &mut Counter) -> Reply {
        counter.count += 1;
        Reply::text(counter.count.to_string())
    }

    #[on_message(text = "reset")]
    async fn reset(&self, ctx: &Context) {
        ctx.reset_state();
    }

    /// The state through the context only: nothing is loaded for it.
    #[on_message]
    async fn peek(&self, ctx: &Context) -> Reply {
        Reply::text(ctx.state::<Counter>().count.to_string())
    }
}

pub(crate) fn main() {
    assert!(Shop.uses_state());
    assert!(Wizardry.uses_state());
    assert!(Count.uses_state() && Count.auto_read_receipts());
    // Handlers stay plain methods: the state is an ordinary argument.
    let mut state = Counter::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let reply = runtime.block_on(Count.count(&mut state));
    assert_eq!((reply.as_text(), state.count), (Some("1"), 1));
}
