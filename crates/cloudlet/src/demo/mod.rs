//! `cloudlet demo`: the serverless workshop's ten steps, done through the same operations a
//! client uses (DynamoDB, IAM, Lambda, API Gateway, S3), in region `ap-northeast-2`, with the
//! workshop's Lambda code unchanged. Prints each step and finally the website and API URLs.
//!
//! The page uploaded is the workshop's `index.html` with only the API URL filled in and
//! jQuery loaded from the bucket itself, so the demo works with no network.

mod client;
mod workshop;

use std::path::PathBuf;

use anyhow::Context;

pub use client::Client;

/// Arguments of `cloudlet demo`.
#[derive(clap::Args, Clone)]
pub struct DemoArgs {
    /// Use a running cloudlet at this URL instead of starting one.
    #[arg(long)]
    endpoint: Option<String>,
    /// Address to listen on when starting a server.
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: std::net::SocketAddr,
    /// Where the started server keeps its state (default: the platform's data directory).
    #[arg(long, conflicts_with = "ephemeral")]
    data_dir: Option<PathBuf>,
    /// Start a server that keeps everything in memory.
    #[arg(long)]
    ephemeral: bool,
    /// Do not open the website in a browser.
    #[arg(long)]
    no_open: bool,
    /// Exit after the steps instead of serving until Ctrl-C (only with a started server).
    #[arg(long)]
    exit: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let default_endpoint = format!("http://{}", args.listen);
    let endpoint = match &args.endpoint {
        Some(e) => Some(e.clone()),
        None if running(&default_endpoint).await => Some(default_endpoint),
        None => None,
    };
    let (endpoint, server) = match endpoint {
        Some(e) => {
            println!("Using the cloudlet running at {e}");
            (e, None)
        }
        None => {
            let serve = crate::ServeArgs {
                listen: args.listen,
                data_dir: args.data_dir.clone(),
                ephemeral: args.ephemeral,
                strict_auth: false,
            };
            let started = crate::serve::start(&serve).await?;
            println!(
                "Started cloudlet on {} (data: {})",
                started.endpoint, started.data
            );
            (started.endpoint.clone(), Some(started))
        }
    };
    let result = workshop::run(&endpoint).await;
    match (&result, server) {
        (Err(_), Some(s)) => s.stop().await,
        (Ok(urls), Some(s)) => {
            if !args.no_open {
                open_browser(&urls.website);
            }
            if args.exit {
                s.stop().await;
            } else {
                println!("\nServing until Ctrl-C.");
                s.wait_for_signal().await;
            }
        }
        (Ok(urls), None) => {
            if !args.no_open {
                open_browser(&urls.website);
            }
        }
        (Err(_), None) => {}
    }
    result.map(|_| ())
}

async fn running(endpoint: &str) -> bool {
    let Ok(c) = Client::new(endpoint, "us-east-1") else {
        return false;
    };
    matches!(c.send("GET", "/_cloudlet/health", None, &[], "").await, Ok(r) if r.status == 200)
}

/// Opens `url` in the desktop's browser when there is a desktop.
fn open_browser(url: &str) {
    let has_display = cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !has_display {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
