//! The bot as a child process: started with the environment that points it
//! at this tool, its output kept for error messages, stopped on every exit
//! path (an orderly [`BotProcess::stop`], or a kill when dropped).

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use super::delivery_log::{self, LoggedDelivery};
use crate::error::CliError;

/// How many of the bot's last output lines are kept for error messages.
const KEPT_LINES: usize = 30;
/// How long the bot gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How often a stopping process group is checked for members left.
const STOP_POLL: Duration = Duration::from_millis(20);

/// A running bot, in its own process group (unix). Dropped without
/// [`stop`](Self::stop) (an early return, a panic), the whole group is killed.
pub(crate) struct BotProcess {
    child: Child,
    /// Its process id, which is also its process group's id (unix).
    pid: Option<u32>,
    output: Arc<Mutex<Output>>,
    stopped: bool,
}

/// What is kept of the bot's output.
#[derive(Default)]
struct Output {
    /// Its last lines.
    lines: VecDeque<String>,
    /// Every delivery it logged, in order.
    deliveries: Vec<LoggedDelivery>,
}

impl BotProcess {
    /// Starts `command` with `env` added to this process's environment.
    /// With `echo`, its output is also copied to this process's stderr.
    pub(crate) fn spawn(
        command: &[String],
        env: &[(&str, String)],
        echo: bool,
    ) -> Result<Self, CliError> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| CliError::Usage("the bot command is empty".into()))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: `cargo run` starts the bot as a grandchild,
        // and stopping the group stops both; Ctrl-C in the terminal reaches
        // this tool only, which then stops the bot in order.
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd.spawn().map_err(|source| CliError::Spawn {
            command: command.join(" "),
            source,
        })?;
        let output = Arc::new(Mutex::new(Output::default()));
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(keep_lines(stdout, Arc::clone(&output), echo));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(keep_lines(stderr, Arc::clone(&output), echo));
        }
        let pid = child.id();
        Ok(Self {
            child,
            pid,
            output,
            stopped: false,
        })
    }

    /// Its process id.
    pub(crate) fn id(&self) -> Option<u32> {
        self.pid
    }

    /// The last lines it wrote.
    pub(crate) fn output(&self) -> Vec<String> {
        self.kept().lines.iter().cloned().collect()
    }

    /// How many deliveries it logged so far.
    pub(crate) fn deliveries_logged(&self) -> usize {
        self.kept().deliveries.len()
    }

    /// The deliveries it logged from the `from`th on.
    pub(crate) fn deliveries_since(&self, from: usize) -> Vec<LoggedDelivery> {
        self.kept()
            .deliveries
            .get(from..)
            .unwrap_or_default()
            .to_vec()
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Output> {
        self.output.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(error)` when it has exited.
    pub(crate) fn exited(&mut self) -> Option<CliError> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(CliError::BotExited {
                status: status.to_string(),
                output: self.output(),
            }),
            Ok(None) => None,
            Err(error) => Some(CliError::BotExited {
                status: format!("unknown: {error}"),
                output: self.output(),
            }),
        }
    }

    /// Stops it: SIGTERM to its process group, then SIGKILL to what is
    /// left of the group after a grace period. The group is signalled even
    /// when the started command already exited (`cargo run` killed, say):
    /// the bot it started may still be running.
    pub(crate) async fn stop(mut self) {
        self.stopped = true;
        #[cfg(unix)]
        if let Some(pid) = self.pid
            && group::signal(pid, Some(group::Signal::TERM))
        {
            let deadline = tokio::time::Instant::now() + STOP_GRACE;
            loop {
                // Reaps the leader, so that it does not count as alive.
                let _ = self.child.try_wait();
                if !group::signal(pid, None) || tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(STOP_POLL).await;
            }
            group::signal(pid, Some(group::Signal::KILL));
        }
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill().await;
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        #[cfg(unix)]
        if let Some(pid) = self.pid {
            group::signal(pid, Some(group::Signal::KILL));
        }
        // `kill_on_drop` kills the direct child where there are no groups.
    }
}

/// Signals to a process group.
#[cfg(unix)]
mod group {
    use rustix::process::{Pid, kill_process_group, test_kill_process_group};

    pub(super) use rustix::process::Signal;

    /// Sends `signal` to the process group `pgid`, or with `None` only
    /// checks that it can be signalled; `true` when the group exists (and
    /// may be signalled).
    pub(super) fn signal(pgid: u32, signal: Option<Signal>) -> bool {
        let Some(pgid) = i32::try_from(pgid).ok().and_then(Pid::from_raw) else {
            return false;
        };
        match signal {
            Some(signal) => kill_process_group(pgid, signal).is_ok(),
            None => test_kill_process_group(pgid).is_ok(),
        }
    }
}

async fn keep_lines(stream: impl AsyncRead + Unpin, output: Arc<Mutex<Output>>, echo: bool) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if echo {
            eprintln!("  bot| {line}");
        }
        let mut output = output.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(delivery) = delivery_log::parse(&line) {
            output.deliveries.push(delivery);
        }
        if output.lines.len() == KEPT_LINES {
            output.lines.pop_front();
        }
        output.lines.push_back(line);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::process::CommandExt as _;

    use super::group;

    #[test]
    fn a_process_group_is_found_signalled_and_gone() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("sleep starts");
        let pgid = child.id();
        assert!(group::signal(pgid, None), "the group exists");
        assert!(group::signal(pgid, Some(group::Signal::TERM)));
        let status = child.wait().expect("sleep ends");
        assert!(!status.success(), "ended by the signal: {status}");
        assert!(!group::signal(pgid, None), "the group is gone");
        assert!(!group::signal(pgid, Some(group::Signal::KILL)));
    }
}
