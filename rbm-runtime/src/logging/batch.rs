//! The log writer: lines gathered in memory and written to stderr by a
//! background thread in batches.
//!
//! `tracing-appender`'s non-blocking writer hands every line to its thread
//! through a channel, so at one or two lines per delivery each request paid
//! for waking that thread and for a `write` of its own, on the same cores as
//! the webhook. Here a line is appended to a shared buffer under a mutex; the
//! thread wakes when the first line arrives, lets lines gather for
//! [`LINGER`] (or until [`FLUSH_AT`] bytes wait), and writes them with one
//! system call. A busy server writes its log about a hundred times a second,
//! whatever its rate; an idle one never wakes the thread.
//!
//! Nothing is dropped: a writer that finds [`LIMIT`] bytes waiting (stderr
//! cannot keep up) waits for the thread to take them.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the first line of a batch waits for others.
const LINGER: Duration = Duration::from_millis(10);
/// Bytes that are written at once without waiting out [`LINGER`].
const FLUSH_AT: usize = 64 * 1024;
/// Bytes waiting beyond which a new line waits for the writer thread.
const LIMIT: usize = 1024 * 1024;

/// What the writer thread is doing, so lines wake it only when it waits for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Thread {
    /// Writing, or about to look at the buffer: no need to wake it.
    Busy,
    /// Waiting for a first line.
    Idle,
    /// Letting a batch gather until [`LINGER`] passes or [`FLUSH_AT`] is reached.
    Lingering,
}

#[derive(Debug)]
struct Buffer {
    lines: Vec<u8>,
    thread: Thread,
    /// Writers waiting for room (the buffer reached [`LIMIT`]).
    waiting_for_room: usize,
    /// Set when the guard is dropped: the thread writes what is left and
    /// ends, and later lines are written directly.
    closed: bool,
}

#[derive(Debug)]
struct Shared {
    buffer: Mutex<Buffer>,
    /// Wakes the writer thread.
    lines_ready: Condvar,
    /// Wakes writers waiting for room.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A panic while holding the lock leaves at worst a partial line.
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer the log layers format into (one `write` per line).
#[derive(Debug, Clone)]
pub(crate) struct BatchWriter {
    shared: Arc<Shared>,
}

/// Ends the writer thread when dropped, after it wrote every line.
#[derive(Debug)]
pub(crate) struct BatchGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread; lines go to `output`. Should the thread not
/// start, lines are written to stderr directly, one `write` each.
pub(crate) fn start(output: impl Write + Send + 'static) -> (BatchWriter, BatchGuard) {
    let shared = Arc::new(Shared {
        buffer: Mutex::new(Buffer {
            lines: Vec::with_capacity(FLUSH_AT),
            thread: Thread::Busy,
            waiting_for_room: 0,
            closed: false,
        }),
        lines_ready: Condvar::new(),
        room: Condvar::new(),
    });
    let thread = std::thread::Builder::new()
        .name("rbm-log".to_owned())
        .spawn({
            let shared = Arc::clone(&shared);
            move || write_batches(&shared, output)
        })
        .ok();
    if thread.is_none() {
        shared.lock().closed = true;
    }
    (
        BatchWriter {
            shared: Arc::clone(&shared),
        },
        BatchGuard { shared, thread },
    )
}

fn write_batches(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(FLUSH_AT);
    let mut buffer = shared.lock();
    loop {
        if buffer.lines.is_empty() {
            if buffer.closed {
                return;
            }
            buffer.thread = Thread::Idle;
            buffer = shared
                .lines_ready
                .wait(buffer)
                .unwrap_or_else(PoisonError::into_inner);
            buffer.thread = Thread::Busy;
            continue;
        }
        if !buffer.closed && buffer.lines.len() < FLUSH_AT {
            buffer.thread = Thread::Lingering;
            buffer = shared
                .lines_ready
                .wait_timeout(buffer, LINGER)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            buffer.thread = Thread::Busy;
        }
        std::mem::swap(&mut buffer.lines, &mut batch);
        let writers_wait = buffer.waiting_for_room > 0;
        drop(buffer);
        if writers_wait {
            shared.room.notify_all();
        }
        // Nowhere to report a failing stderr: the lines are dropped, as
        // `eprintln!` would panic instead.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();
        if batch.capacity() > LIMIT {
            batch.shrink_to(FLUSH_AT);
        }
        buffer = shared.lock();
    }
}

impl Write for &BatchWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let shared = &*self.shared;
        let mut buffer = shared.lock();
        while buffer.lines.len() >= LIMIT && !buffer.closed {
            if buffer.thread != Thread::Busy {
                buffer.thread = Thread::Busy;
                shared.lines_ready.notify_one();
            }
            buffer.waiting_for_room += 1;
            buffer = shared
                .room
                .wait(buffer)
                .unwrap_or_else(PoisonError::into_inner);
            buffer.waiting_for_room -= 1;
        }
        if buffer.closed {
            drop(buffer);
            return io::stderr().write_all(line).map(|()| line.len());
        }
        buffer.lines.extend_from_slice(line);
        let wake = match buffer.thread {
            Thread::Idle => true,
            Thread::Lingering => buffer.lines.len() >= FLUSH_AT,
            Thread::Busy => false,
        };
        if wake {
            buffer.thread = Thread::Busy;
            drop(buffer);
            shared.lines_ready.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Lines reach the output within LINGER; the guard writes the rest.
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = &'a BatchWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

impl Drop for BatchGuard {
    fn drop(&mut self) {
        {
            let mut buffer = self.shared.lock();
            buffer.closed = true;
            buffer.thread = Thread::Busy;
        }
        self.shared.lines_ready.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test can read while the thread writes to it.
    #[derive(Clone, Default)]
    struct Output(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Output {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut out = self.0.lock().expect("not poisoned");
            out.0.extend_from_slice(bytes);
            out.1 += 1;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn written(out: &Output) -> (Vec<u8>, usize) {
        out.0.lock().expect("not poisoned").clone()
    }

    #[test]
    fn every_line_is_written_in_order_and_the_guard_writes_the_rest() {
        let out = Output::default();
        let (writer, guard) = start(out.clone());
        let mut expected = Vec::new();
        for n in 0..10_000 {
            let line = format!("line {n}\n");
            (&writer).write_all(line.as_bytes()).expect("written");
            expected.extend_from_slice(line.as_bytes());
        }
        drop(guard);
        let (bytes, writes) = written(&out);
        assert_eq!(bytes, expected);
        assert!(writes < 10_000, "lines are batched: {writes} writes");
    }

    #[test]
    fn a_single_line_is_written_without_more_lines_or_the_guard() {
        let out = Output::default();
        let (writer, _guard) = start(out.clone());
        (&writer).write_all(b"alone\n").expect("written");
        for _ in 0..500 {
            if written(&out).0 == b"alone\n" {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the line was not written within 5 s");
    }

    #[test]
    fn writers_on_many_threads_lose_nothing_beyond_the_limit() {
        let out = Output::default();
        let (writer, guard) = start(out.clone());
        let line = vec![b'x'; 999];
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..2_000 {
                        let mut line = line.clone();
                        line.push(b'\n');
                        (&writer).write_all(&line).expect("written");
                    }
                });
            }
        });
        drop(guard);
        let (bytes, _) = written(&out);
        assert_eq!(bytes.len(), 4 * 2_000 * 1_000);
        assert!(bytes.chunks(1_000).all(|line| line.ends_with(b"\n")));
    }

    #[test]
    fn lines_after_the_guard_is_dropped_do_not_block() {
        let out = Output::default();
        let (writer, guard) = start(out.clone());
        drop(guard);
        // Written to stderr directly: only the return matters here.
        (&writer).write_all(b"late line\n").expect("written");
        assert!(written(&out).0.is_empty());
    }
}
