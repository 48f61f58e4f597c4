//! The `cloudlet` command: parses the command line and hands off to `serve` or `status`.
//! Thin by design: wiring lives in `serve.rs`, nothing here knows a service's operations.

mod data_dir;
mod demo;
mod serve;
mod status;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the C library's allocator: a request makes a hundred or so small
/// allocations, and with glibc's `malloc` they cost a fifth of a small PUT's CPU. Built
/// without transparent huge pages, which would add megabytes to an idle server's memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A local, AWS-compatible serverless stack: S3, DynamoDB, Lambda, API Gateway, IAM/STS and
/// CloudWatch Logs on one port.
#[derive(Parser)]
#[command(name = "cloudlet", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server until interrupted (Ctrl-C or SIGTERM).
    Serve(ServeArgs),
    /// Runs the serverless workshop end to end (S3 website → API Gateway → Lambda →
    /// DynamoDB) and prints the website's URL.
    Demo(demo::DemoArgs),
    /// Asks a running server for its health.
    Status {
        /// The server to ask.
        #[arg(long, default_value = "http://127.0.0.1:4566")]
        endpoint: String,
    },
}

#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Where state is kept (default: the platform's data directory).
    #[arg(long, conflicts_with = "ephemeral")]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory; nothing survives the process.
    #[arg(long)]
    pub ephemeral: bool,
    /// Verify every SigV4 signature: only the root key pair (`test`/`test`, or
    /// CLOUDLET_ROOT_ACCESS_KEY_ID / CLOUDLET_ROOT_SECRET_ACCESS_KEY) and keys created through
    /// IAM are accepted.
    #[arg(long)]
    pub strict_auth: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Status { endpoint } => status::run(&endpoint),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
