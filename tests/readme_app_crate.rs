//! The README's "Your own bot" crate, built from the README's own blocks in
//! a directory outside this workspace (beside a link named `rbm` to this
//! repository, as the README lays it out): its test passes and the bot it
//! serves answers the console's handshake. If the README drifts, this fails.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MARKER: &str = "<!-- file: ";

/// The files the README shows, by their path under the bot's parent.
fn readme_files() -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    let mut files = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(MARKER) {
        rest = &rest[at + MARKER.len()..];
        let (path, after) = rest
            .split_once(" -->\n")
            .expect("a file marker ends with -->");
        let body = after
            .split_once('\n')
            .map(|(_fence, body)| body)
            .expect("a code block follows the marker");
        let (content, after_block) = body.split_once("```\n").expect("the block is closed");
        files.push((path.to_owned(), content.to_owned()));
        rest = after_block;
    }
    files
}

/// Runs `cargo` with `args` in `dir`, the build in `target`, and fails the
/// test with its output if it fails.
fn cargo(dir: &Path, target: &Path, args: &[&str]) {
    let mut command = Command::new(env!("CARGO"));
    // The variables cargo hands this test about its own package would make
    // build scripts (ring's) run again, and rebuild the crate's dependencies.
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
    let output = command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo {}` failed in the README's crate:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// POSTs the console's handshake to 127.0.0.1:`port`; the answer's body.
fn handshake(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = r#"{"clientToken":"my-client-token","secret":"it-works"}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.starts_with("HTTP/1.1 200").then_some(answer)
}

/// Where the README's crate is laid out: outside the workspace, or cargo
/// would take the crate for a member, and at the same place on every run
/// (one per checkout), so that cargo finds the runtime at the same path and
/// does not build it again.
fn crate_parent(repository: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    repository.hash(&mut hasher);
    let parent = std::env::temp_dir().join(format!("rbm-readme-crate-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&parent).expect("the crate's parent directory");
    parent
}

/// Writes `content` to `file` unless it holds it already: an unchanged
/// file keeps its time, and cargo its build.
fn write_if_changed(file: &Path, content: &[u8]) {
    if std::fs::read(file).ok().as_deref() == Some(content) {
        return;
    }
    std::fs::create_dir_all(file.parent().expect("a directory")).expect("directories");
    std::fs::write(file, content).expect("write");
}

/// Removes every file under `dir` that is not one of `kept`.
fn remove_other_files(dir: &Path, kept: &[PathBuf]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_other_files(&path, kept);
        } else if !kept.contains(&path) {
            std::fs::remove_file(&path).expect("remove a stale file");
        }
    }
}

#[test]
fn the_readme_crate_builds_passes_its_test_and_answers_the_handshake() {
    let files = readme_files();
    let names: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        names,
        [
            "my-bot/Cargo.toml",
            "my-bot/src/lib.rs",
            "my-bot/src/main.rs",
            "my-bot/tests/greeter.rs"
        ]
    );
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let parent = crate_parent(&repository);
    let link = parent.join("rbm");
    if std::fs::read_link(&link).ok().as_deref() != Some(repository.as_path()) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&repository, &link).expect("link rbm");
    }
    let bot = parent.join("my-bot");
    // Files of an earlier README that it no longer shows would still build.
    let mut kept: Vec<PathBuf> = files.iter().map(|(path, _)| parent.join(path)).collect();
    kept.push(bot.join("Cargo.lock"));
    remove_other_files(&bot, &kept);
    for (path, content) in &files {
        write_if_changed(&parent.join(path), content.as_bytes());
    }
    // The workspace's versions: what this machine has built and cached.
    let lock = std::fs::read(repository.join("Cargo.lock")).expect("the lock");
    write_if_changed(&bot.join("Cargo.lock"), &lock);
    // Kept between runs, so that only the first one compiles the dependencies.
    let target = repository.join("target").join("readme-app");
    cargo(&bot, &target, &["test", "--offline", "--quiet"]);

    let port = free_port();
    let served = Command::new(target.join("debug").join("my-bot"))
        .env("PORT", port.to_string())
        .env("BIND", "127.0.0.1")
        .env("RBM_CLIENT_TOKEN", "my-client-token")
        .env("RBM_STORE", "memory")
        .current_dir(&bot)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the bot starts");
    let _served = Killed(served);
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Some(answer) = handshake(port) {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "the bot did not answer within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.ends_with("it-works"), "{answer}");
}
