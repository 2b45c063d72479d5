//! The key that signs tokens (S1): from settings when given; otherwise generated, kept in a file in development
//! (tokens survive restarts), ephemeral in tests. Production never gets here without a configured key.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::settings::{Environment, MIN_SECRET_BYTES, Settings};

/// Random bytes in a generated key (hex-encoded, so twice as many characters).
const GENERATED_BYTES: usize = 48;

pub fn resolve(settings: &Settings) -> anyhow::Result<SecretString> {
    let configured = settings.auth.secret_key.expose_secret();
    if !configured.is_empty() {
        return Ok(settings.auth.secret_key.clone());
    }
    match settings.environment {
        Environment::Production => bail!("production exige auth.secret_key (SECRET_KEY)"),
        Environment::Test => Ok(generate()),
        Environment::Development => from_file(&settings.auth.key_file),
    }
}

fn generate() -> SecretString {
    let mut bytes = [0_u8; GENERATED_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes).into()
}

/// Reads the development key, creating it (mode 600, never overwritten) on first use.
fn from_file(path: &Path) -> anyhow::Result<SecretString> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).with_context(|| format!("dossier de {}", path.display()))?;
    }
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            let key = generate();
            file.write_all(key.expose_secret().as_bytes())
                .with_context(|| format!("écriture de {}", path.display()))?;
            tracing::info!("signing key generated for development");
            Ok(key)
        }
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            let mut key = String::new();
            std::fs::File::open(path)
                .and_then(|mut f| f.read_to_string(&mut key))
                .with_context(|| format!("lecture de {}", path.display()))?;
            let key = key.trim().to_owned();
            if key.len() < MIN_SECRET_BYTES {
                bail!("{} contient une clé de moins de {MIN_SECRET_BYTES} octets", path.display());
            }
            Ok(key.into())
        }
        Err(error) => Err(error).with_context(|| format!("création de {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn development_keeps_one_generated_key_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/secret_key");
        let first = from_file(&path).unwrap();
        assert_eq!(first.expose_secret().len(), GENERATED_BYTES * 2);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let again = from_file(&path).unwrap();
        assert_eq!(again.expose_secret(), first.expose_secret(), "tokens survive restarts");
    }

    #[test]
    fn a_short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret_key");
        std::fs::write(&path, "court").unwrap();
        assert!(from_file(&path).is_err());
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(generate().expose_secret(), generate().expose_secret());
    }
}
