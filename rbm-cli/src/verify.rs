//! `rbm verify`: the RBM console's "Verify" handshake, and a verdict a
//! person can act on.

use rbm_runtime::testing::{Google, HeaderName, HttpBot, OverHttp, StatusCode, TransportError};

use crate::certificate::{self, Verdict};
use crate::cli::VerifyArgs;
use crate::error::CliError;

/// One thing the console needs of the answer, and whether it held.
struct Check {
    passed: bool,
    what: String,
}

/// Performs the handshake; `Ok(true)` when the console would accept it.
pub(crate) async fn run(args: VerifyArgs) -> Result<bool, CliError> {
    let https = https_target(&args.url)?;
    let bot = match (&https, &args.ca) {
        (Some(_), Some(ca)) => HttpBot::with_tls(
            &args.url,
            &args.token,
            certificate::client_config(Some(ca))?,
        )?,
        _ => HttpBot::new(&args.url, &args.token)?,
    };
    let secret = fastrand::u64(1_000_000_000..u64::MAX).to_string();
    println!(
        "Verifying {} as the RBM console does (secret {secret})",
        args.url
    );
    let mut checks = Vec::new();
    if let Some((host, port)) = &https {
        let config = certificate::client_config(args.ca.as_deref())?;
        match certificate::check(config, host, *port).await {
            Verdict::Valid { what, warning } => {
                checks.push(Check { passed: true, what });
                if let Some(warning) = warning {
                    println!("  warn {warning}");
                }
            }
            Verdict::Invalid(why) => checks.push(Check {
                passed: false,
                what: why,
            }),
            Verdict::Unreachable => {}
        }
    }
    if checks.iter().all(|c| c.passed) {
        match handshake(bot.transport(), bot.google(), &secret).await {
            Ok(more) => checks.extend(more),
            Err(TransportError::Unreachable { reason, .. }) => checks.push(Check {
                passed: false,
                what: format!("the webhook is unreachable: {reason}"),
            }),
            Err(error) => return Err(error.into()),
        }
    }
    let passed = checks.iter().all(|c| c.passed);
    for check in &checks {
        println!(
            "  {} {}",
            if check.passed { "ok  " } else { "FAIL" },
            check.what
        );
    }
    if passed {
        // The console cannot tell, but a webhook that echoes any token's
        // secret accepts anyone's handshake: worth knowing.
        let wrong = Google::new(format!("{}-wrong", args.token));
        if let Ok((status, _, body)) = bot
            .transport()
            .post(&json_headers(), wrong.handshake_body(&secret))
            .await
        {
            if status == StatusCode::OK || body.as_ref() == secret.as_bytes() {
                println!(
                    "  warn a wrong client token is accepted too ({status}): check the token comparison"
                );
            } else {
                println!("  ok   a wrong client token is refused ({status})");
            }
        }
        println!("PASS: the console's verification would succeed.");
    } else {
        println!("FAIL: the console's verification would fail.");
    }
    Ok(passed)
}

/// The host and port of an https:// URL; `None` for http://.
fn https_target(url: &str) -> Result<Option<(String, u16)>, CliError> {
    let parsed = url::Url::parse(url)
        .map_err(|error| CliError::Usage(format!("{url:?} is not a URL: {error}")))?;
    if parsed.scheme() != "https" {
        return Ok(None);
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(CliError::Usage(format!("{url:?} has no host"))),
    };
    Ok(Some((host, parsed.port_or_known_default().unwrap_or(443))))
}

fn json_headers() -> Vec<(HeaderName, String)> {
    vec![(
        HeaderName::from_static("content-type"),
        "application/json".to_owned(),
    )]
}

async fn handshake(
    transport: &OverHttp,
    google: &Google,
    secret: &str,
) -> Result<Vec<Check>, TransportError> {
    let (status, content_type, body) = transport
        .post(&json_headers(), google.handshake_body(secret))
        .await?;
    let mut checks = vec![Check {
        passed: status == StatusCode::OK,
        what: match status.as_u16() {
            200 => "status 200 OK".to_owned(),
            400 | 403 => format!(
                "status {status}: the webhook refused the token; is --token its client token (RBM_CLIENT_TOKEN)?"
            ),
            401 => format!(
                "status {status}: the webhook wants a signature on the handshake; it must not (the console sends none)"
            ),
            404 => format!(
                "status {status}: nothing is served on this path; check the URL's path (RBM_WEBHOOK_PATH)"
            ),
            _ => format!("status {status}: the console needs 200 OK"),
        },
    }];
    if status != StatusCode::OK {
        return Ok(checks);
    }
    let body_text = String::from_utf8_lossy(&body);
    checks.push(Check {
        passed: body.as_ref() == secret.as_bytes(),
        what: if body.as_ref() == secret.as_bytes() {
            "the body is the secret, exactly".to_owned()
        } else {
            format!("the body must be the secret {secret:?} exactly, not {body_text:?}")
        },
    });
    let plain = content_type
        .as_deref()
        .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/plain"));
    checks.push(Check {
        passed: plain,
        what: match &content_type {
            Some(t) if plain => format!("Content-Type {t}"),
            Some(t) => format!("Content-Type is {t:?}; it must be text/plain"),
            None => "no Content-Type; it must be text/plain".to_owned(),
        },
    });
    Ok(checks)
}
