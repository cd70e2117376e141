//! The URLs of the RBM API calls, built from a base URL that may be regional
//! or a local fake.

use url::Url;

use super::error::ApiError;

/// Builds `{base}/v1/phones/{phone}/{collection}[/{id}]?{query}`.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// `base` must be an absolute http(s) URL (checked by the builder).
    pub(crate) fn new(base: Url) -> Self {
        Self { base }
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// The URL of a call on the user `phone`'s resources.
    pub(crate) fn phone_url(
        &self,
        phone: &str,
        resource: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, ApiError> {
        check_phone(phone)?;
        let path: Vec<&str> = ["v1", "phones", phone]
            .into_iter()
            .chain(resource.iter().copied())
            .collect();
        self.url(&path, query)
    }

    /// `{base}/{path…}?{query}`, each path segment escaped.
    pub(crate) fn url(&self, path: &[&str], query: &[(&str, &str)]) -> Result<Url, ApiError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ApiError::InvalidRequest("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(path);
        if query.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(query);
        }
        Ok(url)
    }
}

/// Whether `phone` is an E.164 number: `+` and 2 to 15 digits, the first
/// not zero.
pub fn is_e164(phone: &str) -> bool {
    let digits = phone.strip_prefix('+').unwrap_or("");
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Checks that `phone` is E.164 (see [`is_e164`]): it goes into the URL
/// path, so nothing else may pass.
pub(crate) fn check_phone(phone: &str) -> Result<(), ApiError> {
    if is_e164(phone) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(
            "the phone number is not E.164 (+ and up to 15 digits)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_paths_and_queries_under_any_base() {
        for base in [
            "http://127.0.0.1:1",
            "http://127.0.0.1:1/",
            "http://h/prefix/",
        ] {
            let endpoint = Endpoint::new(Url::parse(base).expect("a valid base"));
            let url = endpoint
                .phone_url(
                    "+12223334444",
                    &["agentMessages"],
                    &[("messageId", "m"), ("agentId", "a@rbm.goog")],
                )
                .expect("a valid URL");
            assert!(
                url.path()
                    .ends_with("/v1/phones/+12223334444/agentMessages"),
                "{url}"
            );
            assert_eq!(url.query(), Some("messageId=m&agentId=a%40rbm.goog"));
        }
    }

    #[test]
    fn builds_colon_methods_and_upload_paths() {
        let endpoint = Endpoint::new(Url::parse("http://h/").expect("a valid base"));
        let batch = endpoint
            .url(&["v1", "users:batchGet"], &[])
            .expect("a valid URL");
        assert_eq!(batch.as_str(), "http://h/v1/users:batchGet");
        let upload = endpoint
            .url(&["upload", "v1", "files"], &[("uploadType", "media")])
            .expect("a valid URL");
        assert_eq!(upload.as_str(), "http://h/upload/v1/files?uploadType=media");
    }

    #[test]
    fn refuses_phone_numbers_that_are_not_e164() {
        for phone in [
            "",
            "+",
            "12223334444",
            "+1/../x",
            "+0123",
            "+1234567890123456",
            "+12 34",
        ] {
            assert!(check_phone(phone).is_err(), "{phone:?}");
        }
        assert!(check_phone("+358401234567").is_ok());
    }
}
