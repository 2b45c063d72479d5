//! A PostgreSQL server of a test's own, which the test may stop and start again (fault injection, issue 18): the
//! machine's server is shared by every test running at once and must never be stopped.
//!
//! Runs only when `TEST_FAULTS` is set (CI sets it): it needs PostgreSQL's server programs (`initdb`, `pg_ctl`,
//! found under `/usr/lib/postgresql/*/bin` or on `PATH`) and, when the tests run as root, the `postgres` account
//! to run them as (PostgreSQL refuses root).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the fault-injection tests run here (`TEST_FAULTS` set and not empty).
pub fn faults_enabled() -> bool {
    std::env::var("TEST_FAULTS").is_ok_and(|v| !v.trim().is_empty())
}

/// A private PostgreSQL server in a temporary folder, on a free port, stopped (immediately) when dropped.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
    pub port: u16,
    /// A random password for the `postgres` superuser: the server listens on a loopback port other local users
    /// could reach while it runs.
    password: String,
}

impl Cluster {
    /// Creates and starts a server; `None` unless the fault tests run here.
    pub fn start() -> Option<Self> {
        if !faults_enabled() {
            return None;
        }
        let bin = server_programs().expect("TEST_FAULTS is set but PostgreSQL's initdb and pg_ctl are not found");
        let dir = tempfile::Builder::new().prefix("seeg-faults-pg").tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data folder");
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
            // The folder tempfile made is private to root: the server's account must reach its data inside.
            run(Command::new("chmod").arg("755").arg(dir.path()));
        }
        let port = crate::binary::free_port();
        let password = {
            use seeg_application::IdGenerator as _;
            seeg_application::SystemIds.new_id().simple().to_string()
        };
        let pwfile = dir.path().join("password");
        std::fs::write(&pwfile, &password).expect("password file");
        if is_root() {
            run(Command::new("chown").arg("postgres:postgres").arg(&pwfile));
        }
        let cluster = Self { bin, data, _dir: dir, port, password };
        let data = cluster.data.to_string_lossy().into_owned();
        let pwfile_arg = pwfile.to_string_lossy().into_owned();
        let initdb = ["-D", &data, "-A", "scram-sha-256", "-U", "postgres", "--pwfile", &pwfile_arg, "--no-sync"];
        run(&mut Self::as_server(&cluster.bin.join("initdb"), &initdb));
        std::fs::remove_file(&pwfile).expect("password file removed");
        cluster.start_again();
        Some(cluster)
    }

    /// `postgres://…/postgres` on this server.
    pub fn url(&self) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/postgres", self.password, self.port)
    }

    /// Stops the server at once (`immediate`: connections cut, no checkpoint), as a crash or an outage does.
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }

    /// Starts the (stopped) server again and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", self.port, self.data.display());
        let log = self.data.join("server.log");
        self.pg_ctl(&["start", "-w", "-t", "60", "-o", &options, "-l", &log.to_string_lossy()]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut all = vec!["-D", self.data.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        run(&mut Self::as_server(&self.bin.join("pg_ctl"), &all));
    }

    /// `program args…`, as the `postgres` account when the tests run as root.
    fn as_server(program: &Path, args: &[&str]) -> Command {
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program).args(args);
            command
        } else {
            let mut command = Command::new(program);
            command.args(args);
            command
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ =
            Self::as_server(&self.bin.join("pg_ctl"), &["-D", &self.data.to_string_lossy(), "stop", "-m", "immediate"])
                .output();
    }
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The folder of `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/*/bin`, else `PATH`'s.
fn server_programs() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    versions.into_iter().rev().find(|bin| bin.join("pg_ctl").exists()).or_else(|| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(PathBuf::from).find(|p| p.join("pg_ctl").exists())
    })
}

/// A small tmpfs of a test's own (a disk that fills up), unmounted when dropped. Needs root.
#[derive(Debug)]
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `mib` MiB on a new temporary folder.
    pub fn mount(mib: u32) -> Self {
        assert!(is_root(), "TEST_FAULTS is set but the tests do not run as root: a tmpfs cannot be mounted");
        let dir = tempfile::Builder::new().prefix("seeg-faults-disk").tempdir().expect("temp dir");
        run(Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"]).arg(dir.path()));
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk: a file written until the disk refuses (ENOSPC), then `room` bytes given back. Returns the
    /// file, to remove when the test makes room again.
    pub fn fill(&self, room: u64) -> PathBuf {
        use std::io::Write as _;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0_u8; 64 * 1024];
        let mut written: u64 = 0;
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filler: {e}"),
            }
        }
        file.set_len(written.saturating_sub(room)).expect("give room back");
        file.sync_all().expect("sync");
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).output();
    }
}

/// A TCP proxy in front of a real server (Azurite, …) that a test cuts and restores: cut, it closes every
/// connection it carries and each new one at once, as a server that went away; restored, it carries them again.
#[derive(Debug)]
pub struct Proxy {
    /// `127.0.0.1:PORT`, where clients connect.
    pub address: String,
    up: tokio::sync::watch::Sender<bool>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `target` (`host:port`), carrying connections.
    pub async fn start(target: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let (up, watching) = tokio::sync::watch::channel(true);
        let target = target.to_owned();
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !*watching.borrow() {
                    continue; // dropped: closed at once
                }
                let (target, mut watching) = (target.clone(), watching.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watching.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { address, up, accepting }
    }

    /// Every connection closed, and new ones closed as they come.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Connections carried again.
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}
