//! The `ocop` command line: its flags, environment variables and sub-commands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The OCOP evaluation ledger: server and administration commands.
#[derive(Debug, Parser)]
#[command(name = "ocop", version, about)]
pub struct Cli {
    /// Where the embedded store, the token secret and other local files live.
    #[arg(
        long,
        env = "OCOP_DATA_DIR",
        default_value = "ocop-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL or `sqlite://…`; the embedded SQLite file in the data
    /// folder when absent.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The longest lifetime of a token signed with the server's own secret: `ocop token`
    /// refuses a longer `--ttl` and the server refuses such tokens.
    #[arg(
        long,
        env = "OCOP_TOKEN_MAX_LIFETIME",
        default_value = "12h",
        global = true
    )]
    pub token_max_lifetime: String,
    /// The Ed25519 key the server signs checkpoints of the ledger's head with (created on
    /// first use); `<data-dir>/checkpoint-key` when absent. Keep it off the database's
    /// machine, readable only by the server's account.
    #[arg(long, env = "OCOP_CHECKPOINT_KEY", global = true)]
    pub checkpoint_key: Option<PathBuf>,
    /// Log format.
    #[arg(long, env = "OCOP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The checkpoint key's file in effect.
    pub fn checkpoint_key_path(&self) -> PathBuf {
        self.checkpoint_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::checkpoint::KEY_FILE))
    }

    /// The database URL in effect: the flag or environment, else the embedded SQLite file.
    pub fn store_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ocop.db").display()
            ),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API with its background work (projections, timers).
    Serve(ServeArgs),
    /// Apply schema migrations and exit (as the schema owner).
    Migrate(MigrateArgs),
    /// Print a bearer token signed with the server's secret (recorded in the register of
    /// issued tokens).
    Token(TokenArgs),
    /// List the register of tokens issued with the server's secret, newest first.
    Tokens {
        /// How many to list.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Print a product's history and replayed state.
    Replay(ReplayArgs),
    /// Read models.
    Projections {
        /// What to do with them.
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Expiry notices and expiries.
    Timers {
        /// What to do with them.
        #[command(subcommand)]
        command: TimersCommand,
    },
    /// Load a realistic demo data set (refused on a store holding any other record).
    Demo,
    /// Import a province's existing recognitions as legacy records.
    Import(ImportArgs),
    /// Administrative units: load the commune succession.
    Units {
        /// What to do with them.
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// The hash-chained ledger.
    Ledger {
        /// What to do with it.
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// The ministry's audit.
    Audit {
        /// What to audit.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff accounts of the web interface.
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// `ocop user …`: passwords are read from standard input (one line), never from flags.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        /// The sign-in name: 3–64 characters of a–z, 0–9, `.`, `_`, `-`.
        #[arg(long)]
        username: String,
        /// The role (as in tokens): commune_officer, district_secretary,
        /// provincial_secretary, central_secretary, inspector, auditor, admin.
        #[arg(long)]
        role: String,
        /// The scope: `national`, `province:68`, `province:68/commune:24730`…
        #[arg(long)]
        scope: String,
        /// The person's full name, shown on every page they see ("Họ tên").
        #[arg(long)]
        name: String,
    },
    /// List the accounts with role, scope and state.
    List,
    /// Disable an account: it can no longer sign in, and its sessions end.
    Disable {
        /// The account.
        username: String,
    },
    /// Set a new password, read from standard input (one line); the sessions end.
    Passwd {
        /// The account.
        username: String,
    },
    /// The audit trail of account changes (created, role granted or removed, disabled,
    /// password set), oldest first, as JSON.
    Events,
}

/// Flags of `ocop serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the chosen address is logged).
    #[arg(long, env = "OCOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the demo data set first: into an empty store, or one holding the demo alone
    /// (then only the expiry timers due since the last load are recorded); refused on a
    /// store holding any other record.
    #[arg(long)]
    pub demo: bool,
    /// An identity provider's public key (PEM) to verify tokens with, instead of the
    /// server's own secret; requires `--jwt-issuer` and `--jwt-audience`.
    #[arg(
        long,
        env = "OCOP_JWT_PUBLIC_KEY",
        requires_all = ["jwt_issuer", "jwt_audience"]
    )]
    pub jwt_public_key: Option<PathBuf>,
    /// The issuer (`iss`) the identity provider's tokens must name.
    #[arg(long, env = "OCOP_JWT_ISSUER", requires = "jwt_public_key")]
    pub jwt_issuer: Option<String>,
    /// The audience (`aud`) the identity provider's tokens must be meant for.
    #[arg(long, env = "OCOP_JWT_AUDIENCE", requires = "jwt_public_key")]
    pub jwt_audience: Option<String>,
    /// Seconds after which a request is answered 503.
    #[arg(long, env = "OCOP_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a connection has to send a whole request head before it is closed.
    #[arg(long, env = "OCOP_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Connections open at once (more wait to be accepted).
    #[arg(long, env = "OCOP_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Requests answered at once (one more is answered 503 with Retry-After).
    #[arg(long, env = "OCOP_MAX_IN_FLIGHT", default_value_t = 512)]
    pub max_in_flight: usize,
    /// Requests one client address may send to the public endpoints: `N/min` or
    /// `N/min,burst=B`; `0` for no limit (behind a proxy that limits per client).
    #[arg(long, env = "OCOP_PUBLIC_RATE", default_value = "300/min,burst=100")]
    pub public_rate: String,
    /// Do not run the expiry timers in this process.
    #[arg(long)]
    pub no_timers: bool,
    /// The address the public reaches the web pages at, e.g. `https://ocop.example.gov.vn`:
    /// the QR codes of product pages point there. Default: the request's `Host`.
    #[arg(long, env = "OCOP_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
}

/// Flags of `ocop migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// PostgreSQL: grant this existing role what `ocop serve` needs and no more (append to
    /// the log, never change or remove a recorded row, own the read models), for servers
    /// that connect as it.
    #[arg(long)]
    pub serving_role: Option<String>,
    /// Mark the store a rehearsal store, for good (only while its log is empty): there,
    /// and only there, `ocop timers run --now` may run the timers on a day after today.
    #[arg(long)]
    pub rehearsal: bool,
}

/// Flags of `ocop token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// One role of the contract (e.g. `provincial_secretary`).
    #[arg(long)]
    pub role: String,
    /// The scope, e.g. `national`, `province:68`, `province:68/commune:24730`.
    #[arg(long)]
    pub scope: String,
    /// The user id.
    #[arg(long)]
    pub user: String,
    /// Lifetime, e.g. `8h`, `30m`; at most `--token-max-lifetime`.
    #[arg(long, default_value = "8h")]
    pub ttl: String,
}

/// Flags of `ocop replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The product id.
    pub product_id: String,
    /// Replay as recorded at this time (RFC 3339).
    #[arg(long)]
    pub as_of: Option<String>,
}

/// `ocop projections …`
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuild one read model (or all) from the log.
    Rebuild {
        /// The projection's name; all when absent.
        name: Option<String>,
    },
    /// Recompute the read models from the log beside the live ones and report every row
    /// that differs (exit 1); the live tables are not changed.
    Verify {
        /// The projection's name; all when absent.
        name: Option<String>,
    },
}

/// `ocop timers …`
#[derive(Debug, Subcommand)]
pub enum TimersCommand {
    /// Issue every due expiry notice and expiry.
    Run {
        /// The time to run at (RFC 3339 or a date): with `--dry-run`, or with
        /// `--test-clock` to record (a day after today only on a rehearsal store).
        #[arg(long)]
        now: Option<String>,
        /// Let `--now` set the clock for the events recorded (tests and rehearsals).
        #[arg(long)]
        test_clock: bool,
        /// List what is due on the day (today, or `--now`) and record nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Flags of `ocop import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file in the contract's format.
    #[arg(long)]
    pub file: PathBuf,
}

/// `ocop units …`
#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Load the commune succession from the statistics office's list: CSV with the header
    /// old_commune,old_name,commune,name,province,effective_on (one row per old commune and
    /// commune in force). Every bad row is reported with its line number and records
    /// nothing; loading the same list again records nothing.
    Import(ImportArgs),
}

/// `ocop ledger …`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Print the head digest `position:hash`.
    Digest,
    /// Recompute the hash chain, from an earlier digest when given; with `--checkpoints`,
    /// also check the log against signed checkpoints kept outside the database.
    Verify {
        /// A digest kept earlier, `position:hash`.
        #[arg(long, conflicts_with = "checkpoints")]
        from_digest: Option<String>,
        /// A JSON file of signed checkpoints kept earlier: a list of checkpoints, or pages
        /// of `GET /api/v1/ledger/checkpoints` (`{"items": […]}`) one after another.
        #[arg(long, requires = "public_key")]
        checkpoints: Option<PathBuf>,
        /// The public key (64 hex digits, from `ocop ledger public-key`) the checkpoints were
        /// signed with; repeat it for checkpoints of several keys.
        #[arg(long, requires = "checkpoints")]
        public_key: Vec<String>,
    },
    /// Sign a checkpoint of the ledger's head now, record it and print it.
    Checkpoint,
    /// List the recorded checkpoints, newest first, as JSON (to keep outside the database).
    Checkpoints {
        /// How many to list.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Print the checkpoint key's public half (64 hex digits) and its id.
    PublicKey,
}

/// `ocop audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-derive every decision and report findings.
    Decisions {
        /// Only this province.
        #[arg(long)]
        province: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Exit 0 even when a finding of severity `error` is reported (exit 1 otherwise).
        #[arg(long)]
        no_fail: bool,
    },
}

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// JSON.
    Json,
    /// CSV.
    Csv,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn an_identity_providers_key_needs_its_issuer_and_audience() {
        let serve = |extra: &[&str]| {
            let mut argv = vec!["ocop", "serve", "--jwt-public-key", "idp.pem"];
            argv.extend_from_slice(extra);
            Cli::try_parse_from(argv)
        };
        assert!(serve(&[]).is_err());
        assert!(serve(&["--jwt-issuer", "https://sso"]).is_err());
        assert!(serve(&["--jwt-audience", "ocop"]).is_err());
        assert!(serve(&["--jwt-issuer", "https://sso", "--jwt-audience", "ocop"]).is_ok());
    }

    #[test]
    fn without_a_url_the_store_is_the_embedded_sqlite_file() {
        let cli = Cli::try_parse_from(["ocop", "--data-dir", "d", "migrate"]).unwrap();
        assert!(matches!(
            &cli.command,
            Command::Migrate(MigrateArgs {
                serving_role: None,
                rehearsal: false
            })
        ));
        let cli = Cli {
            database_url: None,
            ..cli
        };
        assert_eq!(cli.store_url(), "sqlite://d/ocop.db?mode=rwc");
    }
}
