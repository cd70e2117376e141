//! `rbm send-message`: one message to one number, through the RBM API.

use rbm_runtime::OutgoingMessage;

use crate::cli::SendMessageArgs;
use crate::connect;
use crate::error::CliError;

/// Sends the message and prints its id and send time.
pub(crate) async fn run(args: SendMessageArgs) -> Result<bool, CliError> {
    let client = connect::client(&args.agent)?;
    let mut message = OutgoingMessage::to(&args.phone, args.message.reply());
    if let Some(key) = &args.key {
        message = message.key(key);
    }
    let sent = client.send_message(&message).await?;
    println!("message id: {}", message.message_id);
    if sent.already_sent {
        println!("already sent: the platform had this message id (same --key), not sent again");
    } else if let Some(time) = sent.send_time {
        println!("sent at: {}", time.to_rfc3339());
    } else {
        println!("sent");
    }
    Ok(true)
}
