//! `seeg privacy retention [--dry-run]`: one pass of the retention job (B7; the server also runs it every
//! `privacy.retention.interval_secs`). The dry run lists the accounts a pass would warn or erase, ids and dates
//! only; the run prints its counts. No address or name is printed (S12).

#![allow(clippy::print_stdout)] // a command's output is its interface

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use seeg_adapters_postgres::Database;
use seeg_application::privacy::{InactiveAccountEraser, PlannedRetention, RetentionAction, RetentionReport};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};

use crate::settings::Settings;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum PrivacyAction {
    /// Warn the candidates inactive for privacy.retention.inactive_after_days, erase those warned
    /// privacy.retention.warning_days ago and inactive since.
    Retention {
        /// List who would be warned or erased, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What a pass did, or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetentionOutcome {
    /// A dry run: the accounts and what a pass would do to each.
    Planned(Vec<PlannedRetention>),
    /// A pass: its counts.
    Done(RetentionReport),
}

pub async fn run(settings: &Settings, action: PrivacyAction) -> anyhow::Result<()> {
    match action {
        PrivacyAction::Retention { dry_run } => {
            let database = startup::open_database(settings).await?;
            let (clock, ids): (Arc<dyn Clock>, Arc<dyn IdGenerator>) = (Arc::new(SystemClock), Arc::new(SystemIds));
            let eraser = startup::retention_eraser(&database, Arc::clone(&clock), Arc::clone(&ids));
            let outcome = retention(settings, &database, eraser, clock, dry_run).await;
            database.close().await?;
            let outcome = outcome?;
            println!("{}", summary(&outcome));
            if let RetentionOutcome::Done(report) = outcome {
                anyhow::ensure!(report.failed == 0, "{} compte(s) n'ont pas pu être traités", report.failed);
            }
            Ok(())
        }
    }
}

/// One pass (or its plan, for a dry run) over `database` at the time `clock` gives, erasing through `eraser`.
pub async fn retention(
    settings: &Settings,
    database: &Database,
    eraser: Arc<dyn InactiveAccountEraser>,
    clock: Arc<dyn Clock>,
    dry_run: bool,
) -> anyhow::Result<RetentionOutcome> {
    let now = clock.now();
    let job = startup::retention_job(settings, database, eraser, clock, Arc::new(SystemIds))?;
    Ok(if dry_run {
        RetentionOutcome::Planned(job.plan(now).await?)
    } else {
        RetentionOutcome::Done(job.run(now).await?)
    })
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// What the command prints: a table of the planned accounts and a count line, or the pass's counts.
pub fn summary(outcome: &RetentionOutcome) -> String {
    match outcome {
        RetentionOutcome::Planned(planned) => {
            let mut text = format!("{:<8} {:<36} {:<23} {}\n", "action", "compte", "dernière activité", "averti le");
            for p in planned {
                let warned = p.account.warned_at.map_or_else(|| "-".to_owned(), date);
                let _ = writeln!(
                    text,
                    "{:<8} {:<36} {:<23} {warned}",
                    p.action.as_french(),
                    p.account.user_id,
                    date(p.account.last_activity)
                );
            }
            let count = |action| planned.iter().filter(|p| p.action == action).count();
            let _ = write!(
                text,
                "{} compte(s) : {} à avertir, {} à effacer (simulation, rien n'a été modifié)",
                planned.len(),
                count(RetentionAction::Warn),
                count(RetentionAction::Erase)
            );
            text
        }
        RetentionOutcome::Done(report) => format!(
            "avertis : {}\neffacés : {}\nignorés : {}\néchecs : {}",
            report.warned, report.erased, report.skipped, report.failed
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use seeg_application::privacy::RetentionCandidate;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_dry_run_prints_ids_and_dates_and_counts_each_action() {
        let at = |d| Utc.with_ymd_and_hms(2024, 1, d, 8, 30, 0).unwrap();
        let (warn, erase) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let planned = vec![
            PlannedRetention {
                action: RetentionAction::Erase,
                account: RetentionCandidate { user_id: erase, last_activity: at(2), warned_at: Some(at(3)) },
            },
            PlannedRetention {
                action: RetentionAction::Warn,
                account: RetentionCandidate { user_id: warn, last_activity: at(4), warned_at: None },
            },
        ];
        let text = summary(&RetentionOutcome::Planned(planned));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("action   compte"), "{text}");
        assert_eq!(lines[1], format!("effacer  {erase} 2024-01-02 08:30:00 UTC 2024-01-03 08:30:00 UTC"), "{text}");
        assert_eq!(lines[2], format!("avertir  {warn} 2024-01-04 08:30:00 UTC -"), "{text}");
        assert_eq!(lines[3], "2 compte(s) : 1 à avertir, 1 à effacer (simulation, rien n'a été modifié)");
        let done = summary(&RetentionOutcome::Done(RetentionReport { warned: 3, erased: 1, skipped: 2, failed: 0 }));
        assert_eq!(done, "avertis : 3\neffacés : 1\nignorés : 2\néchecs : 0");
    }
}
