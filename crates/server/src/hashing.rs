//! The password hasher the server runs: `auth.bcrypt_concurrency` threads of its own, each at a lower CPU
//! priority than the requests (`auth.bcrypt_nice`). On two cores, hashes at the requests' priority add ~5 ms to
//! their p99 during a login storm (the scheduler lets a running hash finish its turn before a woken request runs);
//! lowered, a woken request takes the core at once, and the cycles no request wants still all go to hashing
//! (BENCHMARKS.md, "Logins").

use std::sync::Arc;

use seeg_application::identity::{PasswordHasher, ThreadSetup};

use crate::settings::AuthSettings;

/// The hasher every use case shares: its bound on hashes at once holds across all of them.
pub async fn password_hasher(auth: &AuthSettings) -> anyhow::Result<PasswordHasher> {
    let lower_by = auth.bcrypt_nice;
    let setup: ThreadSetup = Arc::new(move || lower_this_thread_s_priority(lower_by));
    PasswordHasher::with_setup(auth.bcrypt_cost, auth.bcrypt_concurrency(), setup).await
}

/// Adds `lower_by` to the calling thread's nice value (19 at most). On Linux a nice value belongs to a thread:
/// `setpriority` on a thread id changes that thread only. Raising one's own nice value needs no privilege; a
/// refusal (a sandbox forbidding the call) leaves the thread as it was, with a warning.
#[cfg(target_os = "linux")]
fn lower_this_thread_s_priority(lower_by: i32) {
    if lower_by == 0 {
        return;
    }
    let thread = Some(rustix::thread::gettid());
    let lowered = rustix::process::getpriority_process(thread)
        .and_then(|nice| rustix::process::setpriority_process(thread, (nice + lower_by).min(19)));
    if let Err(error) = lowered {
        tracing::warn!(%error, "priorité des fils de hachage des mots de passe non abaissée");
    }
}

/// Elsewhere a nice value may belong to the whole process: left as it is (development machines only).
#[cfg(not(target_os = "linux"))]
fn lower_this_thread_s_priority(lower_by: i32) {
    if lower_by != 0 {
        tracing::warn!("priorité des fils de hachage non abaissée : Linux seulement");
    }
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;

    /// The nice value of each of this process's threads named `bcrypt-*` (`/proc/self/task/*/stat`, field 19).
    fn hashing_threads_nice() -> Vec<i32> {
        let mut found = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let path = task.unwrap().path();
            let Ok(stat) = std::fs::read_to_string(path.join("stat")) else { continue };
            let (name, rest) = stat.split_once(" (").unwrap().1.rsplit_once(") ").unwrap();
            if name.starts_with("bcrypt-") {
                found.push(rest.split(' ').nth(16).unwrap().parse().unwrap());
            }
        }
        found
    }

    #[tokio::test]
    async fn the_hashing_threads_run_below_the_requests_priority() {
        let own = rustix::process::getpriority_process(None).unwrap();
        let auth = AuthSettings {
            secret_key: secrecy::SecretString::from(""),
            key_file: std::path::PathBuf::new(),
            access_token_minutes: 30,
            refresh_token_days: 7,
            issuer: "seeg-api".into(),
            audience: "seeg-clients".into(),
            bcrypt_cost: 4,
            bcrypt_concurrency: 2,
            bcrypt_nice: 7,
            bootstrap_admin_email: String::new(),
            bootstrap_admin_password: secrecy::SecretString::from(""),
        };
        let hasher = password_hasher(&auth).await.unwrap();
        // Both threads have taken a job by now: the dummy hash, and these two run side by side or in turn.
        let password = seeg_domain::identity::Password::parse("Motdepasse#2026".to_owned()).unwrap();
        let (a, b) = tokio::join!(hasher.hash(&password), hasher.hash(&password));
        a.unwrap();
        b.unwrap();
        let nice = hashing_threads_nice();
        assert!(!nice.is_empty(), "no bcrypt thread found");
        // (Other tests of this binary may run hashers of their own, at the default level.)
        assert!(nice.contains(&(own + 7).min(19)), "{nice:?}");
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), own, "the calling thread is untouched");
    }
}
