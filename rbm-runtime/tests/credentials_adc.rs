//! Application Default Credentials end to end: a client from the environment
//! sends through the fake RBM API with an authorized user's file (named by
//! `GOOGLE_APPLICATION_CREDENTIALS`, or gcloud's own under `CLOUDSDK_CONFIG`
//! or `HOME`) or the metadata server (`GCE_METADATA_HOST`); refusals give
//! the documented errors; tokens are renewed after they expire.

mod api_support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rbm_runtime::api::{
    ApiConfigError, ApiError, CredentialsFileError, CredentialsKind, CredentialsOrigin,
    RbmApiClient, TokenError,
};
use rbm_runtime::reply::Reply;
use rbm_runtime::testing::fake_api::{FakeRbmApi, TestAuthorizedUser};

use api_support::{AGENT, fast_retry, message};

/// The fake issues tokens that live this long in the expiry tests.
const SHORT_LIFETIME: Duration = Duration::from_secs(1);

fn from_vars(vars: &[(&str, &str)]) -> Result<Option<RbmApiClient>, ApiConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    RbmApiClient::from_env_vars(|name| vars.get(name).cloned())
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

/// A client from `vars` aimed at `fake`, sending as [`AGENT`].
fn client_from(fake: &FakeRbmApi, vars: &[(&str, &str)]) -> RbmApiClient {
    let base_url = fake.base_url();
    let mut all = vec![
        ("RBM_API_BASE_URL", base_url.as_str()),
        ("RBM_AGENT_ID", AGENT),
    ];
    all.extend_from_slice(vars);
    from_vars(&all)
        .expect("valid settings")
        .expect("credentials found")
}

/// Sends one message and checks that the fake took it with a token it issued.
async fn sends(client: &RbmApiClient, fake: &FakeRbmApi, id: &str) {
    client
        .send_message(&message(id, Reply::text("hi")))
        .await
        .expect("sent");
    let last = fake.requests().pop().expect("a request");
    assert_eq!(last.status, 200);
    assert!(
        last.authorization
            .is_some_and(|a| a.starts_with("Bearer fake-rbm-token-"))
    );
}

/// The log lines at `level` and above written while `run` runs.
fn logs_of(level: tracing::Level, run: impl FnOnce()) -> String {
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
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    let bytes = buffer.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn an_authorized_user_file_named_by_the_setting_sends() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("adc.json");
    fake.write_authorized_user_file(&path).expect("written");
    let client = client_from(&fake, &[("GOOGLE_APPLICATION_CREDENTIALS", utf8(&path))]);
    sends(&client, &fake, "m-1").await;
    let grants = fake.token_requests();
    assert_eq!(grants.len(), 1);
    let form = grants[0].body.clone().expect("form fields");
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["client_id"], fake.authorized_user().client_id());
    assert_eq!(
        form["refresh_token"],
        fake.authorized_user().refresh_token()
    );
}

#[tokio::test]
async fn gclouds_file_is_found_under_cloudsdk_config_and_home() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let config = tempfile::tempdir().expect("a temp dir");
    fake.write_authorized_user_file(config.path().join("application_default_credentials.json"))
        .expect("written");
    let home = tempfile::tempdir().expect("a temp dir");
    let gcloud = home.path().join(".config/gcloud");
    std::fs::create_dir_all(&gcloud).expect("created");
    fake.write_authorized_user_file(gcloud.join("application_default_credentials.json"))
        .expect("written");
    // HOME alone; then CLOUDSDK_CONFIG, with a HOME holding no gcloud file.
    let empty_home = tempfile::tempdir().expect("a temp dir");
    for (n, vars) in [
        [("HOME", utf8(home.path())), ("CLOUDSDK_CONFIG", "")],
        [
            ("HOME", utf8(empty_home.path())),
            ("CLOUDSDK_CONFIG", utf8(config.path())),
        ],
    ]
    .iter()
    .enumerate()
    {
        let client = client_from(&fake, vars);
        sends(&client, &fake, &format!("m-{n}")).await;
    }
    assert_eq!(fake.stats().token_requests, 2);
    // Without gcloud's file and any other source: no client, as before.
    let none = from_vars(&[("HOME", utf8(empty_home.path()))]).expect("not an error");
    assert!(none.is_none());
}

#[tokio::test]
async fn the_metadata_server_sends_with_the_rbm_scope() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let host = fake.metadata_host();
    let client = client_from(&fake, &[("GCE_METADATA_HOST", &host)]);
    sends(&client, &fake, "m-1").await;
    let asked = fake.token_requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].method, "GET");
    assert_eq!(
        asked[0].path,
        "/computeMetadata/v1/instance/service-accounts/default/token"
    );
    assert_eq!(
        asked[0].query_param("scopes"),
        Some(rbm_runtime::api::RBM_SCOPE)
    );
}

#[tokio::test]
async fn the_metadata_server_wants_its_flavor_header() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let url = format!(
        "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
        fake.metadata_host()
    );
    let http = rbm_runtime::testing::http_client().expect("an HTTP client");
    let bare = http.get(&url).send().await.expect("an answer");
    assert_eq!(bare.status(), 403);
    let flavored = http
        .get(&url)
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .expect("an answer");
    assert_eq!(flavored.status(), 200);
    let token: serde_json::Value = flavored.json().await.expect("JSON");
    assert!(token["access_token"].as_str().is_some(), "{token}");
    assert!(token["expires_in"].as_u64().is_some(), "{token}");
}

#[tokio::test]
async fn a_refused_refresh_token_is_a_rejected_token_and_keeps_the_delivery() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("revoked.json");
    fake.authorized_user()
        .clone()
        .with_refresh_token("1//revoked")
        .write_credentials_file(&path, fake.token_uri())
        .expect("written");
    let client = client_from(&fake, &[("GOOGLE_APPLICATION_CREDENTIALS", utf8(&path))]);
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("the refresh token is refused");
    match &error {
        ApiError::Token(TokenError::Rejected {
            credentials: CredentialsKind::AuthorizedUser,
            status: 400,
            message,
        }) => assert!(message.starts_with("invalid_grant"), "{message}"),
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("gcloud auth application-default login") && !text.contains("1//revoked"),
        "{text}"
    );
    // Logging in again fixes it: the delivery is kept for Google's redelivery.
    assert!(error.is_retryable());
    assert_eq!(fake.stats().token_requests, 1, "a refusal is not retried");
    assert_eq!(fake.stats().requests, 0);

    // A client the fake does not know is refused too.
    let stranger = TestAuthorizedUser::generate();
    stranger
        .write_credentials_file(&path, fake.token_uri())
        .expect("written");
    let client = client_from(&fake, &[("GOOGLE_APPLICATION_CREDENTIALS", utf8(&path))]);
    let error = client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect_err("the client is unknown");
    assert!(
        matches!(
            error,
            ApiError::Token(TokenError::Rejected { status: 401, .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_metadata_server_refusal_and_silence_are_documented_errors() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let host = fake.metadata_host();
    let client = client_from(&fake, &[("GCE_METADATA_HOST", &host)]);
    fake.fail_next_token_requests(404, 1);
    let error = client
        .send_message(&message("m-1", Reply::text("hi")))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            error,
            ApiError::Token(TokenError::Rejected {
                credentials: CredentialsKind::MetadataServer,
                status: 404,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("metadata server"), "{error}");

    // Nothing listening there: the send gives up at its deadline, naming
    // the setting that pointed there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let closed_host = closed.local_addr().expect("an address").to_string();
    drop(closed);
    let client =
        RbmApiClient::builder(rbm_runtime::api::MetadataServer::at(&closed_host).expect("valid"))
            .base_url(fake.base_url())
            .retry(fast_retry())
            .deadline(Duration::from_millis(300))
            .build()
            .expect("built");
    let error = client
        .send_message(&message("m-2", Reply::text("hi")))
        .await
        .expect_err("nobody answers");
    let text = error.to_string();
    assert!(
        text.contains(&closed_host) && text.contains("GCE_METADATA_HOST"),
        "{text}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn every_kind_renews_its_token_after_it_expires() {
    let fake = FakeRbmApi::builder()
        .token_lifetime(SHORT_LIFETIME)
        .start()
        .await
        .expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let key = dir.path().join("key.json");
    fake.write_key_file(&key).expect("written");
    let user = dir.path().join("user.json");
    fake.write_authorized_user_file(&user).expect("written");
    let host = fake.metadata_host();
    let kinds = [
        ("GOOGLE_APPLICATION_CREDENTIALS", utf8(&key)),
        ("GOOGLE_APPLICATION_CREDENTIALS", utf8(&user)),
        ("GCE_METADATA_HOST", host.as_str()),
    ];
    let clients: Vec<RbmApiClient> = kinds
        .iter()
        .map(|setting| client_from(&fake, &[*setting]))
        .collect();
    for (n, client) in clients.iter().enumerate() {
        sends(client, &fake, &format!("first-{n}")).await;
    }
    tokio::time::sleep(SHORT_LIFETIME + Duration::from_millis(100)).await;
    // Past every token's lifetime: each client fetches a new one first (the
    // fake would answer 401 to the old one).
    for (n, client) in clients.iter().enumerate() {
        sends(client, &fake, &format!("second-{n}")).await;
        assert_eq!(client.token_requests(), 2, "{:?}", kinds[n]);
    }
    assert!(fake.requests().iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn a_revoked_token_is_replaced_for_users_and_the_metadata_server() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let user = dir.path().join("user.json");
    fake.write_authorized_user_file(&user).expect("written");
    let host = fake.metadata_host();
    for (n, setting) in [
        ("GOOGLE_APPLICATION_CREDENTIALS", utf8(&user)),
        ("GCE_METADATA_HOST", host.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let client = client_from(&fake, &[setting]);
        sends(&client, &fake, &format!("a-{n}")).await;
        fake.revoke_tokens();
        sends(&client, &fake, &format!("b-{n}")).await;
        assert_eq!(client.token_requests(), 2, "{setting:?}");
    }
}

#[test]
fn an_unsupported_type_names_the_setting_and_the_type() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("wif.json");
    std::fs::write(&path, r#"{"type":"external_account","audience":"//iam"}"#).expect("written");
    let error =
        from_vars(&[("GOOGLE_APPLICATION_CREDENTIALS", utf8(&path))]).expect_err("unsupported");
    assert!(
        matches!(
            &error,
            ApiConfigError::CredentialsFile {
                origin: CredentialsOrigin::Setting("GOOGLE_APPLICATION_CREDENTIALS"),
                source: CredentialsFileError::UnknownType(kind),
                ..
            } if kind == "external_account"
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "GOOGLE_APPLICATION_CREDENTIALS={}",
            path.display()
        )) && text.contains("\"external_account\""),
        "{text}"
    );
}

#[test]
fn an_incomplete_gcloud_file_names_the_file() {
    let config = tempfile::tempdir().expect("a temp dir");
    let path = config.path().join("application_default_credentials.json");
    std::fs::write(&path, r#"{"type":"authorized_user","client_id":"c"}"#).expect("written");
    let error = from_vars(&[("CLOUDSDK_CONFIG", utf8(config.path()))]).expect_err("incomplete");
    let text = error.to_string();
    assert!(
        text.contains(&path.display().to_string())
            && text.contains("CLOUDSDK_CONFIG")
            && text.contains("client_secret"),
        "{text}"
    );
}

#[test]
fn a_bad_metadata_host_names_its_setting() {
    let error =
        from_vars(&[("GCE_METADATA_HOST", "http://169.254.169.254/")]).expect_err("not host:port");
    assert!(
        error.to_string().starts_with("GCE_METADATA_HOST="),
        "{error}"
    );
}

#[tokio::test]
async fn the_credentials_used_are_logged_once_without_secrets() {
    let fake = FakeRbmApi::start().await.expect("the fake starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("user.json");
    fake.write_authorized_user_file(&path).expect("written");
    let user_json: serde_json::Value =
        serde_json::from_str(&fake.authorized_user_json()).expect("JSON");
    let secret = user_json["client_secret"].as_str().expect("a secret");
    let refresh = fake.authorized_user().refresh_token().to_owned();
    let host = fake.metadata_host();
    for (setting, said) in [
        (
            ("GOOGLE_APPLICATION_CREDENTIALS", utf8(&path)),
            "authorized user",
        ),
        (("GCE_METADATA_HOST", host.as_str()), "metadata server"),
    ] {
        let mut client = None;
        let log = logs_of(tracing::Level::INFO, || {
            client = Some(from_vars(&[setting]))
        });
        let client = client.expect("ran").expect("valid").expect("configured");
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("RBM API credentials"))
            .collect();
        assert_eq!(lines.len(), 1, "{log}");
        assert!(
            lines[0].contains(said) && lines[0].contains(setting.0),
            "{log}"
        );
        assert!(!log.contains(secret) && !log.contains(&refresh), "{log}");
        let debug = format!("{client:?}");
        assert!(
            !debug.contains(secret) && !debug.contains(&refresh),
            "{debug}"
        );
    }
}
