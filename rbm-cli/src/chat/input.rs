//! What the person typed: a message, a number to tap, or a command.

use rbm_runtime::protocol::UserEventType;

/// One line of input, understood.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// Send this text.
    Text(String),
    /// Tap the numbered button.
    Tap(usize),
    /// Share a location.
    Location(f64, f64),
    /// Send the file at the URL, of the MIME type.
    File(String, String),
    /// Send a user event.
    Event(UserEventType),
    /// Show the help.
    Help,
    /// Leave.
    Quit,
    /// Nothing (an empty line).
    Nothing,
}

/// The help text of the chat.
pub(crate) const HELP: &str = "\
Type a message and press Enter to send it. Other things you can do:
  N                      tap the button or suggestion numbered N
  \\TEXT                  send TEXT as typed: \\3 sends the text 3, \\/help the text /help
  /location LAT LON      share a location, e.g. /location 60.17 24.94
  /file URL [MIME]       send a file (MIME defaults from the URL's extension)
  /event KIND            send an event: read, delivered, typing, subscribe, unsubscribe
                         (read and delivered name the bot's last message)
  /help                  show this help
  /quit                  stop the bot and leave (also Ctrl-D)
Starting a message with // also sends a text that begins with /.";

/// Understands one line; `Err` says what is wrong with a command.
pub(crate) fn parse(line: &str) -> Result<Input, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(Input::Nothing);
    }
    if let Some(text) = line.trim_start().strip_prefix('\\') {
        if text.is_empty() {
            return Ok(Input::Nothing);
        }
        return Ok(Input::Text(text.to_owned()));
    }
    if let Some(text) = trimmed.strip_prefix("//") {
        return Ok(Input::Text(format!("/{text}")));
    }
    if let Ok(number) = trimmed.parse::<usize>() {
        return Ok(Input::Tap(number));
    }
    let Some(command) = trimmed.strip_prefix('/') else {
        return Ok(Input::Text(line.to_owned()));
    };
    let mut words = command.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    match (name, args.as_slice()) {
        ("help" | "h" | "?", _) => Ok(Input::Help),
        ("quit" | "q" | "exit", _) => Ok(Input::Quit),
        ("location" | "loc", [lat, lon]) => {
            let lat = degrees("latitude", lat, 90.0)?;
            let lon = degrees("longitude", lon, 180.0)?;
            Ok(Input::Location(lat, lon))
        }
        ("location" | "loc", _) => Err("usage: /location LAT LON".into()),
        ("file", [url]) => Ok(Input::File((*url).to_owned(), guess_mime(url).to_owned())),
        ("file", [url, mime]) => Ok(Input::File((*url).to_owned(), (*mime).to_owned())),
        ("file", _) => Err("usage: /file URL [MIME]".into()),
        ("event", [kind]) => event(kind).map(Input::Event),
        ("event", _) => Err("usage: /event read|delivered|typing|subscribe|unsubscribe".into()),
        _ => Err(format!("unknown command /{name}; type /help")),
    }
}

/// `value` as degrees within ±`limit`, or which coordinate is wrong and why.
fn degrees(name: &str, value: &str, limit: f64) -> Result<f64, String> {
    let shown = value.trim_end_matches(',');
    match shown.parse::<f64>() {
        Ok(degrees) if degrees.abs() <= limit => Ok(degrees),
        Ok(_) => Err(format!(
            "the {name} {shown} is out of range: it must be between -{limit} and {limit}"
        )),
        Err(_) => Err(format!(
            "the {name} {shown:?} is not a number of degrees (e.g. /location 60.17 24.94)"
        )),
    }
}

/// The user event a name stands for (`read`, `typing`…), or why none does.
pub(super) fn event(kind: &str) -> Result<UserEventType, String> {
    Ok(match kind.to_ascii_lowercase().as_str() {
        "read" => UserEventType::Read,
        "delivered" => UserEventType::Delivered,
        "typing" | "is_typing" => UserEventType::IsTyping,
        "subscribe" => UserEventType::Subscribe,
        "unsubscribe" => UserEventType::Unsubscribe,
        other => {
            return Err(format!(
                "no event {other:?}: use read, delivered, typing, subscribe or unsubscribe"
            ));
        }
    })
}

/// A MIME type from a URL's extension (phones always send one).
fn guess_mime(url: &str) -> &'static str {
    let extension = url
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn understands_texts_taps_and_commands() {
        assert_eq!(
            parse("hello there\n"),
            Ok(Input::Text("hello there".into()))
        );
        assert_eq!(parse(" 2 "), Ok(Input::Tap(2)));
        assert_eq!(parse("//slash"), Ok(Input::Text("/slash".into())));
        assert_eq!(parse("\\3"), Ok(Input::Text("3".into())));
        assert_eq!(parse(" \\/help\n"), Ok(Input::Text("/help".into())));
        assert_eq!(parse("\\\\x"), Ok(Input::Text("\\x".into())));
        assert_eq!(
            parse("/location 60.17 -24.94"),
            Ok(Input::Location(60.17, -24.94))
        );
        assert_eq!(
            parse("/file https://x/a.png"),
            Ok(Input::File("https://x/a.png".into(), "image/png".into()))
        );
        assert_eq!(
            parse("/event typing"),
            Ok(Input::Event(UserEventType::IsTyping))
        );
        assert_eq!(parse("/quit"), Ok(Input::Quit));
        assert_eq!(parse(""), Ok(Input::Nothing));
        assert_eq!(
            parse("/location 95 200"),
            Err("the latitude 95 is out of range: it must be between -90 and 90".into())
        );
        assert_eq!(
            parse("/location 45 200"),
            Err("the longitude 200 is out of range: it must be between -180 and 180".into())
        );
        assert!(parse("/location north 0").is_err_and(|e| e.contains("latitude \"north\"")));
        assert!(parse("/event nap").is_err());
        assert!(parse("/nope").is_err());
    }
}
