//! End to end over raw TCP, as an attacker would talk: every form of request
//! target, and what the HTTP layer answers by itself before a request
//! reaches the webhook (each case is a row of the README's status table).

mod support;

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{
    PATH, PHONE, Recorder, TOKEN, TestServer, pubsub_id, push, raw_exchange, raw_status, read_head,
    text_message, within,
};

/// Sends `request` and reads until the server closes: everything it answered.
async fn everything_answered(addr: SocketAddr, request: &[u8]) -> String {
    within(async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write the request");
        let mut answer = Vec::new();
        // A reset instead of a clean close still ends the answer.
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
}

/// The server still serves deliveries (no worker died, nothing hangs).
async fn still_serving(server: &TestServer) {
    let data = text_message(PHONE, &format!("Mx{}", pubsub_id()), "still there?");
    let response = push(&server.url, &data, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn a_target_in_authority_form_gets_400_whatever_the_method() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let requests: [&[u8]; 3] = [
        b"CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n",
        b"GET 127.0.0.1:80 HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"POST localhost:8080 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}",
    ];
    for request in requests {
        let head = raw_exchange(server.addr(), request).await;
        assert_eq!(raw_status(&head), 400, "{head}");
    }
    assert_eq!(server.agent.calls(), 0);
    still_serving(&server).await;
}

#[tokio::test]
async fn the_connection_goes_on_after_a_target_in_authority_form() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let first = b"GET 127.0.0.1:80 HTTP/1.1\r\nHost: localhost\r\n\r\n";
    stream.write_all(first).await.expect("write");
    let head = within(read_head(&mut stream)).await;
    assert_eq!(raw_status(&head), 400, "{head}");
    let second = format!("GET {PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(second.as_bytes()).await.expect("write");
    let head = within(read_head(&mut stream)).await;
    assert_eq!(raw_status(&head), 405, "{head}");
}

#[tokio::test]
async fn the_asterisk_form_names_no_webhook_and_gets_404() {
    let server = TestServer::start(Recorder::new("agent")).await;
    for request in [
        &b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
        b"POST * HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
    ] {
        let head = raw_exchange(server.addr(), request).await;
        assert_eq!(raw_status(&head), 404, "{head}");
    }
    still_serving(&server).await;
}

#[tokio::test]
async fn a_target_in_absolute_form_is_served_by_its_path() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let body = format!(r#"{{"clientToken":"{TOKEN}","secret":"abs"}}"#);
    let handshake = format!(
        "POST http://rbm.example{PATH} HTTP/1.1\r\nHost: rbm.example\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = everything_answered(server.addr(), handshake.as_bytes()).await;
    assert_eq!(raw_status(&answer), 200, "{answer}");
    assert!(answer.ends_with("\r\n\r\nabs"), "the secret: {answer}");
    let elsewhere = b"GET http://rbm.example/other HTTP/1.1\r\nHost: rbm.example\r\n\r\n";
    let head = raw_exchange(server.addr(), elsewhere).await;
    assert_eq!(raw_status(&head), 404, "{head}");
}

#[tokio::test]
async fn a_malformed_request_gets_400_from_the_http_layer() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let post = |headers: &str| format!("POST {PATH} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("no request line", b"GARBAGE\r\n\r\n".to_vec()),
        (
            "a method with '@'",
            b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("HTTP/0.9", b"GET /\r\n\r\n".to_vec()),
        (
            "HTTP/2.0 request line",
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "a byte over 0x7f in the target",
            b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "a space in a header name",
            post("Bad Header: v\r\n").into_bytes(),
        ),
        (
            "a control byte in a header",
            post("X-A: a\x01b\r\n").into_bytes(),
        ),
        (
            "two lengths",
            post("Content-Length: 5\r\nContent-Length: 6\r\n").into_bytes(),
        ),
        (
            "a length that is no number",
            post("Content-Length: abc\r\n").into_bytes(),
        ),
        (
            "an unknown transfer coding",
            post("Transfer-Encoding: gzip\r\n").into_bytes(),
        ),
        // A TLS ClientHello: this server speaks plain HTTP only.
        (
            "TLS",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
        ),
    ];
    for (what, request) in malformed {
        let head = raw_exchange(server.addr(), &request).await;
        assert_eq!(raw_status(&head), 400, "{what}: {head}");
    }
    assert_eq!(server.agent.calls(), 0);
    still_serving(&server).await;
}

#[tokio::test]
async fn a_target_over_64_kib_gets_414() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let request = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let head = raw_exchange(server.addr(), request.as_bytes()).await;
    assert_eq!(raw_status(&head), 414, "{head}");
}

#[tokio::test]
async fn a_head_too_large_or_with_too_many_fields_gets_431() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let big = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(500_000)
    );
    let mut many = format!("POST {PATH} HTTP/1.1\r\nHost: x\r\n");
    for i in 0..101 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    for (what, request) in [("one huge field", big), ("101 fields", many)] {
        let head = raw_exchange(server.addr(), request.as_bytes()).await;
        assert_eq!(raw_status(&head), 431, "{what}: {head}");
    }
    assert_eq!(server.agent.calls(), 0);
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_closed_without_an_answer() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let answer = everything_answered(server.addr(), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    assert_eq!(answer, "", "HTTP/2 got an answer");
    still_serving(&server).await;
}

#[tokio::test]
async fn expect_100_continue_gets_100_and_then_the_request_is_served() {
    let server = TestServer::start(Recorder::new("agent")).await;
    let body = format!(r#"{{"clientToken":"{TOKEN}","secret":"go"}}"#);
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    let interim = within(read_head(&mut stream)).await;
    assert_eq!(raw_status(&interim), 100, "{interim}");
    stream.write_all(body.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = within(stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(raw_status(&answer), 200, "{answer}");
    assert!(answer.ends_with("go"), "{answer}");
}
