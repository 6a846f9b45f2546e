//! Transit payments (TRANSIT.md §5): a passenger pays a held booking
//! through the provider (Stripe-shaped); the provider's signed webhook
//! confirms it — or, when the seats went to someone else after the hold
//! lapsed, refunds it in full (invariant 2). Events are authentic and
//! processed once, never moving a booking backwards (invariant 3).
//!
//! | route | handler | auth |
//! |---|---|---|
//! | POST /transit/bookings/{id}/payment | [`intents::create`] | p |
//! | POST /transit/payments/webhook | [`webhook::receive`] | signed |

pub mod intents;
pub mod openapi;
pub mod signature;
pub mod webhook;

/// The envelope's `service` for every payment route.
pub const SERVICE: &str = "payment-service";
