//! Google's multipart upload (`uploadType=multipart`): a `multipart/related`
//! body of two parts, the JSON metadata first, then the media with its own
//! `Content-Type`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

/// The two parts of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RelatedUpload {
    /// The metadata part, as sent (JSON).
    pub(super) metadata: Bytes,
    /// The media part's `Content-Type`, without parameters, lower case.
    pub(super) media_type: String,
    /// The media, decoded if it was sent as base64.
    pub(super) media: Bytes,
}

/// Why a multipart upload could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum MultipartError {
    /// The request's `Content-Type` is not `multipart/related` with a boundary.
    #[error("a multipart upload needs Content-Type: multipart/related; boundary=...")]
    NotRelated,
    /// The body does not follow the multipart syntax (RFC 2046).
    #[error("the multipart body is malformed: {0}")]
    Malformed(#[from] multer::Error),
    /// Not exactly two parts.
    #[error("a multipart upload has two parts, the JSON metadata then the media, not {0}")]
    PartCount(usize),
    /// The first part is not JSON.
    #[error("the first part of a multipart upload must be the JSON metadata (application/json)")]
    MetadataNotJson,
    /// The media part has no (readable) `Content-Type`.
    #[error("the media part of a multipart upload needs a Content-Type")]
    NoMediaType,
    /// A `Content-Transfer-Encoding` other than binary, 8bit, 7bit or base64.
    #[error("unsupported Content-Transfer-Encoding (binary or base64 are)")]
    TransferEncoding,
    /// A base64 part that does not decode.
    #[error("the media part is not valid base64")]
    Base64(#[from] base64::DecodeError),
}

struct Part {
    content_type: Option<String>,
    base64: bool,
    bytes: Bytes,
}

/// Reads a `multipart/related` body whose request `Content-Type` is
/// `content_type`.
pub(super) async fn parse_related(
    content_type: &str,
    body: Bytes,
) -> Result<RelatedUpload, MultipartError> {
    let boundary = related_boundary(content_type).ok_or(MultipartError::NotRelated)?;
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let content_type = field
            .content_type()
            .map(|mime| mime.essence_str().to_ascii_lowercase());
        let encoding = field
            .headers()
            .get("content-transfer-encoding")
            .map(|value| value.to_str().unwrap_or("?").trim().to_ascii_lowercase());
        let base64 = match encoding.as_deref() {
            None | Some("binary" | "8bit" | "7bit") => false,
            Some("base64") => true,
            Some(_) => return Err(MultipartError::TransferEncoding),
        };
        let bytes = field.bytes().await?;
        parts.push(Part {
            content_type,
            base64,
            bytes,
        });
    }
    let [metadata, media] =
        <[Part; 2]>::try_from(parts).map_err(|parts| MultipartError::PartCount(parts.len()))?;
    if metadata.content_type.as_deref() != Some("application/json") {
        return Err(MultipartError::MetadataNotJson);
    }
    let media_type = media.content_type.ok_or(MultipartError::NoMediaType)?;
    let media_bytes = if media.base64 {
        // Base64 bodies wrap their lines: the line breaks are not data.
        let text: Vec<u8> = media
            .bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        Bytes::from(STANDARD.decode(text)?)
    } else {
        media.bytes
    };
    Ok(RelatedUpload {
        metadata: metadata.bytes,
        media_type,
        media: media_bytes,
    })
}

/// The boundary of a `multipart/related` content type.
fn related_boundary(content_type: &str) -> Option<String> {
    let mime: mime::Mime = content_type.parse().ok()?;
    if mime.type_() != mime::MULTIPART || mime.subtype().as_str() != "related" {
        return None;
    }
    mime.get_param(mime::BOUNDARY)
        .map(|boundary| boundary.as_str().to_owned())
        .filter(|boundary| !boundary.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/related; boundary=foo_bar_baz";

    fn body(parts: &[&str]) -> Bytes {
        let mut out = String::new();
        for part in parts {
            out.push_str("--foo_bar_baz\r\n");
            out.push_str(part);
            out.push_str("\r\n");
        }
        out.push_str("--foo_bar_baz--\r\n");
        Bytes::from(out)
    }

    const METADATA: &str =
        "Content-Type: application/json; charset=UTF-8\r\n\r\n{\"agentId\":\"a@rbm.goog\"}";

    async fn parse(parts: &[&str]) -> Result<RelatedUpload, MultipartError> {
        parse_related(TYPE, body(parts)).await
    }

    #[tokio::test]
    async fn metadata_then_media_are_read_byte_exact() {
        let media = "Content-Type: image/PNG\r\n\r\n\u{89}PNG\r\n--not-a-boundary\r\nend";
        let upload = parse(&[METADATA, media]).await.expect("parsed");
        assert_eq!(
            upload.metadata,
            Bytes::from_static(b"{\"agentId\":\"a@rbm.goog\"}")
        );
        assert_eq!(upload.media_type, "image/png");
        assert_eq!(
            upload.media,
            Bytes::from("\u{89}PNG\r\n--not-a-boundary\r\nend")
        );
    }

    #[tokio::test]
    async fn base64_media_is_decoded_and_a_quoted_boundary_is_understood() {
        let media =
            "Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lG\r\nODlh";
        let upload = parse_related(
            "Multipart/Related; boundary=\"foo_bar_baz\"",
            body(&[METADATA, media]),
        )
        .await
        .expect("parsed");
        assert_eq!(upload.media, Bytes::from_static(b"GIF89a"));
        let bad = "Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!";
        assert!(matches!(
            parse(&[METADATA, bad]).await,
            Err(MultipartError::Base64(_))
        ));
        let quoted =
            "Content-Type: image/gif\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx";
        assert!(matches!(
            parse(&[METADATA, quoted]).await,
            Err(MultipartError::TransferEncoding)
        ));
    }

    #[tokio::test]
    async fn anything_but_metadata_then_typed_media_is_refused() {
        let media = "Content-Type: image/png\r\n\r\nPNG";
        assert!(matches!(
            parse(&[METADATA]).await,
            Err(MultipartError::PartCount(1))
        ));
        assert!(matches!(
            parse(&[METADATA, media, media]).await,
            Err(MultipartError::PartCount(3))
        ));
        assert!(matches!(
            parse(&[media, METADATA]).await,
            Err(MultipartError::MetadataNotJson)
        ));
        assert!(matches!(
            parse(&[METADATA, "Content-Length: 3\r\n\r\nPNG"]).await,
            Err(MultipartError::NoMediaType)
        ));
        for content_type in [
            "multipart/form-data; boundary=foo_bar_baz",
            "multipart/related",
            "multipart/related; boundary=\"\"",
            "application/json",
            "",
        ] {
            assert!(
                matches!(
                    parse_related(content_type, body(&[METADATA, media])).await,
                    Err(MultipartError::NotRelated)
                ),
                "{content_type}"
            );
        }
    }

    #[tokio::test]
    async fn truncated_or_foreign_bodies_are_malformed() {
        let media = "Content-Type: image/png\r\n\r\nPNG";
        let whole = body(&[METADATA, media]);
        let cut = whole.slice(..whole.len() - 20);
        assert!(matches!(
            parse_related(TYPE, cut).await,
            Err(MultipartError::Malformed(_))
        ));
        assert!(matches!(
            parse_related(TYPE, Bytes::from_static(b"not multipart at all")).await,
            Err(MultipartError::Malformed(_))
        ));
        assert!(matches!(
            parse_related(TYPE, Bytes::new()).await,
            Err(MultipartError::Malformed(_))
        ));
    }
}
