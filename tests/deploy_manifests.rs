//! The example manifests of deploy/ hold what docs/deploy.md says of them:
//! valid YAML whose probes ask `/healthz` (alive) and `/readyz` (ready) on
//! the port the bot listens on, settings the server's own configuration
//! accepts, grace periods longer than the server's drain, one replica per
//! SQLite file, inline mode on Cloud Run; and a systemd unit that restarts
//! the bot, stops it with SIGTERM and waits for its drain.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rbm_runtime::store::StoreUrl;
use rbm_runtime::{DeliveryMode, ServerConfig};
use serde::Deserialize;
use serde_json::Value;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("deploy/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(files(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// One YAML document of a manifest file.
struct Document {
    file: String,
    value: Value,
}

impl Document {
    fn kind(&self) -> (&str, &str) {
        (
            self.value["apiVersion"].as_str().unwrap_or_default(),
            self.value["kind"].as_str().unwrap_or_default(),
        )
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The pod spec of a workload: a Deployment, a StatefulSet or a Cloud
    /// Run (Knative) Service.
    fn pod_spec(&self) -> Option<&Value> {
        let workload = match self.kind() {
            ("apps/v1", "Deployment" | "StatefulSet") => true,
            (api, "Service") => api.starts_with("serving.knative.dev/"),
            _ => false,
        };
        workload.then(|| &self.value["spec"]["template"]["spec"])
    }

    fn is_kubernetes_workload(&self) -> bool {
        self.kind().0 == "apps/v1"
    }
}

/// Every document of every YAML file of deploy/; each must parse and name
/// its apiVersion, kind and name.
fn documents() -> Vec<Document> {
    let mut all = Vec::new();
    for path in files(&deploy_dir(), ".yaml") {
        let text = std::fs::read_to_string(&path).expect("a manifest is readable");
        let file = path.display().to_string();
        for document in serde_yaml_ng::Deserializer::from_str(&text) {
            let value = Value::deserialize(document)
                .unwrap_or_else(|error| panic!("{file} is not valid YAML: {error}"));
            let document = Document {
                file: file.clone(),
                value,
            };
            let (api, kind) = document.kind();
            assert!(
                !api.is_empty() && !kind.is_empty() && !document.name().is_empty(),
                "{file}: a document without apiVersion, kind or name"
            );
            all.push(document);
        }
    }
    assert!(all.len() >= 5, "deploy/ has only {} documents", all.len());
    all
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// A container's environment: literal values, and the names set from a
/// secret (or any other `valueFrom`).
struct ContainerEnv {
    literal: HashMap<String, String>,
    from_elsewhere: Vec<String>,
}

impl ContainerEnv {
    fn of(container: &Value) -> Self {
        let mut env = Self {
            literal: HashMap::new(),
            from_elsewhere: Vec::new(),
        };
        for variable in array(&container["env"]) {
            let name = variable["name"]
                .as_str()
                .expect("a named variable")
                .to_owned();
            match variable["value"].as_str() {
                Some(value) => {
                    env.literal.insert(name, value.to_owned());
                }
                None => {
                    assert!(variable["valueFrom"].is_object(), "{name} has no value");
                    env.from_elsewhere.push(name);
                }
            }
        }
        env
    }

    /// The settings as the server in the image reads them: the manifest's,
    /// else the image's ENV. What comes from a secret is left at its default.
    fn config(&self) -> ServerConfig {
        let image = image_env();
        ServerConfig::from_lookup(|name| {
            if self.is_from_elsewhere(name) {
                return None;
            }
            self.literal.get(name).or_else(|| image.get(name)).cloned()
        })
        .unwrap_or_else(|error| panic!("the server refuses these settings: {error}"))
    }

    fn is_from_elsewhere(&self, name: &str) -> bool {
        self.from_elsewhere.iter().any(|n| n == name)
    }
}

/// The variables the Dockerfile's final stage sets (`ENV NAME=value …`).
fn image_env() -> HashMap<String, String> {
    let dockerfile = parse_dockerfile::parse(include_str!("../Dockerfile")).expect("it parses");
    let last = dockerfile.stages().last().expect("a stage");
    last.instructions
        .iter()
        .filter_map(|i| match i {
            parse_dockerfile::Instruction::Env(env) => Some(env.arguments.value.to_string()),
            _ => None,
        })
        .flat_map(|line| {
            line.split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The container port a probe's `port` names (a number or a port's name).
fn probe_port(container: &Value, port: &Value) -> Option<u64> {
    let ports = array(&container["ports"]);
    match port {
        Value::Number(number) => {
            let number = number.as_u64()?;
            ports
                .iter()
                .any(|p| p["containerPort"].as_u64() == Some(number))
                .then_some(number)
        }
        Value::String(name) => ports
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_u64()),
        _ => None,
    }
}

/// The server's drain: up to its grace for requests in flight, then up to
/// its grace again for the inbox's running handlers.
fn server_drain() -> Duration {
    ServerConfig::default().shutdown_grace * 2
}

#[test]
fn every_probe_asks_the_health_endpoints_on_the_port_the_bot_listens_on() {
    let documents = documents();
    let mut workloads = 0;
    for document in &documents {
        let Some(pod) = document.pod_spec() else {
            continue;
        };
        workloads += 1;
        for container in array(&pod["containers"]) {
            let listens = ContainerEnv::of(container).config().port;
            let file = &document.file;
            let mut probes = HashMap::new();
            for (probe, path) in [
                ("livenessProbe", "/healthz"),
                ("readinessProbe", "/readyz"),
                ("startupProbe", "/readyz"),
            ] {
                let get = &container[probe]["httpGet"];
                if container[probe].is_null() {
                    continue;
                }
                assert_eq!(get["path"].as_str(), Some(path), "{file}: {probe}");
                assert_eq!(
                    probe_port(container, &get["port"]),
                    Some(u64::from(listens)),
                    "{file}: {probe} asks another port than the bot's {listens}"
                );
                probes.insert(probe, ());
            }
            assert!(
                probes.contains_key("livenessProbe"),
                "{file}: no liveness probe"
            );
            // Kubernetes sends traffic by readiness; Cloud Run by startup.
            let ready = if document.is_kubernetes_workload() {
                "readinessProbe"
            } else {
                "startupProbe"
            };
            assert!(probes.contains_key(ready), "{file}: no {ready}");
        }
    }
    assert!(workloads >= 4, "only {workloads} workloads in deploy/");
}

#[test]
fn the_settings_are_valid_and_the_client_token_comes_from_a_secret() {
    for document in documents() {
        let Some(pod) = document.pod_spec() else {
            continue;
        };
        for container in array(&pod["containers"]) {
            let env = ContainerEnv::of(container);
            let _valid = env.config();
            assert!(
                env.is_from_elsewhere("RBM_CLIENT_TOKEN"),
                "{}: RBM_CLIENT_TOKEN is not from a secret",
                document.file
            );
        }
    }
}

#[test]
fn kubernetes_waits_for_the_servers_drain_before_killing_it() {
    for document in documents() {
        let Some(pod) = document.pod_spec() else {
            continue;
        };
        if !document.is_kubernetes_workload() {
            continue;
        }
        let pre_stop: u64 = array(&pod["containers"])
            .iter()
            .filter_map(|c| c["lifecycle"]["preStop"]["sleep"]["seconds"].as_u64())
            .max()
            .unwrap_or(0);
        let grace = pod["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: no terminationGracePeriodSeconds", document.file));
        assert!(
            Duration::from_secs(grace) > Duration::from_secs(pre_stop) + server_drain(),
            "{}: {grace} s is shorter than the preStop {pre_stop} s and the drain {:?}",
            document.file,
            server_drain()
        );
    }
}

#[test]
fn one_replica_per_sqlite_file_and_a_shared_store_for_several() {
    let mut statefulsets = 0;
    for document in documents() {
        let Some(pod) = document.pod_spec() else {
            continue;
        };
        let file = &document.file;
        let replicas = document.value["spec"]["replicas"].as_u64().unwrap_or(1);
        for container in array(&pod["containers"]) {
            let env = ContainerEnv::of(container);
            let config = env.config();
            // A store named by a secret is taken for a shared one (Redis).
            let store_is_shared = matches!(config.store, StoreUrl::Redis { .. })
                || env.is_from_elsewhere("RBM_STORE");
            match document.kind() {
                ("apps/v1", "StatefulSet") => {
                    statefulsets += 1;
                    assert_eq!(replicas, 1, "{file}: one process per SQLite file");
                    assert_eq!(config.delivery, DeliveryMode::Inbox, "{file}");
                    let StoreUrl::Sqlite(path) = &config.store else {
                        panic!("{file}: the StatefulSet's store is {}", config.store)
                    };
                    // The file is on the claimed volume, writable by the bot.
                    let claims: Vec<&str> = array(&document.value["spec"]["volumeClaimTemplates"])
                        .iter()
                        .filter_map(|claim| claim["metadata"]["name"].as_str())
                        .collect();
                    let on_claim = array(&container["volumeMounts"]).iter().any(|mount| {
                        claims.contains(&mount["name"].as_str().unwrap_or_default())
                            && path.starts_with(mount["mountPath"].as_str().unwrap_or("?"))
                    });
                    assert!(
                        on_claim,
                        "{file}: {} is not on a claimed volume",
                        path.display()
                    );
                    assert!(
                        pod["securityContext"]["fsGroup"].is_u64(),
                        "{file}: the volume is not made the bot's group's"
                    );
                }
                ("apps/v1", _) if replicas > 1 => {
                    assert!(
                        store_is_shared,
                        "{file}: {replicas} replicas on {}",
                        config.store
                    );
                }
                ("apps/v1", _) => {}
                _ => {
                    // Cloud Run: the instance's disk is memory, and goes with it.
                    assert_eq!(config.delivery, DeliveryMode::Inline, "{file}: inbox mode");
                    assert!(
                        store_is_shared || config.store == StoreUrl::Memory,
                        "{file}: a {} store on Cloud Run",
                        config.store
                    );
                    let annotations =
                        &document.value["spec"]["template"]["metadata"]["annotations"];
                    let max_scale = annotations["autoscaling.knative.dev/maxScale"].as_str();
                    if !store_is_shared {
                        assert_eq!(max_scale, Some("1"), "{file}: a memory store per instance");
                    }
                    let timeout = pod["timeoutSeconds"].as_u64().expect("a request timeout");
                    assert!(
                        Duration::from_secs(timeout) > config.handler_timeout,
                        "{file}: Cloud Run cuts requests before the handler's timeout"
                    );
                }
            }
        }
    }
    assert_eq!(statefulsets, 1);
}

#[test]
fn services_and_ingresses_reach_the_bots_port() {
    let documents = documents();
    let services: Vec<&Document> = documents
        .iter()
        .filter(|d| d.kind() == ("v1", "Service"))
        .collect();
    assert!(!services.is_empty(), "no Service in deploy/kubernetes");
    for service in &services {
        let selector = service.value["spec"]["selector"]
            .as_object()
            .expect("a selector");
        // The workload of the same file whose pods it selects.
        let workload = documents
            .iter()
            .filter(|d| d.file == service.file && d.is_kubernetes_workload())
            .find(|d| {
                let labels = &d.value["spec"]["template"]["metadata"]["labels"];
                selector.iter().all(|(key, value)| &labels[key] == value)
            })
            .unwrap_or_else(|| panic!("{}: the Service selects no pod", service.file));
        let pod = workload.pod_spec().expect("a pod");
        for port in array(&service.value["spec"]["ports"]) {
            let target = &port["targetPort"];
            let reached = array(&pod["containers"])
                .iter()
                .any(|container| probe_port(container, target).is_some());
            assert!(
                reached,
                "{}: targetPort {target} is no container's",
                service.file
            );
        }
    }
    let ingresses = documents
        .iter()
        .filter(|d| d.kind() == ("networking.k8s.io/v1", "Ingress"));
    for ingress in ingresses {
        for rule in array(&ingress.value["spec"]["rules"]) {
            for path in array(&rule["http"]["paths"]) {
                let backend = &path["backend"]["service"];
                let service = services
                    .iter()
                    .find(|s| s.value["metadata"]["name"] == backend["name"])
                    .unwrap_or_else(|| panic!("{}: no Service {}", ingress.file, backend["name"]));
                let port = &backend["port"]["name"];
                assert!(
                    array(&service.value["spec"]["ports"])
                        .iter()
                        .any(|p| &p["name"] == port),
                    "{}: the Service has no port {port}",
                    ingress.file
                );
            }
        }
        assert!(
            ingress.value["spec"]["tls"].is_array(),
            "{}: the RBM console wants an HTTPS webhook URL",
            ingress.file
        );
    }
}

/// The `[Service]` settings of a systemd unit, by name, in order.
fn unit_settings(text: &str, section: &str) -> Vec<(String, String)> {
    let mut current = String::new();
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            name.clone_into(&mut current);
        } else if current == section {
            let (key, value) = line.split_once('=').expect("a unit line is Key=value");
            settings.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    settings
}

/// A systemd time span in seconds (`75`, `75s`, `1min 15s`).
fn unit_seconds(span: &str) -> u64 {
    span.split_whitespace()
        .map(|part| {
            let digits = part.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let number: u64 = digits
                .parse()
                .unwrap_or_else(|_| panic!("a time span: {span}"));
            match &part[digits.len()..] {
                "" | "s" | "sec" => number,
                "min" | "m" => number * 60,
                unit => panic!("unit {unit} in {span}"),
            }
        })
        .sum()
}

#[test]
fn the_systemd_unit_restarts_the_bot_and_waits_for_its_drain() {
    let units = files(&deploy_dir(), ".service");
    assert!(!units.is_empty(), "no systemd unit in deploy/");
    for unit in units {
        let text = std::fs::read_to_string(&unit).expect("the unit is readable");
        let file = unit.display();
        let service = unit_settings(&text, "Service");
        let one = |key: &str| {
            service
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert!(
            matches!(one("Restart"), Some("always" | "on-failure")),
            "{file}: Restart={:?}",
            one("Restart")
        );
        assert_eq!(one("KillSignal"), Some("SIGTERM"), "{file}");
        let stop = unit_seconds(one("TimeoutStopSec").expect("a TimeoutStopSec"));
        assert!(
            Duration::from_secs(stop) > server_drain(),
            "{file}: TimeoutStopSec={stop}s, the drain takes up to {:?}",
            server_drain()
        );
        assert!(
            one("User").is_some_and(|user| user != "root"),
            "{file}: runs as root"
        );

        let env: HashMap<String, String> = service
            .iter()
            .filter(|(k, _)| k == "Environment")
            .flat_map(|(_, v)| v.split_whitespace())
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let config = ServerConfig::from_lookup(|name| env.get(name).cloned())
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        assert!(config.bind.is_loopback(), "{file}: the proxy is the way in");
        assert_eq!(config.delivery, DeliveryMode::Inbox, "{file}");
        let StoreUrl::Sqlite(path) = &config.store else {
            panic!("{file}: the store is {}", config.store)
        };
        // In the unit's state directory, on the disk it waits for.
        let state = Path::new("/var/lib").join(one("StateDirectory").expect("a StateDirectory"));
        assert!(
            path.starts_with(&state),
            "{file}: {} is not in {}",
            path.display(),
            state.display()
        );
        let mounts = unit_settings(&text, "Unit")
            .into_iter()
            .filter(|(k, _)| k == "RequiresMountsFor")
            .flat_map(|(_, v)| v.split_whitespace().map(PathBuf::from).collect::<Vec<_>>())
            .collect::<Vec<_>>();
        assert!(
            mounts.iter().any(|mount| path.starts_with(mount)),
            "{file}: starts without the store's disk"
        );
    }
}
