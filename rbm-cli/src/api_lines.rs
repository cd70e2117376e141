//! One line for each call `rbm api` shows besides messages and events:
//! capability checks, reachability lists, tester invites, files. Phone
//! numbers are masked; what a request sent is escaped.

use rbm_runtime::testing::fake_api::{FakeFile, FileContent, RecordedRequest};

use crate::inbox::show::{masked_phone, one_line};

const INDENT: &str = "     ";

/// The line for `request`, an API call that is neither a message nor an
/// event; `created` is the file it created, when it created one.
pub(crate) fn line(request: &RecordedRequest, created: Option<&FakeFile>) -> String {
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let status = request.status;
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["v1", "phones", phone, "capabilities"]) => {
            format!(
                "{INDENT}[capabilities of {}] -> {status}",
                masked_phone(phone)
            )
        }
        ("POST", ["v1", "phones", phone, "testers"]) => {
            format!(
                "{INDENT}[tester invite to {}] -> {status}",
                masked_phone(phone)
            )
        }
        ("POST", ["v1", "users:batchGet"]) => {
            let asked = request
                .body
                .as_ref()
                .and_then(|body| body["users"].as_array())
                .map_or(0, Vec::len);
            format!("{INDENT}[reachability of {asked} numbers] -> {status}")
        }
        ("POST", ["v1", "files"] | ["upload", "v1", "files"]) => match created {
            Some(file) => format!("{INDENT}[file {}] {}", one_line(&file.name), content(file)),
            None => format!("{INDENT}[file] -> {status}"),
        },
        _ => format!(
            "{INDENT}({} {} -> {status})",
            one_line(&request.method),
            one_line(&request.path)
        ),
    }
}

/// Whether `request` created a file (so that the next of the fake's files
/// is the one it created).
pub(crate) fn created_a_file(request: &RecordedRequest) -> bool {
    request.status == 200
        && request.method == "POST"
        && matches!(request.path.as_str(), "/v1/files" | "/upload/v1/files")
}

fn content(file: &FakeFile) -> String {
    match &file.content {
        FileContent::Url(url) => format!("from {}", one_line(url)),
        FileContent::Uploaded {
            content_type,
            bytes,
            sha256,
        } => format!(
            "uploaded: {}, {} bytes, sha256 {}",
            one_line(content_type),
            bytes.len(),
            sha256.get(..16).unwrap_or(sha256)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(method: &str, path: &str, status: u16) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            body: None,
            authorization: None,
            status,
        }
    }

    #[test]
    fn calls_show_on_one_line_with_masked_numbers() {
        assert_eq!(
            line(
                &request("GET", "/v1/phones/+12223334444/capabilities", 404),
                None
            ),
            "     [capabilities of ***4444] -> 404"
        );
        assert_eq!(
            line(
                &request("POST", "/v1/phones/+12223334444/testers", 200),
                None
            ),
            "     [tester invite to ***4444] -> 200"
        );
        let mut batch = request("POST", "/v1/users:batchGet", 200);
        batch.body = Some(json!({"users": ["+1", "+2", "+3"]}));
        assert_eq!(
            line(&batch, None),
            "     [reachability of 3 numbers] -> 200"
        );
        assert_eq!(
            line(&request("GET", "/v1/other\n\u{1b}[2J", 404), None),
            "     (GET /v1/other\\n\\u{1b}[2J -> 404)"
        );
    }

    #[test]
    fn files_show_where_their_content_came_from() {
        let upload = request("POST", "/upload/v1/files", 200);
        assert!(created_a_file(&upload));
        assert!(!created_a_file(&request("POST", "/upload/v1/files", 413)));
        let mut file = FakeFile::from_url("files/abc", "agent", "https://example.com/a.png");
        assert_eq!(
            line(&upload, Some(&file)),
            "     [file files/abc] from https://example.com/a.png"
        );
        file.content = FileContent::uploaded("image/png", "abc");
        assert_eq!(
            line(&upload, Some(&file)),
            "     [file files/abc] uploaded: image/png, 3 bytes, sha256 ba7816bf8f01cfea"
        );
        assert_eq!(
            line(&request("POST", "/upload/v1/files", 413), None),
            "     [file] -> 413"
        );
    }
}
