//! The text line format, as `tracing-subscriber`'s default writes it
//! (`2026-12-02T03:40:00.123456Z  INFO span{a=1}: target: message key=value`),
//! but cheaper: at one line per delivery, the default format's timestamp
//! and its character-by-character escaping cost more than the rest of the
//! request. Here the date and time are formatted once a second, and text
//! without control characters is written whole.
//!
//! Control characters are still escaped (`\n`, `\u{1b}`), in the message
//! and in every field: a value can neither end the line nor colour it.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as text lines.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TextLines {
    /// Colours the level, for a person at a terminal.
    pub(crate) ansi: bool,
}

/// Formats fields (an event's, a span's) as `name=value` pairs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TextFields;

impl<S, N> FormatEvent<S, N> for TextLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write_prefix(&mut writer, *event.metadata().level(), self.ansi)?;
        if let Some(scope) = context.event_scope() {
            let mut any = false;
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && !fields.fields.is_empty()
                {
                    write!(writer, "{{{}}}", fields.fields)?;
                }
                writer.write_char(':')?;
                any = true;
            }
            if any {
                writer.write_char(' ')?;
            }
        }
        writer.write_str(event.metadata().target())?;
        writer.write_str(": ")?;
        let mut visitor = FieldWriter::new(&mut writer);
        event.record(&mut visitor);
        visitor.result?;
        writeln!(writer)
    }
}

impl<'writer> FormatFields<'writer> for TextFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = FieldWriter::new(&mut writer);
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes the start of a line: the time and the level, padded to five
/// characters and coloured with `ansi`.
pub(super) fn write_prefix(out: &mut impl fmt::Write, level: Level, ansi: bool) -> fmt::Result {
    write_time(out, SystemTime::now())?;
    let name = match level {
        Level::ERROR => "ERROR",
        Level::WARN => " WARN",
        Level::INFO => " INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    };
    if ansi {
        out.write_str(" \x1b[")?;
        out.write_str(colour(level))?;
        out.write_char('m')?;
        out.write_str(name)?;
        out.write_str("\x1b[0m ")
    } else {
        out.write_char(' ')?;
        out.write_str(name)?;
        out.write_char(' ')
    }
}

/// ANSI colour codes of the levels, as the default format uses them.
fn colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "31",
        Level::WARN => "33",
        Level::INFO => "32",
        Level::DEBUG => "34",
        Level::TRACE => "35",
    }
}

thread_local! {
    /// The second last formatted on this thread, and its text
    /// (`2026-12-02T03:40:00`): lines come many a second.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `at` as RFC 3339 in UTC with microseconds, as both line formats write it.
pub(super) fn timestamp(at: SystemTime) -> String {
    let mut text = String::with_capacity(27);
    // Writing to a String cannot fail.
    let _ = write_time(&mut text, at);
    text
}

/// Writes `at` as RFC 3339 in UTC with microseconds.
fn write_time(writer: &mut impl fmt::Write, at: SystemTime) -> fmt::Result {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with_borrow_mut(|(cached, text)| {
        if *cached != seconds {
            *cached = seconds;
            text.clear();
            let whole = chrono::DateTime::from_timestamp(seconds as i64, 0).unwrap_or_default();
            text.push_str(
                whole
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    .trim_end_matches('Z'),
            );
        }
        writer.write_str(text)
    })?;
    let mut micros = itoa::Buffer::new();
    let micros = micros.format(since_epoch.subsec_micros());
    // Padded to six digits: `.000042Z`.
    writer.write_str(&".000000"[..7 - micros.len()])?;
    writer.write_str(micros)?;
    writer.write_char('Z')
}

/// Writes fields: the message as it is, the others as `name=value`,
/// separated by spaces; control characters escaped in both.
struct FieldWriter<'a, W: fmt::Write> {
    out: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<'a, W: fmt::Write> FieldWriter<'a, W> {
    fn new(out: &'a mut W) -> Self {
        Self {
            out,
            first: true,
            result: Ok(()),
        }
    }

    /// Writes the separator and name, then the value through `write`.
    fn field(&mut self, field: &Field, write: impl FnOnce(&mut NoControl<'_, W>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !self.first {
                self.out.write_char(' ')?;
            }
            self.first = false;
            let name = field.name();
            if name != "message" {
                // Fields named `r#type` are recorded with their raw prefix.
                self.out
                    .write_str(name.strip_prefix("r#").unwrap_or(name))?;
                self.out.write_char('=')?;
            }
            write(&mut NoControl(self.out))
        })();
    }
}

impl<W: fmt::Write> Visit for FieldWriter<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.field(field, |out| out.write_str(value));
        } else {
            // As the default format does: a string field is quoted.
            self.field(field, |out| write!(out, "{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.field(field, |out| write!(out, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |out| write!(out, "{value:?}"));
    }
}

/// Passes text through with control characters escaped (`\n`, `\u{1b}`).
struct NoControl<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for NoControl<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if !text.bytes().any(|b| b.is_ascii_control()) {
            return self.0.write_str(text);
        }
        for c in text.chars() {
            if c.is_ascii_control() {
                for escaped in c.escape_debug() {
                    self.0.write_char(escaped)?;
                }
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::captured::Captured;
    use std::time::Duration;

    #[test]
    fn time_is_rfc_3339_with_microseconds_across_seconds() {
        let at = UNIX_EPOCH + Duration::new(1_764_646_800, 1_234_000);
        let mut text = String::new();
        write_time(&mut text, at).expect("formatted");
        assert_eq!(text, "2025-12-02T03:40:00.001234Z");
        let mut next = String::new();
        write_time(&mut next, at + Duration::from_micros(999_000)).expect("formatted");
        assert_eq!(next, "2025-12-02T03:40:01.000234Z");
        for (micros, text) in [(0, ".000000Z"), (7, ".000007Z"), (999_999, ".999999Z")] {
            let mut line = String::new();
            let at = UNIX_EPOCH + Duration::new(1_764_646_800, micros * 1_000);
            write_time(&mut line, at).expect("formatted");
            assert!(line.ends_with(text), "{line}");
        }
    }

    fn lines_of(emit: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(Level::DEBUG)
            .fmt_fields(TextFields)
            .event_format(TextLines { ansi: false })
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        captured.text()
    }

    #[test]
    fn lines_read_like_the_default_format() {
        let text = lines_of(|| {
            let span = tracing::info_span!("entry", id = 7);
            let _inside = span.enter();
            tracing::warn!(target: "rbm::delivery", status = 200, name = "x y", "delivery path=/");
        });
        let (time, rest) = text.split_once(' ').expect("a time");
        assert_eq!(time.len(), "2026-12-02T03:40:00.123456Z".len(), "{text}");
        assert_eq!(
            rest,
            " WARN entry{id=7}: rbm::delivery: delivery path=/ status=200 name=\"x y\"\n"
        );
    }

    #[test]
    fn control_characters_never_reach_the_line_raw() {
        let text = lines_of(|| {
            let forged = "evil\nINFO forged\x1b[31m";
            tracing::info!(value = %forged, "message {}", forged);
        });
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains(r"evil\nINFO forged\u{1b}[31m"), "{text}");
    }
}
