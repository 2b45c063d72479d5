//! The calendar invitation an interview e-mail carries (B4): an RFC 5545 / RFC 5546 (iTIP) `VEVENT` that a
//! mail client adds to the candidate's calendar, updates when the slot moves and removes when it is cancelled.
//!
//! The text is written by the `icalendar` crate, which escapes user text (commas, semicolons, newlines) and
//! folds long lines. The crate is pure (it formats; no file, network or clock is touched once `DTSTAMP` and `UID`
//! are given, which they always are here), so it lives in this ring rather than behind a port.
//!
//! The crate has no `VTIMEZONE` component (its writer would stamp any other component with a `UID` and a
//! `DTSTAMP`), so the one time zone this service knows is written as a constant block, placed before the event.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use icalendar::{Attendee, Calendar, CalendarDateTime, Component as _, Event, EventLike as _, EventStatus, Property};
use icalendar::{PartStat, Role};
use seeg_domain::interviews::InterviewSlot;

use crate::mail::Attachment;

/// The time zone of every slot's date and time (B4).
pub const TIME_ZONE: &str = "Africa/Libreville";
/// The domain of the invitations' `UID`s: `{slot_id}@seeg-gabon.com`, one per slot, stable across its changes.
pub const UID_DOMAIN: &str = "seeg-gabon.com";
/// How long an interview lasts (the e-mails say "1 heure").
pub const DURATION: TimeDelta = TimeDelta::hours(1);
/// The attachment's file name.
pub const FILE_NAME: &str = "invitation.ics";

/// Africa/Libreville has been UTC+1 all year since 1912 (WAT, no daylight saving): one `STANDARD` rule covers
/// every date a slot can have.
const LIBREVILLE_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
    TZID:Africa/Libreville\r\n\
    BEGIN:STANDARD\r\n\
    DTSTART:19700101T000000\r\n\
    TZOFFSETFROM:+0100\r\n\
    TZOFFSETTO:+0100\r\n\
    TZNAME:WAT\r\n\
    END:STANDARD\r\n\
    END:VTIMEZONE\r\n";

/// What the invitation asks of the candidate's calendar (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add the interview, or update it (a higher `SEQUENCE`).
    Request,
    /// Remove it.
    Cancel,
}

impl Method {
    /// Its iTIP name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// Someone the invitation names: the organizer or the attendee.
#[derive(Clone, Copy)]
pub struct Party<'a> {
    /// The name a calendar shows (`CN`); blank: none.
    pub name: &'a str,
    /// The address (`mailto:`).
    pub email: &'a str,
}

/// Names and addresses are personal data (S12).
impl std::fmt::Debug for Party<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Party").finish_non_exhaustive()
    }
}

/// One invitation: a slot as it stands after a change, and what to do with it.
#[derive(Clone, Copy)]
pub struct Invitation<'a> {
    /// The slot (its id gives the `UID`, its `sequence` the `SEQUENCE`, its date and time Libreville's).
    pub slot: &'a InterviewSlot,
    /// Request (booked, moved) or cancel.
    pub method: Method,
    /// The offer's title, in the `SUMMARY`.
    pub job_title: &'a str,
    /// Where (`LOCATION`).
    pub location: &'a str,
    /// Who invites: the recruiter who booked it, or the service's sender.
    pub organizer: Party<'a>,
    /// The candidate.
    pub attendee: Party<'a>,
    /// When the invitation was made (`DTSTAMP`): the use case's clock.
    pub stamp: DateTime<Utc>,
}

/// A `CN` is a parameter value: it cannot hold a double quote or a control character, which the crate does not
/// escape (only quotes around `:;,`).
fn common_name(name: &str) -> String {
    name.chars().filter(|c| *c != '"' && !c.is_control()).collect::<String>().trim().to_owned()
}

/// The slot's labels and the parties are personal data (S12): the slot id, method and sequence only.
impl std::fmt::Debug for Invitation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("slot", &self.slot.id)
            .field("method", &self.method)
            .field("sequence", &self.slot.sequence)
            .finish_non_exhaustive()
    }
}

/// A bare CR, or a Unicode line or paragraph separator, would end a content line early for some readers: user text
/// keeps `\n` line breaks only (which the crate escapes) and tabs, and loses every other control character, which
/// RFC 5545 forbids in TEXT.
fn text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if matches!(c, '\r' | '\u{2028}' | '\u{2029}' | '\u{85}') { '\n' } else { c })
        .filter(|c| matches!(c, '\n' | '\t') || !c.is_control())
        .collect()
}

/// A `mailto:` address as a URI (RFC 6068): the crate writes CAL-ADDRESS values as they are, so whitespace and
/// control characters are dropped and `%`, `?` and `#` percent-encoded.
fn mailto(email: &str) -> String {
    let mut uri = String::from("mailto:");
    for c in email.chars().filter(|c| !c.is_whitespace() && !c.is_control()) {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            '#' => uri.push_str("%23"),
            other => uri.push(other),
        }
    }
    uri
}

impl Invitation<'_> {
    /// The slot's `UID`: `{slot_id}@seeg-gabon.com`.
    pub fn uid(&self) -> String {
        format!("{}@{UID_DOMAIN}", self.slot.id)
    }

    /// The `.ics` text (CRLF line ends, folded at 75 octets).
    pub fn to_ics(&self) -> String {
        let start = NaiveDateTime::new(self.slot.date, self.slot.time);
        let at = |date_time| CalendarDateTime::WithTimezone { date_time, tzid: TIME_ZONE.to_owned() };
        let mut organizer = Property::new("ORGANIZER", mailto(self.organizer.email));
        let organizer_name = common_name(self.organizer.name);
        if !organizer_name.is_empty() {
            organizer.add_parameter("CN", &organizer_name);
        }
        let mut attendee =
            Attendee::new(mailto(self.attendee.email)).role(Role::ReqParticipant).partstat(PartStat::NeedsAction);
        let attendee_name = common_name(self.attendee.name);
        if !attendee_name.is_empty() {
            attendee = attendee.cn(attendee_name);
        }
        let (status, cancelled) = match self.method {
            Method::Request => (EventStatus::Confirmed, false),
            Method::Cancel => (EventStatus::Cancelled, true),
        };
        let event = Event::new()
            .uid(&self.uid())
            .timestamp(self.stamp)
            .sequence(self.slot.sequence)
            .starts(at(start))
            .ends(at(start + DURATION))
            .summary(&text(&format!("Entretien - {}", self.job_title.trim())))
            .location(&text(self.location.trim()))
            .append_property(organizer)
            .attendee(attendee)
            .status(status)
            .append_property(Property::new("TRANSP", if cancelled { "TRANSPARENT" } else { "OPAQUE" }))
            .done();
        let head = Calendar::empty()
            .append_property(Property::new("VERSION", "2.0"))
            .append_property(Property::new("PRODID", "-//SEEG//Recrutement//FR"))
            .append_property(Property::new("CALSCALE", "GREGORIAN"))
            .append_property(Property::new("METHOD", self.method.as_str()))
            .done()
            .to_string();
        // `head` is BEGIN:VCALENDAR, the properties, END:VCALENDAR: the components go before its last line.
        let head = head.strip_suffix("END:VCALENDAR\r\n").unwrap_or(&head);
        format!("{head}{LIBREVILLE_VTIMEZONE}{event}END:VCALENDAR\r\n", event = icalendar::Component::to_string(&event))
    }

    /// The invitation as an e-mail attachment (`text/calendar; method=…; charset=UTF-8`).
    pub fn attachment(&self) -> Attachment {
        Attachment {
            file_name: FILE_NAME.to_owned(),
            content_type: format!("text/calendar; method={}; charset=UTF-8", self.method.as_str()),
            text: self.to_ics(),
        }
    }
}

/// The service's own sender (`mail.from_email`, `mail.from_name`): the organizer of an invitation whose booking
/// recruiter is unknown or gone.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceOrganizer {
    /// The name a calendar shows.
    pub name: String,
    /// The address.
    pub email: String,
}

/// An address is personal data only when it is someone's; the service's is not, but both stay out alike (S12).
impl std::fmt::Debug for ServiceOrganizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceOrganizer").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use icalendar::parser::{Component, read_calendar, unfold};
    use seeg_domain::interviews::SlotStatus;
    use uuid::Uuid;

    use super::*;

    fn slot(sequence: u32, hour: u32) -> InterviewSlot {
        InterviewSlot {
            id: Uuid::from_u128(0xabc),
            application_id: Uuid::nil(),
            candidate_name: None,
            job_title: None,
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(hour, 30, 0).unwrap(),
            status: SlotStatus::Scheduled,
            is_available: false,
            location: None,
            notes: None,
            recruiter_id: None,
            sequence,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn ics(slot: &InterviewSlot, method: Method, location: &str) -> String {
        Invitation {
            slot,
            method,
            job_title: "Ingénieur réseau; électricité",
            location,
            organizer: Party { name: "Nadia \"RH\" Obame", email: "nadia@seeg-gabon.com" },
            attendee: Party { name: "Awa Ndong", email: "awa@example.com" },
            stamp: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
        .to_ics()
    }

    /// A component's properties, read back: name, value (unescaped by the parser), parameters.
    type Properties = Vec<(String, String, Vec<(String, String)>)>;

    fn properties(component: &Component<'_>) -> Properties {
        let param = |x: &icalendar::parser::Parameter<'_>| {
            (x.key.to_string(), x.val.as_ref().map(ToString::to_string).unwrap_or_default())
        };
        component
            .properties
            .iter()
            .map(|p| (p.name.to_string(), p.val.to_string(), p.params.iter().map(param).collect()))
            .collect()
    }

    /// The property `name`: its value and its parameters.
    fn prop(properties: &Properties, name: &str) -> (String, Vec<(String, String)>) {
        let (_, value, params) =
            properties.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{name} missing"));
        (value.clone(), params.clone())
    }

    /// The calendar's `METHOD`, its zone's `STANDARD` rule and its event.
    fn read(text: &str) -> (String, Properties, Properties) {
        assert!(text.split("\r\n").all(|line| line.len() <= 75), "folded at 75 octets");
        assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "CRLF line ends only");
        let unfolded = unfold(text);
        let calendar = read_calendar(&unfolded).unwrap();
        let method = calendar.properties.iter().find(|p| p.name.as_str() == "METHOD").unwrap().val.to_string();
        let position = |name: &str| calendar.components.iter().position(|c| c.name.as_str() == name).unwrap();
        assert!(position("VTIMEZONE") < position("VEVENT"), "the zone before the event that names it");
        let zone = &calendar.components[position("VTIMEZONE")];
        assert_eq!(prop(&properties(zone), "TZID").0, TIME_ZONE);
        let standard = zone.components.iter().find(|c| c.name.as_str() == "STANDARD").unwrap();
        (method, properties(standard), properties(&calendar.components[position("VEVENT")]))
    }

    #[test]
    fn a_booking_moves_and_cancellation_share_one_uid_with_a_growing_sequence() {
        let booked = slot(0, 9);
        let (method, standard, event) = read(&ics(&booked, Method::Request, "Siège"));
        assert_eq!(method, "REQUEST");
        assert_eq!(prop(&standard, "TZOFFSETFROM").0, "+0100");
        assert_eq!(prop(&standard, "TZOFFSETTO").0, "+0100");
        let uid = prop(&event, "UID").0;
        assert_eq!(uid, format!("{}@seeg-gabon.com", booked.id));
        assert_eq!(prop(&event, "SEQUENCE").0, "0");
        let tz = vec![("TZID".to_owned(), TIME_ZONE.to_owned())];
        assert_eq!(prop(&event, "DTSTART"), ("20261214T093000".to_owned(), tz.clone()));
        assert_eq!(prop(&event, "DTEND"), ("20261214T103000".to_owned(), tz.clone()));
        assert_eq!(prop(&event, "DTSTAMP").0, "20270115T080000Z");
        assert_eq!(prop(&event, "STATUS").0, "CONFIRMED");
        assert_eq!(prop(&event, "SUMMARY").0, "Entretien - Ingénieur réseau; électricité");
        let (organizer, params) = prop(&event, "ORGANIZER");
        assert_eq!(organizer, "mailto:nadia@seeg-gabon.com");
        assert!(params.contains(&("CN".to_owned(), "Nadia RH Obame".to_owned())), "{params:?}");
        let (attendee, params) = prop(&event, "ATTENDEE");
        assert_eq!(attendee, "mailto:awa@example.com");
        assert!(params.contains(&("CN".to_owned(), "Awa Ndong".to_owned())), "{params:?}");

        let (method, _, moved) = read(&ics(&slot(1, 11), Method::Request, "Siège"));
        assert_eq!((method.as_str(), prop(&moved, "UID").0), ("REQUEST", uid.clone()));
        assert_eq!(prop(&moved, "SEQUENCE").0, "1");
        assert_eq!(prop(&moved, "DTSTART"), ("20261214T113000".to_owned(), tz));

        let (method, _, cancelled) = read(&ics(&slot(2, 11), Method::Cancel, "Siège"));
        assert_eq!((method.as_str(), prop(&cancelled, "UID").0), ("CANCEL", uid));
        assert_eq!(prop(&cancelled, "SEQUENCE").0, "2");
        assert_eq!(prop(&cancelled, "STATUS").0, "CANCELLED");
    }

    #[test]
    fn user_text_is_escaped_and_long_lines_folded() {
        let location =
            "Siège SEEG, boulevard Triomphal; bâtiment B\r\n2e étage, salle de réunion du comité de direction";
        let text = ics(&slot(0, 9), Method::Request, location);
        assert!(text.contains(r"Siège SEEG\, boulevard Triomphal\; bâtiment B\n2e"), "{text}");
        assert!(text.contains(r"Ingénieur réseau\; électricité"), "{text}");
        let (_, _, event) = read(&text);
        assert_eq!(prop(&event, "LOCATION").0, location.replace("\r\n", "\n"));
    }

    #[test]
    fn no_user_text_or_address_adds_a_line() {
        let location = "Salle A\u{2028}ATTACH:https://x.example\u{0b}\u{0}\rX-EVIL:1";
        let mut booked = slot(0, 9);
        booked.location = Some("notes never go into the invitation".to_owned());
        let text = Invitation {
            slot: &booked,
            method: Method::Request,
            job_title: "Poste",
            location,
            organizer: Party { name: "RH", email: "rh@seeg-gabon.com\r\nX-EVIL:2" },
            attendee: Party { name: "Awa", email: "awa?x=1#y%z@example.com" },
            stamp: DateTime::UNIX_EPOCH,
        }
        .to_ics();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines.iter().all(|l| !l.starts_with("ATTACH") && !l.starts_with("X-EVIL")), "{text}");
        assert!(!text.contains('\u{2028}') && !text.contains('\u{0b}') && !text.contains('\u{0}'), "{text}");
        let (_, _, event) = read(&text);
        assert_eq!(prop(&event, "LOCATION").0, "Salle A\nATTACH:https://x.example\nX-EVIL:1");
        assert_eq!(prop(&event, "ORGANIZER").0, "mailto:rh@seeg-gabon.comX-EVIL:2");
        assert!(unfold(&text).contains("mailto:awa%3Fx=1%23y%25z@example.com"), "{text}");
        let invitation = Invitation {
            slot: &booked,
            method: Method::Request,
            job_title: "Poste",
            location: "Libreville",
            organizer: Party { name: "RH", email: "rh@seeg-gabon.com" },
            attendee: Party { name: "Awa", email: "awa@example.com" },
            stamp: DateTime::UNIX_EPOCH,
        };
        assert!(!format!("{invitation:?}").contains("Libreville"), "no label in Debug (S12)");
    }

    #[test]
    fn the_attachment_says_its_method() {
        let booked = slot(0, 9);
        let invitation = Invitation {
            slot: &booked,
            method: Method::Cancel,
            job_title: "Poste",
            location: "Siège",
            organizer: Party { name: "", email: "rh@seeg-gabon.com" },
            attendee: Party { name: "Awa", email: "awa@example.com" },
            stamp: DateTime::UNIX_EPOCH,
        };
        let attachment = invitation.attachment();
        assert_eq!(attachment.content_type, "text/calendar; method=CANCEL; charset=UTF-8");
        assert_eq!(attachment.file_name, "invitation.ics");
        let (_, _, event) = read(&attachment.text);
        assert_eq!(prop(&event, "ORGANIZER"), ("mailto:rh@seeg-gabon.com".to_owned(), Vec::new()));
        assert!(!format!("{invitation:?}{attachment:?}").contains("awa@example.com"));
    }
}
