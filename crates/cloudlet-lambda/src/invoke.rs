//! Running one invocation: take a warm instance or start one (unpacking the code, getting
//! the role's credentials, building AWS's environment), hand it the event through its
//! Runtime API, wait for the result within the function's timeout, and write the
//! invocation's START/END/REPORT lines and output to CloudWatch Logs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloudlet_core::traits::LogEvent;
use cloudlet_core::{AccountId, Region};
use tokio::sync::oneshot;

use crate::Inner;
use crate::error::LambdaError;
use crate::instance::{self, Instance, Spec};
use crate::runtime_api::{Outcome, Pending};
use crate::state::{self, FunctionRec};

/// How long an instance may take to initialise before it is given up.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;

/// Environment variables a function may not set itself.
pub const RESERVED_ENV: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Where an invocation runs.
pub struct Target<'a> {
    pub function: &'a FunctionRec,
    pub account: &'a AccountId,
    pub region: &'a Region,
    pub endpoint: &'a str,
}

/// The result of one invocation.
pub struct Ran {
    pub payload: Bytes,
    pub function_error: Option<String>,
    pub log_text: String,
}

enum End {
    Done(Outcome),
    InitError(Bytes),
    Exited(String),
    Timeout,
}

/// The code directory of a function's current package: named by cloudlet's ids only.
fn code_dir(inner: &Inner, f: &FunctionRec) -> PathBuf {
    inner.work.join("code").join(code_dir_name(f))
}

fn code_dir_name(f: &FunctionRec) -> String {
    let blob: String = f.blob.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{}-{blob}", f.id)
}

/// Removes the code directories no function's current package names, and unpacks that
/// never finished: what a crash (or an older version) left behind. Run once at start-up,
/// before any request; a failed read of the functions leaves everything in place.
pub fn sweep_code(inner: &Inner) {
    let Ok(functions) = inner.store.read(state::all) else {
        return;
    };
    let current: std::collections::HashSet<String> = functions.iter().map(code_dir_name).collect();
    let Ok(entries) = std::fs::read_dir(inner.work.join("code")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(|n| current.contains(n)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Unpacks the function's zip unless already there (it normally is: CreateFunction and
/// UpdateFunctionCode unpack it; this covers a restart, or a failure then).
async fn ensure_code(inner: &Inner, t: &Target<'_>) -> Result<PathBuf, LambdaError> {
    let f = t.function;
    let dir = code_dir(inner, f);
    if dir.is_dir() {
        return Ok(dir);
    }
    let id = cloudlet_store::BlobId::parse(&f.blob)
        .ok_or_else(|| LambdaError::Service("the function's code blob id is damaged".into()))?;
    let zip = inner.store.blobs().read(&id).await?;
    let key = state::key(t.account, t.region, &f.name);
    unpack_into(inner, dir.clone(), zip).await?;
    match package_state(inner, &key, f) {
        // Deleted meanwhile: nothing will run it.
        Package::Gone => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(LambdaError::function_not_found(&f.arn))
        }
        // Replaced meanwhile: this invocation still runs the code it was given; the
        // directory is swept at the next start.
        Package::Current | Package::Replaced => Ok(dir),
    }
}

/// Unpacks `zip`, the code of `f` just stored under `key`, ahead of its first invocation.
/// A failure is left for that invocation to report.
pub async fn prepare_code(inner: &Inner, key: &str, f: &FunctionRec, zip: Vec<u8>) {
    let dir = code_dir(inner, f);
    if !dir.is_dir()
        && unpack_into(inner, dir.clone(), zip).await.is_ok()
        && package_state(inner, key, f) != Package::Current
    {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Where a package stands once unpacked.
#[derive(PartialEq, Eq)]
enum Package {
    /// Still its function's code (or the record could not be read).
    Current,
    /// Its function now runs other code.
    Replaced,
    /// Its function was deleted.
    Gone,
}

/// Whether the function under `key` still runs `f`'s code, asked once the code is unpacked.
/// A DeleteFunction or UpdateFunctionCode that came in while it was unpacked removed the
/// directory before it existed, and changes the record before removing it: so either it
/// removes the new directory, or this sees its change and the caller removes it.
fn package_state(inner: &Inner, key: &str, f: &FunctionRec) -> Package {
    match inner.store.read(|txn| state::get(txn, key)) {
        Err(_) => Package::Current,
        Ok(None) => Package::Gone,
        Ok(Some(c)) if c.id == f.id && c.blob == f.blob => Package::Current,
        Ok(Some(_)) => Package::Replaced,
    }
}

/// Unpacks `zip` into a temporary directory, then renames it to `dir`.
async fn unpack_into(inner: &Inner, dir: PathBuf, zip: Vec<u8>) -> Result<PathBuf, LambdaError> {
    let tmp = inner.work.join("code").join(format!(
        ".tmp-{}",
        cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<8>())
    ));
    let dest = dir.clone();
    tokio::task::spawn_blocking(move || {
        crate::code::unpack(&zip, &tmp)?;
        if std::fs::rename(&tmp, &dest).is_err() {
            // Another invocation unpacked it first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Ok::<_, LambdaError>(())
    })
    .await
    .map_err(|e| LambdaError::Service(e.to_string()))??;
    Ok(dir)
}

/// Removes the unpacked code of `f` (after an update or delete).
pub fn forget_code(inner: &Inner, f: &FunctionRec) {
    let _ = std::fs::remove_dir_all(code_dir(inner, f));
}

async fn environment(
    inner: &Inner,
    t: &Target<'_>,
    code: &std::path::Path,
    stream: &str,
) -> BTreeMap<String, String> {
    let f = t.function;
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    for k in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(k) {
            set(k, v);
        }
    }
    set("AWS_LAMBDA_FUNCTION_NAME", f.name.clone());
    set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into());
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_size.to_string());
    set(
        "AWS_LAMBDA_LOG_GROUP_NAME",
        format!("/aws/lambda/{}", f.name),
    );
    set("AWS_LAMBDA_LOG_STREAM_NAME", stream.to_string());
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into());
    set("AWS_REGION", t.region.to_string());
    set("AWS_DEFAULT_REGION", t.region.to_string());
    if f.runtime.starts_with("python") {
        set("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", f.runtime));
        set("PYTHONUNBUFFERED", "1".into());
    }
    set("_HANDLER", f.handler.clone());
    set("LAMBDA_TASK_ROOT", code.display().to_string());
    set("TZ", ":UTC".into());
    set("LANG", "en_US.UTF-8".into());
    set("AWS_ENDPOINT_URL", t.endpoint.to_string());
    for k in ["HTTP_PROXY", "http_proxy"] {
        set(k, t.endpoint.to_string());
    }
    for k in ["NO_PROXY", "no_proxy"] {
        set(k, "127.0.0.1,localhost".into());
    }
    match inner.roles.assume_role(t.account, &f.role, &f.name).await {
        Ok(c) => {
            set("AWS_ACCESS_KEY_ID", c.access_key_id);
            set("AWS_SECRET_ACCESS_KEY", c.secret_access_key);
            set("AWS_SESSION_TOKEN", c.session_token);
        }
        Err(e) => {
            eprintln!(
                "cloudlet: lambda: cannot assume role {} for function {} ({e}); it runs with the default credentials test/test",
                f.role, f.name
            );
            set("AWS_ACCESS_KEY_ID", "test".into());
            set("AWS_SECRET_ACCESS_KEY", "test".into());
        }
    }
    for (k, v) in f.environment.iter().flatten() {
        env.insert(k.clone(), v.clone());
    }
    env
}

async fn start_instance(
    inner: &Inner,
    t: &Target<'_>,
) -> Result<Result<Instance, String>, LambdaError> {
    let f = t.function;
    let code = ensure_code(inner, t).await?;
    let stream = format!(
        "{}/[$LATEST]{}",
        state::date_path(),
        cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<16>())
    );
    let env = environment(inner, t, &code, &stream).await;
    let python = f.runtime.starts_with("python");
    let (program, args) = if python {
        let exe = inner
            .python
            .get_or_try_init(instance::probe_python)
            .await
            .map_err(|e| LambdaError::Service(e.clone()))?;
        (
            exe.clone(),
            vec!["-c".to_string(), instance::PYTHON_RIC.to_string()],
        )
    } else {
        let boot = code.join("bootstrap");
        if !boot.is_file() {
            return Ok(Err(
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]".into(),
            ));
        }
        // A bootstrap zipped without its execute bits: AWS's words, not the OS error's.
        if !is_executable(&boot) {
            return Ok(Err(
                "fork/exec /var/task/bootstrap: permission denied".into()
            ));
        }
        (boot, Vec::new())
    };
    let spec = Spec {
        program,
        args,
        code_dir: code,
        runtime_dir: inner.work.join("runtime"),
        env,
    };
    let _ = std::fs::create_dir_all(&spec.runtime_dir);
    match instance::spawn(spec, stream, f.generation, python).await {
        Ok(i) => Ok(Ok(i)),
        Err(e) if !python => Ok(Err(e.to_string())),
        Err(e) => Err(e),
    }
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn exit_text(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(sig)) => format!("signal {sig}"),
            _ => "unknown".into(),
        },
        Err(e) => e.to_string(),
    }
}

/// Waits for the invocation to finish on `inst`; returns how it ended and when the runtime
/// took the event.
async fn drive(
    inst: &mut Instance,
    pending: Pending,
    picked: oneshot::Receiver<Instant>,
    reply: oneshot::Receiver<Outcome>,
    timeout: Duration,
) -> (End, Option<Instant>) {
    if inst.api.next.send(pending).await.is_err() {
        return (End::Exited("the runtime stopped".into()), None);
    }
    let mut init = inst.api.init_error.clone();
    let picked_at = tokio::select! {
        t = picked => match t {
            Ok(t) => t,
            Err(_) => return (End::Exited("the runtime stopped".into()), None),
        },
        r = init.wait_for(Option::is_some) => {
            let body = r.ok().and_then(|v| v.clone()).unwrap_or_default();
            return (End::InitError(body), None);
        }
        s = inst.child.wait() => {
            if let Some(b) = inst.api.init_error.borrow().clone() {
                return (End::InitError(b), None);
            }
            return (End::Exited(exit_text(s)), None);
        }
        () = tokio::time::sleep(INIT_TIMEOUT) => return (End::Timeout, None),
    };
    let end = tokio::select! {
        o = reply => match o {
            Ok(o) => End::Done(o),
            Err(_) => End::Exited("the runtime stopped".into()),
        },
        s = inst.child.wait() => End::Exited(exit_text(s)),
        () = tokio::time::sleep_until((picked_at + timeout).into()) => End::Timeout,
    };
    (end, Some(picked_at))
}

/// Waits until the reader has the invocation's output: the Python client's done marker after
/// a clean run; otherwise all that is in the pipe once the answer is in.
async fn settle_logs(inst: &mut Instance, request_id: &str, clean: bool) {
    if inst.python && clean {
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                if inst
                    .log
                    .lock()
                    .map(|l| l.done.iter().any(|d| d == request_id))
                    .unwrap_or(true)
                {
                    break;
                }
                if inst.log_seen.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
    } else {
        // A runtime writes its output before it posts its answer, so once the answer is
        // here the output is in the pipe; after a crash or timeout, give stragglers a moment.
        if !clean {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (done, taken) = oneshot::channel();
        if inst.log_drain.send(done).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), taken).await;
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs one invocation of `t.function` with `payload`.
pub async fn run(inner: &Arc<Inner>, t: Target<'_>, payload: Bytes) -> Result<Ran, LambdaError> {
    let f = t.function;
    let key = state::key(t.account, t.region, &f.name);
    let request_id = cloudlet_core::ids::uuid_v4();
    let start_ms = instance::now_ms();
    let started = Instant::now();
    let mut inst = match inner.pool.take(&key, f.generation) {
        Some(i) => i,
        None => match start_instance(inner, &t).await? {
            Ok(i) => i,
            Err(msg) => {
                let body = serde_json::json!({
                    "errorType": "Runtime.InvalidEntrypoint",
                    "errorMessage": format!("RequestId: {request_id} Error: {msg}"),
                });
                let lines = vec![
                    (
                        start_ms,
                        format!("START RequestId: {request_id} Version: $LATEST\n"),
                    ),
                    (instance::now_ms(), format!("{body}\n")),
                    (instance::now_ms(), format!("END RequestId: {request_id}\n")),
                    (
                        instance::now_ms(),
                        format!(
                            "REPORT RequestId: {request_id}\tDuration: 0.00 ms\tBilled Duration: 0 ms\tMemory Size: {} MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: Runtime.InvalidEntrypoint\n",
                            f.memory_size
                        ),
                    ),
                ];
                let stream = format!(
                    "{}/[$LATEST]{}",
                    state::date_path(),
                    cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<16>())
                );
                let text = write_logs(inner, &t, &stream, lines);
                return Ok(Ran {
                    payload: Bytes::from(body.to_string()),
                    function_error: Some("Unhandled".into()),
                    log_text: text,
                });
            }
        },
    };
    let cold = !inst.warm;
    let timeout = Duration::from_secs(f.timeout);
    let (picked_tx, picked_rx) = oneshot::channel();
    let (reply_tx, reply_rx) = oneshot::channel();
    let pending = Pending {
        request_id: request_id.clone(),
        payload,
        deadline_ms: (instance::now_ms() as u64) + f.timeout * 1000,
        function_arn: f.arn.clone(),
        trace_id: format!(
            "Root=1-{:08x}-{};Parent={};Sampled=0;Lineage=1:{}:0",
            start_ms / 1000,
            cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<12>()),
            cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<8>()),
            &cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<4>()),
        ),
        picked: picked_tx,
        reply: reply_tx,
    };
    let (end, picked_at) = drive(&mut inst, pending, picked_rx, reply_rx, timeout).await;
    let finished = Instant::now();
    let clean = matches!(end, End::Done(_));
    settle_logs(&mut inst, &request_id, clean).await;
    let duration = picked_at
        .map(|p| finished.saturating_duration_since(p))
        .unwrap_or(finished - started);
    let init = (cold && picked_at.is_some()).then(|| {
        picked_at
            .unwrap_or(started)
            .saturating_duration_since(inst.spawned)
    });
    let max_mem = instance::max_memory_mb(inst.child.id());

    let mut lines: Vec<(i64, String)> = vec![(
        start_ms,
        format!("START RequestId: {request_id} Version: $LATEST\n"),
    )];
    if let Ok(mut l) = inst.log.lock() {
        lines.append(&mut l.lines);
        l.done.clear();
    }
    let (payload, function_error, status) = match end {
        End::Done(Outcome::Response(b)) => (b, None, None),
        End::Done(Outcome::Error(b)) => (b, Some("Unhandled"), None),
        End::InitError(b) => {
            let kind = serde_json::from_slice::<serde_json::Value>(&b)
                .ok()
                .and_then(|v| v["errorType"].as_str().map(str::to_string))
                .unwrap_or_else(|| "Runtime.Unknown".into());
            (
                b,
                Some("Unhandled"),
                Some(format!("Status: error\tError Type: {kind}")),
            )
        }
        End::Exited(how) => {
            let body = serde_json::json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {how}"),
            });
            lines.push((instance::now_ms(), format!("RequestId: {request_id} Error: Runtime exited with error: {how}\nRuntime.ExitError\n")));
            (
                Bytes::from(body.to_string()),
                Some("Unhandled"),
                Some("Status: error\tError Type: Runtime.ExitError".to_string()),
            )
        }
        End::Timeout => {
            let msg = format!(
                "{} {request_id} Task timed out after {}.00 seconds",
                state::iso_now(),
                f.timeout
            );
            lines.push((instance::now_ms(), format!("{msg}\n")));
            let body = serde_json::json!({ "errorMessage": msg });
            (
                Bytes::from(body.to_string()),
                Some("Unhandled"),
                Some("Status: timeout".to_string()),
            )
        }
    };
    let end_ms = instance::now_ms();
    lines.push((end_ms, format!("END RequestId: {request_id}\n")));
    let d = ms(duration);
    let mut report = format!(
        "REPORT RequestId: {request_id}\tDuration: {d:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {max_mem} MB",
        d.ceil().max(1.0) as u64,
        f.memory_size
    );
    if let Some(i) = init {
        report.push_str(&format!("\tInit Duration: {:.2} ms", ms(i)));
    }
    if let Some(s) = status {
        report.push('\t');
        report.push_str(&s);
    }
    report.push('\n');
    lines.push((end_ms, report));
    let stream = inst.log_stream.clone();
    let text = write_logs(inner, &t, &stream, lines);
    if clean {
        inst.warm = true;
        inner.pool.give(&key, inst);
    }
    Ok(Ran {
        payload,
        function_error: function_error.map(str::to_string),
        log_text: text,
    })
}

/// Sends the lines to CloudWatch Logs in the background; returns their text.
fn write_logs(
    inner: &Arc<Inner>,
    t: &Target<'_>,
    stream: &str,
    lines: Vec<(i64, String)>,
) -> String {
    let text: String = lines.iter().map(|(_, l)| l.as_str()).collect();
    let events: Vec<LogEvent> = lines
        .into_iter()
        .map(|(timestamp_ms, message)| LogEvent {
            timestamp_ms,
            message,
        })
        .collect();
    let logs = inner.logs.clone();
    let (account, region) = (t.account.clone(), t.region.clone());
    let group = format!("/aws/lambda/{}", t.function.name);
    let stream = stream.to_string();
    tokio::spawn(async move {
        logs.append(&account, &region, &group, &stream, events)
            .await;
    });
    text
}

/// The last 4 KB of an invocation's log, base64 (`X-Amz-Log-Result`).
pub fn tail(text: &str) -> String {
    use base64::Engine;
    let mut start = text.len().saturating_sub(TAIL_BYTES);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    base64::engine::general_purpose::STANDARD.encode(text.get(start..).unwrap_or_default())
}
