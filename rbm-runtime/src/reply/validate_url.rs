//! The URL limits of suggested actions: at most 2,048 characters, absolute,
//! and a web page for the open-URL action.

use super::validate::{ReplyError, check_text};

/// At most this many characters in an action's `url` or `fallbackUrl`.
pub const MAX_URL_CHARS: usize = 2048;

/// What an action URL may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UrlKind {
    /// A page the phone opens in a browser or webview: http or https.
    WebPage,
    /// Anything absolute (`fallbackUrl`).
    Absolute,
}

/// Checks the URL `url` of field `at`.
pub(super) fn check_url(at: &str, url: &str, kind: UrlKind) -> Result<(), ReplyError> {
    check_text(at, url, MAX_URL_CHARS)?;
    // `Url::parse` takes absolute URLs only: a relative one has no base here.
    let parsed = url::Url::parse(url).map_err(|source| ReplyError::NotAbsoluteUrl {
        at: at.to_owned(),
        source,
    })?;
    if kind == UrlKind::WebPage && !matches!(parsed.scheme(), "http" | "https") {
        return Err(ReplyError::NotWebUrl {
            at: at.to_owned(),
            scheme: parsed.scheme().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `https://e.com/aaa…` exactly `chars` characters long.
    fn url_of(chars: usize) -> String {
        let prefix = "https://e.com/";
        format!("{prefix}{}", "a".repeat(chars - prefix.len()))
    }

    #[test]
    fn a_url_is_at_most_2048_characters() {
        for kind in [UrlKind::WebPage, UrlKind::Absolute] {
            assert_eq!(check_url("u", &url_of(2048), kind), Ok(()));
            assert_eq!(
                check_url("u", &url_of(2049), kind),
                Err(ReplyError::TooLong {
                    at: "u".into(),
                    chars: 2049,
                    max: 2048
                })
            );
        }
    }

    #[test]
    fn a_url_is_absolute() {
        for kind in [UrlKind::WebPage, UrlKind::Absolute] {
            let error = check_url("u", "/relative/page", kind).expect_err("relative");
            assert_eq!(
                error,
                ReplyError::NotAbsoluteUrl {
                    at: "u".into(),
                    source: url::ParseError::RelativeUrlWithoutBase
                }
            );
            assert_eq!(
                error.to_string(),
                "u is not an absolute URL: relative URL without a base"
            );
            assert!(matches!(
                check_url("u", "https://exa mple.com", kind),
                Err(ReplyError::NotAbsoluteUrl { .. })
            ));
            assert_eq!(check_url("u", "https://example.com/a?b=c", kind), Ok(()));
        }
    }

    #[test]
    fn an_open_url_action_opens_a_web_page() {
        assert_eq!(
            check_url("u", "http://example.com", UrlKind::WebPage),
            Ok(())
        );
        let error = check_url("u", "tel:+15550100", UrlKind::WebPage).expect_err("not web");
        assert_eq!(
            error,
            ReplyError::NotWebUrl {
                at: "u".into(),
                scheme: "tel".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "u is a \"tel\" URL; an open-URL action takes http or https"
        );
        // A fallback URL may be any absolute URL.
        assert_eq!(check_url("u", "tel:+15550100", UrlKind::Absolute), Ok(()));
    }
}
