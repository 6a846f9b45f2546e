//! MongoDB handles: one client per distinct cluster URI per execution
//! environment, a small pool, lazy connect (the driver connects on first use),
//! and bounded server selection so a dead server is a 503 within the timeout.

use std::{borrow::Cow, collections::HashMap, time::Duration};

use futures_util::TryStreamExt;
use mongodb::{
    Client, Collection, Database,
    bson::Document,
    options::{ClientOptions, FindOptions},
};
use tokio::sync::Mutex;

use crate::{
    App,
    http::{ApiError, Paging},
    stores::Dependency,
};

pub const MAIN_DB: &str = "avaone_main";

/// Clients keyed by URI: clusters that share a URI share a client and pool.
#[derive(Default)]
pub(crate) struct MongoClients {
    by_uri: Mutex<HashMap<String, Client>>,
}

/// Database name of an organization's own database, `org_<accountId>`.
/// The account id is checked so no path or body value can name another
/// database (MongoDB names are also limited to 63 bytes).
pub fn org_db_name(account_id: &str) -> Result<String, ApiError> {
    let valid = !account_id.is_empty()
        && account_id.len() <= 48
        && account_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(format!("org_{account_id}"))
    } else {
        Err(ApiError::validation(
            "accountId",
            "must be 1-48 characters of letters, digits, '-' or '_'",
        ))
    }
}

impl App {
    pub async fn main_db(&self) -> Result<Database, ApiError> {
        self.database(Cluster::MAIN, MAIN_DB).await
    }

    pub async fn org_db(&self, account_id: &str) -> Result<Database, ApiError> {
        let name = org_db_name(account_id)?;
        self.database(Cluster::ORGS, &name).await
    }

    pub async fn database(&self, cluster: Cluster, name: &str) -> Result<Database, ApiError> {
        Ok(self.mongo_client(cluster).await?.database(name))
    }

    /// URI for a cluster: `MONGODB_URI_<CLUSTER>`, else `MONGODB_URI`, else the
    /// secret's `mongodbUris.<cluster>`, else the secret's `mongodbUri`.
    async fn mongo_uri(&self, cluster: &Cluster) -> Result<String, ApiError> {
        if let Some(uri) = self.config.setting(&cluster.env_var()) {
            return Ok(uri);
        }
        if let Some(uri) = &self.config.mongodb_uri {
            return Ok(uri.clone());
        }
        let secret = self.secret().await?;
        let per_cluster = secret
            .get("mongodbUris")
            .and_then(|m| m.get(cluster.as_str()))
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty());
        match per_cluster {
            Some(uri) => Ok(uri.to_owned()),
            None => Ok(secret.require_str("mongodbUri")?.to_owned()),
        }
    }

    pub async fn mongo_client(&self, cluster: Cluster) -> Result<Client, ApiError> {
        let uri = self.mongo_uri(&cluster).await?;
        let mut clients = self.mongo.by_uri.lock().await;
        if let Some(client) = clients.get(&uri) {
            return Ok(client.clone());
        }
        let mut options = ClientOptions::parse(&uri)
            .await
            .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))?;
        let bound = self.config.dependency_timeout;
        // A Lambda environment serves one request at a time: a pool of 3 covers
        // the parallel calls of one request without hoarding server connections.
        options.max_pool_size = Some(3);
        options.min_pool_size = Some(0);
        options.max_idle_time = Some(Duration::from_secs(60));
        options.server_selection_timeout = Some(bound);
        options.connect_timeout = Some(bound.min(Duration::from_secs(2)));
        options.app_name = Some(self.config.function_name.clone());
        let client = Client::with_options(options)
            .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))?;
        clients.insert(uri, client.clone());
        Ok(client)
    }
}

/// A MongoDB deployment, by name; each may live on its own cluster. The
/// kit's own are below; a domain names the ones it uses
/// (`Cluster::named("crm")`). Its URI comes from `MONGODB_URI_<NAME>`, else
/// `MONGODB_URI`, else the secret's `mongodbUris.<name>`, else its
/// `mongodbUri`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cluster {
    name: Cow<'static, str>,
}

impl Cluster {
    pub const fn named(name: &'static str) -> Self {
        Cluster {
            name: Cow::Borrowed(name),
        }
    }

    /// A cluster named by a setting.
    pub fn from_name(name: String) -> Self {
        Cluster {
            name: Cow::Owned(name),
        }
    }

    /// `avaone_main`: organizations, super admin, website content.
    pub const MAIN: Cluster = Cluster::named("main");
    /// `org_<accountId>`: one database per organization.
    pub const ORGS: Cluster = Cluster::named("orgs");

    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Environment variable that overrides this cluster's URI.
    pub fn env_var(&self) -> String {
        format!("MONGODB_URI_{}", self.name.to_ascii_uppercase())
    }
}

/// The databases a status report covers, from `MONGODB_DATABASES`
/// (`cluster:database` pairs, comma-separated; the template lists the
/// suite's): main's database when unset. Each domain names its own
/// databases; this setting only says which ones the reports probe.
pub fn reported_databases(config: &crate::Config) -> Vec<(Cluster, String)> {
    let Some(listed) = config.setting("MONGODB_DATABASES") else {
        return vec![(Cluster::MAIN, MAIN_DB.to_owned())];
    };
    listed
        .split(',')
        .filter_map(|pair| {
            let (cluster, db) = pair.trim().split_once(':')?;
            Some((
                Cluster::from_name(cluster.trim().to_owned()),
                db.trim().to_owned(),
            ))
        })
        .collect()
}

/// A driver error as the client sees it: 503 naming MongoDB (details logged).
pub fn unavailable(err: mongodb::error::Error) -> ApiError {
    ApiError::dependency(Dependency::MongoDb, err)
}

/// One page of `filter` (sorted, projected) and the total it was cut from:
/// the read behind every paged list.
pub async fn find_page(
    coll: &Collection<Document>,
    filter: Document,
    sort: Document,
    projection: Document,
    paging: Paging,
) -> Result<(Vec<Document>, u64), ApiError> {
    let total = coll
        .count_documents(filter.clone())
        .await
        .map_err(unavailable)?;
    let options = FindOptions::builder()
        .sort(sort)
        .skip(paging.skip())
        .limit(paging.limit as i64)
        .projection(projection)
        .build();
    let items = coll
        .find(filter)
        .with_options(options)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    Ok((items, total))
}

/// A write's failure as the client sees it: 409 with `conflict` when a
/// unique index refused it, else 503 naming MongoDB.
pub fn write_error(conflict: &str) -> impl Fn(mongodb::error::Error) -> ApiError + '_ {
    move |e| {
        if is_duplicate_key(&e) {
            ApiError::conflict(conflict.to_owned())
        } else {
            unavailable(e)
        }
    }
}

/// True when a write failed on a unique index (E11000).
pub fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == 11000,
        ErrorKind::InsertMany(e) => e.write_errors.iter().flatten().any(|w| w.code == 11000),
        ErrorKind::Command(e) => e.code == 11000,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_db_names_are_confined() {
        assert_eq!(org_db_name("acme-01").unwrap(), "org_acme-01");
        for bad in ["", "a.b", "../admin", "x y", "a$b", &"a".repeat(49)] {
            let err = org_db_name(bad).unwrap_err();
            assert_eq!(err.status().as_u16(), 400, "{bad}");
        }
    }
}
