//! A bot that is already running, started with the environment the tool
//! prints: `rbm chat --url URL --token T`, and `rbm api` with `rbm send --api`.

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{ChildStdout, Command, Stdio};

use support::{Running, echo_bot, free_port, text};

const TOKEN: &str = "SJENCPGJESMGUFPY";

/// `rbm chat --url` on a free port: the tool, its stdout after the
/// greeting, what it printed before, and the environment it printed.
fn chat_on_a_free_port() -> (
    Running,
    BufReader<ChildStdout>,
    u16,
    String,
    Vec<(String, String)>,
) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let mut rbm = Running(
        support::rbm()
            .args(["chat", "--url", &url, "--token", TOKEN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rbm starts"),
    );
    let mut stdout = BufReader::new(rbm.0.stdout.take().expect("piped stdout"));

    // What the tool prints before the chat: the bot's environment.
    let mut printed = String::new();
    let mut env = Vec::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("stdout read");
        assert_ne!(read, 0, "rbm stopped before the chat:\n{printed}");
        printed.push_str(&line);
        if let Some(assignment) = line.trim().strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').expect("NAME=value");
            env.push((name.to_owned(), value.to_owned()));
        }
        if line.starts_with("You are ") {
            break;
        }
    }
    (rbm, stdout, port, printed, env)
}

/// Types `input` into the chat; returns what it printed then, and its stderr.
fn converse(
    rbm: &mut Running,
    mut stdout: BufReader<ChildStdout>,
    input: &[u8],
) -> (String, String) {
    let mut stdin = rbm.0.stdin.take().expect("piped stdin");
    stdin.write_all(input).expect("stdin written");
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout read");
    let status = rbm.0.wait().expect("rbm exits");
    let mut stderr = String::new();
    if let Some(mut err) = rbm.0.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(status.success(), "{rest}\n{stderr}");
    (rest, stderr)
}

#[test]
fn chatting_with_a_running_bot_started_with_the_printed_environment() {
    let (mut rbm, stdout, port, printed, env) = chat_on_a_free_port();
    let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "RBM_CLIENT_TOKEN",
            "RBM_API_BASE_URL",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "RBM_DELIVERY",
            "RBM_STORE"
        ],
        "{printed}"
    );
    assert!(printed.contains(&format!("export RBM_CLIENT_TOKEN={TOKEN}\n")));

    // The bot, started as the person would, with what was printed.
    let _bot = echo_bot(port, env);
    let (rest, stderr) = converse(&mut rbm, stdout, b"Hello, running bot!\n/quit\n");
    assert!(
        rest.contains("you> Hello, running bot!\nbot> Hello, running bot!\n"),
        "{printed}{rest}\n{stderr}"
    );
    assert!(!rest.contains("nothing from the bot"), "{rest}");
    assert_eq!(text(stderr.as_bytes()), "", "{stderr}");
}

#[test]
fn a_running_bot_whose_replies_go_elsewhere_is_pointed_out() {
    let (mut rbm, stdout, port, _printed, _env) = chat_on_a_free_port();
    // Only the token: its replies go to its log, not to the tool.
    let _bot = echo_bot(port, vec![("RBM_CLIENT_TOKEN".into(), TOKEN.into())]);
    let (rest, _) = converse(&mut rbm, stdout, b"anyone there?\n/quit\n");
    assert!(rest.contains("nothing from the bot reached rbm"), "{rest}");
}

/// `rbm api` on a free port, and the environment it printed, once ready.
fn fake_api() -> (Running, BufReader<ChildStdout>, Vec<(String, String)>) {
    let mut api = Running(
        support::rbm()
            .args(["api", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rbm api starts"),
    );
    let mut stdout = BufReader::new(api.0.stdout.take().expect("piped stdout"));
    let mut printed = String::new();
    let mut env = Vec::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("stdout read");
        assert_ne!(read, 0, "rbm api stopped:\n{printed}");
        printed.push_str(&line);
        if let Some(assignment) = line.trim().strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').expect("NAME=value");
            env.push((name.to_owned(), value.to_owned()));
        }
        if line.contains("Ctrl-C stops") {
            break;
        }
    }
    let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["RBM_API_BASE_URL", "GOOGLE_APPLICATION_CREDENTIALS"],
        "{printed}"
    );
    (api, stdout, env)
}

#[test]
fn send_prints_the_replies_a_bot_sends_to_rbm_api() {
    let (mut api, api_stdout, mut env) = fake_api();
    let api_url = env[0].1.clone();
    env.push(("RBM_CLIENT_TOKEN".to_owned(), TOKEN.to_owned()));
    let port = free_port();
    // The echo bot runs in inbox mode: its replies come after the 200.
    let _bot = echo_bot(port, env);
    let url = format!("http://127.0.0.1:{port}/");

    let sent = support::run(
        &[
            "send",
            "--token",
            TOKEN,
            "--api",
            &api_url,
            &url,
            "text",
            "hello there",
        ],
        "",
    );
    let stdout = text(&sent.stdout);
    assert!(sent.status.success(), "{stdout}{}", text(&sent.stderr));
    assert!(stdout.contains("-> 200 OK\nbot> hello there\n"), "{stdout}");

    // Read from RBM_API_BASE_URL, the bot's own setting; another user's
    // replies are not this delivery's.
    let other = support::run_with(
        &[
            "send",
            "--token",
            TOKEN,
            "--phone",
            "+15550001111",
            &url,
            "text",
            "mine",
        ],
        "",
        |command| {
            command.env("RBM_API_BASE_URL", &api_url);
        },
    );
    let stdout = text(&other.stdout);
    assert!(stdout.contains("-> 200 OK\nbot> mine\n"), "{stdout}");
    assert!(!stdout.contains("hello there"), "{stdout}");

    // A delivery the bot does not answer: said, after --wait.
    let silent = support::run(
        &[
            "send", "--token", TOKEN, "--api", &api_url, "--wait", "0.3", &url, "event", "typing",
        ],
        "",
    );
    let stdout = text(&silent.stdout);
    assert!(silent.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("(no reply reached {api_url} within 0.3 s)")),
        "{stdout}"
    );

    // `rbm api` showed both conversations as they happened.
    stop(&mut api);
    let mut shown = String::new();
    BufReader::new(api_stdout.into_inner())
        .read_to_string(&mut shown)
        .expect("rbm api's output");
    assert!(
        shown.contains("to +12223334444:\nbot> hello there\nto +15550001111:\nbot> mine\n"),
        "{shown}"
    );
    assert!(shown.contains("rbm api: stopped by SIGTERM."), "{shown}");
}

#[test]
fn send_to_something_that_is_not_rbm_api_names_the_setting() {
    let (api, _stdout, mut env) = fake_api();
    env.push(("RBM_CLIENT_TOKEN".to_owned(), TOKEN.to_owned()));
    let port = free_port();
    let _bot = echo_bot(port, env);
    let url = format!("http://127.0.0.1:{port}/");
    // The bot's webhook is an HTTP server, but not the fake.
    let sent = support::run(
        &["send", "--token", TOKEN, "--api", &url, &url, "text", "hi"],
        "",
    );
    let stderr = text(&sent.stderr);
    assert_eq!(sent.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "rbm: --api (RBM_API_BASE_URL): {} is not rbm's fake RBM API (start one with `rbm api`)",
            url.trim_end_matches('/')
        )),
        "{stderr}"
    );
    drop(api);
}

/// Ends `rbm api` the way a service manager would, and waits for it.
fn stop(api: &mut Running) {
    #[cfg(unix)]
    {
        let pid = api.0.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
    }
    let status = api.0.wait().expect("rbm api exits");
    #[cfg(unix)]
    assert!(status.success(), "{status}");
}
