//! Running the `rbm` binary and building the examples it is tested against.

#![allow(dead_code)]

use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The `rbm` binary under test.
pub(crate) fn rbm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rbm"))
}

/// Runs `rbm args…` with `stdin` as its input, to completion.
pub(crate) fn run(args: &[&str], stdin: &str) -> Output {
    run_with(args, stdin, |_| {})
}

/// Like [`run`], with the command set up further by `configure` first
/// (environment, working directory).
pub(crate) fn run_with(args: &[&str], stdin: &str, configure: impl FnOnce(&mut Command)) -> Output {
    let mut command = rbm();
    configure(&mut command);
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rbm starts");
    let mut input = child.stdin.take().expect("piped stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("rbm runs")
}

/// The text of an output stream.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The workspace's root directory.
pub(crate) fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
}

/// The target directory this test was built in.
pub(crate) fn target_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rbm"))
        .parent()
        .and_then(Path::parent)
        .expect("a target directory")
}

/// The cargo running the tests.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Builds every example of the workspace (a no-op when up to date) into
/// the target directory of this test, and returns the path of `name`'s.
///
/// All of them, as `cargo test --workspace` builds them: the same features,
/// so the same artifacts (a build of one package's example resolves
/// features differently and would rebuild the runtime on every run).
pub(crate) fn example(name: &str) -> PathBuf {
    let rbm = Path::new(env!("CARGO_BIN_EXE_rbm"));
    let profile_dir = rbm.parent().expect("a profile directory");
    let mut build = Command::new(cargo());
    without_cargo_env(&mut build);
    build
        .current_dir(workspace())
        .args([
            "build",
            "--quiet",
            "--workspace",
            "--examples",
            "--target-dir",
        ])
        .arg(target_dir());
    if profile_dir.file_name().is_some_and(|dir| dir == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the examples failed");
    profile_dir.join("examples").join(name)
}

/// Removes from `command`'s environment the variables cargo hands this
/// test about its own package: build scripts (ring's) watch some of them,
/// and a cargo run with them would rebuild half the workspace every time.
pub(crate) fn without_cargo_env(command: &mut Command) {
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy().into_owned();
        let handed = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ];
        let singles = ["OUT_DIR", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"];
        if handed.iter().any(|p| var.starts_with(p)) || singles.contains(&var.as_str()) {
            command.env_remove(var);
        }
    }
}

/// Kills a child process when dropped (a failed assertion included).
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port on 127.0.0.1 (bound and released: a bot binds it next).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The echo example on `port`, with `env`, once it accepts connections.
pub(crate) fn echo_bot(port: u16, env: Vec<(String, String)>) -> Running {
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
