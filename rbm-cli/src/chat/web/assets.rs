//! The page's files, built into the binary: plain HTML, CSS and JavaScript,
//! nothing fetched from elsewhere, so the page works offline.

/// A file of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Asset {
    /// Its `Content-Type`.
    pub(super) content_type: &'static str,
    /// Its bytes.
    pub(super) body: &'static str,
}

const INDEX: Asset = Asset {
    content_type: "text/html; charset=utf-8",
    body: include_str!("assets/index.html"),
};
const STYLE: Asset = Asset {
    content_type: "text/css; charset=utf-8",
    body: include_str!("assets/app.css"),
};
const SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("assets/app.js"),
};

/// The asset served at `path`, if any.
pub(super) fn find(path: &str) -> Option<Asset> {
    match path {
        "/" | "/index.html" => Some(INDEX),
        "/app.css" => Some(STYLE),
        "/app.js" => Some(SCRIPT),
        _ => None,
    }
}

/// The page's weight: every asset, in bytes.
#[cfg(test)]
pub(super) fn total_bytes() -> usize {
    [INDEX, STYLE, SCRIPT].iter().map(|a| a.body.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_only_its_own_files() {
        let index = find("/").expect("the page");
        assert!(index.body.contains(r#"src="/app.js""#));
        assert!(index.body.contains(r#"href="/app.css""#));
        for asset in [INDEX, STYLE, SCRIPT] {
            assert!(!asset.body.contains("http://"), "no outside address");
            assert!(!asset.body.contains("https://"), "no outside address");
        }
        assert!(find("/nope").is_none());
    }

    #[test]
    fn the_page_stays_small() {
        assert!(total_bytes() < 64 * 1024, "{} bytes", total_bytes());
    }
}
