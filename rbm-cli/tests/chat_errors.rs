//! `rbm` run wrong, or with a bot that fails: a message saying what to do,
//! a non-zero exit, never a panic.

mod support;

use support::{example, run, run_with, text};

#[test]
fn chat_without_a_bot_says_how_to_name_one() {
    let output = run(&["chat"], "");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("rbm chat -- cargo run --example echo"),
        "{stderr}"
    );
    assert!(stderr.contains("--url"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn chat_with_both_a_url_and_a_command_is_refused() {
    let output = run(
        &[
            "chat",
            "--url",
            "http://127.0.0.1:1/",
            "--token",
            "t",
            "--",
            "true",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not both"));
}

#[test]
fn a_bot_command_that_does_not_exist_is_named() {
    let output = run(&["chat", "--", "/nonexistent/rbm-test-bot"], "");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot start `/nonexistent/rbm-test-bot`"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_bot_that_exits_shows_its_output() {
    let output = run(
        &[
            "chat",
            "--",
            "sh",
            "-c",
            "echo 'RBM_CLIENT_TOKEN is not set: boom' >&2; exit 3",
        ],
        "",
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the bot exited (exit status: 3)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("| RBM_CLIENT_TOKEN is not set: boom"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_bot_that_never_listens_times_out_with_its_output() {
    let output = run(
        &[
            "chat",
            "--ready-timeout",
            "1",
            "--",
            "sh",
            "-c",
            "echo listening elsewhere; sleep 30",
        ],
        "",
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not answer"), "{stderr}");
    assert!(stderr.contains("| listening elsewhere"), "{stderr}");
}

#[test]
fn a_bot_that_fails_says_why_in_the_chat() {
    let bot = example("inbox_echo");
    let told = tempfile::NamedTempFile::new().expect("a file that says fail");
    let output = run_with(
        &["chat", "--", bot.to_str().expect("a UTF-8 path")],
        "hello\nfail now\npanic now\n/quit\n",
        |command| {
            command.env("ECHO_FAIL_FILE", told.path());
        },
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("you> hello\nbot> hello\n"), "{stdout}");
    assert!(
        stdout.contains("you> fail now\n     (the bot failed for good: told to fail)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "you> panic now\n     (the webhook answered 500 Internal Server Error: Google would redeliver it)\n     (the bot panicked, to be retried: told to panic)\n"
        ),
        "{stdout}"
    );
}

#[test]
fn every_command_has_help() {
    for command in [
        &["--help"][..],
        &["chat", "--help"],
        &["send", "--help"],
        &["api", "--help"],
        &["verify", "--help"],
        &["send", "x", "--token", "t", "location", "--help"],
    ] {
        let output = run(command, "");
        assert!(
            output.status.success(),
            "{command:?}: {}",
            text(&output.stderr)
        );
        assert!(text(&output.stdout).contains("Usage: rbm"), "{command:?}");
    }
}
