//! What each `ocop` sub-command does.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::auth::{TokenKeys, parse_ttl};
use crate::cli::{Cli, Command, LogFormat, TokenArgs};

/// A command-line failure, printed as `error: …`.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Sets up `tracing` output on standard error, as text or JSON; `RUST_LOG` filters it.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Runs one sub-command.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match &cli.command {
        Command::Token(args) => token(&cli, args),
        _ => Err("this command is not available yet".into()),
    }
}

fn token(cli: &Cli, args: &TokenArgs) -> Result<ExitCode, CliError> {
    let ttl = parse_ttl(&args.ttl)?;
    let keys = TokenKeys::load_or_create(&cli.data_dir)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    println!(
        "{}",
        keys.issue(&args.user, &args.role, &args.scope, now, ttl)?
    );
    Ok(ExitCode::SUCCESS)
}
