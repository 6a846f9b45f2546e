//! Clients for the stores: AWS (DynamoDB, S3, SES v2, Secrets Manager) and
//! MongoDB. Accessors live on [`crate::App`] so a handler writes
//! `app.dynamodb().await` or `app.main_db().await?`.

pub mod aws;
pub mod mongo;

/// A dependency a request can fail on; named in 503 responses and health output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Dependency {
    #[serde(rename = "mongodb")]
    MongoDb,
    #[serde(rename = "dynamodb")]
    DynamoDb,
    #[serde(rename = "s3")]
    S3,
    #[serde(rename = "ses")]
    Ses,
    #[serde(rename = "secrets")]
    Secrets,
}

impl Dependency {
    /// The name people know it by, used in error sentences.
    pub fn display_name(self) -> &'static str {
        match self {
            Dependency::MongoDb => "MongoDB",
            Dependency::DynamoDb => "DynamoDB",
            Dependency::S3 => "S3",
            Dependency::Ses => "SES",
            Dependency::Secrets => "Secrets Manager",
        }
    }

    /// The key used in JSON (health output, metrics).
    pub fn key(self) -> &'static str {
        match self {
            Dependency::MongoDb => "mongodb",
            Dependency::DynamoDb => "dynamodb",
            Dependency::S3 => "s3",
            Dependency::Ses => "ses",
            Dependency::Secrets => "secrets",
        }
    }
}
