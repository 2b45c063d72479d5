//! Interview slots (R31, I7): a date and a time booked for one open application; an occupied (date, time) is
//! unique, a cancelled slot frees its time and stays readable.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveTime, Timelike as _, Utc};
use uuid::Uuid;

use crate::applications::ApplicationStatus;
use crate::vocabulary::wire_enum;

/// The longest `candidate_name`, `job_title` or `location`, in characters.
pub const MAX_SLOT_LABEL_CHARS: usize = 255;
/// The longest `notes`, in characters.
pub const MAX_SLOT_NOTES_CHARS: usize = 5_000;
/// The wire format of a slot's date (legacy `YYYY-MM-DD`, F2).
pub const DATE_FORMAT: &str = "%Y-%m-%d";
/// The wire format of a slot's time (legacy `HH:MM:SS`, R31).
pub const TIME_FORMAT: &str = "%H:%M:%S";
/// A slot's date and time are Libreville's (B4): UTC+1 all year since 1912 (WAT, no daylight saving).
pub const LIBREVILLE_UTC_OFFSET_SECONDS: i32 = 3_600;

wire_enum! {
    /// Where a slot stands (legacy `interview_slots.status`).
    pub enum SlotStatus {
        /// Booked, to come.
        Scheduled => "scheduled",
        /// Took place; its time stays taken.
        Completed => "completed",
        /// Called off: its time is free again (I7).
        Cancelled => "cancelled",
    }
}

/// A slot's field the client sent in a shape it cannot be (422, F1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotFieldError {
    /// `date` is not a real `YYYY-MM-DD` day.
    #[error("« date » : format attendu AAAA-MM-JJ (ex. 2026-12-31)")]
    Date,
    /// `time` is not a real `HH:MM:SS` time.
    #[error("« time » : format attendu HH:MM:SS (ex. 09:30:00)")]
    Time,
    /// A text field is longer than its limit.
    #[error("« {field} » : {max} caractères au plus")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
}

/// The application is no longer open: refused, withdrawn or hired (a slot is booked for open ones only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("La candidature est close ({status}) : aucun entretien ne peut être programmé")]
pub struct ApplicationClosed {
    /// Its status.
    pub status: ApplicationStatus,
}

/// Whether `raw` is digits where `pattern` has `9` and the same character elsewhere (`9999-99-99`).
fn shaped(raw: &str, pattern: &str) -> bool {
    raw.len() == pattern.len()
        && raw.bytes().zip(pattern.bytes()).all(|(c, p)| if p == b'9' { c.is_ascii_digit() } else { c == p })
}

/// Parses a slot date: exactly `YYYY-MM-DD`, a real day of the years 1900 to 9999 (a sign, a short field or a
/// year of another width is refused: the stored text must keep its 10 characters and its order).
pub fn parse_date(raw: &str) -> Result<NaiveDate, SlotFieldError> {
    if !shaped(raw, "9999-99-99") {
        return Err(SlotFieldError::Date);
    }
    let date = NaiveDate::parse_from_str(raw, DATE_FORMAT).map_err(|_| SlotFieldError::Date)?;
    if date.year() < 1900 {
        return Err(SlotFieldError::Date);
    }
    Ok(date)
}

/// Parses a slot time: exactly `HH:MM:SS`, a real time of day (no leap second).
pub fn parse_time(raw: &str) -> Result<NaiveTime, SlotFieldError> {
    if !shaped(raw, "99:99:99") {
        return Err(SlotFieldError::Time);
    }
    let time = NaiveTime::parse_from_str(raw, TIME_FORMAT).map_err(|_| SlotFieldError::Time)?;
    if time.nanosecond() >= 1_000_000_000 {
        return Err(SlotFieldError::Time);
    }
    Ok(time)
}

/// Checks a label (`candidate_name`, `job_title`, `location`) or the notes against their limits.
pub fn check_text(field: &'static str, text: Option<&str>) -> Result<(), SlotFieldError> {
    let max = if field == "notes" { MAX_SLOT_NOTES_CHARS } else { MAX_SLOT_LABEL_CHARS };
    match text {
        Some(text) if text.chars().count() > max => Err(SlotFieldError::TooLong { field, max }),
        _ => Ok(()),
    }
}

/// Whether a slot may be booked for an application in `status`: not once it is refused, withdrawn or hired.
pub fn check_bookable(status: ApplicationStatus) -> Result<(), ApplicationClosed> {
    if status.is_terminal() { Err(ApplicationClosed { status }) } else { Ok(()) }
}

/// A booked interview (legacy §2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewSlot {
    /// Its id.
    pub id: Uuid,
    /// The application interviewed.
    pub application_id: Uuid,
    /// The candidate's name as shown on the calendar.
    pub candidate_name: Option<String>,
    /// The offer's title as shown on the calendar.
    pub job_title: Option<String>,
    /// The day.
    pub date: NaiveDate,
    /// The time of day.
    pub time: NaiveTime,
    /// Where it stands.
    pub status: SlotStatus,
    /// `true` once cancelled: the time is free (legacy meaning, I7).
    pub is_available: bool,
    /// Where it takes place.
    pub location: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Who booked it (a later move keeps them).
    pub recruiter_id: Option<Uuid>,
    /// Incremented on every change after the booking (0): the ICS invitation's `SEQUENCE` (B4).
    pub sequence: u32,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl InterviewSlot {
    /// Whether the slot holds its (date, time): every status but `cancelled` (the unique index's condition).
    pub fn occupies(&self) -> bool {
        self.status != SlotStatus::Cancelled
    }

    /// The instant the interview starts: its date and time in Libreville.
    pub fn starts_at(&self) -> DateTime<Utc> {
        let local = self.date.and_time(self.time);
        local.and_utc() - chrono::TimeDelta::seconds(i64::from(LIBREVILLE_UTC_OFFSET_SECONDS))
    }

    /// Whether the slot is booked and has not started at `now`: what closing its application calls off.
    pub fn is_upcoming(&self, now: DateTime<Utc>) -> bool {
        self.status == SlotStatus::Scheduled && self.starts_at() > now
    }

    /// Sets the status and the availability that goes with it.
    pub fn set_status(&mut self, status: SlotStatus) {
        self.status = status;
        self.is_available = status == SlotStatus::Cancelled;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_parsed_strictly() {
        assert_eq!(parse_date("2026-12-31"), Ok(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        let signed_or_ancient = ["-001-01-01", "+12345-1-1", "+999-01-01", "0999-01-01", "1899-12-31", "２026-01-05"];
        for bad in ["2026-02-30", "2026-1-05", "26-01-05", "2026/01/05", "2026-01-05T10:00", "", "2026-13-01"]
            .into_iter()
            .chain(signed_or_ancient)
        {
            assert_eq!(parse_date(bad), Err(SlotFieldError::Date), "{bad}");
        }
        assert_eq!(parse_time("09:30:00"), Ok(NaiveTime::from_hms_opt(9, 30, 0).unwrap()));
        for bad in
            ["9:30:00", "09:30", "24:00:00", "09:60:00", "09:30:60", "23:59:60", "09:30:00.5", "093000", "", "+9:30:00"]
        {
            assert_eq!(parse_time(bad), Err(SlotFieldError::Time), "{bad}");
        }
    }

    #[test]
    fn only_open_applications_are_bookable() {
        for status in ApplicationStatus::ALL {
            let closed =
                matches!(status, ApplicationStatus::Refuse | ApplicationStatus::Retiree | ApplicationStatus::Embauche);
            assert_eq!(check_bookable(status).is_err(), closed, "{status}");
        }
    }

    #[test]
    fn texts_have_limits() {
        assert!(check_text("location", Some(&"x".repeat(MAX_SLOT_LABEL_CHARS))).is_ok());
        assert_eq!(
            check_text("location", Some(&"x".repeat(MAX_SLOT_LABEL_CHARS + 1))),
            Err(SlotFieldError::TooLong { field: "location", max: MAX_SLOT_LABEL_CHARS })
        );
        assert!(check_text("notes", Some(&"x".repeat(MAX_SLOT_NOTES_CHARS))).is_ok());
        assert!(check_text("notes", None).is_ok());
    }

    #[test]
    fn a_slot_starts_at_its_libreville_time_and_is_upcoming_until_then() {
        let slot = InterviewSlot {
            id: Uuid::nil(),
            application_id: Uuid::nil(),
            candidate_name: None,
            job_title: None,
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            status: SlotStatus::Scheduled,
            is_available: false,
            location: None,
            notes: None,
            recruiter_id: None,
            sequence: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        };
        let start = DateTime::parse_from_rfc3339("2026-12-14T08:00:00Z").unwrap().to_utc();
        assert_eq!(slot.starts_at(), start, "09:00 in Libreville is 08:00 UTC");
        assert!(slot.is_upcoming(start - chrono::TimeDelta::seconds(1)));
        assert!(!slot.is_upcoming(start), "started");
        let mut done = slot.clone();
        done.set_status(SlotStatus::Completed);
        assert!(!done.is_upcoming(start - chrono::TimeDelta::days(1)), "only a booked slot is called off");
    }
}
