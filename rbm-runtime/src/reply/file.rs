//! Files in a message: by URL (`contentInfo`) or uploaded to RBM beforehand
//! (`uploadedRbmFile`).

use serde::Serialize;

/// A file the RBM platform fetches from a public URL (and caches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInfo {
    /// The file's public URL.
    pub file_url: String,
    /// A thumbnail's public URL (images and videos).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Fetch the file again instead of using the platform's cached copy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_refresh: bool,
}

impl ContentInfo {
    /// The file at `file_url`.
    pub fn new(file_url: impl Into<String>) -> Self {
        Self {
            file_url: file_url.into(),
            thumbnail_url: None,
            force_refresh: false,
        }
    }

    /// Adds a thumbnail.
    pub fn thumbnail(mut self, thumbnail_url: impl Into<String>) -> Self {
        self.thumbnail_url = Some(thumbnail_url.into());
        self
    }

    /// Makes the platform fetch the file again instead of using its cache.
    pub fn force_refresh(mut self) -> Self {
        self.force_refresh = true;
        self
    }
}

/// A file uploaded to the RBM platform beforehand, named by its upload name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedRbmFile {
    /// The name the upload returned (`files/…`).
    pub file_name: String,
    /// The thumbnail, if any.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<UploadedThumbnail>,
}

impl UploadedRbmFile {
    /// The uploaded file `file_name`.
    pub fn new(file_name: impl Into<String>) -> Self {
        Self {
            file_name: file_name.into(),
            thumbnail: None,
        }
    }

    /// Uses another uploaded file as the thumbnail.
    pub fn thumbnail_name(mut self, name: impl Into<String>) -> Self {
        self.thumbnail = Some(UploadedThumbnail::Name(name.into()));
        self
    }

    /// Uses a public URL as the thumbnail.
    pub fn thumbnail_url(mut self, url: impl Into<String>) -> Self {
        self.thumbnail = Some(UploadedThumbnail::Url(url.into()));
        self
    }
}

/// Where the thumbnail of an [`UploadedRbmFile`] comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum UploadedThumbnail {
    /// Another uploaded file.
    #[serde(rename = "thumbnailName")]
    Name(String),
    /// A public URL.
    #[serde(rename = "thumbnailUrl")]
    Url(String),
}
