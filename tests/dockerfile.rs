//! The Dockerfile at the repository's root: a Rust builder stage and a
//! smaller final stage that runs the binary copied from it as a non-root
//! user, stops it with SIGTERM, exposes the port it sets and keeps the SQLite
//! inbox on a volume the bot owns; `.dockerignore` keeps the build output
//! out of the context. Where a Docker daemon answers, the image is also built
//! and run: it answers the console's handshake and exits 0 on `docker stop`.
//! Elsewhere that part says on stderr why it did not run.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use parse_dockerfile::{Command as RunCommand, Dockerfile, Flag, Instruction, Stage};
use rbm_runtime::ServerConfig;
use rbm_runtime::store::StoreUrl;

const DOCKERFILE: &str = include_str!("../Dockerfile");
const DOCKERIGNORE: &str = include_str!("../.dockerignore");
const WORKSPACE_MANIFEST: &str = include_str!("../Cargo.toml");

fn dockerfile() -> Dockerfile<'static> {
    parse_dockerfile::parse(DOCKERFILE).expect("the Dockerfile parses")
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `NAME=value` pairs, as ARG and the key=value form of ENV write them.
fn assignments<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    texts
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("{pair:?} is not NAME=value"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// The ARGs of a stage with their defaults.
fn stage_args(stage: &Stage<'_, '_>) -> HashMap<String, String> {
    assignments(stage.instructions.iter().filter_map(|i| match i {
        Instruction::Arg(arg) => Some(arg.arguments.value.as_ref()),
        _ => None,
    }))
}

/// Every variable the stage's ENV instructions set.
fn stage_env(stage: &Stage<'_, '_>) -> HashMap<String, String> {
    assignments(stage.instructions.iter().filter_map(|i| match i {
        Instruction::Env(env) => Some(env.arguments.value.as_ref()),
        _ => None,
    }))
}

/// Whether `image` is the Rust toolchain's image (`rust`, `rust:…`,
/// `docker.io/library/rust@…`).
fn is_rust_image(image: &str) -> bool {
    let name = image.split(['@', ':']).next().unwrap_or(image);
    name.rsplit('/').next() == Some("rust")
}

/// The value of `--name=value` among `flags`.
fn flag<'a>(flags: &'a [Flag<'a>], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .find(|flag| flag.name.value == name)
        .and_then(|flag| flag.value.as_ref())
        .map(|value| value.value.as_ref())
}

/// The user of the stage's last USER instruction, without its group.
fn stage_user(stage: &Stage<'_, '_>) -> Option<String> {
    stage.instructions.iter().rev().find_map(|i| match i {
        Instruction::User(user) => user.arguments.value.split(':').next().map(str::to_owned),
        _ => None,
    })
}

/// A COPY instruction: where from, to whom, to where.
struct Copied<'s> {
    from: Option<&'s str>,
    chown: Option<&'s str>,
    dest: &'s str,
}

/// The COPY instructions of a stage.
fn stage_copies<'s>(stage: &'s Stage<'_, '_>) -> Vec<Copied<'s>> {
    stage
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Copy(copy) => Some(Copied {
                from: flag(&copy.options, "from"),
                chown: flag(&copy.options, "chown"),
                dest: copy.dest.value.as_ref(),
            }),
            _ => None,
        })
        .collect()
}

fn final_stage<'a, 'b>(dockerfile: &'b Dockerfile<'a>) -> Stage<'a, 'b> {
    dockerfile.stages().last().expect("at least one stage")
}

fn builder_stage<'a, 'b>(dockerfile: &'b Dockerfile<'a>) -> Stage<'a, 'b> {
    dockerfile.stages().next().expect("at least one stage")
}

/// The name the first stage is given (`FROM … AS builder`).
fn builder_name(dockerfile: &Dockerfile<'_>) -> String {
    let builder = builder_stage(dockerfile);
    let (_, name) = builder
        .from
        .as_
        .as_ref()
        .expect("the builder stage is named");
    name.value.to_string()
}

/// The workspace's `rust-version`.
fn workspace_rust_version() -> &'static str {
    WORKSPACE_MANIFEST
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .map(|value| value.trim_matches('"'))
        .expect("the workspace sets a rust-version")
}

#[test]
fn a_rust_builder_stage_and_a_final_stage_without_the_toolchain() {
    let dockerfile = dockerfile();
    let images: Vec<String> = dockerfile
        .stages()
        .map(|stage| stage.from.image.value.to_string())
        .collect();
    assert!(images.len() >= 2, "one stage only: {images:?}");
    assert!(is_rust_image(&images[0]), "the builder is {}", images[0]);
    let last = images.last().expect("a stage");
    assert!(
        !is_rust_image(last),
        "the image ships the toolchain: {last}"
    );

    // The builder's Rust is the workspace's rust-version, the oldest Rust the
    // lock file's crates build with: the two move together.
    let global = assignments(
        dockerfile
            .global_args()
            .map(|arg| arg.arguments.value.as_ref()),
    );
    assert!(images[0].contains("${RUST_VERSION}"), "{}", images[0]);
    assert_eq!(
        global.get("RUST_VERSION").map(String::as_str),
        Some(workspace_rust_version())
    );
}

#[test]
fn the_builder_compiles_the_echo_example_in_release_mode_by_default() {
    let dockerfile = dockerfile();
    let builder = builder_stage(&dockerfile);
    let args = stage_args(&builder);
    assert_eq!(args.get("BIN_KIND").map(String::as_str), Some("example"));
    let bot = args.get("BOT").expect("an ARG BOT");
    assert_eq!(bot, "echo");
    let example = repository().join("examples").join(format!("{bot}.rs"));
    assert!(example.is_file(), "no {}", example.display());

    let scripts: Vec<String> = builder
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Run(run) => match &run.arguments {
                RunCommand::Shell(script) => Some(script.value.replace("\\\n", " ")),
                RunCommand::Exec(words) => Some(
                    words
                        .value
                        .iter()
                        .map(|word| word.value.as_ref())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => None,
            },
            _ => None,
        })
        .collect();
    // The shell command that runs cargo build, out of its script.
    let build = scripts
        .iter()
        .flat_map(|script| script.split([';', '\n']).flat_map(|part| part.split("&&")))
        .find(|command| command.contains("cargo build"))
        .expect("a RUN with cargo build");
    let words: Vec<&str> = build.split_whitespace().collect();
    for word in ["--release", "--locked", "\"--$BIN_KIND\"", "\"$BOT\""] {
        assert!(words.contains(&word), "cargo build without {word}: {build}");
    }
}

#[test]
fn the_final_stage_runs_the_builders_binary_as_a_non_root_user() {
    let dockerfile = dockerfile();
    let last = final_stage(&dockerfile);
    let user = stage_user(&last).expect("a USER in the final stage");
    assert!(
        !["", "0", "root"].contains(&user.as_str()),
        "runs as {user:?}"
    );

    let entrypoint = last
        .instructions
        .iter()
        .find_map(|i| match i {
            Instruction::Entrypoint(entrypoint) => match &entrypoint.arguments {
                RunCommand::Exec(words) => Some(words.value[0].value.to_string()),
                // A shell form needs a shell, and would not pass on SIGTERM.
                _ => panic!("ENTRYPOINT is not in exec form"),
            },
            _ => None,
        })
        .expect("an ENTRYPOINT");
    let builder = builder_name(&dockerfile);
    assert!(
        stage_copies(&last)
            .iter()
            .any(|copied| copied.from == Some(builder.as_str()) && copied.dest == entrypoint),
        "{entrypoint} is not copied from the {builder} stage"
    );

    let stop_signal = last.instructions.iter().find_map(|i| match i {
        Instruction::Stopsignal(signal) => Some(signal.arguments.value.to_string()),
        _ => None,
    });
    assert_eq!(stop_signal.as_deref(), Some("SIGTERM"));
}

#[test]
fn the_final_stage_listens_where_it_exposes_and_stores_on_its_own_volume() {
    let dockerfile = dockerfile();
    let last = final_stage(&dockerfile);
    let env = stage_env(&last);
    // Read by the server's own configuration code, as the bot will.
    let config = ServerConfig::from_lookup(|name| env.get(name).cloned())
        .expect("the image's settings are valid");
    assert!(
        config.bind.is_unspecified(),
        "unreachable from outside: {}",
        config.bind
    );
    let exposed: Vec<u16> = last
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Expose(expose) => Some(&expose.arguments),
            _ => None,
        })
        .flatten()
        .map(|port| {
            let number = port.value.trim_end_matches("/tcp");
            number.parse().unwrap_or_else(|_| panic!("EXPOSE {number}"))
        })
        .collect();
    assert!(env.contains_key("PORT"), "the image sets no PORT");
    assert!(
        exposed.contains(&config.port),
        "PORT={} but EXPOSE {exposed:?}",
        config.port
    );

    let StoreUrl::Sqlite(file) = &config.store else {
        panic!("the image's store is {}", config.store)
    };
    let directory = file.parent().expect("the file is in a directory");
    assert!(directory.is_absolute(), "{}", file.display());
    let volumes: Vec<String> = last
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Volume(volume) => Some(match &volume.arguments {
                parse_dockerfile::JsonOrStringArray::Json(paths) => paths
                    .value
                    .iter()
                    .map(|path| path.value.to_string())
                    .collect::<Vec<_>>(),
                parse_dockerfile::JsonOrStringArray::String(paths) => {
                    paths.iter().map(|path| path.value.to_string()).collect()
                }
            }),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        volumes.iter().any(|volume| Path::new(volume) == directory),
        "the store {} is not on a VOLUME: {volumes:?}",
        file.display()
    );
    // The directory is the bot's, or SQLite cannot create its file there.
    let user = stage_user(&last).expect("a USER");
    assert!(
        stage_copies(&last).iter().any(|copied| {
            Path::new(copied.dest) == directory
                && copied.chown.and_then(|owner| owner.split(':').next()) == Some(user.as_str())
        }),
        "{} is not made the bot's own ({user})",
        directory.display()
    );
}

#[test]
fn the_dockerignore_keeps_build_output_and_history_out() {
    let patterns: Vec<&str> = DOCKERIGNORE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    // `**/target/` leaves out `target` too: `**` matches no directory as well.
    let excludes = |name: &str| {
        patterns
            .iter()
            .any(|pattern| pattern.trim_start_matches("**/").trim_matches('/') == name)
    };
    assert!(excludes("target"), "target/ is sent to the builder");
    assert!(excludes(".git"), ".git is sent to the builder");
    // What the build reads stays in the context.
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "examples",
        "rbm-runtime",
        "rbm-macros",
        "*",
    ] {
        assert!(!excludes(needed), ".dockerignore leaves out {needed}");
    }
    assert!(
        !patterns.iter().any(|pattern| pattern.starts_with('!')),
        "a pattern takes something back in: {patterns:?}"
    );
}

/// Runs `docker ARGS` in the repository, with BuildKit (the Dockerfile's
/// cache mounts need it); its output, whatever its status.
fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "1")
        .current_dir(repository())
        .output()
        .expect("docker runs")
}

fn failure(args: &[&str], output: &Output) -> String {
    format!(
        "`docker {}` failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeeded(args: &[&str]) -> String {
    let output = docker(args);
    assert!(output.status.success(), "{}", failure(args, &output));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Why Docker cannot run containers here, if it cannot.
fn docker_unavailable() -> Option<String> {
    match Command::new("docker").arg("info").output() {
        Err(error) => Some(format!("no docker on PATH ({error})")),
        Ok(output) if !output.status.success() => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().rev().find(|line| !line.trim().is_empty());
            Some(format!(
                "`docker info` failed: {}",
                reason.unwrap_or("no message").trim()
            ))
        }
        Ok(_) => None,
    }
}

/// Why the base images cannot be had, if they cannot: a daemon without
/// access to their registries (an offline machine) cannot build the image,
/// which says nothing about the Dockerfile.
fn base_images_unavailable() -> Option<String> {
    let dockerfile = dockerfile();
    let rust = workspace_rust_version();
    for stage in dockerfile.stages() {
        let image = stage.from.image.value.replace("${RUST_VERSION}", rust);
        let present = docker(&["image", "inspect", &image]).status.success();
        if !present && !docker(&["pull", &image]).status.success() {
            return Some(format!("the base image {image} cannot be pulled here"));
        }
    }
    None
}

/// Removes the container, volumes included, however the test ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "--force", "--volumes", &self.0]);
    }
}

const CLIENT_TOKEN: &str = "docker-test-token";

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// POSTs the console's handshake to 127.0.0.1:`port`; the answer, if it is a 200.
fn handshake(port: u16) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = format!(r#"{{"clientToken":"{CLIENT_TOKEN}","secret":"from-the-image"}}"#);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.starts_with("HTTP/1.1 200").then_some(answer)
}

#[test]
fn the_image_builds_answers_the_handshake_and_stops_on_sigterm() {
    if let Some(reason) = docker_unavailable().or_else(base_images_unavailable) {
        eprintln!("skipped building the image: {reason}");
        return;
    }
    // The host's network, for the build's downloads and for the bot: no
    // bridge or published port needed, whatever the daemon's set-up.
    let build = ["build", "--network", "host", "--tag", "rbm-test-echo", "."];
    let built = docker(&build);
    if !built.status.success() {
        let stderr = String::from_utf8_lossy(&built.stderr);
        // A client without BuildKit cannot build this Dockerfile at all.
        if stderr.contains("buildx component is missing") {
            eprintln!("skipped building the image: docker has no BuildKit (buildx) here");
            return;
        }
        panic!("{}", failure(&build, &built));
    }
    // The default store: SQLite on the image's volume, as the non-root user.
    let port = free_port();
    let id = succeeded(&[
        "run",
        "--detach",
        "--network",
        "host",
        "--env",
        &format!("RBM_CLIENT_TOKEN={CLIENT_TOKEN}"),
        "--env",
        &format!("PORT={port}"),
        "--env",
        "BIND=127.0.0.1",
        "rbm-test-echo",
    ]);
    let container = Container(id);

    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Some(answer) = handshake(port) {
            break answer;
        }
        if Instant::now() > deadline {
            let logs = docker(&["logs", &container.0]);
            panic!(
                "the container did not answer within 30 s:\n{}",
                String::from_utf8_lossy(&logs.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(answer.ends_with("from-the-image"), "{answer}");

    // SIGTERM, and a clean exit well before docker's SIGKILL (exit code 137).
    succeeded(&["stop", "--time", "20", &container.0]);
    let code = succeeded(&["inspect", "--format", "{{.State.ExitCode}}", &container.0]);
    assert_eq!(code, "0", "the bot did not stop cleanly on SIGTERM");
}
