//! `--open`: the page in the person's default browser.

use std::process::{Command, Stdio};

/// Starts the system's opener for `url` (xdg-open, open, start); says so
/// on stdout when there is none, the address being printed anyway.
pub(super) fn browser(url: &str) {
    let mut command = opener(url);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.spawn() {
        // Reaped in the background: the opener exits once it handed over.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(error) => println!("rbm chat: cannot open a browser ({error}); open the address above"),
    }
}

#[cfg(target_os = "macos")]
fn opener(url: &str) -> Command {
    let mut command = Command::new("open");
    command.arg(url);
    command
}

#[cfg(windows)]
fn opener(url: &str) -> Command {
    let mut command = Command::new("cmd");
    command.args(["/C", "start", "", url]);
    command
}

#[cfg(not(any(target_os = "macos", windows)))]
fn opener(url: &str) -> Command {
    let mut command = Command::new("xdg-open");
    command.arg(url);
    command
}
