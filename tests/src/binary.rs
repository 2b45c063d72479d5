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
