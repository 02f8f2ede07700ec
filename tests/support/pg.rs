//! A throwaway PostgreSQL cluster for the tests, started from the installed server programs
//! (Debian's `postgresql` package puts them in `/usr/lib/postgresql/VERSION/bin`), once per
//! test binary, on first use.
//!
//! - It lives in a private folder under the system's temporary folder
//!   (`escalate-test-pg/PID-N`), listens on no TCP port at all, only on a Unix socket in that
//!   folder, and trusts whoever can reach the socket (so no password is ever written down).
//! - initdb refuses to run as root, and CI runs as root: then the cluster runs as `nobody`
//!   (or, where there is no such user, `escalate-test-pg`, created with `useradd`).
//! - It is stopped when the test binary exits (an `atexit` hook), and a cluster left behind by
//!   a binary that was killed is stopped and removed by the next run, so clusters never pile up.
//! - Each test gets a database of its own ([`fresh_database`]), so tests run in parallel.
//! - Without the server programs the tests FAIL, saying to install `postgresql`: they are
//!   never skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// A running cluster.
pub struct Cluster {
    /// The private folder: the socket, and `data/`.
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Who the server runs as (none: as this process's user).
    owner: Option<(u32, u32)>,
    admin: Mutex<postgres::Client>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

/// The cluster of this test binary, started on first use. Panics (failing the test) with what
/// to install when PostgreSQL's server programs are missing.
pub fn cluster() -> &'static Cluster {
    match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(why) => panic!("{why}"),
    }
}

/// A new, empty database of its own for one test; returns its URL (as the superuser).
pub fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!(
        "escalate_t{}",
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    cluster
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
    cluster.url(&name, "postgres")
}

impl Cluster {
    /// The URL of `database` on this cluster, connecting as `role` over the private socket.
    pub fn url(&self, database: &str, role: &str) -> String {
        format!(
            "postgres://{role}@{}:{}/{database}",
            encode(&self.dir.to_string_lossy()),
            self.port
        )
    }

    /// A superuser connection to `database`, for what a test must do behind the app's back.
    pub fn superuser(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(database, "postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"))
    }
}

/// The database name in a URL made by [`Cluster::url`].
pub fn database_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

/// Percent-encodes a socket folder for the host part of a URL.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

const INSTALL: &str = "the PostgreSQL tests start a throwaway cluster of their own from PostgreSQL's \
    server programs (initdb, pg_ctl), which are not installed: install them with \
    `apt-get install postgresql` (Debian, Ubuntu), or set ESCALATE_PG_BIN to the folder that holds initdb";

/// The folder of the server programs: `ESCALATE_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin` that has initdb.
fn find_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("ESCALATE_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").is_file() {
            Ok(dir)
        } else {
            Err(format!(
                "ESCALATE_PG_BIN={} has no initdb; {INSTALL}",
                dir.display()
            ))
        };
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| INSTALL.to_owned())?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| INSTALL.to_owned())
}

/// Whom to run the server as when this process is root: `nobody`, or a user made for it.
fn unprivileged() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let lookup = |name: &str| -> Option<(u32, u32)> {
        let name = std::ffi::CString::new(name).ok()?;
        // SAFETY: `name` is NUL-terminated; getpwnam returns null or a pointer to a static
        // record, read at once (tests that call this run under the OnceLock, one at a time).
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        (!entry.is_null()).then(|| unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
    };
    if let Some(ids) = lookup("nobody") {
        return Ok(Some(ids));
    }
    let status = Command::new("useradd")
        .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "escalate-test-pg"])
        .status()
        .map_err(|e| format!("running as root, and there is no user nobody to run PostgreSQL as; useradd failed: {e}"))?;
    let _ = status;
    lookup("escalate-test-pg").map(Some).ok_or_else(|| {
        "running as root, and there is no user nobody to run PostgreSQL as (initdb refuses root); \
         create one, or run the tests as an ordinary user"
            .to_owned()
    })
}

fn as_owner(command: &mut Command, owner: Option<(u32, u32)>) -> &mut Command {
    use std::os::unix::process::CommandExt as _;
    if let Some((uid, gid)) = owner {
        // std drops the supplementary groups too when it sets the uid as root.
        command.uid(uid).gid(gid).env("HOME", "/");
    }
    command
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|e| format!("{what}: cannot run it: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The folder every test cluster lives under.
fn parent() -> PathBuf {
    std::env::temp_dir().join("escalate-test-pg")
}

/// Whether process `pid` is alive.
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 || *libc::__errno_location() == libc::EPERM }
}

/// The postmaster of a cluster's data folder, if it is running.
fn postmaster(data: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let pid: i32 = text.lines().next()?.trim().parse().ok()?;
    // Only a postgres serving this very folder is ours to stop (a pid may be reused).
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let data = data.to_string_lossy();
    String::from_utf8_lossy(&cmdline)
        .contains(data.as_ref())
        .then_some(pid)
}

/// Stops and removes the clusters of test binaries that are no longer running.
fn reap_leftovers() {
    let Ok(entries) = std::fs::read_dir(parent()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if alive(pid) {
            continue;
        }
        if let Some(server) = postmaster(&entry.path().join("data")) {
            // SAFETY: an immediate shutdown of the postgres that serves this leftover folder.
            unsafe { libc::kill(server, libc::SIGQUIT) };
            for _ in 0..100 {
                if !alive(server) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

fn start() -> Result<Cluster, String> {
    let port = 50_000 + u16::try_from(std::process::id() % 10_000).unwrap_or(0);
    start_with(port, |_, _| Ok(String::new()))
}

/// A second cluster, for the tests of encryption in transit: like [`cluster`], and also
/// listening on 127.0.0.1 with TLS on, its certificate self-signed for localhost.
pub struct TlsCluster {
    pub cluster: Cluster,
    /// Its TCP port on 127.0.0.1.
    pub tcp_port: u16,
    /// Its certificate, which is its own certificate authority (for `PGSSLROOTCERT`).
    pub cert: PathBuf,
}

static TLS_CLUSTER: OnceLock<Result<TlsCluster, String>> = OnceLock::new();

/// The TLS cluster of this test binary, started on first use.
pub fn tls_cluster() -> &'static TlsCluster {
    let started = TLS_CLUSTER.get_or_init(|| {
        let tcp_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("finding a free TCP port: {e}"))?
            .port();
        let mut cert = PathBuf::new();
        // The port names its socket too, in its own folder.
        let cluster = start_with(tcp_port, |data, owner| {
            cert = self_signed(data, owner)?;
            Ok(
                " -c listen_addresses='127.0.0.1' -c ssl=on -c ssl_cert_file=server.crt \
                -c ssl_key_file=server.key"
                    .to_owned(),
            )
        })?;
        Ok(TlsCluster {
            cluster,
            tcp_port,
            cert,
        })
    });
    match started {
        Ok(cluster) => cluster,
        Err(why) => panic!("{why}"),
    }
}

impl TlsCluster {
    /// The URL of `database` over TCP, as `postgres`, with `sslmode` as given.
    pub fn tcp_url(&self, database: &str, sslmode: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?sslmode={sslmode}",
            self.tcp_port
        )
    }
}

/// Writes a self-signed certificate and its key for localhost into `data`, readable only by
/// the server's user; returns the certificate's path.
pub fn self_signed(data: &Path, owner: Option<(u32, u32)>) -> Result<PathBuf, String> {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let made = (|| -> Result<(Vec<u8>, Vec<u8>), openssl::error::ErrorStack> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_text("CN", "localhost")?;
        let name = name.build();
        let mut cert = X509Builder::new()?;
        cert.set_version(2)?;
        cert.set_subject_name(&name)?;
        cert.set_issuer_name(&name)?;
        cert.set_pubkey(&key)?;
        cert.set_not_before(Asn1Time::days_from_now(0)?.as_ref())?;
        cert.set_not_after(Asn1Time::days_from_now(2)?.as_ref())?;
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .build(&cert.x509v3_context(None, None))?;
        cert.append_extension(san)?;
        cert.sign(&key, MessageDigest::sha256())?;
        Ok((cert.build().to_pem()?, key.private_key_to_pem_pkcs8()?))
    })()
    .map_err(|e| format!("making the test certificate: {e}"))?;
    let cert = data.join("server.crt");
    let key = data.join("server.key");
    for (path, pem) in [(&cert, &made.0), (&key, &made.1)] {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::write(path, pem).map_err(|e| format!("writing {}: {e}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| format!("handing {} to the server's user: {e}", path.display()))?;
        }
    }
    Ok(cert)
}

/// Starts a cluster; `extra` is given its data folder and owner once initdb has made it, and
/// returns server options to add.
fn start_with(
    port: u16,
    extra: impl FnOnce(&Path, Option<(u32, u32)>) -> Result<String, String>,
) -> Result<Cluster, String> {
    let bin = find_bin()?;
    let owner = unprivileged()?;
    reap_leftovers();
    let parent = parent();
    std::fs::create_dir_all(&parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Others (the server's user) must be able to pass through it.
        let _ = std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755));
    }
    let dir = parent.join(format!("{}-{}", std::process::id(), fastrand::u32(..)));
    std::fs::create_dir(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("handing {} to the server's user: {e}", dir.display()))?;
    }
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let data = dir.join("data");
    run(
        as_owner(&mut Command::new(bin.join("initdb")), owner)
            .arg("--pgdata")
            .arg(&data)
            .args([
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
            ])
            .args(["--locale", "C", "--no-sync", "--no-instructions"]),
        "initdb",
    )?;
    let added = extra(&data, owner)?;
    let options = format!(
        "-c listen_addresses='' -k {} -p {port} -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300{added}",
        dir.display()
    );
    run(
        as_owner(&mut Command::new(bin.join("pg_ctl")), owner)
            .arg("--pgdata")
            .arg(&data)
            .args([
                "--wait",
                "--timeout",
                "120",
                "--silent",
                "--options",
                &options,
            ])
            .arg("--log")
            .arg(dir.join("server.log"))
            .arg("start"),
        "pg_ctl start",
    )?;
    static AT_EXIT: std::sync::Once = std::sync::Once::new();
    // SAFETY: `stop_at_exit` is an extern "C" fn with no arguments, as atexit requires.
    AT_EXIT.call_once(|| unsafe {
        libc::atexit(stop_at_exit);
    });
    let url = format!(
        "postgres://postgres@{}:{port}/postgres",
        encode(&dir.to_string_lossy())
    );
    let admin = postgres::Client::connect(&url, postgres::NoTls)
        .map_err(|e| format!("connecting to the test cluster at {}: {e}", dir.display()))?;
    Ok(Cluster {
        dir,
        bin,
        port,
        owner,
        admin: Mutex::new(admin),
    })
}

/// Stops this binary's clusters, at once, and removes their folders.
extern "C" fn stop_at_exit() {
    if let Some(Ok(cluster)) = CLUSTER.get() {
        stop(cluster);
    }
    if let Some(Ok(tls)) = TLS_CLUSTER.get() {
        stop(&tls.cluster);
    }
}

fn stop(cluster: &Cluster) {
    let _ = as_owner(&mut Command::new(cluster.bin.join("pg_ctl")), cluster.owner)
        .arg("--pgdata")
        .arg(cluster.dir.join("data"))
        .args(["--mode", "immediate", "--wait", "--silent", "stop"])
        .output();
    let _ = std::fs::remove_dir_all(&cluster.dir);
}

/// Whether this test binary was asked to run its tests on PostgreSQL
/// (`ESCALATE_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("ESCALATE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// Runs this test binary's tests again, on PostgreSQL, all but `this_test` (the one calling)
/// and `sqlite_only` (tests that reach into the SQLite file itself); panics with their output
/// unless every one passes.
pub fn rerun_on_postgres(this_test: &str, sqlite_only: &[&str]) {
    // Fail here, with what to install, rather than in every test of the run.
    if let Err(why) = find_bin() {
        panic!("{why}");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "--skip", this_test])
        .args(sqlite_only.iter().flat_map(|t| ["--skip", t]))
        .env("ESCALATE_TEST_BACKEND", "postgres")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "on PostgreSQL:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("test result: ok") && !stdout.contains(" 0 passed"),
        "on PostgreSQL no test ran:\n{stdout}"
    );
}

/// Every row of every table of the database at `url`, as text, in a fixed order: what a test
/// compares to show that nothing was changed.
pub fn snapshot(url: &str) -> Vec<u8> {
    let mut client = cluster().superuser(database_of(url));
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' ORDER BY table_name",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for table in tables {
        out.extend_from_slice(table.as_bytes());
        for row in client
            .query(&format!("SELECT t::text FROM {table} t ORDER BY 1"), &[])
            .unwrap()
        {
            out.push(b'\n');
            out.extend_from_slice(row.get::<_, &str>(0).as_bytes());
        }
        out.push(b'\n');
    }
    out
}
