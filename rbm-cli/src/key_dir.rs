//! A private directory for the generated key file, removed on exit.

use std::path::PathBuf;

/// A directory under the system's temporary directory that only this user
/// can enter (mode 0700 on unix), deleted on drop.
#[derive(Debug)]
pub(crate) struct KeyDir {
    path: PathBuf,
}

impl KeyDir {
    /// Creates `rbm-<pid>-<random>`.
    pub(crate) fn create() -> std::io::Result<Self> {
        let name = format!("rbm-{}-{:08x}", std::process::id(), fastrand::u32(..));
        let path = std::env::temp_dir().join(name);
        let mut builder = std::fs::DirBuilder::new();
        // Created private: there is no moment at which others could enter it.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_created_and_removed() {
        let dir = KeyDir::create().expect("created");
        let path = dir.file("x").parent().expect("the directory").to_owned();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn only_its_owner_can_enter_it() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = KeyDir::create().expect("created");
        let path = dir.file("x").parent().expect("the directory").to_owned();
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "mode {mode:o}");
    }
}
