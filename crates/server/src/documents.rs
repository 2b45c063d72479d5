//! `seeg documents sweep [--dry-run]`: one pass of the orphan-document sweep (the server also runs it every
//! `storage.sweep.interval_secs`), printing what it found. Counts only: no key or name is printed (S12).

#![allow(clippy::print_stdout)] // a command's output is its interface

use std::sync::Arc;

use clap::Subcommand;
use seeg_application::documents_sweep::SweepReport;
use seeg_application::{Clock, SystemClock};

use crate::settings::Settings;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum DocumentsAction {
    /// Remove stored documents no application names, older than storage.sweep.grace_hours.
    Sweep {
        /// Count what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(settings: &Settings, action: DocumentsAction) -> anyhow::Result<()> {
    match action {
        DocumentsAction::Sweep { dry_run } => {
            let report = sweep(settings, Arc::new(SystemClock), dry_run).await?;
            println!("{}", summary(&report));
            anyhow::ensure!(report.failed == 0, "{} document(s) n'ont pas pu être supprimés", report.failed);
            Ok(())
        }
    }
}

/// One pass over the database and the store the settings name, at the time `clock` gives.
pub async fn sweep(settings: &Settings, clock: Arc<dyn Clock>, dry_run: bool) -> anyhow::Result<SweepReport> {
    let database = startup::open_database(settings).await?;
    let sweep = startup::document_sweep(settings, &database, &startup::document_storage(settings)?, clock)?;
    let report = sweep.sweep(dry_run).await;
    database.close().await?;
    Ok(report?)
}

/// What the command prints.
pub fn summary(report: &SweepReport) -> String {
    let verb = if report.dry_run { "à supprimer (simulation, rien n'a été supprimé)" } else { "supprimés" };
    format!(
        "objets examinés : {}\nconservés (récents) : {}\nconservés (référencés) : {}\norphelins {verb} : {}\néchecs : {}",
        report.listed, report.young, report.referenced, report.removed, report.failed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_and_says_when_nothing_was_removed() {
        let report = SweepReport { listed: 7, young: 2, referenced: 3, removed: 2, failed: 0, dry_run: true };
        let text = summary(&report);
        assert!(
            text.starts_with("objets examinés : 7\nconservés (récents) : 2\nconservés (référencés) : 3\n"),
            "{text}"
        );
        assert!(text.contains("orphelins à supprimer (simulation, rien n'a été supprimé) : 2"), "{text}");
        let done = summary(&SweepReport { dry_run: false, ..report });
        assert!(done.contains("orphelins supprimés : 2\néchecs : 0"), "{done}");
    }
}
