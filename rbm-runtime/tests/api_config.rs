//! Configuration from the environment: no credentials means no client; a bad
//! setting is an error that names it; secrets stay out of Debug output.

mod api_support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rbm_runtime::api::{ApiConfigError, KeyError, RbmApiClient, ServiceAccountKey};
use rbm_runtime::reply::Reply;
use rbm_runtime::testing::fake_api::FakeRbmApi;

use api_support::message;

fn from_vars(vars: &[(&str, &str)]) -> Result<Option<RbmApiClient>, ApiConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    RbmApiClient::from_env_vars(|name| vars.get(name).cloned())
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rbm-api-config-{}-{name}", std::process::id()))
}

#[test]
fn no_credentials_means_no_client() {
    assert!(from_vars(&[]).expect("not an error").is_none());
    let empty = from_vars(&[("GOOGLE_APPLICATION_CREDENTIALS", "")]);
    assert!(empty.expect("not an error").is_none());
}

/// The log lines (warnings and above) written while `run` runs.
fn warnings_of(run: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    let bytes = buffer.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn api_settings_without_credentials_are_ignored_with_a_warning() {
    for (vars, ignored) in [
        (
            &[("RBM_API_BASE_URL", "http://127.0.0.1:1")][..],
            "RBM_API_BASE_URL",
        ),
        (&[("RBM_AGENT_ID", "a@rbm.goog")][..], "RBM_AGENT_ID"),
    ] {
        let mut client = None;
        let log = warnings_of(|| client = Some(from_vars(vars)));
        // Still no client and no error: a bot with only its client token runs.
        let client = client.expect("ran").expect("not an error");
        assert!(client.is_none());
        assert!(
            log.contains("WARN") && log.contains(ignored),
            "{ignored}: {log:?}"
        );
        assert!(log.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{log:?}");
    }
    // Nothing set, nothing to warn about.
    let mut client = None;
    let log = warnings_of(|| client = Some(from_vars(&[])));
    assert!(client.expect("ran").expect("not an error").is_none());
    assert_eq!(log, "");
}

#[test]
fn a_missing_key_file_names_the_setting() {
    let error = from_vars(&[("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")])
        .expect_err("the file is missing");
    assert!(
        matches!(
            error,
            ApiConfigError::KeyFile {
                source: KeyError::Read(_),
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with("GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/key.json"),
        "{text}"
    );
}

#[test]
fn an_invalid_key_file_says_what_is_wrong() {
    let cases = [
        ("not-json", "{", "not a service-account key JSON file"),
        (
            "no-email",
            r#"{"type":"service_account","private_key":"x"}"#,
            "no `client_email`",
        ),
        (
            "bad-pem",
            r#"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#,
            "not a usable RSA private key",
        ),
    ];
    for (name, json, expected) in cases {
        let path = temp_file(name);
        std::fs::write(&path, json).expect("written");
        let error = from_vars(&[(
            "GOOGLE_APPLICATION_CREDENTIALS",
            path.to_str().expect("utf-8"),
        )])
        .expect_err("invalid");
        let text = error.to_string();
        assert!(
            text.contains("GOOGLE_APPLICATION_CREDENTIALS=") && text.contains(expected),
            "{name}: {text}"
        );
        let _ = std::fs::remove_file(path);
    }
}

#[tokio::test]
async fn a_bad_base_url_names_its_setting() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let path = temp_file("key-for-base-url");
    fake.write_key_file(&path).expect("written");
    let error = from_vars(&[
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            path.to_str().expect("utf-8"),
        ),
        ("RBM_API_BASE_URL", "ftp://example.com"),
    ])
    .expect_err("not http");
    assert!(
        error.to_string().starts_with("RBM_API_BASE_URL="),
        "{error}"
    );
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn a_base_url_password_is_never_shown() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let path = temp_file("key-for-password");
    fake.write_key_file(&path).expect("written");
    for base_url in [
        // Usable but for its credentials, which the API does not take.
        "https://user:s3cret@example.com",
        // Unusable for other reasons too.
        "ftp://user:s3cret@example.com",
        "http://user:s3cret@exa mple.com",
    ] {
        let error = from_vars(&[
            (
                "GOOGLE_APPLICATION_CREDENTIALS",
                path.to_str().expect("utf-8"),
            ),
            ("RBM_API_BASE_URL", base_url),
        ])
        .expect_err("refused");
        let (text, debug) = (error.to_string(), format!("{error:?}"));
        assert!(text.starts_with("RBM_API_BASE_URL="), "{text}");
        assert!(text.contains("user:***@"), "{text}");
        assert!(
            !text.contains("s3cret") && !debug.contains("s3cret"),
            "{debug}"
        );
    }
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn the_environment_configures_a_working_client() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let path = temp_file("key");
    fake.write_key_file(&path).expect("written");
    let client = from_vars(&[
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            path.to_str().expect("utf-8"),
        ),
        ("RBM_API_BASE_URL", &fake.base_url()),
        ("RBM_AGENT_ID", "env-agent@rbm.goog"),
    ])
    .expect("valid")
    .expect("configured");
    let mut outgoing = message("m-1", Reply::text("hi"));
    outgoing.agent_id = None;
    client.send_message(&outgoing).await.expect("sent");
    assert_eq!(
        fake.requests()[0].query_param("agentId"),
        Some("env-agent@rbm.goog")
    );
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let key_json = fake.key_json();
    let key = ServiceAccountKey::from_json(&key_json).expect("valid");
    let pem_body_line = key_json
        .split("\\n")
        .nth(1)
        .expect("a PEM body line")
        .to_owned();
    let client = RbmApiClient::builder(key.clone())
        .base_url(fake.base_url())
        .build()
        .expect("built");
    for shown in [
        format!("{key:?}"),
        format!("{client:?}"),
        format!("{:?}", fake.account()),
    ] {
        assert!(!shown.contains(&pem_body_line), "{shown}");
        assert!(!shown.contains("BEGIN PRIVATE KEY"), "{shown}");
    }
    assert!(format!("{key:?}").contains("<redacted>"));
}
