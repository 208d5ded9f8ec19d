//! What each `ocop` sub-command does.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ocop_eventstore::StreamRange;
use ocop_projections::{Backend, ProjectionRunner};
use uuid::Uuid;

use crate::app::{self, AppState};
use crate::auth::{TokenKeys, parse_ttl};
use crate::checkpoint::CheckpointKey;
use crate::cli::{
    AuditCommand, Cli, Command, ImportArgs, LedgerCommand, LogFormat, OutputFormat,
    ProjectionsCommand, ReplayArgs, ServeArgs, TimersCommand, TokenArgs, UnitsCommand, UserCommand,
};
use crate::extract::actor_of;
use crate::routes::audit::parse_digest;

/// A command-line failure, printed as `error: …`.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Sets up `tracing` output on standard error, as text or JSON; `RUST_LOG` filters it.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour codes only for a person at a terminal, never into a log file or a collector.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Runs one sub-command.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match &cli.command {
        Command::Token(args) => token(&cli, args).await,
        Command::Tokens { limit } => tokens(&cli, *limit).await,
        Command::Serve(args) => serve(&cli, args).await,
        Command::Migrate(args) => migrate(&cli, args.serving_role.as_deref(), args.rehearsal).await,
        Command::Replay(args) => replay(&cli, args).await,
        Command::Projections {
            command: ProjectionsCommand::Rebuild { name },
        } => rebuild(&cli, name.as_deref().unwrap_or("all")).await,
        Command::Projections {
            command: ProjectionsCommand::Verify { name },
        } => verify_projections(&cli, name.as_deref().unwrap_or("all")).await,
        Command::Timers {
            command:
                TimersCommand::Run {
                    now,
                    test_clock,
                    dry_run,
                },
        } => timers(&cli, now.as_deref(), *test_clock, *dry_run).await,
        Command::Ledger { command } => ledger(&cli, command).await,
        Command::Demo => demo(&cli).await,
        Command::User { command } => user(&cli, command).await,
        Command::Import(args) => import(&cli, args).await,
        Command::Units {
            command: UnitsCommand::Import(args),
        } => import_units(&cli, args).await,
        Command::Audit {
            command:
                AuditCommand::Decisions {
                    province,
                    format,
                    no_fail,
                },
        } => audit(&cli, province.as_deref(), *format, *no_fail).await,
    }
}

/// The server's own keys, with the configured maximum lifetime.
fn own_keys(cli: &Cli) -> Result<TokenKeys, CliError> {
    let max =
        parse_ttl(&cli.token_max_lifetime).map_err(|e| format!("--token-max-lifetime: {e}"))?;
    Ok(TokenKeys::load_or_create(&cli.data_dir)?.with_max_lifetime(max))
}

/// Signs a token and records it in the register of issued tokens before printing it.
async fn token(cli: &Cli, args: &TokenArgs) -> Result<ExitCode, CliError> {
    let ttl = parse_ttl(&args.ttl).map_err(|e| format!("--ttl: {e}"))?;
    // The same checks the server applies when it reads the token back.
    actor_of(&args.user, &args.role, &args.scope).map_err(|e| e.to_string())?;
    let keys = own_keys(cli)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let token_id = Uuid::new_v4();
    let token = keys.issue_with_id(
        &args.user,
        &args.role,
        &args.scope,
        now,
        ttl,
        Some(token_id.to_string()),
    )?;
    // To the microsecond (the register pages by it); `iat` in the token is in seconds.
    let issued_at = Utc::now();
    let expires_at = DateTime::from_timestamp((now + ttl.as_secs()) as i64, 0).unwrap_or_default();
    let backend = open(cli).await?;
    ocop_projections::access::tokens::record(
        &backend.db,
        &ocop_projections::access::tokens::IssuedToken {
            token_id,
            subject: args.user.clone(),
            role: args.role.clone(),
            scope: args.scope.clone(),
            issued_at,
            expires_at,
            issued_by: operator(),
        },
    )
    .await?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// The operating-system account running an administrative command.
fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "admin".to_owned())
}

async fn tokens(cli: &Cli, limit: usize) -> Result<ExitCode, CliError> {
    let backend = open(cli).await?;
    let issued = ocop_projections::access::tokens::list(&backend.db, None, limit).await?;
    println!("{}", serde_json::to_string_pretty(&issued)?);
    Ok(ExitCode::SUCCESS)
}

/// Opens the store named on the command line (creating the data folder for the embedded
/// default), applying migrations.
async fn open(cli: &Cli) -> Result<Backend, CliError> {
    if cli
        .database_url
        .as_deref()
        .is_none_or(|u| u.trim().is_empty())
    {
        crate::auth::private_file::create_private_folder(&cli.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", cli.data_dir.display()))?;
    }
    Ok(ocop_projections::open(&cli.store_url()).await?)
}

async fn runner(backend: &Backend) -> Result<ProjectionRunner, CliError> {
    Ok(ProjectionRunner::new(
        backend.store.clone(),
        backend.db.clone(),
        Default::default(),
    )
    .await?)
}

/// `t` in Vietnam time (UTC+7), to the second, as people there read it beside a date.
pub fn vietnam_time(t: DateTime<Utc>) -> String {
    let ict = FixedOffset::east_opt(7 * 3600).expect("utc+7 is a valid offset");
    t.with_timezone(&ict)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Today's business date in Vietnam (UTC+7).
pub fn today_in_vietnam(now: DateTime<Utc>) -> NaiveDate {
    ocop_domain::units::vietnam_date(now)
}

async fn serve(cli: &Cli, args: &ServeArgs) -> Result<ExitCode, CliError> {
    let limits = limits(args)?;
    // Keys first: a server that cannot verify tokens safely does not open the store.
    let keys = match (&args.jwt_public_key, &args.jwt_issuer, &args.jwt_audience) {
        (Some(pem), Some(issuer), Some(audience)) => TokenKeys::external(pem, issuer, audience)?,
        (Some(_), _, _) => {
            return Err("--jwt-public-key needs --jwt-issuer and --jwt-audience".into());
        }
        _ => own_keys(cli)?,
    };
    let checkpoint_key = CheckpointKey::load_or_create(&cli.checkpoint_key_path())?;
    let backend = open(cli).await?;
    let mut state = AppState::new(backend, keys, checkpoint_key).await?;
    if let Some(base) = &args.public_base_url {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(format!(
                "--public-base-url {base:?}: give the whole address, e.g. https://ocop.example.gov.vn"
            )
            .into());
        }
        state.public_base_url = Some(base.trim_end_matches('/').to_owned());
    }
    if args.demo {
        let report =
            ocop_projections::demo::load_demo(&state.service, today_in_vietnam(Utc::now())).await?;
        tracing::info!(
            products = report.products,
            events_recorded = report.events_recorded,
            already_present = report.already_present,
            "demo data set loaded"
        );
        demo_accounts(&state.runner.db().clone()).await?;
    }
    let background = app::Background::start(&state, !args.no_timers).await?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, store = %redact(&cli.store_url()), "listening");
    // Scripts and tests started on port 0 read the chosen address from this line.
    println!("ocop listening on http://{address}");
    let _ = std::io::stdout().flush();

    let router = app::router(state, &limits);
    crate::server::serve(listener, router, &limits, crate::server::shutdown_signal()).await?;

    background.stop().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The limits `serve` is given on its command line.
fn limits(args: &ServeArgs) -> Result<crate::server::Limits, CliError> {
    let positive = |name: &str, n: u64| {
        if n == 0 {
            Err(format!("--{name} must be at least 1"))
        } else {
            Ok(n)
        }
    };
    Ok(crate::server::Limits {
        request_timeout: Duration::from_secs(positive(
            "request-timeout-secs",
            args.request_timeout_secs,
        )?),
        header_timeout: Duration::from_secs(positive(
            "header-timeout-secs",
            args.header_timeout_secs,
        )?),
        max_connections: positive("max-connections", args.max_connections as u64)? as usize,
        max_in_flight: positive("max-in-flight", args.max_in_flight as u64)? as usize,
        public_rate: crate::throttle::Rate::parse(&args.public_rate)
            .map_err(|e| format!("--public-rate: {e}"))?,
    })
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn migrate(
    cli: &Cli,
    serving_role: Option<&str>,
    rehearsal: bool,
) -> Result<ExitCode, CliError> {
    let backend = open(cli).await?;
    runner(&backend).await?;
    println!("schema up to date: {}", redact(&cli.store_url()));
    if rehearsal {
        let head = backend.store.head().await?.global_position;
        ocop_projections::timers::mark_rehearsal(&backend.db, head, &operator(), Utc::now())
            .await??;
        println!("marked a rehearsal store: `ocop timers run --now` may run ahead of today here");
    }
    if let Some(role) = serving_role {
        let ocop_projections::ReadDb::Postgres(pool) = &backend.db else {
            return Err("--serving-role is for PostgreSQL: SQLite has no roles".into());
        };
        ocop_eventstore::grant_serving_role(pool, role).await?;
        ocop_projections::read::schema::hand_over(&backend.db, role).await?;
        println!(
            "granted {role:?} what `ocop serve` needs: it may append to the log and keep the \
             read models, never change or remove a recorded row"
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn replay(cli: &Cli, args: &ReplayArgs) -> Result<ExitCode, CliError> {
    let product_id = Uuid::parse_str(args.product_id.trim())
        .map_err(|_| format!("{:?} is not a product id (a UUID)", args.product_id))?;
    let recorded_until = args
        .as_of
        .as_deref()
        .map(DateTime::parse_from_rfc3339)
        .transpose()
        .map_err(|e| format!("--as-of must be an RFC 3339 time: {e}"))?
        .map(|t| t.with_timezone(&Utc));
    let backend = open(cli).await?;
    let events = backend
        .store
        .read_stream(
            product_id,
            StreamRange {
                recorded_until,
                ..StreamRange::all()
            },
        )
        .await?;
    if events.is_empty() {
        return Err(format!("no events recorded for product {product_id}").into());
    }
    let mut state = ocop_domain::ProductState::default();
    for e in &events {
        println!(
            "#{:<4} v{:<3} {}  {:<26} {} ({}, {}){}",
            e.global_position,
            e.version,
            // A person reads this: Vietnam time, beside the business dates.
            vietnam_time(e.recorded_at),
            e.event_type,
            e.actor.user,
            e.actor.role,
            e.actor.scope,
            e.occurred_on
                .map(|d| format!("  on {d}"))
                .unwrap_or_default(),
        );
        let event = ocop_projections::command::codec::from_recorded(e)?;
        state = ocop_domain::evolve(state, &event);
    }
    println!("{}", serde_json::to_string_pretty(&state)?);
    Ok(ExitCode::SUCCESS)
}

async fn rebuild(cli: &Cli, name: &str) -> Result<ExitCode, CliError> {
    let backend = open(cli).await?;
    let runner = runner(&backend).await?;
    let mut last_drawn = std::time::Instant::now() - Duration::from_secs(1);
    let report = runner
        .rebuild(name, |p| {
            if last_drawn.elapsed() >= Duration::from_millis(200) || p.position >= p.head {
                last_drawn = std::time::Instant::now();
                eprint!("\r{}", progress_bar(p.projection, p.position, p.head));
            }
        })
        .await?;
    eprintln!();
    println!(
        "rebuilt {} from {} events up to position {} in {:.1} s",
        report.projections.join(", "),
        report.events,
        report.position,
        report.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn verify_projections(cli: &Cli, name: &str) -> Result<ExitCode, CliError> {
    let backend = open(cli).await?;
    let runner = runner(&backend).await?;
    let report = runner.verify(name).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn progress_bar(name: &str, position: i64, head: i64) -> String {
    const WIDTH: i64 = 30;
    let filled = if head > 0 {
        (position.min(head) * WIDTH / head).clamp(0, WIDTH)
    } else {
        WIDTH
    };
    format!(
        "{name:<10} [{}{}] {position}/{head}",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize)
    )
}

async fn timers(
    cli: &Cli,
    now: Option<&str>,
    test_clock: bool,
    dry_run: bool,
) -> Result<ExitCode, CliError> {
    let real_today = today_in_vietnam(Utc::now());
    let today = match now {
        None => real_today,
        Some(_) if !test_clock && !dry_run => {
            return Err(
                "--now sets the clock: add --dry-run to list what would be due on \
                        that day (nothing is recorded), or --test-clock to record (tests and \
                        rehearsals)"
                    .into(),
            );
        }
        Some(text) => parse_now(text)?,
    };
    let backend = open(cli).await?;
    let runner = runner(&backend).await?;
    if dry_run {
        let due = ocop_projections::timers::due_on(&runner, today).await?;
        let answer = serde_json::json!({"today": today, "dry_run": true, "due": due});
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    if today > real_today && !ocop_projections::timers::is_rehearsal(&backend.db).await? {
        return Err(format!(
            "--now {today} is after today in Vietnam ({real_today}): the timers would record \
             expiry notices and expiries dated in the future, for good, and this store is not \
             a rehearsal store. List what would be due with --dry-run; rehearse on a store \
             marked with `ocop migrate --rehearsal` while it was empty"
        )
        .into());
    }
    let service = ocop_projections::command::service::CommandService::new(backend.store.clone());
    let report = ocop_projections::timers::run_timers(&runner, &service, today).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--now`: an RFC 3339 time (its business date in Vietnam) or a date.
fn parse_now(text: &str) -> Result<NaiveDate, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(today_in_vietnam(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("--now {text:?} is neither an RFC 3339 time nor a YYYY-MM-DD date").into()
    })
}

async fn ledger(cli: &Cli, command: &LedgerCommand) -> Result<ExitCode, CliError> {
    let from = match command {
        LedgerCommand::Verify {
            from_digest: Some(d),
            ..
        } => Some(parse_digest(d).map_err(|e| e.to_string())?),
        _ => None,
    };
    if let LedgerCommand::PublicKey = command {
        let key = CheckpointKey::load_or_create(&cli.checkpoint_key_path())?;
        println!("{}  (key id {})", key.public_hex(), key.key_id());
        return Ok(ExitCode::SUCCESS);
    }
    let backend = open(cli).await?;
    let log = crate::checkpoint::log_of(&backend.db);
    let report = match command {
        LedgerCommand::Digest => {
            let head = backend.store.head().await?;
            println!("{}:{}", head.global_position, head.hash);
            return Ok(ExitCode::SUCCESS);
        }
        LedgerCommand::Checkpoint => {
            let key = CheckpointKey::load_or_create(&cli.checkpoint_key_path())?;
            let checkpoint = key.checkpoint_head(backend.store.as_ref(), &log).await?;
            println!("{}", serde_json::to_string_pretty(&checkpoint)?);
            return Ok(ExitCode::SUCCESS);
        }
        LedgerCommand::Checkpoints { limit } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&log.page(None, *limit).await?)?
            );
            return Ok(ExitCode::SUCCESS);
        }
        LedgerCommand::PublicKey => unreachable!("answered above"),
        LedgerCommand::Verify {
            checkpoints: Some(file),
            public_key,
            ..
        } => {
            let kept = crate::checkpoint::read_kept(file)?;
            crate::checkpoint::verify_kept(backend.store.as_ref(), &kept, public_key).await?
        }
        LedgerCommand::Verify { .. } => {
            let report = backend.store.verify(from).await?;
            serde_json::json!({
                "ok": report.ok,
                "events_checked": report.events_checked,
                "head": report.head,
                "first_broken_position": report.first_broken_position,
                "digest_mismatch": report.digest_mismatch,
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if report["ok"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The demo's staff accounts, one per role, created on the first demo load with random
/// passwords printed once (here, on standard output); later loads keep them.
async fn demo_accounts(db: &ocop_projections::ReadDb) -> Result<(), CliError> {
    const ACCOUNTS: [(&str, &str, &str, &str); 6] = [
        (
            "xa.daksong",
            "commune_officer",
            "province:68/commune:24730",
            "Nguyễn Thị Hoa",
        ),
        (
            "tinh.lamdong",
            "provincial_secretary",
            "province:68",
            "Trần Văn Minh",
        ),
        ("trunguong", "central_secretary", "national", "Lê Thị Thu"),
        (
            "thanhtra.lamdong",
            "inspector",
            "province:68",
            "Phạm Quốc Bảo",
        ),
        ("kiemtoan", "auditor", "national", "Võ Thị Lan"),
        ("quantri", "admin", "national", "Đặng Văn Hùng"),
    ];
    let existing = ocop_projections::access::accounts::list(db).await?;
    let mut printed = false;
    for (username, role, scope, name) in ACCOUNTS {
        if existing.iter().any(|a| a.username == username) {
            continue;
        }
        let mut bytes = [0_u8; 9];
        getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
        let password = hex::encode(bytes);
        let new = ocop_projections::access::accounts::NewAccount {
            username,
            display_name: name,
            role,
            scope,
            password: &password,
        };
        ocop_projections::access::accounts::add(db, &new, "demo", Utc::now()).await?;
        if !printed {
            println!("Demo accounts (sign in at /dang-nhap; passwords are shown this once):");
            printed = true;
        }
        println!("  {username:<18} {password}  {role} {scope} — {name}");
    }
    Ok(())
}

/// Reads one line (a password) from standard input, without its line end.
fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("no password on standard input: give it as one line".into());
    }
    Ok(password)
}

async fn user(cli: &Cli, command: &UserCommand) -> Result<ExitCode, CliError> {
    use ocop_projections::access::accounts;
    let backend = open(cli).await?;
    let db = &backend.db;
    let by = operator();
    match command {
        UserCommand::Add {
            username,
            role,
            scope,
            name,
        } => {
            let password = read_password()?;
            let new = accounts::NewAccount {
                username,
                display_name: name,
                role,
                scope,
                password: &password,
            };
            let account = accounts::add(db, &new, &by, Utc::now()).await?;
            println!("{}", serde_json::to_string_pretty(&account)?);
        }
        UserCommand::List => {
            println!(
                "{:<24} {:<22} {:<30} {:<9} name",
                "username", "role", "scope", "state"
            );
            for a in accounts::list(db).await? {
                let state = if a.disabled { "disabled" } else { "active" };
                println!(
                    "{:<24} {:<22} {:<30} {:<9} {}",
                    a.username, a.role, a.scope, state, a.display_name
                );
            }
        }
        UserCommand::Disable { username } => {
            accounts::disable(db, username, &by, Utc::now()).await?;
            println!("{username}: disabled; its sessions have ended");
        }
        UserCommand::Passwd { username } => {
            let password = read_password()?;
            accounts::set_password(db, username, &password, &by, Utc::now()).await?;
            println!("{username}: new password set; its sessions have ended");
        }
        UserCommand::Events => {
            println!(
                "{}",
                serde_json::to_string_pretty(&accounts::events(db).await?)?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn demo(cli: &Cli) -> Result<ExitCode, CliError> {
    let backend = open(cli).await?;
    let service = ocop_projections::command::service::CommandService::new(backend.store.clone());
    let report = ocop_projections::demo::load_demo(&service, today_in_vietnam(Utc::now())).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    demo_accounts(&backend.db).await?;
    Ok(ExitCode::SUCCESS)
}

async fn import(cli: &Cli, args: &ImportArgs) -> Result<ExitCode, CliError> {
    use ocop_projections::import::legacy::{ImportOptions, import_csv};
    let (bytes, name) = read_list(args)?;
    let backend = open(cli).await?;
    let service = ocop_projections::command::service::CommandService::new(backend.store.clone());
    let mut options = ImportOptions::admin(operator(), name);
    // On a terminal, a progress bar on standard error (the report stays on standard out).
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        options.progress = Some(std::sync::Arc::new(|done: u64, rows: u64| {
            if done == rows || done % 25 == 0 {
                eprint!("\r{}", progress_bar("import", done as i64, rows as i64));
                if done == rows {
                    eprintln!();
                }
            }
        }));
    }
    let report = import_csv(&service, &bytes, &options).await?;
    Ok(report_rows(
        args,
        report.rows,
        report.imported,
        report.already_present,
        &report.rejected,
    ))
}

async fn import_units(cli: &Cli, args: &ImportArgs) -> Result<ExitCode, CliError> {
    use ocop_projections::import::units::{UnitsImport, import_communes};
    let (bytes, name) = read_list(args)?;
    let user = operator();
    let backend = open(cli).await?;
    let now = Utc::now();
    let how = UnitsImport {
        by: &user,
        source_name: &name,
        now,
        today: today_in_vietnam(now),
    };
    let report = import_communes(&backend.db, &bytes, &how)
        .await
        .map_err(|e| e.to_string())?;
    Ok(report_rows(
        args,
        report.rows,
        report.imported,
        report.already_present,
        &report.rejected,
    ))
}

/// The bytes of an import's file and the name its rows are recorded under.
fn read_list(args: &ImportArgs) -> Result<(Vec<u8>, String), CliError> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((bytes, name))
}

/// Prints an import's bad rows as `FILE:LINE: reason` and its summary; exit status 1 when
/// any row was refused.
fn report_rows(
    args: &ImportArgs,
    rows: u64,
    imported: u64,
    already_present: u64,
    rejected: &[ocop_projections::import::legacy::RowError],
) -> ExitCode {
    for r in rejected {
        eprintln!("{}:{}: {}", args.file.display(), r.line, r.reason);
    }
    println!(
        "{rows} rows: {imported} imported, {already_present} already present, {} rejected",
        rejected.len()
    );
    if rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn audit(
    cli: &Cli,
    province: Option<&str>,
    format: OutputFormat,
    no_fail: bool,
) -> Result<ExitCode, CliError> {
    use ocop_projections::audit::{AuditFilter, audit_decisions};

    use crate::audit_report::{render_csv, render_table};
    let backend = open(cli).await?;
    // The audit reads the decisions read model: bring it up to date first.
    runner(&backend).await?.catch_up().await?;
    let read = ocop_projections::read::query::ReadModels::with_store(
        backend.db.clone(),
        backend.store.clone(),
    );
    let filter = AuditFilter {
        province: province.map(str::to_owned),
        ..AuditFilter::default()
    };
    let report = audit_decisions(&read, &filter).await?;
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Csv => print!("{}", render_csv(&report.decisions)),
        OutputFormat::Table => print!("{}", render_table(&report.decisions)),
    }
    let errors = report
        .decisions
        .iter()
        .flat_map(|d| &d.findings)
        .filter(|f| f.severity == ocop_projections::audit::Severity::Error)
        .count();
    if errors > 0 && !no_fail {
        eprintln!("{errors} finding(s) of severity error (exit 1; --no-fail to exit 0)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_date_is_vietnam_time() {
        let t = DateTime::parse_from_rfc3339("2026-03-31T18:30:00Z").unwrap();
        assert_eq!(
            today_in_vietnam(t.with_timezone(&Utc)),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        assert_eq!(
            parse_now("2026-04-01").unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        assert!(parse_now("tomorrow").is_err());
    }

    #[test]
    fn times_a_person_reads_are_vietnam_time() {
        let t = DateTime::parse_from_rfc3339("2026-03-31T18:30:00Z").unwrap();
        assert_eq!(
            vietnam_time(t.with_timezone(&Utc)),
            "2026-04-01T01:30:00+07:00"
        );
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redact("postgres://ocop:secret@db:5432/ocop"),
            "postgres://ocop:***@db:5432/ocop"
        );
        assert_eq!(
            redact("postgres://root@127.0.0.1/x"),
            "postgres://root@127.0.0.1/x"
        );
    }
}
