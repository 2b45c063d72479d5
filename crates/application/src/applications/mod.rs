//! Applications: what a candidate sends for an offer, and the draft it keeps while writing it.

pub mod drafts;
