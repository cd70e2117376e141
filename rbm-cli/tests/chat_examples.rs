//! `rbm chat -- <bot>` end to end against the built examples, driven through
//! stdin; the conversation it prints is checked.

mod support;

use support::{example, run, run_with, text};

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
    // A location is acknowledged and not answered by the echo bot; an
    // event is confirmed.
    assert!(
        stdout.contains(
            "you> /location 60.17 24.94\nyou> /event typing\n     (sent the user event IS_TYPING)\n\
             you> second\nbot> second\n"
        ),
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
            "(tapped \"Menu\")\nbot> Which size?\nbot> [carousel of 3 cards]\n     card 1:\n"
        ) && stdout.contains("       35 cm, 12 €\n       [3] Large\n"),
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

#[test]
fn the_readme_try_it_command_chats_with_the_pizza_example() {
    // The README's "Try it" is `cargo run -p rbm-cli -- chat -- <this>`; the
    // tool is run as built here, with the bot command as written there.
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains("\ncargo run -p rbm-cli -- chat -- cargo run --example pizza\n"),
        "the README's Try it command changed: update this test"
    );
    let cargo = support::cargo();
    let output = run_with(
        &["chat", "--", &cargo, "run", "--example", "pizza"],
        "hi\n1\n/quit\n",
        |command| {
            // The build the bot command makes reuses this test's.
            support::without_cargo_env(command);
            command
                .current_dir(support::workspace())
                .env("CARGO_TARGET_DIR", support::target_dir());
        },
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("you> hi\nbot> Hello! Hungry?\n     [1] Menu  [2] My cart\n"),
        "{stdout}"
    );
    assert!(stdout.contains("bot> Which size?"), "{stdout}");
}

#[test]
fn a_stale_webhook_path_in_the_environment_does_not_matter() {
    let echo = example("echo");
    let output = run_with(
        &["chat", "--", echo.to_str().expect("UTF-8")],
        "hi\n",
        |command| {
            command.env("RBM_WEBHOOK_PATH", "/left-over");
        },
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("you> hi\nbot> hi\n"), "{stdout}");
}

#[test]
fn another_webhook_path_is_given_to_the_bot() {
    let echo = example("echo");
    let output = run(
        &[
            "chat",
            "--path",
            "/hook",
            "--",
            echo.to_str().expect("UTF-8"),
        ],
        "hi\n",
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("/hook;"), "{stdout}");
    assert!(stdout.contains("you> hi\nbot> hi\n"), "{stdout}");
}

#[test]
fn a_number_is_a_tap_and_a_backslash_sends_it_as_text() {
    let echo = example("echo");
    let output = run(
        &["chat", "--", echo.to_str().expect("UTF-8")],
        "3\n\\3\n\\/help\n",
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("you> 3\n  there is no button 3; the bot's last message has 0\n"),
        "{stdout}"
    );
    assert!(stdout.contains("you> \\3\nbot> 3\n"), "{stdout}");
    assert!(stdout.contains("you> \\/help\nbot> /help\n"), "{stdout}");
}

#[test]
fn the_help_shows_the_escape() {
    let echo = example("echo");
    let output = run(&["chat", "--", echo.to_str().expect("UTF-8")], "/help\n");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("\\3 sends the text 3"), "{stdout}");
}
