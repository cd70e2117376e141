//! `rbm chat -- <bot>` end to end against the built examples, driven through
//! stdin; the conversation it prints is checked.

mod support;

use support::{example, run, text};

#[test]
fn chatting_with_the_echo_example() {
    let echo = example("echo");
    let echo = echo.to_str().expect("a UTF-8 path");
    let output = run(
        &["chat", "--", echo],
        "Hello, world!\n/location 60.17 24.94\n/event typing\nsecond\n/quit\n",
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("the bot (pid "), "{stdout}");
    assert!(
        stdout.contains("you> Hello, world!\nbot> Hello, world!\n"),
        "{stdout}"
    );
    // A location is acknowledged and not answered by the echo bot.
    assert!(
        stdout
            .contains("you> /location 60.17 24.94\nyou> /event typing\nyou> second\nbot> second\n"),
        "{stdout}"
    );
}

#[test]
fn tapping_numbered_suggestions_of_the_pizza_example() {
    let pizza = example("pizza");
    let pizza = pizza.to_str().expect("a UTF-8 path");
    let output = run(
        &["chat", "--phone", "+358401234567", "--", pizza],
        "hi\n1\n9\n/file https://example.com/pie.jpg\n/quit\n",
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("You are +358401234567."), "{stdout}");
    assert!(
        stdout.contains("bot> Hello! Hungry?\n     [1] Menu  [2] My cart\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "(tapped \"Menu\")\nbot> Which size?\n     [1] Small  [2] Medium  [3] Large\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("there is no button 9"), "{stdout}");
    assert!(stdout.contains("bot> Thanks for pie.jpg!"), "{stdout}");
}

#[test]
fn end_of_input_stops_the_bot_and_leaves() {
    let echo = example("echo");
    let output = run(&["chat", "--", echo.to_str().expect("UTF-8")], "bye\n");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("bot> bye"));
}
