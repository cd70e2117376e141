//! `files.create`: a file by its public URL (`POST /v1/files`) or uploaded
//! (`POST /upload/v1/files`, `uploadType=media` or `multipart`), kept under a
//! `files/<uid>` name that messages can then use.

use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::answer::Answer;
use super::multipart::parse_related;
use super::request::ReadRequest;
use super::state::{Counters, State};

use crate::reply::MAX_URL_CHARS;

/// The media types `files.create` accepts: the client's own list.
pub use crate::api::SUPPORTED_CONTENT_TYPES;

/// Google's largest file (100 MiB), as the client checks it.
pub const DEFAULT_MAX_FILE_BYTES: u64 = crate::api::MAX_FILE_BYTES as u64;

/// A file the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeFile {
    /// Its name, `files/<uid>`: what messages name it by.
    pub name: String,
    /// The agent that created it.
    pub agent_id: String,
    /// Where its content came from.
    pub content: FileContent,
    /// `thumbnailUrl`, when given.
    pub thumbnail_url: Option<String>,
    /// `contentDescription`, when given.
    pub content_description: Option<String>,
}

/// The content of a [`FakeFile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// Created from a public URL, which the platform fetches itself.
    Url(String),
    /// Uploaded bytes.
    Uploaded {
        /// The media type, lower case, without parameters.
        content_type: String,
        /// The bytes, as received.
        bytes: Bytes,
        /// Their SHA-256, lower-case hex.
        sha256: String,
    },
}

impl FakeFile {
    /// A file created from `url`, as if by an earlier `files.create` (Google
    /// keeps files 60 days: a bot may name one it did not create this run).
    pub fn from_url(
        name: impl Into<String>,
        agent_id: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            agent_id: agent_id.into(),
            content: FileContent::Url(url.into()),
            thumbnail_url: None,
            content_description: None,
        }
    }
}

impl FileContent {
    /// Uploaded `bytes` of `content_type`, their hash computed.
    pub fn uploaded(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self::Uploaded {
            content_type: content_type.into(),
            bytes,
            sha256,
        }
    }
}

/// The files of one fake, in creation order.
#[derive(Debug)]
pub(super) struct Files {
    pub(super) all: Vec<FakeFile>,
    pub(super) max_bytes: u64,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            all: Vec::new(),
            max_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl Files {
    pub(super) fn contains(&self, name: &str) -> bool {
        self.all.iter().any(|file| file.name == name)
    }

    /// Keeps `file`, replacing one of the same name.
    pub(super) fn insert(&mut self, file: FakeFile) {
        self.all.retain(|kept| kept.name != file.name);
        self.all.push(file);
    }
}

/// What the request said about the file besides its content.
struct Metadata {
    agent_id: String,
    thumbnail_url: Option<String>,
    content_description: Option<String>,
}

/// `POST /v1/files`: a file by URL.
pub(super) fn create(state: &State, request: &ReadRequest) -> Answer {
    let Some(body) = request.json().filter(Value::is_object) else {
        return Answer::invalid("The request body must be a JSON object");
    };
    let metadata = match metadata(request, &body) {
        Ok(metadata) => metadata,
        Err(answer) => return answer,
    };
    let Some(url) = body.get("fileUrl").and_then(Value::as_str) else {
        return Answer::invalid("fileUrl is required (or upload the file to /upload/v1/files)");
    };
    if let Err(why) = check_url(url) {
        return Answer::invalid(&format!("fileUrl {why}"));
    }
    keep(state, metadata, FileContent::Url(url.to_owned()))
}

/// `POST /upload/v1/files`: uploaded bytes.
pub(super) async fn upload(state: &State, request: &ReadRequest) -> Answer {
    let (body, media_type, media) = match request.query("uploadType") {
        // Google's own RBM example posts the bytes without an uploadType.
        None | Some("media") => {
            let Some(media_type) = request.content_type.as_deref().and_then(essence) else {
                return Answer::invalid("An upload needs the file's Content-Type");
            };
            (json!({}), media_type, request.body.clone())
        }
        Some("multipart") => {
            let content_type = request.content_type.as_deref().unwrap_or_default();
            let upload = match parse_related(content_type, request.body.clone()).await {
                Ok(upload) => upload,
                Err(error) => return Answer::invalid(&error.to_string()),
            };
            let Some(body) = serde_json::from_slice::<Value>(&upload.metadata)
                .ok()
                .filter(Value::is_object)
            else {
                return Answer::invalid("The metadata part must be a JSON object");
            };
            (body, upload.media_type, upload.media)
        }
        Some(_) => {
            return Answer::invalid(
                "uploadType must be media or multipart (resumable uploads are not supported by this fake)",
            );
        }
    };
    let metadata = match metadata(request, &body) {
        Ok(metadata) => metadata,
        Err(answer) => return answer,
    };
    if body.get("fileUrl").is_some() {
        return Answer::invalid("fileUrl and uploaded bytes exclude each other");
    }
    if !SUPPORTED_CONTENT_TYPES.contains(&media_type.as_str()) {
        return Answer::invalid(&format!(
            "Unsupported content type {media_type:?}: use one of {}",
            SUPPORTED_CONTENT_TYPES.join(", ")
        ));
    }
    if media.is_empty() {
        return Answer::invalid("The uploaded file is empty");
    }
    let max = state.memory().files.max_bytes;
    if u64::try_from(media.len()).unwrap_or(u64::MAX) > max {
        return Answer::error(
            413,
            &format!("The file is larger than the limit of {max} bytes"),
        );
    }
    keep(state, metadata, FileContent::uploaded(media_type, media))
}

/// The agent, thumbnail and description of a request, checked.
fn metadata(request: &ReadRequest, body: &Value) -> Result<Metadata, Answer> {
    let Some(agent_id) = request.agent_id(Some(body)) else {
        return Err(Answer::no_agent());
    };
    let thumbnail_url = body.get("thumbnailUrl").and_then(Value::as_str);
    if let Some(url) = thumbnail_url {
        check_url(url).map_err(|why| Answer::invalid(&format!("thumbnailUrl {why}")))?;
    }
    Ok(Metadata {
        agent_id: agent_id.to_owned(),
        thumbnail_url: thumbnail_url.map(str::to_owned),
        content_description: body
            .get("contentDescription")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn keep(state: &State, metadata: Metadata, content: FileContent) -> Answer {
    let name = format!(
        "files/{}",
        std::iter::repeat_with(fastrand::lowercase)
            .take(20)
            .collect::<String>()
    );
    state.memory().files.insert(FakeFile {
        name: name.clone(),
        agent_id: metadata.agent_id,
        content,
        thumbnail_url: metadata.thumbnail_url,
        content_description: metadata.content_description,
    });
    Counters::bump(&state.counters.files);
    Answer::ok(json!({ "name": name }))
}

/// Whether `url` is an absolute http(s) URL Google would fetch.
fn check_url(url: &str) -> Result<(), &'static str> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err("is longer than 2048 characters");
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        _ => Err("must be an absolute http(s) URL"),
    }
}

/// `image/PNG; charset=x` → `image/png`.
fn essence(content_type: &str) -> Option<String> {
    let mime: mime::Mime = content_type.parse().ok()?;
    Some(mime.essence_str().to_ascii_lowercase())
}

/// The file names a message's content refers to: `uploadedRbmFile`
/// (`fileName`, `thumbnailName`) and the deprecated `fileName`, at the top
/// and in card media.
pub(super) fn referenced_files(content: &Value) -> Vec<&str> {
    let mut names = Vec::new();
    let mut holders = vec![content];
    if let Some(card) = content.get("richCard") {
        if let Some(media) = card.pointer("/standaloneCard/cardContent/media") {
            holders.push(media);
        }
        let cards = card
            .pointer("/carouselCard/cardContents")
            .and_then(Value::as_array);
        holders.extend(cards.into_iter().flatten().filter_map(|c| c.get("media")));
    }
    for holder in holders {
        let uploaded = holder.get("uploadedRbmFile");
        for name in [
            uploaded.and_then(|u| u.get("fileName")),
            uploaded.and_then(|u| u.get("thumbnailName")),
            holder.get("fileName"),
        ]
        .into_iter()
        .flatten()
        {
            names.extend(name.as_str());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert_eq!(check_url("https://example.com/a.png"), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:8080/a"), Ok(()));
        for bad in [
            "/a.png",
            "ftp://example.com/a",
            "file:///etc/passwd",
            "https://",
            "no",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(check_url(&long).is_err());
    }

    #[test]
    fn content_types_are_compared_without_parameters_or_case() {
        assert_eq!(essence("image/PNG; name=x").as_deref(), Some("image/png"));
        assert_eq!(essence("nonsense"), None);
    }

    #[test]
    fn uploaded_content_knows_its_hash() {
        let FileContent::Uploaded { sha256, .. } = FileContent::uploaded("image/png", "abc") else {
            panic!("uploaded");
        };
        assert_eq!(
            sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn file_names_are_found_wherever_a_message_can_use_them() {
        let content = json!({
            "uploadedRbmFile": {"fileName": "files/a", "thumbnailName": "files/a-t"},
            "fileName": "files/old",
            "richCard": {
                "standaloneCard": {"cardContent": {"media": {"uploadedRbmFile": {"fileName": "files/s"}}}},
                "carouselCard": {"cardContents": [
                    {"media": {"fileName": "files/c1"}},
                    {"title": "no media"},
                    {"media": {"contentInfo": {"fileUrl": "https://x.example"}}}
                ]}
            }
        });
        assert_eq!(
            referenced_files(&content),
            ["files/a", "files/a-t", "files/old", "files/s", "files/c1"]
        );
        assert!(referenced_files(&json!({"text": "hi"})).is_empty());
    }
}
