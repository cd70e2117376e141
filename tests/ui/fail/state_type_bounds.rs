use rbm_runtime::prelude::*;

/// Neither `Default` nor `Serialize`.
#[derive(serde::Deserialize)]
enum Order {
    Browsing,
}

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    #[on_message(text, state = "Browsing")]
    async fn text(&self) {}
}

/// Not `Send`: it could not be held across a handler's `.await`.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Local {
    #[serde(skip)]
    marker: std::marker::PhantomData<std::rc::Rc<()>>,
}

struct Bot;

#[rbm_agent(state = Local)]
impl Bot {
    #[on_message]
    async fn any(&self, local: &mut Local) {
        let _ = local;
    }
}

fn main() {}
