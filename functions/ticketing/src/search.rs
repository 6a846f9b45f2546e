//! Trip search: every company's trips boarding in one city on a local date
//! and calling later at another, with the seats still free for that
//! segment. One index lookup (`trips.calls`, see `transit::trips::call_key`)
//! finds the candidates; the inventory counts their free seats.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request,
        openapi::{Failure, Listed},
        query_param,
    },
    stores::mongo::unavailable,
};
use tenancy::store::find_org;
use transit::{
    companies, inventory,
    store::{TRIPS, collection},
    trips::{SCHEDULED, call_key},
    zone,
};
use utoipa::ToSchema;

use crate::ride;

/// A stop as search shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferStop {
    pub stop_id: String,
    pub name: String,
    pub city: String,
}

/// The company running the trip.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferCompany {
    pub display_name: String,
}

/// The route the trip runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferRoute {
    pub code: String,
    pub name: String,
}

/// One seat's price for the segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fare {
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
}

/// A trip that answers the search.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TripOffer {
    pub trip_id: String,
    pub company: OfferCompany,
    pub route: OfferRoute,
    pub from_stop: OfferStop,
    pub to_stop: OfferStop,
    /// Departure at `fromStop`, RFC 3339 with the stop's UTC offset.
    pub departure_at: String,
    /// Arrival at `toStop`, RFC 3339 with the stop's UTC offset.
    pub arrival_at: String,
    pub duration_min: i64,
    pub fare: Fare,
    /// Seats free on every leg from `fromStop` to `toStop`.
    pub seats_available: usize,
}

fn offer_stop(stop: &Document) -> OfferStop {
    let text = |k: &str| stop.get_str(k).unwrap_or_default().to_owned();
    OfferStop {
        stop_id: text("stopId"),
        name: text("name"),
        city: text("city"),
    }
}

/// What was asked.
struct Query {
    from: String,
    to: String,
    date: jiff::civil::Date,
    passengers: usize,
}

fn city_param(req: &Request, name: &str) -> Result<String, ApiError> {
    match query_param(req, name).map(|c| c.trim().to_owned()) {
        Some(city) if (1..=80).contains(&city.chars().count()) => Ok(city),
        Some(_) => Err(ApiError::validation(
            format!("query.{name}"),
            "must be a city name of 1-80 characters",
        )),
        None => Err(ApiError::validation(
            format!("query.{name}"),
            "is required (a city name)",
        )),
    }
}

fn parse_query(req: &Request) -> Result<Query, ApiError> {
    let from = city_param(req, "from")?;
    let to = city_param(req, "to")?;
    let date = query_param(req, "date")
        .and_then(|d| zone::parse_date(&d))
        .ok_or_else(|| ApiError::validation("query.date", "is required, YYYY-MM-DD"))?;
    let passengers = match query_param(req, "passengers") {
        None => 1,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=inventory::MAX_SEATS).contains(n))
            .ok_or_else(|| {
                ApiError::validation("query.passengers", "must be a whole number from 1 to 6")
            })?,
    };
    Ok(Query {
        from,
        to,
        date,
        passengers,
    })
}

/// The stops a candidate trip would be ridden between, if it answers.
fn ride_of(trip: &Document, q: &Query, now: Timestamp) -> Option<(usize, usize)> {
    if trip.get_str("status") != Ok(SCHEDULED) {
        return None;
    }
    let tz = zone::stored(trip.get_str("timezone").ok()?).ok()?;
    let stops = ride::stops(trip);
    let same_city = |s: &Document, city: &str| {
        s.get_str("city")
            .is_ok_and(|c| c.trim().eq_ignore_ascii_case(city))
    };
    let from = stops.iter().position(|s| {
        same_city(s, &q.from)
            && zone::date_at(ride::departs(s), &tz) == q.date
            && ride::departs(s) > now
    })?;
    let to = stops
        .iter()
        .enumerate()
        .skip(from + 1)
        .find(|(_, s)| same_city(s, &q.to))?
        .0;
    Some((from, to))
}

/// The name each company shows passengers.
async fn display_names(
    app: &App,
    company_ids: BTreeSet<String>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut names = BTreeMap::new();
    for id in company_ids {
        let org = find_org(app, doc! {"accountId": &id})
            .await?
            .unwrap_or_default();
        let settings = companies::load(app, &id, &org).await?;
        names.insert(id, settings.display_name);
    }
    Ok(names)
}

/// Search trips.
///
/// Public. Trips of every company boarding in city `from` on local date
/// `date` (in each route's zone) and calling later at city `to`; not
/// departed, not cancelled, with at least `passengers` seats free on every
/// leg of the segment. Ordered by departure; paged (default 20).
#[utoipa::path(
    get,
    path = "/transit/trips/search",
    operation_id = "search-trips",
    tag = "transit",
    params(
        Paging,
        ("from" = String, Query, description = "Origin city (case-insensitive)."),
        ("to" = String, Query, description = "Destination city (case-insensitive)."),
        ("date" = String, Query, description = "Local date of departure, YYYY-MM-DD."),
        ("passengers" = Option<u32>, Query, description = "Party size, 1-6 (default 1).", minimum = 1, maximum = 6),
    ),
    responses(
        (status = 200, description = "One page of trips, by departure.", body = Listed<TripOffer>),
        (status = 400, description = "VALIDATION_FAILED naming the query parameter.", body = Failure),
    ),
)]
pub async fn search(app: &App, req: Request) -> Result<Reply, ApiError> {
    let q = parse_query(&req)?;
    let paging = Paging::from_query(&req, 20)?;
    let now = Timestamp::now();
    let candidates: Vec<Document> = collection(app, TRIPS)
        .await?
        .find(doc! {"calls": call_key(&q.from, q.date)})
        .sort(doc! {"departureAt": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let rides: Vec<(Document, usize, usize)> = candidates
        .into_iter()
        .filter_map(|t| ride_of(&t, &q, now).map(|(f, to)| (t, f, to)))
        .collect();
    // Each trip's map is one Query; a few at a time.
    let wanted: Vec<(String, Vec<String>, std::ops::Range<usize>)> = rides
        .iter()
        .map(|(trip, from, to)| {
            let id = trip.get_str("id").unwrap_or_default().to_owned();
            (id, ride::seat_labels(trip), *from..*to)
        })
        .collect();
    let free: Vec<usize> = stream::iter(wanted)
        .map(|(id, seats, legs)| free_seats(app, id, seats, legs))
        .buffered(8)
        .try_collect()
        .await?;
    let answering: Vec<(&(Document, usize, usize), usize)> = rides
        .iter()
        .zip(free)
        .filter(|(_, free)| *free >= q.passengers)
        .collect();
    // The seats filter and the total need every candidate counted; the
    // companies' names only the page's.
    let total = answering.len() as u64;
    let page: Vec<_> = answering
        .into_iter()
        .skip(usize::try_from(paging.skip()).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.limit).unwrap_or(usize::MAX))
        .collect();
    let names = display_names(
        app,
        page.iter()
            .map(|((t, _, _), _)| t.get_str("companyId").unwrap_or_default().to_owned())
            .collect(),
    )
    .await?;
    let offers = page
        .into_iter()
        .map(|((trip, from, to), free)| offer(trip, *from, *to, free, &names))
        .collect::<Result<Vec<_>, _>>()?;
    Reply::page(paging.page_of(offers, total))
}

/// How many of `seats` are free on every leg of `legs`.
async fn free_seats(
    app: &App,
    trip_id: String,
    seats: Vec<String>,
    legs: std::ops::Range<usize>,
) -> Result<usize, ApiError> {
    let taken = inventory::taken(app, &trip_id).await?;
    Ok(seats
        .into_iter()
        .filter(|seat| !legs.clone().any(|leg| taken.contains(&(seat.clone(), leg))))
        .count())
}

fn offer(
    trip: &Document,
    from: usize,
    to: usize,
    free: usize,
    names: &BTreeMap<String, String>,
) -> Result<TripOffer, ApiError> {
    let tz = zone::stored(trip.get_str("timezone").unwrap_or_default())?;
    let stops = ride::stops(trip);
    let (board, leave) = (stops[from], stops[to]);
    let route = trip.get_document("route").cloned().unwrap_or_default();
    let departs = ride::departs(board);
    let arrives = ride::arrives(leave);
    Ok(TripOffer {
        trip_id: trip.get_str("id").unwrap_or_default().to_owned(),
        company: OfferCompany {
            display_name: names
                .get(trip.get_str("companyId").unwrap_or_default())
                .cloned()
                .unwrap_or_default(),
        },
        route: OfferRoute {
            code: route.get_str("code").unwrap_or_default().to_owned(),
            name: route.get_str("name").unwrap_or_default().to_owned(),
        },
        from_stop: offer_stop(board),
        to_stop: offer_stop(leave),
        departure_at: zone::local_rfc3339(departs, &tz),
        arrival_at: zone::local_rfc3339(arrives, &tz),
        duration_min: arrives.duration_since(departs).as_mins(),
        fare: Fare {
            amount: ride::fare(trip, &(from..to)),
            currency: ride::currency(trip),
        },
        seats_available: free,
    })
}
