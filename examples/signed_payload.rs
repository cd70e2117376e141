//! Prints signed push deliveries, exactly as Google would POST them, for load
//! tests (`bench/run.sh`) and manual `curl` runs.
//!
//! ```sh
//! cargo run --example signed_payload -- --token my-client-token --count 3
//! ```
//!
//! Each line is one user text message: its `X-Goog-Signature` value, a tab,
//! and the compact JSON envelope. The output is the same for the same
//! arguments (ids and times are numbered, not random), so runs compare.
//! Options: `--token T` (required), `--count N` deliveries (default 1), each
//! with its own Pub/Sub and message ids; `--first I` the number of the first
//! one (default 0), so that two sets of deliveries share no id; `--senders S`
//! distinct users they come from, round-robin (default 1000); `--text X`
//! (default `hello`).

use std::error::Error;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use rbm_runtime::testing::Google;

/// What the command line asks for.
struct Options {
    token: String,
    count: u32,
    first: u32,
    senders: u32,
    text: String,
}

/// Fixed times: the pipeline does not look at them, and fixed values keep
/// the output reproducible.
const SEND_TIME: &str = "2026-01-05T10:00:00.123456Z";
const PUBLISH_TIME: &str = "2026-01-05T10:00:00.2Z";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("signed_payload: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the deliveries the command line asks for to stdout.
fn run() -> Result<(), Box<dyn Error>> {
    let options = parse(std::env::args().skip(1))?;
    let google = Google::new(options.token);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let last = options
        .first
        .checked_add(options.count)
        .ok_or("--first plus --count is too large")?;
    for index in options.first..last {
        let user = index % options.senders;
        let push = google
            .text(options.text.as_str())
            // E.164: +1 555 then seven digits, one number per simulated user.
            .sender(format!("+1555{user:07}"))
            .message_id(format!("MxBench{index:09}"))
            .pubsub_id(format!("{}", 10_000_000_000_u64 + u64::from(index)))
            .send_time(SEND_TIME)
            .publish_time(PUBLISH_TIME)
            .build();
        out.write_all(push.signature().as_bytes())?;
        out.write_all(b"\t")?;
        out.write_all(&push.body())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Reads `--name value` pairs; anything else is an error that says what is
/// accepted.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, Box<dyn Error>> {
    const USAGE: &str =
        "usage: signed_payload --token TOKEN [--count N] [--first I] [--senders N] [--text TEXT]";
    let (mut token, mut count, mut first, mut senders) = (None, 1, 0, 1000);
    let mut text = "hello".to_owned();
    while let Some(name) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))?;
        match name.as_str() {
            "--token" => token = Some(value),
            "--count" => count = positive(&name, &value)?,
            "--first" => {
                first = value
                    .parse()
                    .map_err(|_| format!("--first takes a whole number, not {value:?}"))?;
            }
            "--senders" => senders = positive(&name, &value)?,
            "--text" => text = value,
            _ => return Err(format!("unknown option {name}\n{USAGE}").into()),
        }
    }
    let token = token.ok_or_else(|| format!("--token is required\n{USAGE}"))?;
    Ok(Options {
        token,
        count,
        first,
        senders,
        text,
    })
}

/// A count of at least 1.
fn positive(name: &str, value: &str) -> Result<u32, Box<dyn Error>> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name} takes a whole number of at least 1, not {value:?}").into()),
    }
}
