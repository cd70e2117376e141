//! A private directory for the generated key file, removed on exit.

use std::path::PathBuf;

/// A directory under the system's temporary directory, deleted on drop.
#[derive(Debug)]
pub(crate) struct KeyDir {
    path: PathBuf,
}

impl KeyDir {
    /// Creates `rbm-chat-<pid>-<random>`.
    pub(crate) fn create() -> std::io::Result<Self> {
        let name = format!("rbm-chat-{}-{:08x}", std::process::id(), fastrand::u32(..));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(Self { path })
    }

    /// The path of `file` inside it.
    pub(crate) fn file(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
