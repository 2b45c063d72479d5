//! Identity: who is calling and what they may do. Passwords, tokens, and (growing) the account use cases.

mod access_requests;
mod accounts;
mod administration;
mod agent_list;
mod agents;
mod audit_trail;
mod candidate_profiles;
mod directory;
mod management;
mod matricules;
mod password_resets;
mod passwords;
mod ports;
mod provisioning;
mod tokens;

pub use access_requests::{AccessRequestDesk, AccessRequestError, AccessRequestView, AccessRequestsPage};
pub use accounts::{
    Accounts, AuthenticationError, LoginError, PasswordChangeError, RefreshError, RequestContext, Session,
    SignupCommand, SignupError, refresh_token_hash,
};
pub use administration::{Administration, AdministrationError};
pub use agent_list::{AgentColumn, AgentLineError, AgentList, AgentListError, RejectedLine};
pub use agents::{Agent, AgentDirectory, AgentImport};
pub use audit_trail::{AuditTrail, AuditTrailError};
pub use candidate_profiles::{CandidateProfileError, CandidateProfiles};
pub use directory::{DirectoryError, UserDirectory};
pub use management::{ManagementError, UserManagement};
pub use matricules::{MatriculeCheckError, MatriculeChecks, MatriculeQuery, OwnVerdict, PublicVerdict};
pub use password_resets::{
    PASSWORD_RESET_REQUESTED, PasswordResetError, PasswordResetIssuer, PasswordResetRecord, PasswordResetRepository,
    PasswordResetWriter, PasswordResets, RESET_TOKEN_LIFETIME, password_changed_mail, signup_mail,
};
pub use passwords::{PasswordHasher, ThreadSetup};
pub use ports::{
    AccessRequest, AccessRequestCounts, AccessRequestFilter, AccessRequestRepository, AccessRequestWriter, AuditEvent,
    AuditFilter, AuditRepository, AuditWriter, CandidateProfileRepository, CandidateProfileWriter, Notification,
    NotificationFilter, NotificationRepository, NotificationSort, NotificationSortKey, NotificationStats,
    NotificationWriter, RefreshTokenRecord, RefreshTokenRepository, RefreshTokenWriter, SortOrder, UserFilter,
    UserRepository, UserSort, UserSortKey, UserWriter,
};
pub use provisioning::{CreateUserCommand, ProvisioningError, UserProvisioning};
pub use tokens::{Issued, STREAM_TICKET_LIFETIME, TokenError, TokenKind, TokenService, TokenSettings, Verified};

/// Whether account `user_id` is still `actif`, read under its lock inside `tx` (FOR UPDATE on PostgreSQL; SQLite's
/// writers are serialised): a write that runs after the caller's token was checked, but after an erasure or a
/// block committed, sees it and writes nothing (B7, S4).
pub(crate) async fn still_active(
    tx: &mut dyn crate::Transaction,
    user_id: uuid::Uuid,
) -> Result<bool, crate::StoreError> {
    Ok(locked_if_active(tx, user_id).await?.is_some())
}

/// Account `user_id` as its lock in `tx` reads it (as `still_active`), if it is still `actif`: its address and
/// names as they are now, not as the caller's token found them.
pub(crate) async fn locked_if_active(
    tx: &mut dyn crate::Transaction,
    user_id: uuid::Uuid,
) -> Result<Option<seeg_domain::identity::User>, crate::StoreError> {
    Ok(tx.users().lock(user_id).await?.filter(|u| u.status == seeg_domain::identity::UserStatus::Active))
}
