//! `keyway serve`: open the store, apply the config, build the routing
//! snapshot, listen, and shut down gracefully (drain in-flight requests and
//! streams within the grace period, flush request logs, exit 0).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use keyway_server::snapshot::Snapshot;
use keyway_server::state::{spawn_reloader, Limits};
use secrecy::SecretString;

use crate::cli::ServeArgs;
use crate::{config, setup};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let opened = setup::open_store(&args).await?;
    let store = opened.store.clone();

    if let Some(path) = &args.config {
        let cfg = config::load(path).map_err(|e| {
            anyhow::anyhow!(
                "{e}\n(check the file with `keyway check --config {}`)",
                path.display()
            )
        })?;
        let applied = config::apply(&*store, &cfg)
            .await
            .context("applying the config file")?;
        tracing::info!(
            file = %path.display(),
            providers = applied.providers,
            groups = applied.groups,
            routes = applied.routes,
            keys = applied.keys,
            "config applied"
        );
    }
    let admin_password = setup::first_start(&*store).await?;

    let snapshot = Snapshot::load(&*store)
        .await
        .context("loading routes and keys")?;
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        max_attempts: args.max_attempts.max(1),
        failover_deadline: Duration::from_secs(args.failover_deadline),
        ..Limits::default()
    };
    let breakers = keyway_upstream::breaker::Breakers::new(
        args.breaker_threshold,
        Duration::from_secs(args.breaker_cooldown),
    );
    let (state, log_writer) = keyway_server::new_state(store.clone(), snapshot, limits, breakers);
    let reloader = spawn_reloader(state.clone(), Duration::from_secs(300));

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another process using it? choose another with --listen)",
                args.listen
            )
        })?;
    let local = listener.local_addr().context("listener address")?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));

    let admin = keyway_admin::router(keyway_admin::AdminState {
        store: store.clone(),
        admin_token: std::env::var("KEYWAY_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        session_secret: setup::session_secret(&opened.master),
        gateway: Arc::new(keyway_server::Ops {
            state: state.clone(),
        }),
        public_base_url: public_url.clone(),
    });
    let retention = keyway_admin::spawn_retention_task(store.clone());
    let gen = keyway_server::generations_state(&state);
    let poller = keyway_generations_poller(gen.clone());
    let app = keyway_server::router(state.clone(), admin, gen);

    // Register signal handlers before announcing the address, so a SIGTERM
    // sent right after start-up is a graceful stop rather than a kill.
    let shutdown = shutdown_signal();
    print_banner(
        &public_url,
        local,
        &opened,
        admin_password.as_deref(),
        &args,
    );

    #[cfg(unix)]
    if let Some(path) = args.config.clone() {
        spawn_sighup_reload(path, store.clone());
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut stop_for_grace = stop_rx.clone();
    // TCP_NODELAY on accepted sockets: without it small SSE writes wait on
    // Nagle and the client's delayed ACK (~40 ms stalls per stream).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let grace = Duration::from_secs(args.shutdown_grace);
    let server = tokio::spawn(async move { server.await });
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => { r.context("server task")?.context("server")?; }
        _ = async {
            let _ = stop_for_grace.changed().await;
            tracing::info!(grace_s = grace.as_secs(), "shutting down: no new connections; waiting for in-flight requests");
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("grace period over; closing the remaining connections");
            server.abort();
        }
    }
    reloader.abort();
    retention.abort();
    poller.abort();
    drop(state);
    log_writer.flush_and_stop().await;
    store.close().await;
    tracing::info!("request logs flushed; bye");
    Ok(())
}

fn print_banner(
    public_url: &str,
    local: std::net::SocketAddr,
    opened: &setup::Opened,
    password: Option<&str>,
    args: &ServeArgs,
) {
    println!();
    println!("  Keyway {} is running", env!("CARGO_PKG_VERSION"));
    println!("  ─────────────────────────────────────────────");
    println!("  Listening on     http://{local}");
    println!("  OpenAI base URL  {public_url}/v1");
    println!("  Anthropic base   {public_url}");
    println!("  Admin UI         {public_url}/admin");
    println!("  Database         {}", opened.database_label);
    if opened.master_key_created {
        println!(
            "  Master key       created {} (keep it: it decrypts the stored secrets)",
            args.data_dir.join("master.key").display()
        );
    }
    if let Some(pw) = password {
        println!();
        println!("  First start: log in as `admin` with password  {pw}");
        println!("  It is shown only this once; change it in the admin UI (Settings).");
    }
    println!();
    println!("  Press Ctrl-C to stop.");
    println!();
}

/// Resolves on SIGINT or SIGTERM. The handlers are registered when this is
/// called, not when the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (int, term) {
                (Ok(mut i), Ok(mut t)) => {
                    tokio::select! {
                        _ = i.recv() => {},
                        _ = t.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(unix)]
fn spawn_sighup_reload(path: std::path::PathBuf, store: Arc<dyn keyway_store::Store>) {
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            match config::load(&path) {
                Err(e) => tracing::error!("config reload refused, keeping the current state: {e}"),
                Ok(cfg) => match config::apply(&*store, &cfg).await {
                    Ok(a) => tracing::info!(
                        providers = a.providers,
                        groups = a.groups,
                        routes = a.routes,
                        keys = a.keys,
                        "config reloaded (SIGHUP)"
                    ),
                    Err(e) => tracing::error!(error = %e, "config reload failed"),
                },
            }
        }
    });
}

/// Background polling of asynchronous generation jobs (resumes unfinished ones).
fn keyway_generations_poller(gen: keyway_generations::GenState) -> tokio::task::JoinHandle<()> {
    keyway_generations::spawn_poller(gen)
}
