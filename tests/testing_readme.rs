//! The README's "Testing a bot" example: a test of `examples/pizza.rs`,
//! compiled and run as written. The README shows this file between the two
//! marker comments, exactly; `the_readme_shows_this_test` checks that.

#![allow(dead_code, unreachable_pub)]

// README: from here
#[path = "../examples/pizza.rs"] // the bot under test: examples/pizza.rs
mod pizza;

use pizza::Pizza;
use rbm_runtime::testing::TestBot;

#[tokio::test]
async fn greets_and_shows_the_menu() {
    let bot = TestBot::new(Pizza);
    let replies = bot.text("hi").await;
    assert_eq!(replies[0].as_text(), Some("Hello! Hungry?"));
    bot.tap(&replies[0].suggestions[0])
        .await
        .expect_text("Which size?");
}
// README: to here

#[test]
fn the_readme_shows_this_test() {
    let source = include_str!("testing_readme.rs");
    let from = "// README: from here\n";
    let to = "// README: to here\n";
    let start = source.find(from).expect("the start marker") + from.len();
    let end = source.find(to).expect("the end marker");
    let shown = format!("```rust,ignore\n{}```\n", &source[start..end]);
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&shown),
        "README.md's \"Testing a bot\" must show, as it is:\n{shown}"
    );
}
