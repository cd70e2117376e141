//! `files.create`: a file uploaded once (by URL or by its bytes) and sent
//! by name (`uploadedRbmFile`, card media) as often as needed; the platform
//! keeps it about 60 days.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::reply::{MAX_URL_CHARS, UploadedRbmFile};

use super::call::{Call, Limits};
use super::client::RbmApiClient;
use super::error::ApiError;

/// The largest file the RBM platform takes (100 MiB).
pub const MAX_FILE_BYTES: usize = 100 * 1024 * 1024;

/// The content types the platform takes: images, audio, video and PDF.
pub const SUPPORTED_CONTENT_TYPES: &[&str] = &[
    "image/jpeg",
    "image/jpg",
    "image/gif",
    "image/png",
    "audio/aac",
    "audio/mp3",
    "audio/mpeg",
    "audio/mpg",
    "audio/mp4",
    "audio/mp4-latm",
    "audio/3gpp",
    "application/ogg",
    "audio/ogg",
    "video/h263",
    "video/m4v",
    "video/mp4",
    "video/mpeg",
    "video/mpeg4",
    "video/webm",
    "application/pdf",
];

/// An upload takes longer than a reply: the limits of one.
const UPLOAD_LIMITS: Limits = Limits {
    deadline: Duration::from_secs(300),
    request_timeout: Duration::from_secs(120),
};

/// A file to upload, and its optional thumbnail and description.
#[derive(Clone, PartialEq, Eq)]
pub struct FileUpload {
    source: FileSource,
    thumbnail_url: Option<String>,
    content_description: Option<String>,
}

/// Where an uploaded file comes from.
#[derive(Clone, PartialEq, Eq)]
enum FileSource {
    /// The platform fetches it (its type from the answer's `Content-Type`).
    Url(String),
    /// Its bytes, sent in the request.
    Bytes { bytes: Bytes, content_type: String },
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("FileUpload");
        match &self.source {
            FileSource::Url(url) => out.field("url", url),
            FileSource::Bytes {
                bytes,
                content_type,
            } => out
                .field("bytes", &bytes.len())
                .field("content_type", content_type),
        };
        out.field("thumbnail_url", &self.thumbnail_url)
            .field("content_description", &self.content_description)
            .finish()
    }
}

impl FileUpload {
    /// The file at a public URL (uploaded by `POST /v1/files`). Use one URL
    /// per file: the platform refuses many unique URLs for the same content.
    pub fn url(url: impl Into<String>) -> Self {
        Self::from_source(FileSource::Url(url.into()))
    }

    /// The file's bytes and content type (`image/png`), uploaded by
    /// `POST /upload/v1/files`.
    pub fn bytes(bytes: impl Into<Bytes>, content_type: impl Into<String>) -> Self {
        Self::from_source(FileSource::Bytes {
            bytes: bytes.into(),
            content_type: content_type.into(),
        })
    }

    fn from_source(source: FileSource) -> Self {
        Self {
            source,
            thumbnail_url: None,
            content_description: None,
        }
    }

    /// A thumbnail at a public URL; without one the platform makes one.
    pub fn thumbnail_url(mut self, url: impl Into<String>) -> Self {
        self.thumbnail_url = Some(url.into());
        self
    }

    /// A text description of the file for screen readers.
    pub fn content_description(mut self, text: impl Into<String>) -> Self {
        self.content_description = Some(text.into());
        self
    }

    /// Checks what the API would refuse, before sending anything.
    fn check(&self) -> Result<(), ApiError> {
        let invalid = |reason: String| Err(ApiError::InvalidRequest(reason));
        match &self.source {
            FileSource::Url(url) => check_url("the file URL", url)?,
            FileSource::Bytes {
                bytes,
                content_type,
            } => {
                if bytes.is_empty() {
                    return invalid("the file is empty".to_owned());
                }
                if bytes.len() > MAX_FILE_BYTES {
                    return invalid(format!(
                        "the file has {} bytes; the RBM platform takes at most {MAX_FILE_BYTES} (100 MiB)",
                        bytes.len()
                    ));
                }
                if !is_supported(content_type) {
                    return invalid(format!(
                        "the content type {content_type:?} is not one the RBM platform takes (images, audio, video, PDF: {})",
                        SUPPORTED_CONTENT_TYPES.join(", ")
                    ));
                }
            }
        }
        if let Some(thumbnail) = &self.thumbnail_url {
            check_url("the thumbnail URL", thumbnail)?;
        }
        Ok(())
    }
}

/// Whether the platform takes `content_type` (parameters such as
/// `; charset=` ignored, case-insensitive).
fn is_supported(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    SUPPORTED_CONTENT_TYPES.contains(&essence.as_str())
}

/// An absolute http(s) URL of at most 2,048 characters.
fn check_url(what: &str, url: &str) -> Result<(), ApiError> {
    let chars = url.chars().count();
    if chars > MAX_URL_CHARS {
        return Err(ApiError::InvalidRequest(format!(
            "{what} has {chars} characters; at most {MAX_URL_CHARS} are allowed"
        )));
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        _ => Err(ApiError::InvalidRequest(format!(
            "{what} must be an absolute http(s) URL"
        ))),
    }
}

/// A file the platform holds, by the name messages use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UploadedFile {
    /// `files/{uid}`.
    pub name: String,
}

impl UploadedFile {
    /// The file as message content (`uploadedRbmFile`), for
    /// [`Reply::uploaded_file`](crate::reply::Reply::uploaded_file) or card media.
    pub fn as_rbm_file(&self) -> UploadedRbmFile {
        UploadedRbmFile::new(self.name.clone())
    }
}

/// The metadata part of a `files.create` request.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileMetadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_description: Option<&'a str>,
    agent_id: &'a str,
}

impl RbmApiClient {
    /// Uploads a file for the client's agent (`files.create`) and returns
    /// its name. Checked first (size, content type, URLs), then sent with
    /// longer limits than a reply (2 minutes a request, 5 in all). A retried
    /// upload may leave an unused copy on the platform, never a wrong one.
    pub async fn upload_file(&self, upload: &FileUpload) -> Result<UploadedFile, ApiError> {
        upload.check()?;
        let agent_id = self.agent_id(None)?;
        let mut metadata = FileMetadata {
            file_url: None,
            thumbnail_url: upload.thumbnail_url.as_deref(),
            content_description: upload.content_description.as_deref(),
            agent_id,
        };
        let call = match &upload.source {
            FileSource::Url(url) => {
                metadata.file_url = Some(url);
                let url = self.inner.endpoint.url(&["v1", "files"], &[])?;
                Call::new("files.create", Method::POST, url).json(to_json(&metadata)?)
            }
            FileSource::Bytes {
                bytes,
                content_type,
            } => {
                let url = self.inner.endpoint.url(
                    &["upload", "v1", "files"],
                    &[("uploadType", "multipart"), ("agentId", agent_id)],
                )?;
                let (body, content_type) =
                    multipart_related(&to_json(&metadata)?, bytes, content_type);
                Call::new("files.create", Method::POST, url).body(body, content_type)
            }
        };
        let answer = self.call(call.limits(UPLOAD_LIMITS)).await?;
        serde_json::from_slice(&answer).map_err(|error| ApiError::UnexpectedAnswer {
            call: "files.create",
            reason: error.to_string(),
        })
    }
}

fn to_json(metadata: &FileMetadata<'_>) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(metadata).map_err(|error| ApiError::InvalidRequest(error.to_string()))
}

/// A `multipart/related` body as Google's upload protocol takes it: the
/// JSON metadata, then the media; and its content type with the boundary.
fn multipart_related(metadata: &[u8], media: &[u8], media_type: &str) -> (Bytes, String) {
    // A boundary that occurs in neither part (drawn again in the unlikely
    // case it does).
    let boundary = loop {
        let candidate = format!("rbm-{:032x}", fastrand::u128(..));
        let needle = candidate.as_bytes();
        let inside = |part: &[u8]| part.windows(needle.len()).any(|w| w == needle);
        if !inside(metadata) && !inside(media) {
            break candidate;
        }
    };
    let mut body = BytesMut::with_capacity(metadata.len() + media.len() + 256);
    body.put_slice(
        format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").as_bytes(),
    );
    body.put_slice(metadata);
    body.put_slice(format!("\r\n--{boundary}\r\nContent-Type: {media_type}\r\n\r\n").as_bytes());
    body.put_slice(media);
    body.put_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        body.freeze(),
        format!("multipart/related; boundary={boundary}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_size_type_and_urls_before_sending() {
        assert!(
            FileUpload::bytes(vec![1, 2, 3], "image/png")
                .check()
                .is_ok()
        );
        assert!(FileUpload::bytes(vec![1], "Image/PNG; x=y").check().is_ok());
        let refused = |upload: FileUpload| upload.check().expect_err("refused").to_string();
        assert!(refused(FileUpload::bytes(Vec::new(), "image/png")).contains("empty"));
        assert!(refused(FileUpload::bytes(vec![0; 10], "text/html")).contains("text/html"));
        assert!(
            refused(FileUpload::bytes(vec![0; MAX_FILE_BYTES + 1], "image/png"))
                .contains("at most 104857600")
        );
        assert!(refused(FileUpload::url("/relative.png")).contains("absolute"));
        assert!(refused(FileUpload::url("ftp://h/x.png")).contains("absolute"));
        let long = format!("https://h/{}", "a".repeat(2048));
        assert!(refused(FileUpload::url(long)).contains("2048"));
        assert!(
            refused(FileUpload::url("https://h/a.png").thumbnail_url("nope")).contains("thumbnail")
        );
        assert!(FileUpload::url("https://h/a.png").check().is_ok());
    }

    #[test]
    fn the_multipart_body_holds_both_parts_between_boundaries() {
        let (body, content_type) =
            multipart_related(br#"{"agentId":"a"}"#, b"\x89PNG", "image/png");
        let boundary = content_type
            .strip_prefix("multipart/related; boundary=")
            .expect("a boundary");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Type: application/json")));
        assert!(text.contains("\r\n\r\n{\"agentId\":\"a\"}\r\n"));
        assert!(text.contains("Content-Type: image/png\r\n\r\n"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }

    #[test]
    fn debug_shows_the_size_not_the_bytes() {
        let shown = format!("{:?}", FileUpload::bytes(vec![7; 5], "image/png"));
        assert!(shown.contains("bytes: 5"), "{shown}");
    }
}
