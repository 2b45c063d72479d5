//! `seeg lake backfill [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--concurrency N]`: exports again the
//! applications created in a window of days (B6), beside a running service. A progress bar on stderr (hidden when
//! stderr is not a terminal), then a summary on stdout; the exit status fails when any export failed. Ids only
//! are printed (S12).

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use seeg_application::applications::{
    BackfillProgress, BackfillResult, BackfillSummary, BackfillWindow, Concurrency, DEFAULT_CONCURRENCY, LakeBackfill,
};
use seeg_application::{Clock, SystemClock};
use uuid::Uuid;

use crate::settings::Settings;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum LakeAction {
    /// Export again every application (every status) created between --since and --until (UTC days, inclusive).
    Backfill(BackfillArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// First day (YYYY-MM-DD, from 00:00 UTC); none: from the first application.
    #[arg(long, value_parser = parse_day)]
    pub since: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD, until 23:59:59.999999 UTC); none: up to the last application.
    #[arg(long, value_parser = parse_day)]
    pub until: Option<NaiveDate>,
    /// Exports run at once (1 to 32).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("date attendue au format AAAA-MM-JJ : « {text} »"))
}

pub async fn run(settings: &Settings, action: LakeAction) -> anyhow::Result<()> {
    match action {
        LakeAction::Backfill(args) => {
            let bar = Bar::new();
            let done = command(settings, Arc::new(SystemClock), &args, &bar, &mut std::io::stdout()).await;
            bar.0.finish_and_clear();
            done
        }
    }
}

/// The whole command: the backfill, then its summary written to `out`; an error when it could not run or when
/// any export failed (the exit status).
pub async fn command(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    args: &BackfillArgs,
    progress: &dyn BackfillProgress,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let summary = backfill(settings, clock, args, progress).await?;
    writeln!(out, "{}", summary_text(&summary))?;
    anyhow::ensure!(summary.failed.is_empty(), "{} export(s) en échec", summary.failed.len());
    Ok(())
}

/// One backfill over the database, documents and lake the settings name, on the day `clock` gives (the
/// partition date, R41). Refused when the lake is off or the arguments are out of bounds, before any connection.
pub async fn backfill(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    args: &BackfillArgs,
    progress: &dyn BackfillProgress,
) -> anyhow::Result<BackfillSummary> {
    anyhow::ensure!(
        settings.lake.enabled,
        "le lac de données est désactivé (lake.enabled = false) : aucune candidature n'est exportée"
    );
    let window = BackfillWindow::new(args.since, args.until)?;
    let concurrency = Concurrency::new(args.concurrency)?;
    let database = startup::open_database(settings).await?;
    let export = startup::lake_export(settings, &database, &startup::document_storage(settings)?, clock).await?;
    let summary = LakeBackfill::new(Arc::new(database.clone()), export).run(window, concurrency, progress).await;
    database.close().await?;
    Ok(summary?)
}

/// What the command prints.
pub fn summary_text(summary: &BackfillSummary) -> String {
    let mut text = format!(
        "candidatures exportées : {}\nsupprimées entre-temps : {}\nen échec : {}",
        summary.exported,
        summary.gone,
        summary.failed.len()
    );
    for id in &summary.failed {
        let _ = write!(text, "\n  {id}");
    }
    let _ =
        write!(text, "\ndurée : {:.1} s ({:.1} candidatures/s)", summary.elapsed.as_secs_f64(), summary.per_second());
    text
}

/// The bar on stderr; indicatif draws nothing when stderr is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} candidatures ({per_sec}, {eta}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        Self(ProgressBar::new(0).with_style(style))
    }
}

impl BackfillProgress for Bar {
    fn started(&self, expected: u64) {
        self.0.set_length(expected);
    }

    fn advanced(&self, _: Uuid, result: BackfillResult) {
        self.0.inc(1);
        if result == BackfillResult::Failed {
            self.0.set_message("(des exports ont échoué)");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_summary_counts_and_lists_failed_ids_only() {
        let failed = Uuid::from_u128(7);
        let summary = BackfillSummary { exported: 10, gone: 1, failed: vec![failed], elapsed: Duration::from_secs(4) };
        assert_eq!(
            summary_text(&summary),
            format!(
                "candidatures exportées : 10\nsupprimées entre-temps : 1\nen échec : 1\n  {failed}\n\
                 durée : 4.0 s (3.0 candidatures/s)"
            )
        );
    }

    #[test]
    fn days_parse_as_iso_dates_and_anything_else_is_refused_in_french() {
        assert_eq!(parse_day("2026-03-01"), Ok(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()));
        assert_eq!(parse_day("01/03/2026").unwrap_err(), "date attendue au format AAAA-MM-JJ : « 01/03/2026 »");
    }
}
