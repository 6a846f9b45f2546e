//! What AvaOne Transit's domains share (TRANSIT.md): the `transit` database,
//! the passengers every domain may need to name (auth reloads them on
//! refresh), and local times in a route's IANA zone. Domains never import
//! each other; what two transit domains share lives here.
//!
//! - [`access`]: who may act on which company (role and licence).
//! - [`boarding`]: the first scan of each ticket (one boarding per ticket).
//! - [`bookings`]: bookings as the domains read them.
//! - [`cancellations`]: a confirmed booking refunded (by policy, or in
//!   full for a cancelled trip) and what follows; a hold released.
//! - [`codes`]: signed ticket codes (their own keys and audience).
//! - [`companies`]: a company's settings (zone, currency, holds, refunds).
//! - [`events`]: the queue `transit-worker` consumes.
//! - [`provider`]: the Stripe-shaped payment provider's client.
//! - [`refunds`]: one refund per booking, cash or through the provider.
//! - [`inventory`]: the seat inventory in DynamoDB: holds and sales that
//!   never sell a seat's leg twice (invariant 1).
//! - [`passengers`]: passenger accounts (`transit.passengers`).
//! - [`qr`]: a ticket code as a QR image (PNG, SVG).
//! - [`store`]: the fleet's collections and their indexes.
//! - [`trips`]: trips with their route and bus snapshots, and the
//!   timetable rule that materializes a schedule's trips.
//! - [`sales`]: which seats of a trip are sold.
//! - [`zone`]: IANA time zones, local dates and times, UTC instants.

use mongodb::Database;
use shared::{App, http::ApiError, stores::mongo::Cluster};

pub mod access;
pub mod boarding;
pub mod bookings;
pub mod cancellations;
pub mod codes;
pub mod companies;
pub mod events;
pub mod inventory;
pub mod passengers;
pub mod provider;
pub mod qr;
pub mod refunds;
pub mod sales;
pub mod store;
pub mod trips;
pub mod zone;

/// The cluster transit's data lives on (`MONGODB_URI_TRANSIT`, else the
/// default URI; see `Cluster`).
pub const CLUSTER: Cluster = Cluster::named("transit");
/// Transit's one database: one collection per aggregate (TRANSIT.md §3).
pub const DATABASE: &str = "transit";
/// The product name an organization's `selectedProducts` carries when it
/// is a bus company.
pub const PRODUCT: &str = "transit";

/// The `transit` database.
pub async fn db(app: &App) -> Result<Database, ApiError> {
    app.database(CLUSTER, DATABASE).await
}
