//! A real `redis-server` for tests: started on a free port of 127.0.0.1 in
//! a directory of its own, with its append-only file synced on every write,
//! stopped (and its directory removed) when dropped.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::store::{RedisUrl, StoreUrl};

/// Where the binary is looked for: this variable, else `redis-server` on
/// the `PATH`.
const BINARY_ENV: &str = "RBM_REDIS_SERVER";
/// How long a server gets to answer `PING` after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A `redis-server` process of a test.
///
/// ```no_run
/// # async fn demo() {
/// let redis = rbm_runtime::testing::RedisServer::start();
/// let store = rbm_runtime::store::open(&redis.store_url("test"), Default::default()).await;
/// # }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    password: Option<String>,
}

impl RedisServer {
    /// Starts a server with no password.
    ///
    /// # Panics
    ///
    /// When `redis-server` cannot be found or does not answer: the message
    /// says how to install it.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Starts a server that requires `password` (`requirepass`).
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn with_password(password: &str) -> Self {
        Self::launch(Some(password.to_owned()))
    }

    fn launch(password: Option<String>) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "rbm-redis-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("a directory for redis-server");
        let mut server = Self {
            child: None,
            port: free_port(),
            dir,
            password,
        };
        server.run();
        server
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL, with the password when it has one.
    pub fn url(&self) -> RedisUrl {
        RedisUrl::parse(&self.raw_url()).expect("a valid Redis URL")
    }

    /// Its URL as text, password included (for a child process's
    /// `RBM_STORE`; [`url`](Self::url) shows it masked).
    pub fn raw_url(&self) -> String {
        let auth = self
            .password
            .as_ref()
            .map(|password| format!(":{password}@"))
            .unwrap_or_default();
        format!("redis://{auth}127.0.0.1:{}", self.port)
    }

    /// The store URL of its keys under `prefix`.
    pub fn store_url(&self, prefix: &str) -> StoreUrl {
        StoreUrl::Redis {
            url: self.url(),
            prefix: prefix.to_owned(),
        }
    }

    /// Its data directory (the append-only file is in it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Kills it at once (SIGKILL), like a crash: what it acknowledged is in
    /// its append-only file, synced on every write.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory, after [`kill`](Self::kill):
    /// it reloads its append-only file.
    pub fn restart(&mut self) {
        self.kill();
        self.run();
    }

    /// Runs `args` as one command (for example `["DBSIZE"]`) and returns
    /// the raw reply (`":3\r\n"`), for tests that look at memory or keys.
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("redis-server answers");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        if let Some(password) = &self.password {
            stream
                .write_all(&resp(&["AUTH", password]))
                .expect("AUTH sent");
            let mut ok = [0; 5];
            stream.read_exact(&mut ok).expect("AUTH answered");
        }
        stream.write_all(&resp(args)).expect("command sent");
        let mut reply = Vec::new();
        let mut buffer = [0; 4096];
        loop {
            let read = stream.read(&mut buffer).unwrap_or(0);
            reply.extend_from_slice(&buffer[..read]);
            if read < buffer.len() {
                break;
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    }

    fn run(&mut self) {
        let binary = std::env::var_os(BINARY_ENV).unwrap_or_else(|| "redis-server".into());
        let mut command = Command::new(&binary);
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command.spawn().unwrap_or_else(|error| {
            panic!(
                "cannot start {} ({error}): the Redis tests need redis-server; install it \
                 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) \
                 or set {BINARY_ENV} to its path",
                Path::new(&binary).display()
            )
        });
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while !self.answers() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "redis-server exited at start ({status}) on port {}",
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {} within {START_TIMEOUT:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether it answers (`PONG`, or `NOAUTH` when it has a password).
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        if stream.write_all(&resp(&["PING"])).is_err() {
            return false;
        }
        let mut reply = [0; 7];
        let read = stream.read(&mut reply).unwrap_or(0);
        reply[..read].starts_with(b"+PONG") || reply[..read].starts_with(b"-NOAUTH")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A command in Redis's protocol.
fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A free port on 127.0.0.1 (bound and released: the server binds it next).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}
