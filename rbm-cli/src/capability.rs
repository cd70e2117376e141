//! `rbm capability`: whether a number can receive the agent's messages,
//! and what its device supports.

use rbm_runtime::api::Reachability;

use crate::cli::CapabilityArgs;
use crate::connect;
use crate::error::CliError;

/// Asks, prints the answer; `Ok(false)` when the number is not reachable.
pub(crate) async fn run(args: CapabilityArgs) -> Result<bool, CliError> {
    let client = connect::client(&args.agent)?;
    match client.capabilities(&args.phone).await? {
        Reachability::Reachable(capabilities) => {
            println!("{}: reachable", args.phone);
            for feature in &capabilities.features {
                println!("{feature}");
            }
            Ok(true)
        }
        Reachability::NotReachable => {
            println!(
                "{}: not reachable (no RCS, RCS off, or the agent is not launched on its carrier and the number is not a tester)",
                args.phone
            );
            Ok(false)
        }
    }
}
