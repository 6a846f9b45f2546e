//! Communication domain (DESIGN.md §3 `comm` rows): the marketing site's
//! forms and the retry path for their mail.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | POST /communication/contact | [`forms::contact`] | public |
//! | POST /communication/send-contact-form | [`forms::contact_form`] | public |
//! | POST /communication/send-meeting-request | [`forms::meeting_request`] | public |
//! | POST /communication/send-pricing-inquiry | [`forms::pricing_inquiry`] | public |
//! | POST /communication/sync-to-crm | [`sync::handle`] | sa |
//! | every 15 minutes: retry-pending-mail | [`sync::retry_pending`] | — |
//!
//! A submission is stored as a lead in `crm.leads` **before** any mail is
//! sent; then SES v2 sends one mail to the sales inbox and a confirmation to
//! the sender. If SES fails the lead stays with `mailStatus: pending`, the
//! client still gets 202 ("received"), and the retry (every 15 minutes, or
//! sync-to-crm on demand) sends what is missing later. No lead is ever lost to a mail failure.

pub mod forms;
pub mod leads;
pub mod openapi;
pub mod sync;

pub const SERVICE: &str = "comm-service";
