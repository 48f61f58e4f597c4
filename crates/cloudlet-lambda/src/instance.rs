//! One execution environment: a local process (the machine's `python3` running cloudlet's
//! runtime client, or the package's `bootstrap`) with its own Runtime API listener, its
//! environment, and a reader collecting its stdout and stderr as log lines.
//!
//! Dropping an instance kills its whole process group. Knows nothing of pools or policies.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use crate::error::LambdaError;
use crate::runtime_api::RuntimeApi;

/// The runtime client for `python3.*`, run with `python3 -c`.
pub const PYTHON_RIC: &str = include_str!("runtime/python_ric.py");
/// The line the Python runtime client prints after a handler's output.
pub const DONE_MARK: &str = "\u{1e}cloudlet-done ";

/// Lines the process wrote, with their times, not yet attached to an invocation.
#[derive(Default)]
pub struct LogLines {
    pub lines: Vec<(i64, String)>,
    /// Request ids whose done marker was seen.
    pub done: Vec<String>,
}

/// What a new instance needs to know.
pub struct Spec {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub code_dir: PathBuf,
    pub runtime_dir: PathBuf,
    pub env: BTreeMap<String, String>,
}

/// A running execution environment.
pub struct Instance {
    pub api: RuntimeApi,
    pub child: Child,
    pub log: Arc<Mutex<LogLines>>,
    /// Bumped whenever a line or done marker arrives.
    pub log_seen: watch::Receiver<u64>,
    /// Asks the reader to take everything already in the pipe; answered when it has.
    pub log_drain: mpsc::Sender<oneshot::Sender<()>>,
    pub log_stream: String,
    pub generation: u64,
    pub spawned: Instant,
    /// Whether an invocation already ran here (so the next REPORT has no Init Duration).
    pub warm: bool,
    pub python: bool,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.reader.abort();
        if let Some(pid) = self.child.id() {
            // The process leads its own group: kill helpers it started too.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Starts an instance whose environment gets `AWS_LAMBDA_RUNTIME_API` on top of `spec.env`.
pub async fn spawn(
    spec: Spec,
    log_stream: String,
    generation: u64,
    python: bool,
) -> Result<Instance, LambdaError> {
    let err = |what: &str, e: std::io::Error| {
        LambdaError::Service(format!("cannot start the function's {what}: {e}"))
    };
    let spawned = Instant::now();
    let api = RuntimeApi::start()
        .await
        .map_err(|e| err("Runtime API listener", e))?;
    let (reader_fd, writer_fd) = std::io::pipe().map_err(|e| err("log pipe", e))?;
    let writer2 = writer_fd.try_clone().map_err(|e| err("log pipe", e))?;
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.code_dir)
        .env_clear()
        .envs(&spec.env)
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
        .env("LAMBDA_RUNTIME_DIR", &spec.runtime_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer_fd))
        .stderr(Stdio::from(writer2))
        .kill_on_drop(true)
        .process_group(0);
    let child = cmd.spawn().map_err(|e| err("process", e))?;
    drop(cmd);
    let pipe =
        tokio::net::unix::pipe::Receiver::from_owned_fd(std::os::fd::OwnedFd::from(reader_fd))
            .map_err(|e| err("log pipe", e))?;
    let log = Arc::new(Mutex::new(LogLines::default()));
    let (seen_tx, seen_rx) = watch::channel(0u64);
    let (drain_tx, drain_rx) = mpsc::channel(1);
    let reader = tokio::spawn(read_lines(pipe, log.clone(), seen_tx, drain_rx));
    Ok(Instance {
        api,
        child,
        log,
        log_seen: seen_rx,
        log_drain: drain_tx,
        log_stream,
        generation,
        spawned,
        warm: false,
        python,
        reader,
    })
}

async fn read_lines(
    pipe: tokio::net::unix::pipe::Receiver,
    log: Arc<Mutex<LogLines>>,
    seen: watch::Sender<u64>,
    mut drain: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut partial: Vec<u8> = Vec::new();
    loop {
        tokio::select! {
            r = pipe.readable() => {
                if r.is_err() || !take_available(&pipe, &mut buf, &mut partial, &log, &seen) {
                    break;
                }
            }
            Some(done) = drain.recv() => {
                // What the process wrote before it answered is in the pipe by now.
                let open = take_available(&pipe, &mut buf, &mut partial, &log, &seen);
                let _ = done.send(());
                if !open {
                    break;
                }
            }
        }
    }
    if !partial.is_empty()
        && let Ok(mut l) = log.lock()
    {
        l.lines
            .push((now_ms(), String::from_utf8_lossy(&partial).into_owned()));
    }
    seen.send_modify(|n| *n += 1);
}

/// Reads what the pipe holds (up to 1 MB) without waiting, keeping complete lines; false at
/// end of file or on an error.
fn take_available(
    pipe: &tokio::net::unix::pipe::Receiver,
    buf: &mut [u8],
    partial: &mut Vec<u8>,
    log: &Mutex<LogLines>,
    seen: &watch::Sender<u64>,
) -> bool {
    let mut lines = Vec::new();
    let mut open = true;
    // Bounded, so a process that never stops writing cannot hold the thread.
    for _ in 0..64 {
        let n = match pipe.try_read(buf) {
            Ok(n) if n > 0 => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            _ => {
                open = false;
                break;
            }
        };
        partial.extend_from_slice(buf.get(..n).unwrap_or_default());
        while let Some(pos) = partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = partial.drain(..=pos).collect();
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
        // Keep single events bounded, as CloudWatch does (256 KB).
        if partial.len() > 256 * 1024 {
            lines.push(String::from_utf8_lossy(&std::mem::take(partial)).into_owned());
        }
    }
    if !lines.is_empty() {
        let ts = now_ms();
        if let Ok(mut l) = log.lock() {
            for line in lines {
                match line.strip_prefix(DONE_MARK) {
                    Some(id) => l.done.push(id.trim_end().to_string()),
                    None => l.lines.push((ts, line)),
                }
            }
        }
        seen.send_modify(|n| *n += 1);
    }
    open
}

/// Peak resident memory of the process in MB (`VmHWM`), if readable.
pub fn max_memory_mb(pid: Option<u32>) -> u64 {
    let Some(pid) = pid else { return 0 };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb.div_ceil(1024))
        .unwrap_or(0)
}

/// The machine's Python interpreter (resolved once to its real executable, skipping
/// version-manager shims) and whether it can import boto3.
pub async fn probe_python() -> Result<PathBuf, String> {
    let out = Command::new("python3")
        .args(["-c", "import sys, boto3; print(sys.executable)"])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cloudlet runs python functions with this machine's python3, which cannot be started: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!(
            "cloudlet runs python functions with this machine's python3, which cannot import boto3 ({last}); install it with `python3 -m pip install boto3`"
        ));
    }
    let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if exe.is_empty() || !Path::new(&exe).exists() {
        return Ok(PathBuf::from("python3"));
    }
    Ok(PathBuf::from(exe))
}
