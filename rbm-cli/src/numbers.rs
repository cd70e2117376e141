//! Lists of phone numbers, one a line, from a file or standard input.

use std::io::Read as _;
use std::path::PathBuf;

use crate::error::CliError;

/// The lines of `file` (`-`: standard input).
pub(crate) fn read_lines(file: &str) -> Result<Vec<String>, CliError> {
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(CliError::io("reading the numbers from standard input"))?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|source| CliError::ReadFile {
            path: PathBuf::from(file),
            source,
        })?
    };
    Ok(text.lines().map(str::to_owned).collect())
}

/// `lines 3, 7 and 9 are`, `line 4 is`: the line numbers of a summary,
/// the first 20 of them.
pub(crate) fn line_list(lines: &[usize]) -> String {
    const SHOWN: usize = 20;
    let mut shown: Vec<String> = lines.iter().take(SHOWN).map(usize::to_string).collect();
    if lines.len() > SHOWN {
        shown.push(format!("{} more", lines.len() - SHOWN));
    }
    match shown.as_slice() {
        [one] => format!("line {one} is"),
        [first @ .., last] => format!("lines {} and {last} are", first.join(", ")),
        [] => "no line is".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lists_read_as_english() {
        assert_eq!(line_list(&[4]), "line 4 is");
        assert_eq!(line_list(&[3, 7, 9]), "lines 3, 7 and 9 are");
        let many: Vec<usize> = (1..=25).collect();
        assert!(
            line_list(&many).ends_with(", 20 and 5 more are"),
            "{}",
            line_list(&many)
        );
    }
}
