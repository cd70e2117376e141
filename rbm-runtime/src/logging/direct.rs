//! The delivery lines of text logs, written straight to the log writer.
//!
//! At one line per delivery, handing a finished line to `tracing` (the
//! dispatch, the field visitor, the formatter's buffer and its escaping)
//! costs more than assembling it. When this module's subscriber is the one
//! in force and no span is entered, the line is written in the very format
//! the text layer would give it, timestamp and level first; otherwise it
//! goes through `tracing` as before.

use std::io::Write as _;

use tracing::Level;
use tracing_subscriber::layer::Layer;

use super::batch::BatchWriter;
use super::text;

/// A layer that records nothing: it carries the text logs' writer, and its
/// presence in the subscriber in force says the direct path may be taken.
pub(crate) struct DirectLines {
    writer: BatchWriter,
    ansi: bool,
}

impl DirectLines {
    /// The marker for text logs written to `writer`, in colour with `ansi`.
    pub(crate) fn new(writer: BatchWriter, ansi: bool) -> Self {
        Self { writer, ansi }
    }
}

// Every method keeps its default: it enables everything and records
// nothing, so the filter and the other layers decide alone.
impl<S: tracing::Subscriber> Layer<S> for DirectLines {}

/// Writes a text line of `target` at `level` whose message `message`
/// appends to the line, as the text layer would write it, when that layer's
/// subscriber is in force, no span is entered and the message has no
/// control character. Otherwise gives the message back, for the caller to
/// emit through `tracing`. The caller has checked that the level is enabled
/// for `target`.
pub(crate) fn write(
    level: Level,
    target: &str,
    message: impl FnOnce(&mut String),
) -> Result<(), String> {
    let mut message = Some(message);
    let written = tracing::dispatcher::get_default(|dispatch| {
        let direct = dispatch.downcast_ref::<DirectLines>()?;
        // A span would add its name and fields before the target.
        if dispatch.current_span().id().is_some() {
            return None;
        }
        let mut line = String::with_capacity(256);
        // Writing to a String cannot fail.
        let _ = text::write_prefix(&mut line, level, direct.ansi);
        line.push_str(target);
        line.push_str(": ");
        let start = line.len();
        (message.take()?)(&mut line);
        if has_control(&line.as_bytes()[start..]) {
            // The text layer escapes them.
            return Some(Err(line.split_off(start)));
        }
        line.push('\n');
        // As for the text layer: a log line that cannot be written is lost.
        let _ = (&direct.writer).write_all(line.as_bytes());
        Some(Ok(()))
    });
    match (written, message) {
        (Some(written), _) => written,
        (None, Some(message)) => {
            let mut text = String::with_capacity(192);
            message(&mut text);
            Err(text)
        }
        // Taken only by the closure, which then answered.
        (None, None) => Ok(()),
    }
}

/// Whether `bytes` hold an ASCII control character. Every byte is looked
/// at, without an early exit, so that the loop is vectorised: lines
/// almost never have one.
fn has_control(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(false, |found, &b| found | (b < 0x20) | (b == 0x7f))
}

#[cfg(test)]
mod tests {
    use super::super::captured::Captured;
    use super::*;

    #[test]
    fn control_characters_are_found_anywhere() {
        assert!(!has_control(b"delivery path=/ kind=message"));
        assert!(has_control(b"a\nb"));
        assert!(has_control(b"\x1b[31m"));
        assert!(has_control(b"x\x7f"));
        assert!(!has_control("caf\u{e9} \u{2028}".as_bytes()));
    }

    #[test]
    fn without_this_subscriber_the_message_comes_back() {
        let subscriber = tracing_subscriber::registry();
        let back = tracing::subscriber::with_default(subscriber, || {
            write(Level::INFO, "rbm::delivery", |line| {
                line.push_str("delivery path=/")
            })
        });
        assert_eq!(back, Err("delivery path=/".to_owned()));
    }

    #[test]
    fn lines_are_written_whole_unless_a_span_is_entered_or_a_control_character_is_in_them() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let output = Captured::default();
        let (writer, guard) = super::super::batch::start(output.clone());
        let subscriber = tracing_subscriber::registry().with(DirectLines::new(writer, false));
        tracing::subscriber::with_default(subscriber, || {
            assert_eq!(
                write(Level::WARN, "rbm::delivery", |l| l.push_str("a=1")),
                Ok(())
            );
            let forged = write(Level::INFO, "rbm::delivery", |l| l.push_str("a\nINFO b"));
            assert_eq!(forged, Err("a\nINFO b".to_owned()));
            let span = tracing::info_span!("entry");
            let _inside = span.enter();
            assert_eq!(
                write(Level::INFO, "rbm::delivery", |l| l.push_str("c = 1")),
                Err("c = 1".to_owned())
            );
        });
        drop(guard);
        let text = output.text();
        let (time, rest) = text.split_once(' ').expect("a time");
        assert_eq!(time.len(), "2026-12-02T03:40:00.123456Z".len(), "{text}");
        assert_eq!(rest, " WARN rbm::delivery: a=1\n");
    }
}
