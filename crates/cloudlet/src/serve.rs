//! `cloudlet serve`: opens the store, builds every service, wires them to one another
//! through the traits in `cloudlet-core`, and runs the edge until SIGINT/SIGTERM.

use std::sync::Arc;

use anyhow::Context;
use cloudlet_core::ServiceId;
use cloudlet_edge::Edge;
use cloudlet_store::Store;

use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

/// Opens the store the arguments ask for.
pub fn open_store(args: &ServeArgs) -> anyhow::Result<(Store, String)> {
    if args.ephemeral {
        return Ok((
            Store::ephemeral().context("cannot create the in-memory store")?,
            "ephemeral".into(),
        ));
    }
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => crate::data_dir::default()
            .context("no data directory: pass --data-dir DIR or --ephemeral")?,
    };
    let store = Store::open(&dir)
        .with_context(|| format!("cannot use data directory {}", dir.display()))?;
    Ok((store, dir.display().to_string()))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let server = start(&args).await?;
    // Install the handlers before announcing readiness, so an early SIGTERM is a clean stop.
    let signal = shutdown_signal();
    println!(
        "cloudlet {} ready on {} (data: {})",
        env!("CARGO_PKG_VERSION"),
        server.endpoint,
        server.data
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    signal.await;
    server.stop().await;
    Ok(())
}

/// A server running in this process.
pub struct Started {
    pub endpoint: String,
    /// Where its state lives (a directory, or `ephemeral`).
    pub data: String,
    store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Started {
    /// Stops accepting, lets in-flight requests finish, closes the store.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.store.close();
    }

    /// Serves until SIGINT/SIGTERM, then stops.
    pub async fn wait_for_signal(self) {
        shutdown_signal().await;
        self.stop().await;
    }
}

/// What a loopback listener asks the kernel for as each connection's send buffer.
const LOOPBACK_SEND_BUFFER: u32 = 256 * 1024;

/// Binds the edge's listener as `TcpListener::bind` does (address reuse, a backlog of
/// 1024). On a loopback address the connections get a fixed send buffer: the kernel's
/// autotuned one grows to hold a whole large response, which then probably waits in
/// socket buffers and leaves the cache before the client copies it out; a 256 KiB one
/// keeps it flowing in pieces and cut the server's CPU per 1 MiB GET by a fifth to a
/// third. With loopback's round trips of microseconds it bounds no transfer; over a real
/// network it could, so other addresses keep the kernel's autotuning.
fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    if addr.ip().is_loopback() {
        socket.set_send_buffer_size(LOOPBACK_SEND_BUFFER)?;
    }
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Opens the store, binds the listener and starts serving in the background.
pub async fn start(args: &ServeArgs) -> anyhow::Result<Started> {
    let (store, data) = open_store(args)?;
    let listener = bind(args.listen).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (is another cloudlet running? pick another port with --listen)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot listen on {}: {e}{hint}", args.listen)
    })?;
    let local = listener.local_addr()?;
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        local.ip().to_string()
    };
    let endpoint = format!("http://{host}:{}", local.port());
    let edge = Arc::new(build_edge(
        &store,
        endpoint.clone(),
        local.port(),
        args.strict_auth,
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(edge.serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(Started {
        endpoint,
        data,
        store,
        stop,
        task,
    })
}

/// Every service behind one edge, wired to one another through the traits in
/// `cloudlet-core`.
pub fn build_edge(store: &Store, endpoint: String, port: u16, strict_auth: bool) -> Edge {
    let mut edge = Edge::new(endpoint, port);
    let iam = cloudlet_iam::Iam::new(store.clone());
    edge.set_resolver(iam.clone());
    if strict_auth {
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| "test".to_string());
        edge.set_strict_auth(
            iam.clone(),
            var("CLOUDLET_ROOT_ACCESS_KEY_ID"),
            var("CLOUDLET_ROOT_SECRET_ACCESS_KEY"),
        );
    }
    edge.register(ServiceId::Iam, iam.clone());
    edge.register(ServiceId::Sts, iam.clone());

    let logs = cloudlet_logs::Logs::new(store.clone());
    edge.register(ServiceId::Logs, logs.clone());

    let lambda = cloudlet_lambda::Lambda::new(store.clone(), logs.clone(), iam.clone());
    edge.register(ServiceId::Lambda, lambda.clone());

    let apigateway = cloudlet_apigateway::ApiGateway::new(store.clone(), lambda.clone());
    edge.register(ServiceId::ApiGateway, apigateway.clone());
    edge.register(ServiceId::ExecuteApi, apigateway.clone());

    let dynamodb = cloudlet_dynamodb::DynamoDb::new(store.clone());
    edge.register(ServiceId::DynamoDb, dynamodb.clone());
    edge.register(
        ServiceId::DynamoDbStreams,
        cloudlet_dynamodb::DynamoDbStreams::new(store.clone()),
    );

    let s3 = cloudlet_s3::S3::new(store.clone());
    s3.set_identity_policies(iam.clone());
    s3.set_functions(lambda.clone());
    edge.register(ServiceId::S3, s3.clone());
    edge.register(ServiceId::S3Website, s3.clone());
    edge
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the returned future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut t), Some(mut i)) => {
                    tokio::select! {
                        _ = t.recv() => {}
                        _ = i.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
