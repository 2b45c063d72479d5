//! The real `seeg` binary serving, for the tests that run it as deployed (crates/server/tests, which know its
//! path): the settings every such run shares.

use std::path::Path;
use std::process::Command;

/// `bin serve` in `dir` on `port` over the database at `database_url`, as development runs it, in an
/// environment of its own (only `PATH` kept): one worker, warnings only, no rate limits, no document sweep. The
/// caller adds what its test needs, and where the output goes.
pub fn serve(bin: &str, dir: &Path, port: u16, database_url: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PORT", port.to_string())
        .env("APP_ENV", "development")
        .env("APP__DATABASE__URL", database_url)
        .env("APP__LOG__LEVEL", "warn")
        .env("APP__HTTP__WORKERS", "1")
        .env("APP__RATE_LIMIT__ENABLED", "false")
        .env("APP__STORAGE__SWEEP__ENABLED", "false");
    command
}

/// `command` keeping its documents in `dir/blobs` and writing its e-mails to `dir/mail`.
pub fn in_folders<'a>(command: &'a mut Command, dir: &Path) -> &'a mut Command {
    command
        .env("APP__STORAGE__KIND", "local")
        .env("APP__STORAGE__PATH", dir.join("blobs"))
        .env("APP__MAIL__TRANSPORT", "folder")
        .env("APP__MAIL__FOLDER", dir.join("mail"))
}

/// A `seeg serve` child process, killed (and reaped) when dropped so a failing test leaves no server behind.
#[derive(Debug)]
pub struct Serving {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its standard output and error go.
    pub log: std::path::PathBuf,
}

impl Serving {
    /// Starts `command` (from `serve`, on `port`) with its output in `log`, and waits until `/health` answers.
    pub async fn start(mut command: Command, port: u16, log: std::path::PathBuf) -> Self {
        let file = std::fs::File::create(&log).expect("log file");
        command.stdin(std::process::Stdio::null()).stdout(file.try_clone().expect("log file")).stderr(file);
        let mut serving =
            Self { child: command.spawn().expect("spawn seeg"), base: format!("http://127.0.0.1:{port}"), log };
        serving.wait_until_serving().await;
        serving
    }

    /// What the process printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `/health` until it answers (bounded by `eventually`: a readiness wait, not a timing assertion).
    pub async fn wait_until_serving(&mut self) {
        let health = format!("{}/health", self.base);
        crate::eventually::eventually("seeg serving", async || {
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!("seeg exited before serving ({status}): {}", self.output());
            }
            reqwest::get(&health).await.ok().filter(|r| r.status().is_success()).map(|_| ())
        })
        .await;
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// A test app signing with a key of its own, which the real server is then given (`APP__AUTH__SECRET_KEY`), so the
/// app's tokens are valid there: the key is returned with it.
pub async fn signing_app(backend: crate::Backend) -> (crate::TestApp, String) {
    use seeg_application::IdGenerator as _;
    let ids = seeg_application::SystemIds;
    let key = format!("{}{}", ids.new_id().simple(), ids.new_id().simple());
    let signing = key.clone();
    let app = crate::TestApp::spawn_with(backend, seeg_application::outbox::HandlerRegistry::default(), move |s| {
        s.auth.secret_key = secrecy::SecretString::from(signing);
    })
    .await;
    (app, key)
}
