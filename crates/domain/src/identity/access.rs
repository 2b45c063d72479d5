//! Access requests (R35): internal candidates without a company e-mail wait for a recruiter's decision.

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Where an access request stands (K2).
    pub enum AccessRequestStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

/// The only request type (K2).
pub const INTERNAL_NO_SEEG_EMAIL: &str = "internal_no_seeg_email";
