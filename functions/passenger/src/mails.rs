//! The passenger mails (TRANSIT.md §7): the code's subject carries the
//! code, so a phone's notification shows it.

use shared::{
    App,
    http::ApiError,
    mail::{self, Mail},
};

use crate::codes::Purpose;

/// The subject of every code mail.
pub fn code_subject(code: &str) -> String {
    format!("Your AvaOne Transit code: {code}")
}

/// Mails `code` for `purpose` to `to`.
pub async fn send_code(app: &App, to: &str, purpose: Purpose, code: &str) -> Result<(), ApiError> {
    let minutes = purpose.lifetime().as_secs() / 60;
    let intro = match purpose {
        Purpose::VerifyEmail => format!(
            "Enter this code in the app to verify your e-mail address. It expires in {minutes} minutes."
        ),
        Purpose::ResetPassword => format!(
            "Enter this code in the app to choose a new password. It expires in {minutes} minutes. \
             If you did not ask for it, ignore this mail: your password is unchanged."
        ),
    };
    let message = mail::render(
        to,
        None,
        &code_subject(code),
        &intro,
        &[("Code", code.to_owned())],
    );
    mail::send(app, &message).await.map(drop)
}

/// What a registration of an address that already has an account gets
/// instead of a code: the answer to the client is the same 202.
pub async fn send_already_registered(app: &App, to: &str) -> Result<(), ApiError> {
    let message: Mail = mail::render(
        to,
        None,
        "Your AvaOne Transit account",
        "Someone (maybe you) tried to register with this address, but you already have an \
         account. Log in, or use \"Forgot password\" if you cannot remember it.",
        &[],
    );
    mail::send(app, &message).await.map(drop)
}
