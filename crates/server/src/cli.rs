//! The commands of `seeg` (DESIGN.md "The binary").

#![allow(clippy::print_stdout)] // a command's output is its interface

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use seeg_adapters_postgres::Database;
use seeg_application::outbox::{OutboxStore, RetryScope};
use seeg_application::{Clock, SystemClock};

use crate::settings::{Environment, Settings};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(name = "seeg", version, about = "Backend de recrutement de la SEEG")]
pub struct Cli {
    /// Folder holding {APP_ENV}.toml overrides.
    #[arg(long, global = true, default_value = "config", env = "SEEG_CONFIG_DIR")]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply or inspect database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Inspect and replay the outbox of side effects.
    Outbox {
        #[command(subcommand)]
        action: OutboxAction,
    },
    /// Sample data for a first look.
    Demo {
        #[command(subcommand)]
        action: DemoAction,
    },
    /// Administrator accounts (no public route creates one).
    Admin {
        #[command(subcommand)]
        action: crate::admin::AdminAction,
    },
    /// The employees list internal sign-ups are checked against.
    Agents {
        #[command(subcommand)]
        action: crate::agents::AgentsAction,
    },
    /// Stored documents: remove the ones no application names.
    Documents {
        #[command(subcommand)]
        action: crate::documents::DocumentsAction,
    },
    /// Personal data: the retention of inactive candidates' accounts.
    Privacy {
        #[command(subcommand)]
        action: crate::privacy::PrivacyAction,
    },
    /// The data lake: export existing applications again.
    Lake {
        #[command(subcommand)]
        action: crate::lake::LakeAction,
    },
    /// Inspect one PDF read on standard input and print the verdict: the child process the server runs per
    /// uploaded document (S11). Run by `main` without settings, telemetry or runtime.
    #[command(hide = true)]
    InspectPdf,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last migration(s).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop everything and migrate from scratch (refused in production).
    Fresh,
}

#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// Counts of pending, failing, dead and done events.
    Status,
    /// Make failing events due now; with --dead, revive dead letters instead.
    Retry {
        #[arg(long)]
        dead: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Load sample offers (idempotent).
    Seed,
}

/// Runs the command; settings are loaded after `.env`, telemetry installed before anything logs.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let named = Environment::from_process()?;
    let environment = named.unwrap_or(Environment::Development);
    let settings = Settings::load(environment, &cli.config_dir)?;
    settings.refuse_implicit_environment(named)?;
    let _telemetry = crate::telemetry::init(&settings.log, &settings.telemetry, settings.environment)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing::info!(environment = environment.as_str(), "starting");
            Application::build(&settings).await?.run_until_stopped().await
        }
        Command::Migrate { action } => migrate(&settings, action).await,
        Command::Outbox { action } => outbox(&settings, action).await,
        Command::Admin { action } => crate::admin::run(&settings, action).await,
        Command::Agents { action } => crate::agents::run(&settings, action).await,
        Command::Documents { action } => crate::documents::run(&settings, action).await,
        Command::Lake { action } => crate::lake::run(&settings, action).await,
        Command::Privacy { action } => crate::privacy::run(&settings, action).await,
        Command::InspectPdf => anyhow::bail!("inspect-pdf est lancé par main, sans configuration ni runtime"),
        Command::Demo { action: DemoAction::Seed } => {
            let database = startup::open_database(&settings).await?;
            let added = crate::demo::seed(&database, &database, &SystemClock).await?;
            println!("{added} offre(s) de démonstration ajoutée(s)");
            Ok(())
        }
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<Database> {
    Database::connect(&settings.database.driver_url(), 2).await.context("connexion à la base de données")
}

async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let database = connect(settings).await?;
    match action {
        MigrateAction::Up => database.migrate_up().await?,
        MigrateAction::Down { steps } => database.migrate_down(Some(steps)).await?,
        MigrateAction::Fresh => {
            anyhow::ensure!(settings.environment != Environment::Production, "migrate fresh est refusé en production");
            database.migrate_fresh().await?;
        }
        MigrateAction::Status => {}
    }
    for migration in database.migration_status().await? {
        println!("{} {}", if migration.applied { "[appliquée]" } else { "[en attente]" }, migration.name);
    }
    Ok(())
}

async fn outbox(settings: &Settings, action: OutboxAction) -> anyhow::Result<()> {
    let database = connect(settings).await?;
    let store: Arc<dyn OutboxStore> = Arc::new(database);
    match action {
        OutboxAction::Status => {
            let stats = store.stats().await?;
            println!("en attente : {} (dont en échec : {})", stats.pending, stats.failing);
            println!("lettres mortes : {}", stats.dead);
            println!("traités : {}", stats.done);
            if let Some(oldest) = stats.oldest_pending_at {
                let age = SystemClock.now() - oldest;
                println!("plus ancien en attente : {oldest} ({} s)", age.num_seconds());
            }
            for kind in stats.by_kind {
                println!("  {:<40} en attente {:>6}  mortes {:>6}", kind.kind, kind.pending, kind.dead);
            }
        }
        OutboxAction::Retry { dead } => {
            let scope = if dead { RetryScope::Dead } else { RetryScope::Failing };
            let woken = store.retry(scope, SystemClock.now()).await?;
            println!("{woken} événement(s) relancé(s)");
        }
    }
    Ok(())
}
