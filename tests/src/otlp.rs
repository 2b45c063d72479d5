//! An OTLP/HTTP trace receiver on loopback, for the tests of what the service exports (crates/server/tests): it
//! answers 200 to every `POST /v1/traces` of protobuf and keeps the bodies (decoding them is the test's).

use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What the receiver got: every request body, raw.
#[derive(Debug, Clone, Default)]
pub struct Received(Arc<Mutex<Vec<Vec<u8>>>>);

impl Received {
    pub fn bodies(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
}

/// An OTLP/HTTP receiver on loopback: answers 200 to every `POST`, keeps the bodies; one thread per connection, which
/// the exporter keeps alive between exports.
pub fn receiver() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    let received = Received::default();
    let keep = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let keep = keep.clone();
            std::thread::spawn(move || serve_connection(stream, &keep));
        }
    });
    (endpoint, received)
}

fn serve_connection(mut stream: TcpStream, received: &Received) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        assert_eq!(request_line.trim(), "POST /v1/traces HTTP/1.1");
        let (mut length, mut content_type) = (0, String::new());
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "content-type" => value.trim().clone_into(&mut content_type),
                "transfer-encoding" => panic!("a chunked export: {value}"),
                _ => {}
            }
        }
        assert_eq!(content_type, "application/x-protobuf");
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        received.0.lock().unwrap().push(body);
        if stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_err() {
            return;
        }
    }
}
