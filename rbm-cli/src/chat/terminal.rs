//! The terminal face of `rbm chat`: reads lines, prints the bot's replies
//! with every button numbered.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use rbm_runtime::testing::{Chip, HttpBot, PushBuilder, StatusCode, read_sent};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use super::engine::{self, Engine, SILENT_BOT};
use super::input::{self, Input};
use crate::cli::ChatArgs;
use crate::error::CliError;
use crate::render;
use crate::signals::{Signals, Stop};

/// Runs the chat until `/quit`, end of input or Ctrl-C.
pub(crate) async fn run(
    engine: &Engine,
    args: &ChatArgs,
    signals: &mut Signals,
) -> Result<(), CliError> {
    let mut chat = Chat {
        bot: engine.user(&args.phone)?,
        engine,
        started: false,
        buttons: Vec::new(),
        last_agent_message: None,
    };
    tokio::select! {
        result = chat.session(args) => result,
        stop = signals.recv() => {
            println!();
            // Ctrl-C in the chat is a way to leave; any other signal, or one
            // while the bot starts, ends the tool with the signal's code.
            if stop == Stop::Interrupt && chat.started {
                Ok(())
            } else {
                Err(CliError::Stopped { signal: stop.name(), code: stop.exit_code() })
            }
        }
    }
}

/// The state of one conversation in the terminal.
struct Chat<'a> {
    bot: HttpBot,
    engine: &'a Engine,
    /// Whether the chat began (the bot answered, the person was greeted).
    started: bool,
    /// The numbered buttons of the bot's last turn.
    buttons: Vec<Chip>,
    last_agent_message: Option<String>,
}

impl Chat<'_> {
    /// The whole session: waits for the bot, then converses.
    async fn session(&mut self, args: &ChatArgs) -> Result<(), CliError> {
        let timeout = Duration::from_secs(args.ready_timeout);
        if let Some(ready) = self.engine.wait_ready(&self.bot, timeout).await? {
            println!("{ready}");
        }
        println!(
            "You are {}. Type a message, a number to tap a button, /help for more, /quit to leave.",
            self.bot.google().user()
        );
        self.started = true;
        self.converse().await
    }

    /// Reads lines until `/quit`, end of input or the bot's exit.
    async fn converse(&mut self) -> Result<(), CliError> {
        let echo_input = !std::io::stdin().is_terminal();
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            prompt();
            let line = loop {
                tokio::select! {
                    line = lines.next_line() => break line.map_err(CliError::io("reading stdin"))?,
                    _ = tick.tick() => {
                        if let Some(error) = self.engine.exited() {
                            println!();
                            return Err(error);
                        }
                    }
                }
            };
            let Some(line) = line else {
                println!();
                return Ok(());
            };
            if echo_input {
                println!("{line}");
            }
            match input::parse(&line) {
                Ok(Input::Quit) => return Ok(()),
                Ok(input) => self.act(input).await?,
                Err(message) => println!("  {message}"),
            }
        }
    }

    async fn act(&mut self, input: Input) -> Result<(), CliError> {
        let google = self.bot.google().clone();
        let builder = match input {
            Input::Nothing | Input::Quit => return Ok(()),
            Input::Help => {
                println!("{}", input::HELP);
                return Ok(());
            }
            Input::Text(text) => google.text(text),
            Input::Tap(number) => {
                let Some(chip) = number.checked_sub(1).and_then(|i| self.buttons.get(i)) else {
                    println!(
                        "  there is no button {number}; the bot's last message has {}",
                        self.buttons.len()
                    );
                    return Ok(());
                };
                println!("     (tapped \"{}\")", chip.text);
                let builder = google.postback(&chip.postback_data, &chip.text);
                if chip.action.is_some() {
                    builder.as_action_tap()
                } else {
                    builder
                }
            }
            Input::Location(lat, lon) => google.location(lat, lon),
            Input::File(url, mime) => google.file(url, mime),
            Input::Event(event) => {
                let about = self.last_agent_message.as_deref();
                println!("     {}", engine::event_sent(&event, about));
                engine::event_push(&google, event, about)
            }
        };
        self.deliver(builder).await
    }

    async fn deliver(&mut self, builder: PushBuilder) -> Result<(), CliError> {
        let delivered = self.engine.deliver(&self.bot, builder.build()).await?;
        match &delivered.answer {
            Err(error) => {
                println!("  {error}");
                return Ok(());
            }
            Ok(status) if *status != StatusCode::OK => {
                println!("     (the webhook answered {status}: Google would redeliver it)");
            }
            Ok(_) if delivered.silent_bot => println!("     ({SILENT_BOT})"),
            Ok(_) => {}
        }
        self.show_new();
        for explanation in self.engine.explain(&delivered).await {
            println!("     {explanation}");
        }
        Ok(())
    }

    /// Shows what the bot sent to this user since the last time.
    fn show_new(&mut self) {
        let new = self.engine.take_new();
        let (messages, events) = read_sent(&new, Some(self.bot.google().user()));
        for event in &events {
            println!("{}", render::event(event));
        }
        if messages.is_empty() {
            return;
        }
        let rendered = render::messages(&messages);
        for line in &rendered.lines {
            println!("{line}");
        }
        self.buttons = rendered.buttons;
        self.last_agent_message = messages.last().map(|m| m.message_id.clone());
    }
}

fn prompt() {
    print!("you> ");
    let _ = std::io::stdout().flush();
}
