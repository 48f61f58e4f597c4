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
    let (store, where_) = open_store(&args)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
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
    let edge = Arc::new(build_edge(&store, endpoint.clone(), local.port()));

    println!(
        "cloudlet {} ready on {endpoint} (data: {where_})",
        env!("CARGO_PKG_VERSION")
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();

    edge.serve(listener, shutdown_signal()).await;
    store.close();
    Ok(())
}

/// Every service behind one edge, wired to one another through the traits in
/// `cloudlet-core`.
pub fn build_edge(store: &Store, endpoint: String, port: u16) -> Edge {
    let mut edge = Edge::new(endpoint, port);
    let iam = cloudlet_iam::Iam::new(store.clone());
    edge.set_resolver(iam.clone());
    edge.register(ServiceId::Iam, iam.clone());
    edge.register(ServiceId::Sts, iam.clone());

    let logs = cloudlet_logs::Logs::new(store.clone());
    edge.register(ServiceId::Logs, logs.clone());

    let lambda = cloudlet_lambda::Lambda::new(store.clone());
    edge.register(ServiceId::Lambda, lambda.clone());

    let apigateway = cloudlet_apigateway::ApiGateway::new(store.clone());
    edge.register(ServiceId::ApiGateway, apigateway.clone());

    let dynamodb = cloudlet_dynamodb::DynamoDb::new(store.clone());
    edge.register(ServiceId::DynamoDb, dynamodb.clone());

    let s3 = cloudlet_s3::S3::new(store.clone());
    edge.register(ServiceId::S3, s3.clone());
    edge.register(ServiceId::S3Website, s3.clone());
    edge
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
