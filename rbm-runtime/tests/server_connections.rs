//! End to end over real TCP: graceful shutdown with a request in flight, and
//! clients that stall half-way through a request.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{
    Action, PATH, PHONE, Recorder, TestServer, builder, pubsub_id, push, raw_status, read_head,
    text_message, within,
};

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish_and_refuses_new_deliveries() {
    let agent = Recorder::new("agent");
    agent.script([Action::hold(), Action::sleep_ms(300)]);
    let TestServer {
        server,
        url,
        agent,
        sender,
    } = TestServer::start(agent).await;
    let addr = server.local_addr();

    // A first request is held in its handler while shutdown starts.
    let in_flight = tokio::spawn({
        let url = url.clone();
        async move { push(&url, &text_message(PHONE, "MxInFlight", "hi"), &pubsub_id()).await }
    });
    agent.wait_for_calls(1).await;
    let shutdown = tokio::spawn(server.shutdown());

    // New deliveries are refused with 503 (Google delivers them again)
    // while the request is still in flight; the port stays open so that
    // health probes see the drain.
    let readyz = support::url(addr, "/readyz");
    within(async {
        while support::client()
            .get(&readyz)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .ok()
            != Some(503)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let late = push(&url, &text_message(PHONE, "MxLate", "hi"), &pubsub_id()).await;
    assert_eq!(late.status().as_u16(), 503);
    assert_eq!(agent.calls(), 1, "a delivery was taken during the drain");
    assert!(!in_flight.is_finished(), "the request was cut short");
    assert!(
        !shutdown.is_finished(),
        "shutdown did not wait for the request"
    );

    // Let it go: it sleeps another 300 ms, then is answered 200.
    agent.release();
    let response = within(in_flight).await.expect("the request task");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(agent.finished(), 1);
    assert_eq!(sender.messages().len(), 1);
    within(shutdown).await.expect("shutdown completes");
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test]
async fn shutdown_waits_for_a_sleeping_handler() {
    let agent = Recorder::new("agent").always(Action::sleep_ms(300));
    let TestServer {
        server, url, agent, ..
    } = TestServer::start(agent).await;
    let addr = server.local_addr();
    let in_flight = tokio::spawn(async move {
        push(&url, &text_message(PHONE, "MxSleeping", "hi"), &pubsub_id()).await
    });
    agent.wait_for_calls(1).await;
    within(server.shutdown()).await;
    // shutdown() returned, so the request had been answered by then.
    assert_eq!(agent.finished(), 1);
    let response = within(in_flight).await.expect("the request task");
    assert_eq!(response.status().as_u16(), 200);
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test]
async fn stalled_clients_do_not_stop_others_from_being_served() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let addr = server.addr();
    let half = format!("POST {PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Ty");
    let stalled = within(async {
        let mut stalled = Vec::with_capacity(300);
        for _ in 0..300 {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.write_all(half.as_bytes()).await.expect("write");
            stalled.push(stream);
        }
        stalled
    })
    .await;
    let data = text_message(PHONE, "MxBesideStalled", "hi");
    let response = push(&server.url, &data, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.agent.calls(), 1);
    drop(stalled);
}

#[tokio::test]
async fn a_connection_stalled_in_its_headers_is_closed_after_the_read_timeout() {
    let builder = builder().read_timeout(Duration::from_millis(500));
    let server = TestServer::start_with(Recorder::new("agent"), builder).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let half = format!("POST {PATH} HTTP/1.1\r\nHost: localhost\r\nX-Goog-Sig");
    stream.write_all(half.as_bytes()).await.expect("write");
    // The server closes it: a read returns end of stream or an error within
    // a few seconds (the default timeout, 10 s, would be too late).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the stalled connection is still open");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn a_body_that_stalls_gets_408_after_the_read_timeout() {
    let builder = builder().read_timeout(Duration::from_millis(500));
    let server = TestServer::start_with(Recorder::new("agent"), builder).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: 500\r\n\r\n{{\"message\":{{\"data\":\""
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let response = within(read_head(&mut stream)).await;
    assert_eq!(raw_status(&response), 408, "{response}");
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn shutdown_closes_idle_keep_alive_connections_without_waiting_for_the_grace() {
    let agent = Recorder::new("agent");
    // A grace far longer than the test's patience: waiting for the idle
    // connection would time the test out.
    let builder = builder().shutdown_grace(Duration::from_secs(600));
    let TestServer { server, .. } = TestServer::start_with(agent, builder).await;
    let addr = server.local_addr();

    // A keep-alive connection, answered once, then idle.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    let probe = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    idle.write_all(probe).await.expect("write");
    let head = read_head(&mut idle).await;
    assert_eq!(raw_status(&head), 200);
    assert!(!head.to_ascii_lowercase().contains("connection: close"));

    within(server.shutdown()).await;
    // Closed by the server: the end of the stream (or a reset), nothing more.
    let mut rest = Vec::new();
    let _ = within(idle.read_to_end(&mut rest)).await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}
