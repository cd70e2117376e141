//! End to end over raw TCP: connections that would hold a slot for ever —
//! clients that send requests and never read the answers, and keep-alive
//! connections left idle — are closed after their deadline.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

use support::{
    PATH, PHONE, Recorder, TOKEN, TestServer, builder, pubsub_id, push, raw_status, read_head,
    text_message, within,
};

/// A handshake whose answer (the secret) is 32 KiB: a few of them fill the
/// socket buffers of a client that does not read.
fn big_handshake() -> Vec<u8> {
    let body = format!(
        r#"{{"clientToken":"{TOKEN}","secret":"{}"}}"#,
        "s".repeat(32 * 1024)
    );
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A client that pipelines handshakes as long as the server takes them and
/// never reads a byte of the answers.
async fn never_reads(addr: SocketAddr) -> JoinHandle<()> {
    let socket = TcpSocket::new_v4().expect("a socket");
    // A small receive window: the server's writes stall sooner.
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket.connect(addr).await.expect("connect");
    tokio::spawn(async move {
        let request = big_handshake();
        while stream.write_all(&request).await.is_ok() {}
    })
}

#[tokio::test]
async fn clients_that_never_read_lose_their_slots_and_a_delivery_still_gets_through() {
    let write_timeout = Duration::from_secs(1);
    let builder = builder().max_connections(8).write_timeout(write_timeout);
    let server = TestServer::start_with(Recorder::new("agent"), builder).await;
    let mut hogs = Vec::new();
    for _ in 0..8 {
        hogs.push(never_reads(server.addr()).await);
    }
    let started = Instant::now();
    let data = text_message(PHONE, "MxPastTheHogs", "hi");
    let response = push(&server.url, &data, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
    // The hogs' writes stall within a moment; then each is cut after the
    // write timeout, long before the test's patience runs out.
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(6), "served after {waited:?}");
    for hog in hogs {
        hog.abort();
    }
}

/// A server with header timeout `timeout`, and a keep-alive connection to
/// it whose first request (a `GET`, answered 405) is answered and read.
async fn answered_once(timeout: Duration) -> (TestServer, TcpStream) {
    let server =
        TestServer::start_with(Recorder::new("agent"), builder().read_timeout(timeout)).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let request = format!("GET {PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let head = within(read_head(&mut stream)).await;
    assert_eq!(raw_status(&head), 405, "{head}");
    (server, stream)
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let timeout = Duration::from_millis(500);
    let (_server, mut stream) = answered_once(timeout).await;
    // The answer was read: the connection is idle from now on.
    let idle_since = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the idle connection is still open");
    assert!(rest.is_empty(), "unexpected bytes: {rest:?}");
    let idle = idle_since.elapsed();
    assert!(
        idle >= timeout - Duration::from_millis(100),
        "closed after {idle:?}"
    );
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_is_cut_off_at_the_header_timeout() {
    let timeout = Duration::from_millis(600);
    // A first request answered: the deadline of the next head starts later,
    // on the same connection.
    let (_server, mut stream) = answered_once(timeout).await;
    // Then a head that never ends, each byte well within the timeout.
    let started = Instant::now();
    let trickle = format!("POST {PATH} HTTP/1.1\r\nHost: localhost\r\nX-Padding: ");
    let mut bytes = trickle.bytes().chain(std::iter::repeat(b'a'));
    let closed = loop {
        if started.elapsed() > Duration::from_secs(5) {
            break false;
        }
        let byte = bytes.next().expect("endless");
        if stream.write_all(&[byte]).await.is_err() {
            break true;
        }
        let mut buffer = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer));
        // Closed, or answered (408) and closed.
        if let Ok(Ok(_) | Err(_)) = read.await {
            break true;
        }
    };
    let after = started.elapsed();
    assert!(closed, "a trickled head kept the connection for {after:?}");
    assert!(
        after >= timeout - Duration::from_millis(100) && after < Duration::from_secs(3),
        "cut off after {after:?}"
    );
}
