//! `seeg agents import FILE.csv`: loads the employees list (legacy `seeg_agents`) that internal sign-ups are
//! checked against (R4, K3c).
//!
//! Bad lines are printed for the operator and skipped; the exit status fails only when the file cannot be read
//! at all (or the database cannot be written). Nothing of the file reaches the logs (S12).

#![allow(clippy::print_stdout)] // a command's output is its interface

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seeg_application::identity::{AgentImport, AgentList};
use seeg_application::{SystemClock, SystemIds};

use crate::settings::Settings;
use crate::startup;

#[derive(Debug, Subcommand)]
pub enum AgentsAction {
    /// Upsert the agents of a CSV file by matricule. Columns matricule, nom, prenom (header names: case, accents
    /// and spaces ignored), separated by `,` or `;`, in UTF-8.
    Import { file: PathBuf },
}

pub async fn run(settings: &Settings, action: AgentsAction) -> anyhow::Result<()> {
    match action {
        AgentsAction::Import { file } => import(settings, &file).await,
    }
}

async fn import(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("lecture de {}", file.display()))?;
    let list = AgentList::from_csv(&bytes).with_context(|| format!("{} illisible", file.display()))?;
    for rejected in &list.rejected {
        println!("ligne {} : {}", rejected.line, rejected.reason);
    }

    let database = startup::open_database(settings).await?;
    let import = AgentImport::new(
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(SystemClock),
        Arc::new(SystemIds),
    );
    let progress = progress_bar(list.agents.len() as u64);
    let imported = import.import(&list.agents, |written| progress.set_position(written)).await;
    progress.finish_and_clear();
    database.close().await?;
    let imported = imported.context("écriture des agents")?;
    println!("{}", summary(&list, imported));
    Ok(())
}

/// A bar on the operator's terminal; nothing when the output goes to a file or a pipe.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} agents ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stdout()).with_style(style)
}

fn summary(list: &AgentList, imported: u64) -> String {
    let repeated = match list.repeated {
        0 => String::new(),
        n => format!(", {n} ligne(s) répétant un matricule déjà lu (la dernière l'emporte)"),
    };
    format!(
        "Import terminé : {} ligne(s) lue(s), {imported} agent(s) importé(s), {} ligne(s) ignorée(s){repeated}.",
        list.lines_read,
        list.rejected.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_lines_read_agents_imported_and_lines_skipped() {
        let list = AgentList::from_csv(b"matricule;nom;prenom\n1;A;B\nx;A;B\n1;A;C\n2;D;E\n").unwrap();
        assert_eq!(
            summary(&list, 2),
            "Import terminé : 4 ligne(s) lue(s), 2 agent(s) importé(s), 1 ligne(s) ignorée(s), \
             1 ligne(s) répétant un matricule déjà lu (la dernière l'emporte)."
        );
        let list = AgentList::from_csv(b"matricule;nom;prenom\n1;A;B\n").unwrap();
        assert_eq!(
            summary(&list, 1),
            "Import terminé : 1 ligne(s) lue(s), 1 agent(s) importé(s), 0 ligne(s) ignorée(s)."
        );
    }
}
