//! A minimal `provided.al2023` bootstrap for the Lambda benchmark: std only, no runtime crate.
//!
//! It loops over the Lambda Runtime API (`GET .../invocation/next`, then `POST
//! .../invocation/{id}/response`) and answers every event with an API Gateway proxy answer, so
//! the cold start measured is cloudlet's runtime path plus a process that starts as fast as a
//! compiled Rust function can. Built by `bench/lambda.py` with `rustc -O`.

use std::io::{Read, Write};
use std::net::TcpStream;

/// One HTTP/1.1 request on a fresh connection (`Connection: close`); (headers, body).
fn call(api: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<(String, Vec<u8>)> {
    let mut s = TcpStream::connect(api)?;
    s.set_nodelay(true)?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {api}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    Ok((headers, body))
}

fn request_id(headers: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("lambda-runtime-aws-request-id")
            .then(|| value.trim().to_string())
    })
}

fn main() {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!("AWS_LAMBDA_RUNTIME_API is not set");
        std::process::exit(1);
    };
    let answer = br#"{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"hello from rust"}"#;
    loop {
        let Ok((headers, _event)) = call(&api, "GET", "/2018-06-01/runtime/invocation/next", b"")
        else {
            std::process::exit(1);
        };
        let Some(id) = request_id(&headers) else {
            continue;
        };
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        if call(&api, "POST", &path, answer).is_err() {
            std::process::exit(1);
        }
    }
}
