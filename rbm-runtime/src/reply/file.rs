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

/// A file uploaded to the RBM platform beforehand (`files.create`), named by
/// the name the upload returned, with an optional thumbnail uploaded the same
/// way. The API's `UploadedRbmFile` has exactly these two fields: a thumbnail
/// by URL is not accepted here (upload it, or send the file as [`ContentInfo`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedRbmFile {
    /// The name the upload returned (`files/…`).
    pub file_name: String,
    /// The name the thumbnail's upload returned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_name: Option<String>,
}

impl UploadedRbmFile {
    /// The uploaded file `file_name`.
    pub fn new(file_name: impl Into<String>) -> Self {
        Self {
            file_name: file_name.into(),
            thumbnail_name: None,
        }
    }

    /// Uses another uploaded file as the thumbnail.
    pub fn thumbnail_name(mut self, name: impl Into<String>) -> Self {
        self.thumbnail_name = Some(name.into());
        self
    }
}

impl From<&str> for UploadedRbmFile {
    fn from(file_name: &str) -> Self {
        Self::new(file_name)
    }
}

impl From<String> for UploadedRbmFile {
    fn from(file_name: String) -> Self {
        Self::new(file_name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_uploaded_file_has_only_file_and_thumbnail_names() {
        let plain = serde_json::to_value(UploadedRbmFile::from("files/a")).expect("serialisable");
        assert_eq!(plain, json!({"fileName": "files/a"}));
        let with_thumbnail =
            serde_json::to_value(UploadedRbmFile::new("files/a").thumbnail_name("files/t"))
                .expect("serialisable");
        assert_eq!(
            with_thumbnail,
            json!({"fileName": "files/a", "thumbnailName": "files/t"})
        );
    }
}
