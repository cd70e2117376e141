//! The documented limits of an agent message, checked before it is sent so a
//! broken reply fails here, with the limit named, instead of as a 400.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::Reply;
use super::ReplyContent;
use super::action::{ActionKind, ComposeAction, SuggestedAction};
use super::card::{CardContent, RichCard};
use super::span::span;
use super::suggestion::Suggestion;
use super::validate_expiry::{MAX_EXPIRY, check_expiry};
use super::validate_url::{UrlKind, check_url};

/// At most this many characters of text in a text message.
pub const MAX_TEXT_CHARS: usize = 3072;
/// At most this many suggestions under a message.
pub const MAX_SUGGESTIONS: usize = 11;
/// At most this many suggestions on one card.
pub const MAX_CARD_SUGGESTIONS: usize = 4;
/// At most this many characters in a suggestion's label.
pub const MAX_SUGGESTION_TEXT_CHARS: usize = 25;
/// At most this many characters of postback data.
pub const MAX_POSTBACK_CHARS: usize = 2048;
/// At most this many characters in a card title.
pub const MAX_CARD_TITLE_CHARS: usize = 200;
/// At most this many characters in a card description.
pub const MAX_CARD_DESCRIPTION_CHARS: usize = 2000;
/// A carousel has at least this many cards.
pub const MIN_CAROUSEL_CARDS: usize = 2;
/// A carousel has at most this many cards.
pub const MAX_CAROUSEL_CARDS: usize = 10;
/// At most this many characters in a calendar event's title.
pub const MAX_CALENDAR_TITLE_CHARS: usize = 100;
/// At most this many characters in a calendar event's description.
pub const MAX_CALENDAR_DESCRIPTION_CHARS: usize = 500;
/// At most this many bytes in the whole JSON message (250 KB).
pub const MAX_MESSAGE_BYTES: usize = 250_000;

/// A reply breaks a documented RBM limit; `at` names the field
/// (`contentMessage.suggestions[3].text`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A text field that must not be empty is.
    #[error("{at} is empty")]
    Empty {
        /// The field.
        at: String,
    },
    /// A text field is longer than its limit.
    #[error("{at} is {chars} characters long; the limit is {max}")]
    TooLong {
        /// The field.
        at: String,
        /// Its length in characters.
        chars: usize,
        /// The documented limit.
        max: usize,
    },
    /// More suggestions than allowed.
    #[error("{at} has {count} suggestions; the limit is {max}")]
    TooManySuggestions {
        /// The list.
        at: String,
        /// How many there are.
        count: usize,
        /// The documented limit.
        max: usize,
    },
    /// A carousel with too few or too many cards.
    #[error("a carousel has {}; it needs {MIN_CAROUSEL_CARDS} to {MAX_CAROUSEL_CARDS}", cards(*count))]
    CarouselSize {
        /// How many cards it has.
        count: usize,
    },
    /// A card with neither media, title nor description.
    #[error("{at} has no media, title or description")]
    EmptyCard {
        /// The card.
        at: String,
    },
    /// A view-location action with neither coordinates nor a query.
    #[error("{at} has neither coordinates nor a query")]
    NoLocation {
        /// The action.
        at: String,
    },
    /// Coordinates out of range.
    #[error("{at} is not a valid latitude/longitude")]
    InvalidCoordinates {
        /// The action.
        at: String,
    },
    /// A calendar event that ends before it starts.
    #[error("{at} ends before it starts")]
    CalendarEventEndsBeforeStart {
        /// The action.
        at: String,
    },
    /// A URL that is not absolute (or no URL at all).
    #[error("{at} is not an absolute URL: {source}")]
    NotAbsoluteUrl {
        /// The field.
        at: String,
        /// Why it does not parse as an absolute URL.
        source: url::ParseError,
    },
    /// An open-URL action whose URL is not a web page.
    #[error("{at} is a {scheme:?} URL; an open-URL action takes http or https")]
    NotWebUrl {
        /// The field.
        at: String,
        /// The URL's scheme.
        scheme: String,
    },
    /// A zero time-to-live: the message would expire before it is sent.
    #[error(
        "the ttl is zero; it must be more than zero and at most {}",
        span(MAX_EXPIRY)
    )]
    ZeroTtl,
    /// A time-to-live longer than the platform keeps a message.
    #[error("the ttl is {}; the limit is {}", span(*ttl), span(MAX_EXPIRY))]
    TtlTooLong {
        /// The ttl.
        ttl: Duration,
    },
    /// An `expireTime` that is not after the time of sending.
    #[error(
        "the expireTime {} is {}; it must be in the future",
        rfc3339(expire_time),
        in_the_past(*behind)
    )]
    ExpireTimeNotInFuture {
        /// The `expireTime`.
        expire_time: DateTime<Utc>,
        /// How long before the time of sending it is.
        behind: Duration,
    },
    /// An `expireTime` further ahead than the platform keeps a message.
    #[error(
        "the expireTime {} is {} ahead; the limit is {}",
        rfc3339(expire_time),
        span(*ahead),
        span(MAX_EXPIRY)
    )]
    ExpireTimeTooFar {
        /// The `expireTime`.
        expire_time: DateTime<Utc>,
        /// How long after the time of sending it is.
        ahead: Duration,
    },
    /// The whole JSON message is larger than the platform accepts.
    #[error("the message is {bytes} bytes as JSON; the limit is {MAX_MESSAGE_BYTES} bytes")]
    TooLarge {
        /// Its size in bytes.
        bytes: usize,
    },
    /// The message could not be serialised (cannot happen with finite numbers).
    #[error("the message cannot be serialised: {0}")]
    Serialize(String),
}

impl Reply {
    /// Checks every documented limit except the total size (see
    /// [`Reply::encode`]), for a message sent now.
    pub fn validate(&self) -> Result<(), ReplyError> {
        self.validate_at(DateTime::<Utc>::from(std::time::SystemTime::now()))
    }

    /// Checks every documented limit except the total size, for a message
    /// sent at `now` (the expiry is measured from it).
    pub fn validate_at(&self, now: DateTime<Utc>) -> Result<(), ReplyError> {
        match &self.content {
            ReplyContent::Text(text) => check_text("contentMessage.text", text, MAX_TEXT_CHARS)?,
            ReplyContent::RichCard(RichCard::Standalone(card)) => check_card(
                "contentMessage.richCard.standaloneCard.cardContent",
                &card.card_content,
            )?,
            ReplyContent::RichCard(RichCard::Carousel(carousel)) => {
                let count = carousel.card_contents.len();
                if !(MIN_CAROUSEL_CARDS..=MAX_CAROUSEL_CARDS).contains(&count) {
                    return Err(ReplyError::CarouselSize { count });
                }
                for (index, card) in carousel.card_contents.iter().enumerate() {
                    let at = format!("contentMessage.richCard.carouselCard.cardContents[{index}]");
                    check_card(&at, card)?;
                }
            }
            ReplyContent::File(info) => {
                check_text(
                    "contentMessage.contentInfo.fileUrl",
                    &info.file_url,
                    usize::MAX,
                )?;
            }
            ReplyContent::UploadedFile(file) => check_text(
                "contentMessage.uploadedRbmFile.fileName",
                &file.file_name,
                usize::MAX,
            )?,
        }
        check_suggestions(
            "contentMessage.suggestions",
            &self.suggestions,
            MAX_SUGGESTIONS,
        )?;
        match &self.expiry {
            Some(expiry) => check_expiry(expiry, now),
            None => Ok(()),
        }
    }

    /// Validates the reply (as sent now) and serialises it to the exact JSON
    /// body of `agentMessages.create`, checking the 250 KB limit on the result.
    pub fn encode(&self) -> Result<Vec<u8>, ReplyError> {
        self.validate()?;
        let body = serde_json::to_vec(self).map_err(|e| ReplyError::Serialize(e.to_string()))?;
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(ReplyError::TooLarge { bytes: body.len() });
        }
        Ok(body)
    }
}

pub(super) fn check_text(at: &str, text: &str, max: usize) -> Result<(), ReplyError> {
    if text.trim().is_empty() {
        return Err(ReplyError::Empty { at: at.to_owned() });
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(ReplyError::TooLong {
            at: at.to_owned(),
            chars,
            max,
        });
    }
    Ok(())
}

fn check_optional_text(at: &str, text: Option<&str>, max: usize) -> Result<(), ReplyError> {
    match text {
        Some(text) => check_text(at, text, max),
        None => Ok(()),
    }
}

fn check_card(at: &str, card: &CardContent) -> Result<(), ReplyError> {
    if card.title.is_none() && card.description.is_none() && card.media.is_none() {
        return Err(ReplyError::EmptyCard { at: at.to_owned() });
    }
    check_optional_text(
        &format!("{at}.title"),
        card.title.as_deref(),
        MAX_CARD_TITLE_CHARS,
    )?;
    check_optional_text(
        &format!("{at}.description"),
        card.description.as_deref(),
        MAX_CARD_DESCRIPTION_CHARS,
    )?;
    check_suggestions(
        &format!("{at}.suggestions"),
        &card.suggestions,
        MAX_CARD_SUGGESTIONS,
    )
}

fn check_suggestions(at: &str, suggestions: &[Suggestion], max: usize) -> Result<(), ReplyError> {
    if suggestions.len() > max {
        return Err(ReplyError::TooManySuggestions {
            at: at.to_owned(),
            count: suggestions.len(),
            max,
        });
    }
    for (index, suggestion) in suggestions.iter().enumerate() {
        let (kind, action) = match suggestion {
            Suggestion::Reply { .. } => ("reply", None),
            Suggestion::Action(action) => ("action", Some(action)),
        };
        let at = format!("{at}[{index}].{kind}");
        check_text(
            &format!("{at}.text"),
            suggestion.text(),
            MAX_SUGGESTION_TEXT_CHARS,
        )?;
        check_text(
            &format!("{at}.postbackData"),
            suggestion.postback_data(),
            MAX_POSTBACK_CHARS,
        )?;
        if let Some(action) = action {
            check_action(&at, action)?;
        }
    }
    Ok(())
}

fn check_action(at: &str, action: &SuggestedAction) -> Result<(), ReplyError> {
    if let Some(fallback) = &action.fallback_url {
        check_url(&format!("{at}.fallbackUrl"), fallback, UrlKind::Absolute)?;
    }
    match &action.kind {
        ActionKind::Dial(dial) => check_text(
            &format!("{at}.dialAction.phoneNumber"),
            &dial.phone_number,
            usize::MAX,
        ),
        ActionKind::ViewLocation(view) => {
            let at = format!("{at}.viewLocationAction");
            match (&view.lat_long, &view.query) {
                (None, None) => Err(ReplyError::NoLocation { at }),
                (Some(point), _)
                    if !(-90.0..=90.0).contains(&point.latitude)
                        || !(-180.0..=180.0).contains(&point.longitude) =>
                {
                    Err(ReplyError::InvalidCoordinates { at })
                }
                _ => Ok(()),
            }
        }
        ActionKind::ShareLocation(_) => Ok(()),
        ActionKind::OpenUrl(open) => check_url(
            &format!("{at}.openUrlAction.url"),
            &open.url,
            UrlKind::WebPage,
        ),
        ActionKind::CreateCalendarEvent(event) => {
            let at = format!("{at}.createCalendarEventAction");
            check_text(
                &format!("{at}.title"),
                &event.title,
                MAX_CALENDAR_TITLE_CHARS,
            )?;
            check_optional_text(
                &format!("{at}.description"),
                event.description.as_deref(),
                MAX_CALENDAR_DESCRIPTION_CHARS,
            )?;
            if event.end_time < event.start_time {
                return Err(ReplyError::CalendarEventEndsBeforeStart { at });
            }
            Ok(())
        }
        ActionKind::Compose(ComposeAction::Text(draft)) => {
            let at = format!("{at}.composeAction.composeTextMessage");
            check_text(
                &format!("{at}.phoneNumber"),
                &draft.phone_number,
                usize::MAX,
            )?;
            check_text(&format!("{at}.text"), &draft.text, MAX_TEXT_CHARS)
        }
        ActionKind::Compose(ComposeAction::Recording(recording)) => check_text(
            &format!("{at}.composeAction.composeRecordingMessage.phoneNumber"),
            &recording.phone_number,
            usize::MAX,
        ),
    }
}

/// A timestamp as the API writes it.
fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// "now", "1 day in the past".
fn in_the_past(behind: Duration) -> String {
    if behind.is_zero() {
        "now".to_owned()
    } else {
        format!("{} in the past", span(behind))
    }
}

/// "1 card", "2 cards".
pub(crate) fn cards(count: usize) -> String {
    if count == 1 {
        "1 card".to_owned()
    } else {
        format!("{count} cards")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{Suggestion, UploadedRbmFile};

    /// An uploaded file message whose JSON body is exactly `bytes` long.
    fn message_of(bytes: usize) -> Reply {
        let body_of = |name: &str| {
            let reply = Reply::uploaded_file(UploadedRbmFile::new(name));
            serde_json::to_vec(&reply).expect("serialisable").len()
        };
        let frame = body_of("");
        Reply::uploaded_file(UploadedRbmFile::new("f".repeat(bytes - frame)))
    }

    #[test]
    fn the_whole_message_is_at_most_250_000_bytes() {
        let largest = message_of(MAX_MESSAGE_BYTES)
            .encode()
            .expect("at the limit");
        assert_eq!(largest.len(), 250_000);
        let error = message_of(MAX_MESSAGE_BYTES + 1)
            .encode()
            .expect_err("over the limit");
        assert_eq!(error, ReplyError::TooLarge { bytes: 250_001 });
        assert_eq!(
            error.to_string(),
            "the message is 250001 bytes as JSON; the limit is 250000 bytes"
        );
    }

    #[test]
    fn action_urls_are_checked_where_they_are() {
        let long = format!("https://e.com/{}", "a".repeat(2048));
        let open = Reply::text("t").suggest(Suggestion::open_url("Go", "go", long.clone()));
        assert!(matches!(
            open.validate(),
            Err(ReplyError::TooLong { at, max: 2048, .. })
                if at == "contentMessage.suggestions[0].action.openUrlAction.url"
        ));
        let webview = Reply::text("t").suggest(Suggestion::open_url_in_webview(
            "Go",
            "go",
            "ftp://e.com/form",
            crate::reply::action::WebviewViewMode::Full,
        ));
        assert!(matches!(
            webview.validate(),
            Err(ReplyError::NotWebUrl { scheme, .. }) if scheme == "ftp"
        ));
        let Suggestion::Action(dial) = Suggestion::dial("Call", "call", "+15550100") else {
            unreachable!("a dial suggestion is an action");
        };
        let card = CardContent::new()
            .title("t")
            .suggest(dial.fallback_url("relative/page").into());
        let in_card = Reply::card(crate::reply::StandaloneCard::vertical(card));
        assert!(matches!(
            in_card.validate(),
            Err(ReplyError::NotAbsoluteUrl { at, .. }) if at
                == "contentMessage.richCard.standaloneCard.cardContent.suggestions[0].action.fallbackUrl"
        ));
    }

    #[test]
    fn the_expiry_is_measured_from_the_time_of_sending() {
        let sent: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().expect("a timestamp");
        let reply =
            Reply::text("t").expire_at("2030-01-10T00:00:00Z".parse().expect("a timestamp"));
        assert_eq!(reply.validate_at(sent), Ok(()));
        assert!(matches!(
            reply.validate_at(sent - chrono::TimeDelta::days(7)),
            Err(ReplyError::ExpireTimeTooFar { .. })
        ));
        assert!(matches!(
            reply.validate_at(sent + chrono::TimeDelta::days(10)),
            Err(ReplyError::ExpireTimeNotInFuture { .. })
        ));
        let too_long = Reply::text("t").ttl(MAX_EXPIRY + Duration::from_secs(1));
        assert!(matches!(
            too_long.validate(),
            Err(ReplyError::TtlTooLong { .. })
        ));
    }
}
