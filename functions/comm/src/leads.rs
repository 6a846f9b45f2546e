//! Leads in `crm.leads`, and delivering their mail.
//!
//! A lead records which of its two mails went out (`mail.sales`,
//! `mail.confirmation`), so a retry sends only what is missing and nobody
//! gets a message twice. Only one deliverer works on a lead at a time: the
//! request that stored it holds a claim on it (`mail.claim {by, until}`,
//! [`CLAIM_SECS`]), and sync-to-crm takes a lead only when it is unclaimed or
//! the claim has lapsed (its holder died), so the two never send the same
//! mail twice.
//!
//! The confirmation goes to whatever address was typed, from the company's
//! verified sender, so it must not be a relay: its text is fixed (none of
//! the submitter's name, subject or message), and an address gets at most
//! [`CONFIRMATIONS_PER_ADDRESS`] of them a day. Past that the lead is still
//! stored and sales still mailed; the confirmation is skipped and recorded
//! as `mail.confirmationSkipped`.

use std::time::Duration;

use mongodb::bson::{Document, doc};
use sha2::{Digest, Sha256};
use shared::{App, http::ApiError, rate_limit::Limit, stores::mongo::unavailable};
use time::OffsetDateTime;

use shared::mail::{self, Mail};

/// Confirmation mails one recipient address may receive per day.
pub const CONFIRMATIONS_PER_ADDRESS: Limit = Limit {
    max: 3,
    window: Duration::from_secs(24 * 3600),
};

use shared::clock::now;

/// How long a deliverer holds a lead: longer than two SES calls under the
/// dependency timeout can take, short enough for sync-to-crm to take over
/// from a deliverer that died.
pub const CLAIM_SECS: i64 = 60;

fn epoch() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A stored lead and the claim its storer holds on delivering it.
pub struct Stored {
    pub lead: Document,
    pub claim: String,
}

/// Stores a new lead (mail pending), claimed for delivery by the caller.
pub async fn store(app: &App, mut lead: Document) -> Result<Stored, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let claim = uuid::Uuid::new_v4().to_string();
    let at = now();
    lead.insert("id", &id);
    lead.insert("status", "new");
    lead.insert("mailStatus", "pending");
    lead.insert(
        "mail",
        doc! {"sales": false, "confirmation": false, "attempts": 0,
        "claim": {"by": &claim, "until": epoch() + CLAIM_SECS}},
    );
    lead.insert("createdAt", at);
    lead.insert("updatedAt", at);
    crm::leads(app)
        .await?
        .insert_one(&lead)
        .await
        .map_err(unavailable)?;
    Ok(Stored { lead, claim })
}

/// Takes (or renews) the right to deliver lead `id` for `owner`, and returns
/// the lead as it is now; `None` while someone else holds it.
async fn claim(app: &App, id: &str, owner: &str) -> Result<Option<Document>, ApiError> {
    let at = epoch();
    crm::leads(app)
        .await?
        .find_one_and_update(
            doc! {"id": id, "$or": [
                {"mail.claim": {"$exists": false}},
                {"mail.claim.by": owner},
                {"mail.claim.until": {"$lt": at}},
            ]},
            doc! {"$set": {"mail.claim": {"by": owner, "until": at + CLAIM_SECS}}},
        )
        .return_document(mongodb::options::ReturnDocument::After)
        .await
        .map_err(unavailable)
}

const KIND_TITLES: [(&str, &str); 4] = [
    ("contact", "contact message"),
    ("contact-form", "contact form"),
    ("meeting", "meeting request"),
    ("pricing", "pricing inquiry"),
];

fn title(kind: &str) -> &'static str {
    KIND_TITLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
        .unwrap_or("message")
}

/// The two mails of a lead, rebuilt from the stored document.
fn mails(app: &App, lead: &Document) -> Result<(Mail, Mail), ApiError> {
    let text = |k: &str| lead.get_str(k).unwrap_or_default().to_owned();
    let details = lead.get_document("details").cloned().unwrap_or_default();
    let mut fields: Vec<(&str, String)> = vec![
        ("Name", text("name")),
        ("Email", text("email")),
        ("Phone", text("phone")),
        ("Company", text("company")),
        ("Subject", text("subject")),
    ];
    let detail_labels = [
        ("date", "Date"),
        ("time", "Time"),
        ("timezone", "Time zone"),
        ("plan", "Plan"),
        ("seats", "Seats"),
    ];
    for (key, label) in detail_labels {
        if let Some(v) = details.get(key) {
            let value = match v {
                mongodb::bson::Bson::String(s) => s.clone(),
                other => other.to_string(),
            };
            fields.push((label, value));
        }
    }
    fields.push(("Message", text("message")));
    fields.push(("Lead id", text("id")));
    let kind = title(lead.get_str("type").unwrap_or_default());
    let sales = mail::render(
        &app.config.require("SALES_EMAIL")?,
        Some(&text("email")),
        &format!("New {kind} from {}", text("name")),
        &format!("A new {kind} arrived on the website."),
        &fields,
    );
    // Fixed text: nothing the submitter typed (the address is not theirs
    // to prove), so the mail cannot carry someone else's message.
    let confirmation = mail::render(
        &text("email"),
        None,
        "We received your message — AvaOne",
        &format!(
            "Thank you for your {kind}. Our team will get back to you shortly. \
             If you did not contact AvaOne, you can ignore this mail."
        ),
        &[],
    );
    Ok((sales, confirmation))
}

/// Sends whichever of lead `id`'s mails have not gone out yet and records
/// the outcome, as deliverer `owner` (the claim [`store`] returned, or any
/// new id to take an unclaimed lead). Returns true when both are sent; false
/// when SES failed (recorded on the lead, never lost) or another deliverer
/// holds the lead.
pub async fn deliver(app: &App, id: &str, owner: &str) -> Result<bool, ApiError> {
    let Some(lead) = claim(app, id, owner).await? else {
        return Ok(false);
    };
    let lead = &lead;
    let state = lead.get_document("mail").cloned().unwrap_or_default();
    let (sales, confirmation) = mails(app, lead)?;
    let mut sales_sent = state.get_bool("sales").unwrap_or(false);
    let mut confirmation_sent = state.get_bool("confirmation").unwrap_or(false);
    let mut last_error = None;
    if !sales_sent {
        match mail::send(app, &sales).await {
            Ok(_) => sales_sent = true,
            Err(e) => last_error = Some(e.message().to_owned()),
        }
    }
    let mut confirmation_skipped = false;
    if !confirmation_sent && last_error.is_none() {
        match confirmation_allowed(app, &confirmation.to).await {
            Ok(true) => match mail::send(app, &confirmation).await {
                Ok(_) => confirmation_sent = true,
                Err(e) => last_error = Some(e.message().to_owned()),
            },
            Ok(false) => {
                confirmation_sent = true;
                confirmation_skipped = true;
            }
            Err(e) => last_error = Some(e.message().to_owned()),
        }
    }
    let done = sales_sent && confirmation_sent;
    let mut set = doc! {
        "mail.sales": sales_sent,
        "mail.confirmation": confirmation_sent,
        "mailStatus": if done { "sent" } else { "pending" },
        "updatedAt": now(),
    };
    if let Some(err) = &last_error {
        set.insert("mail.lastError", err);
    }
    if confirmation_skipped {
        set.insert("mail.confirmationSkipped", true);
    }
    crm::leads(app)
        .await?
        .update_one(
            doc! {"id": id, "mail.claim.by": owner},
            doc! {"$set": set, "$inc": {"mail.attempts": 1}, "$unset": {"mail.claim": ""}},
        )
        .await
        .map_err(unavailable)?;
    if let Some(err) = last_error {
        tracing::warn!(lead = %id, error = %err, "lead stored, mail pending");
        shared::telemetry::count(shared::telemetry::Business::MailLeftPending);
    }
    Ok(done)
}

/// Counts one confirmation to `address`; false once the address has had
/// its share today. The counter is keyed by a hash of the address.
async fn confirmation_allowed(app: &App, address: &str) -> Result<bool, ApiError> {
    let hash: String = Sha256::digest(address.trim().to_lowercase().as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match app
        .rate_limit(&format!("confirm-to#{hash}"), CONFIRMATIONS_PER_ADDRESS)
        .await
    {
        Ok(()) => Ok(true),
        Err(e) if e.status().as_u16() == 429 => {
            tracing::info!("confirmation skipped: the address had its share today");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
