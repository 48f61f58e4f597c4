//! `cloudlet status`: asks a running server for `/_cloudlet/health` and prints it.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};

pub fn run(endpoint: &str) -> anyhow::Result<()> {
    let authority = endpoint
        .strip_prefix("http://")
        .context("the endpoint must be an http:// URL")?
        .trim_end_matches('/');
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {authority}"))?
        .next()
        .with_context(|| format!("cannot resolve {authority}"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .with_context(|| format!("cloudlet is not running at {endpoint}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /_cloudlet/health HTTP/1.0\r\nHost: {authority}\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        bail!("{endpoint} answered: {}", head.lines().next().unwrap_or(""));
    }
    let health: serde_json::Value =
        serde_json::from_str(body).context("the health answer is not JSON")?;
    println!(
        "cloudlet {} at {endpoint}",
        health["version"].as_str().unwrap_or("?")
    );
    println!(
        "uptime: {:.1} s",
        health["uptime_seconds"].as_f64().unwrap_or(0.0)
    );
    if let Some(services) = health["services"].as_object() {
        for (name, state) in services {
            println!("  {name:<16} {}", state.as_str().unwrap_or("?"));
        }
    }
    Ok(())
}
