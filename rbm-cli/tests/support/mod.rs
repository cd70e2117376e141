//! Running the `rbm` binary and building the examples it is tested against.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `rbm` binary under test.
pub(crate) fn rbm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rbm"))
}

/// Runs `rbm args…` with `stdin` as its input, to completion.
pub(crate) fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = rbm()
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

/// Builds the root package's example `name` (a no-op when up to date) into
/// the target directory of this test, and returns its path.
pub(crate) fn example(name: &str) -> PathBuf {
    let rbm = Path::new(env!("CARGO_BIN_EXE_rbm"));
    let profile_dir = rbm.parent().expect("a profile directory");
    let target_dir = profile_dir.parent().expect("a target directory");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "-p",
            "rbm",
            "--example",
            name,
            "--target-dir",
        ])
        .arg(target_dir);
    if profile_dir.file_name().is_some_and(|dir| dir == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the {name} example failed");
    profile_dir.join("examples").join(name)
}
