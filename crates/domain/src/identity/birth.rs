//! Date of birth, within the age bounds of R3.

use std::fmt;

use chrono::NaiveDate;

/// Why a date of birth was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateOfBirthError {
    /// The date is after `today`.
    #[error("La date de naissance est dans le futur")]
    InFuture,
    /// Younger than `DateOfBirth::MIN_AGE` on `today`.
    #[error("Vous devez avoir au moins {min} ans", min = DateOfBirth::MIN_AGE)]
    TooYoung,
    /// Older than `DateOfBirth::MAX_AGE` on `today`.
    #[error("L'âge ne peut pas dépasser {max} ans", max = DateOfBirth::MAX_AGE)]
    TooOld,
}

/// A date of birth giving an age between `MIN_AGE` and `MAX_AGE` on the day it was given.
///
/// Ages are counted in full calendar years (one is 18 on one's 18th birthday, not before; someone born on
/// 29 February has a birthday on 1 March in common years), instead of the legacy days / 365.25.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// Youngest age accepted, in full years (R3).
    pub const MIN_AGE: u32 = 18;
    /// Oldest age accepted, in full years (R3).
    pub const MAX_AGE: u32 = 100;

    /// Checks the age on `today` (the caller's clock, in the service's time zone).
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, DateOfBirthError> {
        match today.years_since(date) {
            None => Err(DateOfBirthError::InFuture),
            Some(age) if age < Self::MIN_AGE => Err(DateOfBirthError::TooYoung),
            Some(age) if age > Self::MAX_AGE => Err(DateOfBirthError::TooOld),
            Some(_) => Ok(Self(date)),
        }
    }

    /// Rebuilds a date read back from storage without the age check: it held when the date was given, and a
    /// user does not become invalid by growing older.
    pub const fn from_stored(date: NaiveDate) -> Self {
        Self(date)
    }

    /// The calendar date.
    pub const fn date(self) -> NaiveDate {
        self.0
    }

    /// Age in full years on `today`; 0 for a day before the birth.
    pub fn age_on(self, today: NaiveDate) -> u32 {
        today.years_since(self.0).unwrap_or(0)
    }
}

/// `YYYY-MM-DD` (F2).
impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn eighteen_on_the_eighteenth_birthday_not_the_day_before() {
        let born = d(2008, 11, 25);
        assert_eq!(DateOfBirth::parse(born, d(2026, 11, 24)), Err(DateOfBirthError::TooYoung));
        let dob = DateOfBirth::parse(born, d(2026, 11, 25)).unwrap();
        assert_eq!(dob.date(), born);
        assert_eq!(dob.age_on(d(2026, 11, 25)), 18);
        assert_eq!(dob.age_on(d(2026, 11, 24)), 17);
    }

    #[test]
    fn a_hundred_is_the_oldest_age_accepted() {
        let born = d(1926, 11, 25);
        assert!(DateOfBirth::parse(born, d(2027, 11, 24)).is_ok());
        assert_eq!(DateOfBirth::parse(born, d(2027, 11, 25)), Err(DateOfBirthError::TooOld));
    }

    #[test]
    fn dates_after_today_are_in_the_future() {
        let today = d(2026, 11, 25);
        assert_eq!(DateOfBirth::parse(d(2026, 11, 26), today), Err(DateOfBirthError::InFuture));
        assert_eq!(DateOfBirth::parse(today, today), Err(DateOfBirthError::TooYoung));
    }

    #[test]
    fn leap_day_birthdays_come_on_the_first_of_march_in_common_years() {
        let born = d(2008, 2, 29);
        assert_eq!(DateOfBirth::parse(born, d(2026, 2, 28)), Err(DateOfBirthError::TooYoung));
        assert!(DateOfBirth::parse(born, d(2026, 3, 1)).is_ok());
    }

    #[test]
    fn stored_dates_read_back_whatever_the_age_and_age_never_goes_negative() {
        let dob = DateOfBirth::from_stored(d(1900, 1, 1));
        assert_eq!(dob.age_on(d(2026, 1, 1)), 126);
        assert_eq!(dob.age_on(d(1899, 1, 1)), 0);
        assert_eq!(dob.to_string(), "1900-01-01");
    }

    #[test]
    fn messages_carry_the_limits() {
        assert_eq!(DateOfBirthError::TooYoung.to_string(), "Vous devez avoir au moins 18 ans");
        assert_eq!(DateOfBirthError::TooOld.to_string(), "L'âge ne peut pas dépasser 100 ans");
    }
}
