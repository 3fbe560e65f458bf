//! The `keyway` binary: parses the command line and hands over to `serve`
//! or `check`. Everything else lives in the library crates.

mod cli;
mod config;
mod serve;
mod setup;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        Some(cli::Command::Check { config }) => check(&config),
        Some(cli::Command::Serve(args)) => run_serve(args),
        None => run_serve(cli.serve),
    }
}

fn check(path: &std::path::Path) -> ExitCode {
    match config::load(path) {
        Ok(cfg) => {
            let routes: usize = cfg.groups.iter().map(|g| g.routes.len()).sum();
            let keys: usize = cfg.groups.iter().map(|g| g.keys.len()).sum();
            println!(
                "{}: OK ({} providers, {} groups, {} routes, {} keys)",
                path.display(),
                cfg.providers.len(),
                cfg.groups.len(),
                routes,
                keys
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_serve(args: cli::ServeArgs) -> ExitCode {
    setup::init_tracing(&args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve::serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
