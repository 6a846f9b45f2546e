//! Running many store calls with a bound on how many are in flight.

use std::future::Future;

use futures_util::{StreamExt, stream};

/// Runs `futures` with at most `limit` in flight at once and returns their
/// outputs in the input order. For fan-outs whose size the data decides
/// (one probe per organization database): an unbounded `join_all` would
/// open as many connections at once as there are organizations.
pub async fn at_most<F: Future>(
    limit: usize,
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    stream::iter(futures).buffered(limit.max(1)).collect().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn never_more_than_the_limit_in_flight_and_results_in_order() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let tasks = (0..50).map(|i| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1 + i % 3)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i
            }
        });
        let out = at_most(4, tasks).await;
        assert_eq!(out, (0..50).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 4);
    }
}
