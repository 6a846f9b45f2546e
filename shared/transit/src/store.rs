//! Transit's collections (TRANSIT.md §3), named once. Every company-owned
//! document carries `companyId` (the organization's `accountId`) and every
//! query of a company route filters by it.

use mongodb::{
    Collection, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use shared::{App, http::ApiError, stores::mongo::unavailable};

pub const COMPANIES: &str = "companies";
pub const STOPS: &str = "stops";
pub const BUSES: &str = "buses";
pub const ROUTES: &str = "routes";
pub const DRIVERS: &str = "drivers";
pub const SCHEDULES: &str = "schedules";
pub const TRIPS: &str = "trips";
pub const TICKETS: &str = "tickets";
pub const REFUNDS: &str = "refunds";
pub const PAYMENTS: &str = "payments";

/// One of transit's collections.
pub async fn collection(app: &App, name: &'static str) -> Result<Collection<Document>, ApiError> {
    Ok(crate::db(app).await?.collection(name))
}

fn unique(keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().unique(true).build())
        .build()
}

fn plain(keys: Document) -> IndexModel {
    IndexModel::builder().keys(keys).build()
}

/// Whether this process already made sure of a set of indexes: creating
/// them is idempotent but not free (a round trip per collection), so an
/// execution environment does it once, on its first write.
struct Ensured(std::sync::atomic::AtomicBool);

impl Ensured {
    const fn new() -> Self {
        Ensured(std::sync::atomic::AtomicBool::new(false))
    }

    fn done(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

static FLEET_INDEXES: Ensured = Ensured::new();
static BOOKING_INDEXES: Ensured = Ensured::new();

/// The fleet's indexes (idempotent; once per process): what the unique
/// rules and the company-scoped lists rely on.
pub async fn ensure_fleet_indexes(app: &App) -> Result<(), ApiError> {
    if FLEET_INDEXES.done() {
        return Ok(());
    }
    let db = crate::db(app).await?;
    let wanted: [(&str, Vec<IndexModel>); 7] = [
        (COMPANIES, vec![unique(doc! {"companyId": 1})]),
        (
            STOPS,
            vec![plain(doc! {"companyId": 1}), plain(doc! {"search": 1})],
        ),
        (BUSES, vec![unique(doc! {"companyId": 1, "plateNumber": 1})]),
        (
            ROUTES,
            vec![
                unique(doc! {"companyId": 1, "code": 1}),
                plain(doc! {"stops.stopId": 1}),
            ],
        ),
        (DRIVERS, vec![plain(doc! {"companyId": 1})]),
        (
            SCHEDULES,
            vec![plain(doc! {"companyId": 1}), plain(doc! {"active": 1})],
        ),
        // `slot` is `<scheduleId>#<serviceDate>` for a schedule's trip (one
        // per schedule and service date) and `oneoff#<id>` otherwise.
        (
            TRIPS,
            vec![
                unique(doc! {"slot": 1}),
                plain(doc! {"companyId": 1, "departureAt": 1}),
                plain(doc! {"bus.id": 1, "departureAt": 1}),
                // Search: trips boarding in a city on a local date.
                plain(doc! {"calls": 1, "departureAt": 1}),
            ],
        ),
    ];
    for (name, indexes) in wanted {
        db.collection::<Document>(name)
            .create_indexes(indexes)
            .await
            .map_err(unavailable)?;
    }
    FLEET_INDEXES.set();
    Ok(())
}

/// The sales' indexes (idempotent; once per process): bookings by id,
/// by passenger and company (newest first) and lapsed holds; tickets by id,
/// booking and trip; one refund and one payment per booking.
pub async fn ensure_booking_indexes(app: &App) -> Result<(), ApiError> {
    if BOOKING_INDEXES.done() {
        return Ok(());
    }
    let db = crate::db(app).await?;
    let wanted: [(&str, Vec<IndexModel>); 4] = [
        (
            crate::bookings::BOOKINGS,
            vec![
                unique(doc! {"id": 1}),
                plain(doc! {"passengerId": 1, "createdAt": -1}),
                plain(doc! {"companyId": 1, "createdAt": -1}),
                plain(doc! {"status": 1, "holdExpiresAt": 1}),
            ],
        ),
        (
            TICKETS,
            vec![
                unique(doc! {"id": 1}),
                plain(doc! {"bookingId": 1}),
                plain(doc! {"tripId": 1}),
            ],
        ),
        (REFUNDS, vec![unique(doc! {"id": 1})]),
        (
            PAYMENTS,
            vec![unique(doc! {"id": 1}), unique(doc! {"bookingId": 1})],
        ),
    ];
    for (name, indexes) in wanted {
        db.collection::<Document>(name)
            .create_indexes(indexes)
            .await
            .map_err(unavailable)?;
    }
    BOOKING_INDEXES.set();
    Ok(())
}
