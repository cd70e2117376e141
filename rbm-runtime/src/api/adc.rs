//! Application Default Credentials: where the client finds its credentials
//! when the user configured none in code, in the order Google's own client
//! libraries use.
//!
//! 1. `GOOGLE_APPLICATION_CREDENTIALS`: a service-account key or an
//!    authorized user's credentials, as the file's `type` says.
//! 2. gcloud's file, `$CLOUDSDK_CONFIG/application_default_credentials.json`,
//!    else `$HOME/.config/gcloud/application_default_credentials.json`
//!    (written by `gcloud auth application-default login`).
//! 3. The metadata server, when the process runs on Google Cloud.
//!
//! Whether it runs on Google Cloud is decided without any network access, so
//! that a start elsewhere is never slowed by a probe that has to time out:
//! `GCE_METADATA_HOST` set (the metadata server's address, as Google's
//! libraries read it), a variable Google's serverless runtimes set
//! (`K_SERVICE` on Cloud Run and Cloud Functions, `CLOUD_RUN_JOB` on Cloud Run
//! jobs, `GAE_SERVICE` on App Engine), or the machine's DMI product name
//! saying Google (Compute Engine VMs, and GKE pods, which see their node's).
//! `KUBERNETES_SERVICE_HOST` alone is not taken as a sign: every Kubernetes
//! cluster sets it, on any cloud. Where none of these holds (a GKE Sandbox
//! pod, say), setting `GCE_METADATA_HOST=169.254.169.254` opts in.

use std::path::{Path, PathBuf};

use super::auth::Credentials;
use super::config::{ApiConfigError, CredentialsOrigin, ENV_CREDENTIALS, ENV_GCLOUD_CONFIG};
use super::credentials::KeyError;
use super::credentials_file::{self, CredentialsFileError};
use super::metadata_server::{ENV_METADATA_HOST, MetadataServer};

/// The file gcloud writes in its configuration directory.
const GCLOUD_FILE: &str = "application_default_credentials.json";
/// gcloud's configuration directory under `HOME` when `CLOUDSDK_CONFIG` is unset.
const GCLOUD_DIR_UNDER_HOME: &str = ".config/gcloud";
/// Variables Google's serverless runtimes set, each a sign of a metadata server.
const SERVERLESS_MARKERS: [&str; 3] = ["K_SERVICE", "CLOUD_RUN_JOB", "GAE_SERVICE"];
/// Where Linux shows the machine's product name; Compute Engine's says Google.
pub(crate) const DMI_PRODUCT_NAME: &str = "/sys/class/dmi/id/product_name";

/// Credentials found in the environment, and what led to them.
#[derive(Debug)]
pub(crate) struct Found {
    /// The credentials.
    pub(crate) credentials: Credentials,
    /// Where they were found, for the start-up log (never a secret).
    pub(crate) origin: String,
}

/// Looks for credentials in the order above, reading settings through `var`
/// and asking `on_google_hardware` only when nothing else decided.
pub(crate) fn discover(
    var: &dyn Fn(&str) -> Option<String>,
    on_google_hardware: &dyn Fn() -> bool,
) -> Result<Option<Found>, ApiConfigError> {
    let setting = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(path) = setting(ENV_CREDENTIALS) {
        let path = PathBuf::from(path);
        let credentials = credentials_file::load(&path)
            .map_err(|source| named_file_error(path.clone(), source))?;
        let origin = format!("{ENV_CREDENTIALS}={}", path.display());
        return Ok(Some(Found {
            credentials,
            origin,
        }));
    }
    if let Some((path, dir_setting)) = gcloud_file(&setting) {
        match credentials_file::load(&path) {
            Ok(credentials) => {
                let origin = format!(
                    "gcloud's application-default credentials {}",
                    path.display()
                );
                return Ok(Some(Found {
                    credentials,
                    origin,
                }));
            }
            Err(CredentialsFileError::Read(error)) if absent(&error) => {}
            Err(source) => {
                return Err(ApiConfigError::CredentialsFile {
                    origin: CredentialsOrigin::Gcloud(dir_setting),
                    path,
                    source,
                });
            }
        }
    }
    if let Some(host) = setting(ENV_METADATA_HOST) {
        let server = MetadataServer::at(&host).map_err(|error| ApiConfigError::Invalid {
            setting: ENV_METADATA_HOST,
            value: host.clone(),
            reason: error.to_string(),
        })?;
        let origin = format!("{ENV_METADATA_HOST}={host}");
        return Ok(Some(metadata(server, origin)));
    }
    if let Some(marker) = SERVERLESS_MARKERS
        .into_iter()
        .find(|m| setting(m).is_some())
    {
        let origin = format!("a Google Cloud serverless runtime ({marker} is set)");
        return Ok(Some(metadata(MetadataServer::default(), origin)));
    }
    if on_google_hardware() {
        let origin = format!("a Google Compute Engine machine ({DMI_PRODUCT_NAME})");
        return Ok(Some(metadata(MetadataServer::default(), origin)));
    }
    Ok(None)
}

fn metadata(server: MetadataServer, origin: String) -> Found {
    Found {
        credentials: Credentials::MetadataServer(server),
        origin,
    }
}

/// A file named by `GOOGLE_APPLICATION_CREDENTIALS` that cannot be used:
/// unreadable, not JSON or a bad key stay [`ApiConfigError::KeyFile`] errors,
/// as they were before other types were read.
fn named_file_error(path: PathBuf, source: CredentialsFileError) -> ApiConfigError {
    let key_error = |source| ApiConfigError::KeyFile {
        setting: ENV_CREDENTIALS,
        path: path.clone(),
        source,
    };
    match source {
        CredentialsFileError::Read(error) => key_error(KeyError::Read(error)),
        CredentialsFileError::Json(why) => key_error(KeyError::Json(why)),
        CredentialsFileError::ServiceAccount(error) => key_error(error),
        source @ (CredentialsFileError::AuthorizedUser(_)
        | CredentialsFileError::UnknownType(_)) => ApiConfigError::CredentialsFile {
            origin: CredentialsOrigin::Setting(ENV_CREDENTIALS),
            path,
            source,
        },
    }
}

/// Where gcloud keeps its application-default credentials, and the setting
/// that said so; `None` with neither `CLOUDSDK_CONFIG` nor `HOME` set.
fn gcloud_file(setting: &dyn Fn(&str) -> Option<String>) -> Option<(PathBuf, &'static str)> {
    if let Some(dir) = setting(ENV_GCLOUD_CONFIG) {
        return Some((Path::new(&dir).join(GCLOUD_FILE), ENV_GCLOUD_CONFIG));
    }
    let home = setting("HOME")?;
    Some((
        Path::new(&home)
            .join(GCLOUD_DIR_UNDER_HOME)
            .join(GCLOUD_FILE),
        "HOME",
    ))
}

/// Whether a read failed because there is no such file (not logged in with
/// gcloud): the next source is tried. Any other failure is the user's to fix.
fn absent(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// Whether the DMI product name at `path` is Google's: `Google Compute
/// Engine` on Compute Engine VMs and GKE nodes. A missing file (not Linux,
/// a sandbox) means no.
pub(crate) fn dmi_says_google(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|name| name.trim_start().starts_with("Google"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::api::auth::CredentialsKind;

    const USER: &str =
        r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}"#;

    fn discover_with(
        vars: &[(&str, &str)],
        hardware: bool,
    ) -> Result<Option<Found>, ApiConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        discover(&|name| vars.get(name).cloned(), &|| hardware)
    }

    fn kind(found: Result<Option<Found>, ApiConfigError>) -> Option<CredentialsKind> {
        found.expect("not an error").map(|f| f.credentials.kind())
    }

    #[test]
    fn nothing_found_is_no_credentials() {
        assert_eq!(kind(discover_with(&[], false)), None);
        let dir = tempfile::tempdir().expect("a temp dir");
        let home = dir.path().to_str().expect("utf-8");
        // Not logged in with gcloud, not on Google Cloud.
        let found = discover_with(
            &[("HOME", home), ("KUBERNETES_SERVICE_HOST", "10.0.0.1")],
            false,
        );
        assert_eq!(kind(found), None);
    }

    #[test]
    fn the_named_file_comes_before_gclouds_and_the_metadata_server() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let named = dir.path().join("user.json");
        std::fs::write(&named, USER).expect("written");
        std::fs::write(dir.path().join(GCLOUD_FILE), "not even JSON").expect("written");
        let found = discover_with(
            &[
                (ENV_CREDENTIALS, named.to_str().expect("utf-8")),
                (ENV_GCLOUD_CONFIG, dir.path().to_str().expect("utf-8")),
                (ENV_METADATA_HOST, "127.0.0.1:9"),
            ],
            true,
        )
        .expect("valid")
        .expect("found");
        assert_eq!(found.credentials.kind(), CredentialsKind::AuthorizedUser);
        assert!(found.origin.starts_with("GOOGLE_APPLICATION_CREDENTIALS="));
    }

    #[test]
    fn gclouds_file_is_found_through_cloudsdk_config_then_home() {
        let config = tempfile::tempdir().expect("a temp dir");
        std::fs::write(config.path().join(GCLOUD_FILE), USER).expect("written");
        let home = tempfile::tempdir().expect("a temp dir");
        let under_home = home.path().join(GCLOUD_DIR_UNDER_HOME);
        std::fs::create_dir_all(&under_home).expect("created");
        std::fs::write(under_home.join(GCLOUD_FILE), "{").expect("written");
        let config_dir = config.path().to_str().expect("utf-8");
        let home_dir = home.path().to_str().expect("utf-8");
        // CLOUDSDK_CONFIG wins: HOME's broken file is not read.
        let found = discover_with(
            &[(ENV_GCLOUD_CONFIG, config_dir), ("HOME", home_dir)],
            false,
        );
        assert_eq!(kind(found), Some(CredentialsKind::AuthorizedUser));
        // Without it, HOME's file is read, and its fault names the file.
        let error = discover_with(&[("HOME", home_dir)], false).expect_err("broken");
        let text = error.to_string();
        assert!(
            text.starts_with("gcloud's application-default credentials ")
                && text.contains(".config/gcloud/application_default_credentials.json")
                && text.contains("HOME")
                && text.contains("not a JSON credentials file"),
            "{text}"
        );
    }

    #[test]
    fn the_metadata_server_needs_a_sign_of_google_cloud() {
        for (vars, hardware, host) in [
            (
                &[(ENV_METADATA_HOST, "127.0.0.1:9")][..],
                false,
                "127.0.0.1:9",
            ),
            (&[("K_SERVICE", "bot")][..], false, "169.254.169.254"),
            (&[("CLOUD_RUN_JOB", "job")][..], false, "169.254.169.254"),
            (&[("GAE_SERVICE", "default")][..], false, "169.254.169.254"),
            (&[][..], true, "169.254.169.254"),
        ] {
            let found = discover_with(vars, hardware)
                .expect("valid")
                .expect("found");
            match found.credentials {
                Credentials::MetadataServer(server) => assert_eq!(server.host(), host),
                other => panic!("{vars:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_bad_metadata_host_names_its_setting() {
        let error = discover_with(&[(ENV_METADATA_HOST, "http://x/")], false).expect_err("bad");
        assert!(
            error
                .to_string()
                .starts_with("GCE_METADATA_HOST=\"http://x/\""),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_type_names_the_setting_and_the_type() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("external.json");
        std::fs::write(&path, r#"{"type":"external_account"}"#).expect("written");
        let error = discover_with(&[(ENV_CREDENTIALS, path.to_str().expect("utf-8"))], false)
            .expect_err("unsupported");
        let text = error.to_string();
        assert!(
            text.starts_with("GOOGLE_APPLICATION_CREDENTIALS=")
                && text.contains("\"external_account\""),
            "{text}"
        );
    }

    #[test]
    fn only_googles_dmi_product_name_counts() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("product_name");
        assert!(!dmi_says_google(&path), "missing");
        for (name, google) in [
            ("Google Compute Engine\n", true),
            ("Google\n", true),
            ("Standard PC (Q35 + ICH9, 2009)\n", false),
            ("", false),
        ] {
            std::fs::write(&path, name).expect("written");
            assert_eq!(dmi_says_google(&path), google, "{name:?}");
        }
    }
}
