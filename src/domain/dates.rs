//! Dates as the engine judges them: the seller's time zone ([`Zone`]), "today" in it, and the
//! ranges date inputs must fall in.
//!
//! Nothing here reads a clock: the engine reads its clock once per verb and hands the instant
//! in. Every date a client gives lies between 1900-01-01 and 2200-12-31; an issue date also
//! lies between one year before and 30 days after today, so one typo (`2099-12-31`) cannot lock
//! a series, whose issue dates never go backwards.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::error::{Error, Result};

/// Earliest date accepted anywhere.
pub fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Latest date accepted anywhere.
pub fn latest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2200, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// How far an issue date may lie in the future.
pub const ISSUE_DATE_DAYS_AHEAD: u64 = 30;
/// How far an issue date may lie in the past, in months.
pub const ISSUE_DATE_MONTHS_BACK: u32 = 12;

/// Refuse a date outside 1900-01-01..=2200-12-31, naming `field`.
pub fn check_range(field: &str, date: NaiveDate) -> Result<NaiveDate> {
    if date < earliest() || date > latest() {
        return Err(Error::validation(
            field,
            format!(
                "must be between {} and {}, got {date}",
                earliest(),
                latest()
            ),
        ));
    }
    Ok(date)
}

/// [`check_range`] for an optional date.
pub fn check_optional(field: &str, date: Option<NaiveDate>) -> Result<Option<NaiveDate>> {
    date.map(|d| check_range(field, d)).transpose()
}

/// The issue dates allowed on `today`: one year back to 30 days ahead.
pub fn issue_date_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = today
        .checked_sub_months(Months::new(ISSUE_DATE_MONTHS_BACK))
        .unwrap_or(today);
    let to = today
        .checked_add_days(chrono::Days::new(ISSUE_DATE_DAYS_AHEAD))
        .unwrap_or(today);
    (from, to)
}

/// Refuse an issue date outside [`issue_date_window`], saying what is allowed.
pub fn check_issue_date(field: &str, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate> {
    let (from, to) = issue_date_window(today);
    if date < from || date > to {
        return Err(Error::validation(
            field,
            format!(
                "must be between {from} and {to} (one year before to {ISSUE_DATE_DAYS_AHEAD} days after today, {today}), got {date}; an issue date cannot be changed once a number is assigned"
            ),
        ));
    }
    Ok(date)
}

/// Refuse a date after `today` (a payment that has not arrived yet).
pub fn check_not_future(field: &str, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate> {
    if date > today {
        return Err(Error::validation(
            field,
            format!("must not be after today, {today}; got {date}"),
        ));
    }
    check_range(field, date)
}

/// A time zone of the IANA database, by name (`Europe/Berlin`, `UTC`).
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The zone called `name` in the IANA database built into the binary.
    pub fn parse(field: &str, name: &str) -> Result<Zone> {
        let name = name.trim();
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| {
            Error::validation(
                field,
                format!(
                    "'{}' is not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)",
                    name.chars().take(64).collect::<String>()
                ),
            )
        })?;
        Ok(Zone {
            name: name.to_string(),
            zone,
        })
    }

    /// The zone of a country that has one (DE: Europe/Berlin, FR: Europe/Paris), from the
    /// IANA table `zone1970.tab`; `None` for countries with several (US, ES, PT) or unknown ones.
    pub fn of_country(country_code: &str) -> Option<Zone> {
        let name = country_zones().get(country_code)?;
        Zone::parse("timezone", name).ok()
    }

    /// Its IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wall-clock date and time in this zone at the instant `at`.
    pub fn local_at(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        let offset = jiff::Timestamp::from_second(at.timestamp())
            .map(|t| self.zone.to_offset(t).seconds())
            .unwrap_or(0);
        at.naive_utc() + chrono::Duration::seconds(offset.into())
    }

    /// The calendar date in this zone at the instant `now`.
    pub fn date_at(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = jiff::Timestamp::from_second(now.timestamp())
            .map(|t| self.zone.to_datetime(t).date())
            .ok()
            .and_then(|d| {
                let (month, day) = (d.month().unsigned_abs(), d.day().unsigned_abs());
                NaiveDate::from_ymd_opt(d.year().into(), month.into(), day.into())
            });
        local.unwrap_or_else(|| now.date_naive())
    }
}

/// Country code → its one zone, for the countries that have exactly one.
///
/// `zone1970.tab` lists each zone with the countries it covers, the most populous first. A
/// country has one zone when one row lists it, or when it comes first in exactly one row (a
/// zone it shares for a village, like Büsingen in Europe/Zurich, does not count: DE stays
/// Europe/Berlin).
fn country_zones() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // (zone, whether the country is the zone's first) per country.
        let mut rows: HashMap<&'static str, Vec<(String, bool)>> = HashMap::new();
        for name in jiff::tz::db().available() {
            let Some(meta) = timezone_data::meta(name.as_str()) else {
                continue;
            };
            for (index, country) in meta.countries().enumerate() {
                let zones = rows.entry(country.code).or_default();
                zones.push((name.as_str().to_string(), index == 0));
            }
        }
        rows.into_iter()
            .filter_map(|(country, zones)| {
                let firsts: Vec<String> = zones
                    .iter()
                    .filter(|(_, first)| *first)
                    .map(|(zone, _)| zone.clone())
                    .collect();
                let chosen = match (zones.as_slice(), firsts.as_slice()) {
                    ([(only, _)], _) | (_, [only]) => only.clone(),
                    _ => return None,
                };
                Some((country.to_string(), chosen))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn today_is_the_sellers_local_date() {
        let berlin = Zone::parse("timezone", "Europe/Berlin").unwrap();
        // 00:30 in Berlin (winter, UTC+1) is still the previous day in UTC.
        assert_eq!(
            berlin.date_at(at("2026-11-30T23:30:00Z")),
            date(2026, 12, 1)
        );
        assert_eq!(
            Zone::utc().date_at(at("2026-11-30T23:30:00Z")),
            date(2026, 11, 30)
        );
        // Summer time: UTC+2.
        assert_eq!(berlin.date_at(at("2026-06-30T22:30:00Z")), date(2026, 7, 1));
        let new_york = Zone::parse("timezone", "America/New_York").unwrap();
        assert_eq!(
            new_york.date_at(at("2026-12-01T03:00:00Z")),
            date(2026, 11, 30)
        );
    }

    #[test]
    fn countries_with_one_zone_get_it() {
        let of = |c: &str| Zone::of_country(c).map(|z| z.name().to_string());
        assert_eq!(of("DE").as_deref(), Some("Europe/Berlin"));
        assert_eq!(of("FR").as_deref(), Some("Europe/Paris"));
        assert_eq!(of("AT").as_deref(), Some("Europe/Vienna"));
        assert_eq!(of("JP").as_deref(), Some("Asia/Tokyo"));
        assert_eq!(of("US"), None, "several zones");
        assert_eq!(of("ES"), None, "mainland and the Canaries");
        assert_eq!(of("XX"), None);
    }

    #[test]
    fn unknown_zone_names_are_refused_with_the_field() {
        let err = Zone::parse("timezone", "Europe/Atlantis").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("timezone"));
        assert!(err.message.contains("IANA"), "{}", err.message);
    }

    #[test]
    fn dates_outside_1900_to_2200_are_refused() {
        assert!(check_range("d", date(1899, 12, 31)).is_err());
        assert!(check_range("d", date(2201, 1, 1)).is_err());
        assert!(check_range("d", date(1900, 1, 1)).is_ok());
        let err = check_range("lines[0].service_date", date(2999, 1, 1)).unwrap_err();
        assert!(
            err.message.contains("1900-01-01 and 2200-12-31"),
            "{}",
            err.message
        );
    }

    #[test]
    fn issue_dates_lie_within_a_year_back_and_30_days_ahead() {
        let today = date(2026, 12, 1);
        assert!(check_issue_date("issue_date", date(2025, 12, 1), today).is_ok());
        assert!(check_issue_date("issue_date", date(2026, 12, 31), today).is_ok());
        let err = check_issue_date("issue_date", date(2099, 12, 31), today).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("issue_date"));
        assert!(
            err.message.contains("2025-12-01 and 2026-12-31"),
            "{}",
            err.message
        );
        assert!(check_issue_date("issue_date", date(2025, 11, 30), today).is_err());
        assert!(check_issue_date("issue_date", date(2027, 1, 1), today).is_err());
    }

    #[test]
    fn payments_cannot_arrive_tomorrow() {
        let today = date(2026, 12, 1);
        assert!(check_not_future("date", today, today).is_ok());
        let err = check_not_future("date", date(2026, 12, 2), today).unwrap_err();
        assert!(err.message.contains("today, 2026-12-01"), "{}", err.message);
    }
}
