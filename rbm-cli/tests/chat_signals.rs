//! A signal to `rbm chat` while the bot is still starting, or a bot command
//! that exits leaving a process behind: the whole bot process group is
//! stopped, nothing is left holding the port.

#![cfg(unix)]

mod support;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};

use support::text;

/// A bot command that starts a long-lived process (as `cargo run` starts
/// the bot) and says its pid, then waits for it.
const BOT: &str = "sleep 600 & echo \"grandchild $!\"; wait";

/// Whether process `pid` still runs (a zombie waiting to be reaped does not).
fn running(pid: &str) -> bool {
    let output = Command::new("ps")
        .args(["-o", "stat=", "-p", pid])
        .output()
        .expect("ps runs");
    let stat = text(&output.stdout);
    let stat = stat.trim();
    !stat.is_empty() && !stat.starts_with('Z')
}

/// Waits until process `pid` is gone; fails after a minute (a process left
/// running is the bug under test, so this is a hang guard, not a timing).
fn assert_gone(pid: &str) {
    for _ in 0..3000 {
        if !running(pid) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-KILL", pid]).status();
    panic!("process {pid} of the bot was left running");
}

#[test]
fn a_signal_while_the_bot_starts_stops_the_bot_too() {
    for (signal, code) in [("-TERM", 143), ("-INT", 130), ("-HUP", 129)] {
        let mut rbm = support::rbm()
            .args(["chat", "--logs", "--", "sh", "-c", BOT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rbm starts");
        // The bot never listens: rbm is waiting for it to be ready.
        let mut stderr = BufReader::new(rbm.stderr.take().expect("piped stderr"));
        let mut seen = String::new();
        let pid = loop {
            let mut line = String::new();
            let read = stderr.read_line(&mut line).expect("stderr read");
            assert_ne!(read, 0, "rbm stopped first:\n{seen}");
            seen.push_str(&line);
            if let Some(pid) = line.trim().strip_prefix("bot| grandchild ") {
                break pid.to_owned();
            }
        };
        assert!(running(&pid), "{signal}: the bot runs");
        let sent = Command::new("kill")
            .args([signal, &rbm.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = rbm.wait().expect("rbm exits");
        stderr.read_to_string(&mut seen).expect("stderr read");
        assert_eq!(status.code(), Some(code), "{signal}: {seen}");
        assert!(seen.contains("stopped by SIG"), "{signal}: {seen}");
        assert_gone(&pid);
    }
}

#[test]
fn a_bot_command_that_exits_leaving_a_process_behind_is_cleaned_up() {
    // The pid goes to a file: written before the command exits, unlike its
    // output, which rbm may not have read when it reports the exit.
    let pid_file = std::env::temp_dir().join(format!("rbm-chat-test-{}.pid", std::process::id()));
    let script = format!("sleep 600 & echo $! > '{}'; exit 3", pid_file.display());
    let output = support::run(&["chat", "--", "sh", "-c", &script], "");
    let stderr = text(&output.stderr);
    let pid = std::fs::read_to_string(&pid_file).expect("the bot wrote its pid");
    let _ = std::fs::remove_file(&pid_file);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the bot exited (exit status: 3)"),
        "{stderr}"
    );
    assert_gone(pid.trim());
}
