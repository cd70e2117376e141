//! `rbm tester`: the testers of an agent that is not launched yet.

use crate::cli::{TesterArgs, TesterCommand};
use crate::connect;
use crate::error::CliError;

/// Runs an `rbm tester` command.
pub(crate) async fn run(args: TesterArgs) -> Result<bool, CliError> {
    match args.command {
        TesterCommand::Invite { phone, agent } => {
            let client = connect::client(&agent)?;
            let tester = client.invite_tester(&phone).await?;
            println!("{}", tester.invite_status.as_str());
        }
    }
    Ok(true)
}
