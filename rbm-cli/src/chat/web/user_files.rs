//! Files the person sent from the page: kept in memory and served on the
//! page's address, where the bot fetches them as it would fetch a user's
//! file from Google's storage.

use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;

/// The largest file the page may send (Google's limit for a user's file).
pub(super) const MAX_BYTES: usize = 100 * 1024 * 1024;

/// One file sent.
#[derive(Debug, Clone)]
pub(super) struct UserFile {
    /// Its name on the person's disk.
    pub(super) name: String,
    /// Its MIME type.
    pub(super) mime: String,
    /// Its content.
    pub(super) bytes: Bytes,
}

/// The files sent so far; a file's id is its place in the list.
#[derive(Debug, Default)]
pub(super) struct UserFiles {
    files: Mutex<Vec<UserFile>>,
}

impl UserFiles {
    fn files(&self) -> MutexGuard<'_, Vec<UserFile>> {
        self.files.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `file`; returns its id.
    pub(super) fn add(&self, file: UserFile) -> usize {
        let mut files = self.files();
        files.push(file);
        files.len() - 1
    }

    /// The file of `id` (as written in its URL).
    pub(super) fn get(&self, id: &str) -> Option<UserFile> {
        let id: usize = id.parse().ok()?;
        self.files().get(id).cloned()
    }
}

/// A file name fit for a URL and a header: the last path segment, with
/// anything but letters, digits, `.`, `-` and `_` replaced.
pub(super) fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_by_id() {
        let files = UserFiles::default();
        let id = files.add(UserFile {
            name: "a.png".into(),
            mime: "image/png".into(),
            bytes: Bytes::from_static(b"png"),
        });
        assert_eq!(
            files.get(&id.to_string()).map(|f| f.name),
            Some("a.png".into())
        );
        assert!(files.get("7").is_none());
        assert!(files.get("x").is_none());
    }

    #[test]
    fn names_are_cleaned_for_urls_and_headers() {
        assert_eq!(clean_name("pie.jpg"), "pie.jpg");
        assert_eq!(clean_name("C:\\photos\\my pie\".jpg"), "my_pie_.jpg");
        assert_eq!(clean_name("../.."), "file");
        assert_eq!(clean_name(""), "file");
    }
}
