//! The message of `rbm send-message` and `rbm campaign`, from its options.

use rbm_runtime::Reply;

use crate::cli::MessageArg;

impl MessageArg {
    /// The reply the options describe (clap makes sure exactly one is given).
    pub(crate) fn reply(&self) -> Reply {
        match (&self.text, &self.file_url, &self.uploaded_file) {
            (Some(text), _, _) => Reply::text(text.as_str()),
            (None, Some(url), _) => Reply::file_url(url.as_str()),
            (None, None, Some(name)) => Reply::uploaded_file(name.as_str()),
            // Unreachable through clap's group; an empty text is refused
            // with a clear message when it is checked.
            (None, None, None) => Reply::text(""),
        }
    }
}
