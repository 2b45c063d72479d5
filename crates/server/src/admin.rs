//! Administrators (S1): `seeg admin create` and the start-up bootstrap. No public route creates an admin.

#![allow(clippy::print_stdout)] // a command's output is its interface

use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use clap::Subcommand;
use seeg_adapters_postgres::Database;
use seeg_application::identity::{Administration, UserRepository};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};
use seeg_domain::identity::{EmailAddress, Password, PersonName};

use crate::settings::Settings;
use crate::startup;

/// Where `seeg admin create` reads the password from when it is set; otherwise it asks on the terminal. Never a
/// command-line argument: it would land in the shell history and in `ps`.
pub const PASSWORD_VARIABLE: &str = "SEEG_ADMIN_PASSWORD";

/// The names given to the administrator the bootstrap settings create.
const BOOTSTRAP_FIRST_NAME: &str = "Administrateur";
const BOOTSTRAP_LAST_NAME: &str = "SEEG";

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an active administrator. The password comes from SEEG_ADMIN_PASSWORD, or is asked for (not echoed).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
    },
}

pub async fn run(settings: &Settings, action: AdminAction) -> anyhow::Result<()> {
    match action {
        AdminAction::Create { email, first_name, last_name } => {
            // Every argument is checked before the password is asked for.
            let email = EmailAddress::parse(&email).context("--email")?;
            let first_name = PersonName::parse(&first_name).context("--first-name")?;
            let last_name = PersonName::parse(&last_name).context("--last-name")?;
            let password = read_password().await?;
            let database = startup::open_database(settings).await?;
            let administration =
                administration(settings, &database, Arc::new(SystemClock), Arc::new(SystemIds)).await?;
            let admin = administration.create_admin(email, password, first_name, last_name).await;
            database.close().await?;
            println!("Administrateur créé : {}", admin?.id);
            Ok(())
        }
    }
}

/// Creates the administrator of `auth.bootstrap_admin_*` when they are set and no admin exists yet.
pub async fn bootstrap(
    settings: &Settings,
    database: &Database,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> anyhow::Result<()> {
    let Some((email, password)) = settings.auth.bootstrap_admin()? else {
        return Ok(());
    };
    // Once the admin exists this is the whole cost of the bootstrap: no bcrypt run at every start.
    if UserRepository::any_admin(database).await? {
        return Ok(());
    }
    let administration = administration(settings, database, clock, ids).await?;
    let (first_name, last_name) = (PersonName::parse(BOOTSTRAP_FIRST_NAME)?, PersonName::parse(BOOTSTRAP_LAST_NAME)?);
    administration
        .ensure_bootstrap_admin(email, password, first_name, last_name)
        .await
        .context("création de l'administrateur initial (BOOTSTRAP_ADMIN_EMAIL)")?;
    Ok(())
}

async fn administration(
    settings: &Settings,
    database: &Database,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> anyhow::Result<Administration> {
    let hasher = crate::hashing::password_hasher(&settings.auth).await?;
    let store = Arc::new(database.clone());
    Ok(Administration::new(store.clone(), store, hasher, clock, ids))
}

/// The password from `SEEG_ADMIN_PASSWORD`, or typed twice on the terminal without echo; checked against the
/// policy (R5) either way.
async fn read_password() -> anyhow::Result<Password> {
    let typed = match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => password,
        Ok(_) | Err(std::env::VarError::NotPresent) => {
            tokio::task::spawn_blocking(prompt).await.context("saisie du mot de passe interrompue")??
        }
        Err(std::env::VarError::NotUnicode(_)) => bail!("{PASSWORD_VARIABLE} n'est pas un texte UTF-8"),
    };
    Password::parse(typed).map_err(|e| anyhow!("{e}"))
}

fn prompt() -> anyhow::Result<String> {
    let no_terminal = || format!("pas de terminal pour saisir le mot de passe : définissez {PASSWORD_VARIABLE}");
    let first = rpassword::prompt_password("Mot de passe de l'administrateur : ").with_context(no_terminal)?;
    Password::parse(first.clone()).map_err(|e| anyhow!("{e}"))?;
    let again = rpassword::prompt_password("Confirmez le mot de passe : ").with_context(no_terminal)?;
    if first != again {
        bail!("les deux saisies du mot de passe diffèrent");
    }
    Ok(first)
}
