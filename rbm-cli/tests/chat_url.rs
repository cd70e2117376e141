//! `rbm chat --url URL --token T` with a bot that is already running: the
//! bot is started with the environment the tool prints, and the chat works.

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};

use support::{example, text};

const TOKEN: &str = "SJENCPGJESMGUFPY";

/// Kills a child process when dropped (a failed assertion included).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `rbm chat --url` on a free port: the tool, its stdout after the
/// greeting, what it printed before, and the environment it printed.
fn chat_on_a_free_port() -> (
    Running,
    BufReader<ChildStdout>,
    u16,
    String,
    Vec<(String, String)>,
) {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
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

/// The echo example on `port`, with `env`, once it accepts connections.
fn echo_bot(port: u16, env: Vec<(String, String)>) -> Running {
    let mut bot = Command::new(example("echo"));
    bot.envs(env)
        .env("PORT", port.to_string())
        .env("BIND", "127.0.0.1")
        .env("RBM_WEBHOOK_PATH", "/")
        .env("RBM_STORE", "memory")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut bot = Running(bot.spawn().expect("the echo bot starts"));
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        let exited = bot.0.try_wait().expect("the bot's status");
        assert!(exited.is_none(), "the echo bot exited: {exited:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    bot
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
