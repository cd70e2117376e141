//! `rbm upload`: a file put on the RBM platform, to be sent by its name.

use std::path::Path;

use rbm_runtime::api::FileUpload;

use crate::cli::UploadArgs;
use crate::connect;
use crate::error::CliError;

/// Uploads the file and prints its name (`files/…`).
pub(crate) async fn run(args: UploadArgs) -> Result<bool, CliError> {
    let client = connect::client(&args.agent)?;
    let mut upload = if is_url(&args.source) {
        if args.content_type.is_some() {
            return Err(CliError::Usage(
                "--content-type is for a local file: the platform takes a URL's type from its answer"
                    .to_owned(),
            ));
        }
        FileUpload::url(&args.source)
    } else {
        let path = Path::new(&args.source);
        let content_type = match args.content_type {
            Some(content_type) => content_type,
            None => guessed_type(path)?,
        };
        let bytes = std::fs::read(path).map_err(|source| CliError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        FileUpload::bytes(bytes, content_type)
    };
    if let Some(thumbnail) = args.thumbnail {
        upload = upload.thumbnail_url(thumbnail);
    }
    if let Some(description) = args.description {
        upload = upload.content_description(description);
    }
    let file = client.upload_file(&upload).await?;
    println!("{}", file.name);
    Ok(true)
}

/// Whether `source` is an http(s) URL rather than a path.
fn is_url(source: &str) -> bool {
    let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The content type `path`'s extension stands for.
fn guessed_type(path: &Path) -> Result<String, CliError> {
    mime_guess::from_path(path)
        .first()
        .map(|mime| mime.essence_str().to_owned())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "cannot tell the content type of {} from its extension: give --content-type",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("https://example.com/a.png"));
        assert!(is_url("HTTP://example.com/a.png"));
        assert!(!is_url("photos/a.png"));
        assert!(!is_url("http"));
        assert!(!is_url("./https://x"));
    }

    #[test]
    fn the_type_comes_from_the_extension() {
        assert_eq!(
            guessed_type(Path::new("a/b.PNG")).expect("known"),
            "image/png"
        );
        assert_eq!(
            guessed_type(Path::new("c.pdf")).expect("known"),
            "application/pdf"
        );
        assert!(guessed_type(Path::new("no-extension")).is_err());
    }
}
