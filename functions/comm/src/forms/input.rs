//! The forms' fields and the rules their schemas cannot state: an email's
//! shape, a phone number's characters, a meeting's date and zone.

use serde::Deserialize;
use shared::http::{Validate, Violations};
use time::{Date, OffsetDateTime, Time, macros::format_description};

/// A contact message from the website.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContactForm {
    #[schema(max_length = 100, example = "Ada Lovelace")]
    pub name: String,
    #[schema(format = "email", max_length = 254, example = "ada@example.com")]
    pub email: String,
    #[schema(max_length = 5000)]
    pub message: String,
    /// Digits, spaces and `+ - ( ) .`, at least 6 digits, at most 32 characters.
    #[serde(default)]
    #[schema(max_length = 32, example = "+49 30 1234567")]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 120)]
    pub company: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// Leave out or empty. A hidden field of the site's forms that people
    /// never fill (a honeypot): a submission with a value here is answered
    /// 202 `{received: true}` but neither stored nor mailed.
    #[serde(default)]
    pub website: Option<String>,
}

fn phone(v: &mut Violations, value: &Option<String>) {
    if let Some(p) = value.as_deref().filter(|p| !p.is_empty()) {
        let ok = p.len() <= 32
            && p.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            && p.chars().filter(char::is_ascii_digit).count() >= 6;
        v.check(
            ok,
            "phone",
            "must be a phone number (digits, spaces, + - ( ) .)",
        );
    }
}

impl Validate for ContactForm {
    fn validate(&self, v: &mut Violations) {
        v.required("name", &self.name);
        v.email("email", &self.email);
        v.required("message", &self.message);
        phone(v, &self.phone);
    }
}

/// A request for a meeting (e.g. a demo).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MeetingRequest {
    #[schema(max_length = 100, example = "Ada Lovelace")]
    pub name: String,
    #[schema(format = "email", max_length = 254, example = "ada@example.com")]
    pub email: String,
    /// `YYYY-MM-DD`, today or later (yesterday is tolerated for time zones
    /// behind UTC), at most a year ahead.
    #[schema(format = Date, example = "2026-03-02")]
    pub date: String,
    /// `HH:MM`, 24-hour.
    #[schema(pattern = "^[0-9]{2}:[0-9]{2}$", example = "09:30")]
    pub time: String,
    /// IANA zone name, e.g. `Europe/Berlin` (defaults to UTC).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9/_+-]+$",
        example = "Europe/Berlin"
    )]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 120)]
    pub company: Option<String>,
    /// Digits, spaces and `+ - ( ) .`, at least 6 digits, at most 32 characters.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, example = "Product demo")]
    pub topic: Option<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub message: Option<String>,
    /// Leave out or empty (honeypot; see `ContactForm.website`).
    #[serde(default)]
    pub website: Option<String>,
}

impl Validate for MeetingRequest {
    fn validate(&self, v: &mut Violations) {
        v.required("name", &self.name);
        v.email("email", &self.email);
        match Date::parse(&self.date, format_description!("[year]-[month]-[day]")) {
            Ok(d) => {
                let today = OffsetDateTime::now_utc().date();
                v.check(
                    d >= today.previous_day().unwrap_or(today),
                    "date",
                    "must not be in the past",
                );
                v.check(
                    d <= today + time::Duration::days(366),
                    "date",
                    "must be within the next year",
                );
            }
            Err(_) => v.add("date", "must be a date as YYYY-MM-DD"),
        }
        v.check(
            Time::parse(&self.time, format_description!("[hour]:[minute]")).is_ok(),
            "time",
            "must be a time as HH:MM (24-hour)",
        );
        if let Some(tz) = &self.timezone {
            let ok = tz.len() <= 64
                && !tz.is_empty()
                && tz
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
            v.check(
                ok,
                "timezone",
                "must be a time zone name such as Europe/Berlin",
            );
        }
        phone(v, &self.phone);
    }
}

/// A pricing inquiry.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PricingInquiry {
    #[schema(max_length = 100, example = "Ada Lovelace")]
    pub name: String,
    #[schema(format = "email", max_length = 254, example = "ada@example.com")]
    pub email: String,
    #[schema(max_length = 120, example = "Analytical Engines Ltd")]
    pub company: String,
    /// The plan asked about (free text).
    #[serde(default)]
    #[schema(max_length = 60, example = "Business")]
    pub plan: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000, example = 25)]
    pub seats: Option<u32>,
    /// Digits, spaces and `+ - ( ) .`, at least 6 digits, at most 32 characters.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub message: Option<String>,
    /// Leave out or empty (honeypot; see `ContactForm.website`).
    #[serde(default)]
    pub website: Option<String>,
}

impl Validate for PricingInquiry {
    fn validate(&self, v: &mut Violations) {
        v.required("name", &self.name);
        v.email("email", &self.email);
        v.required("company", &self.company);
        phone(v, &self.phone);
    }
}
