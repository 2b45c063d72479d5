//! Schemas of body fields that their Rust type cannot state: the closed vocabularies of the domain (its own word
//! lists, so the two cannot drift) and the optional fields that, like query values, read blank text or `null` as
//! absent. Used with `#[schema(schema_with = …)]` on the documented bodies.

use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{AccessRequestStatus, CandidateKind, Role, Sexe, UserStatus};
use seeg_domain::interviews::SlotStatus;
use seeg_domain::mail::MailStatus;
use seeg_domain::offers::{OfferStatus, OfferVisibility};
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

fn words<'a>(words: impl IntoIterator<Item = &'a str>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words.into_iter().map(str::to_owned)))
}

/// `schema`, blank text or `null`: an optional field (blank and `null` are read as absent).
fn or_absent(schema: ObjectBuilder) -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(schema)
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^\s*$")))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// `admin`, `recruiter`, `observer` or `candidate` (required).
pub(crate) fn role() -> RefOr<Schema> {
    words(Role::ALL.map(Role::as_str)).into()
}

/// `M` or `F` (required).
pub(crate) fn sexe() -> RefOr<Schema> {
    words(Sexe::ALL.map(Sexe::as_str)).into()
}

/// `M` or `F`, or absent.
pub(crate) fn optional_sexe() -> RefOr<Schema> {
    or_absent(words(Sexe::ALL.map(Sexe::as_str)))
}

/// `interne` or `externe` (required).
pub(crate) fn candidate_kind() -> RefOr<Schema> {
    words(CandidateKind::ALL.map(CandidateKind::as_str)).into()
}

/// `interne` or `externe`, or absent.
pub(crate) fn optional_candidate_kind() -> RefOr<Schema> {
    or_absent(words(CandidateKind::ALL.map(CandidateKind::as_str)))
}

/// An application status, or the legacy `pending` (= `candidature`), required.
pub(crate) fn application_status() -> RefOr<Schema> {
    words(ApplicationStatus::ALL.map(ApplicationStatus::as_str).into_iter().chain(["pending"])).into()
}

/// An offer's status: `draft`, `active`, `closed` or `archived`.
pub(crate) fn offer_status() -> RefOr<Schema> {
    words(OfferStatus::ALL.map(OfferStatus::as_str)).into()
}

/// Who may see and apply to an offer (legacy `offer_status`): `tous`, `interne` or `externe`.
pub(crate) fn offer_visibility() -> RefOr<Schema> {
    words(OfferVisibility::ALL.map(OfferVisibility::as_str)).into()
}

/// An interview slot's status: `scheduled`, `completed` or `cancelled`.
pub(crate) fn slot_status() -> RefOr<Schema> {
    words(SlotStatus::ALL.map(SlotStatus::as_str)).into()
}

/// `scheduled` (a slot is booked scheduled), or `null`.
pub(crate) fn scheduled() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(words([SlotStatus::Scheduled.as_str()]))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// A day, `YYYY-MM-DD` (required).
pub(crate) fn date() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))).into()
}

/// A day, `YYYY-MM-DD`, or absent.
pub(crate) fn optional_date() -> RefOr<Schema> {
    or_absent(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))))
}

/// A phone number as typed (R3): digits, spaces and `+-.()`, at least one digit, at most 20 characters once
/// trimmed (so not a schema constraint); or absent.
pub(crate) fn optional_phone() -> RefOr<Schema> {
    or_absent(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^[\s0-9+\-.()]*[0-9][\s0-9+\-.()]*$")))
}

/// An account's statut: `actif`, `en_attente`, `inactif`, `bloqué` or `archivé`.
pub(crate) fn user_status() -> RefOr<Schema> {
    words(UserStatus::ALL.map(UserStatus::as_str)).into()
}

/// An access request's status: `pending`, `approved` or `rejected`.
pub(crate) fn access_request_status() -> RefOr<Schema> {
    words(AccessRequestStatus::ALL.map(AccessRequestStatus::as_str)).into()
}

/// An e-mail's state in the log: `queued`, `sent`, `failed` or `dead`.
pub(crate) fn mail_status() -> RefOr<Schema> {
    words(MailStatus::ALL.map(MailStatus::as_str)).into()
}

/// `asc` or `desc`.
pub(crate) fn sort_order() -> RefOr<Schema> {
    words(["asc", "desc"]).into()
}

/// The keys `GET /users/` sorts by.
pub(crate) fn user_sort() -> RefOr<Schema> {
    words(["first_name", "last_name", "email", "created_at"]).into()
}

/// The keys `GET /notifications/` sorts by.
pub(crate) fn notification_sort() -> RefOr<Schema> {
    words(["created_at", "title"]).into()
}
