//! Time is injected: domain code asks a [`Clock`], never the system. Deadlines
//! and retention are about time, and tests must control it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An instant, as microseconds since the Unix epoch (UTC). Stored as BIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    pub fn to_jiff(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    pub fn from_jiff(ts: jiff::Timestamp) -> Self {
        Self(ts.as_microsecond())
    }

    /// The calendar date of this instant in UTC.
    pub fn date(self) -> Date {
        Date(
            self.to_jiff()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date(),
        )
    }

    pub fn plus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_add(micros))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_jiff())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        crate::values::Parse::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl crate::values::Parse for Timestamp {
    fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<jiff::Timestamp>()
            .map(Self::from_jiff)
            .map_err(|_| "must be a time with zone, such as 2026-11-24T14:05:00+02:00".into())
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

/// A calendar date (`2026-11-24`). Stored as TEXT, which sorts as dates do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

impl Date {
    pub fn new(year: i16, month: i8, day: i8) -> Option<Self> {
        jiff::civil::Date::new(year, month, day).ok().map(Self)
    }

    pub fn to_jiff(self) -> jiff::civil::Date {
        self.0
    }

    pub fn from_jiff(date: jiff::civil::Date) -> Self {
        Self(date)
    }

    /// The first instant of this day in UTC (what [`Timestamp::date`] reads back).
    pub fn start(self) -> Timestamp {
        self.0
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map(|z| Timestamp::from_jiff(z.timestamp()))
            .unwrap_or(Timestamp::from_micros(0))
    }

    /// This date plus `days` (negative goes back).
    pub fn plus_days(self, days: i32) -> Self {
        Self(
            self.0
                .checked_add(jiff::Span::new().days(days))
                .unwrap_or(self.0),
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl crate::values::Parse for Date {
    fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<jiff::civil::Date>()
            .map(Self)
            .map_err(|_| "must be a date such as 2026-11-24".into())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        crate::values::Parse::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Date {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .into()
    }
}
impl utoipa::ToSchema for Date {}

/// Where the register learns what time it is.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// A clock the caller sets: tests move it; nothing else does.
#[derive(Debug)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    pub fn at(ts: Timestamp) -> Self {
        Self(std::sync::atomic::AtomicI64::new(ts.micros()))
    }

    pub fn set(&self, ts: Timestamp) {
        self.0
            .store(ts.micros(), std::sync::atomic::Ordering::SeqCst);
    }

    pub fn advance_micros(&self, micros: i64) {
        self.0
            .fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn advance_days(&self, days: i64) {
        self.0
            .fetch_add(days * 86_400_000_000, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    #[test]
    fn timestamps_round_trip_through_text() {
        let ts = Timestamp::parse("2026-11-24T14:05:00+02:00").unwrap();
        assert_eq!(ts.to_string(), "2026-11-24T12:05:00Z");
        assert_eq!(Timestamp::parse(&ts.to_string()).unwrap(), ts);
        assert_eq!(ts.date().to_string(), "2026-11-24");
        assert!(Date::parse("2026-02-30").is_err());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at(Timestamp::from_micros(0));
        assert_eq!(clock.now(), Timestamp::from_micros(0));
        clock.advance_days(1);
        assert_eq!(clock.now().date().to_string(), "1970-01-02");
    }
}
