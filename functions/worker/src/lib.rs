//! `transit-worker` (TRANSIT.md §2): consumes transit's queue. Each message
//! is one job ([`transit::events::Event`]); a job that fails is reported
//! back alone (partial batch failure), retried by the queue, and lands in
//! the dead-letter queue after 5 tries — never dropped silently
//! (invariant 7). A confirmed booking never waits on its mail: the mail is
//! a job of its own.
//!
//! | job | handler |
//! |---|---|
//! | `booking.confirmed` | [`mails::e_ticket`] |
//! | `booking.cancelled` | [`mails::cancelled`] |
//! | `refund.due` | [`refund::issue`] |
//! | `trip.cancelled` | [`trip::cancel_bookings`] |

pub mod jobs;
pub mod mails;
pub mod refund;
pub mod trip;
