//! The register's details as configuration (R1), for the API and the
//! admin's settings page alike: the details checked field by field,
//! stored as a new version (audited), and this server's copy forgotten so
//! the change shows at once here and within 10 s on every other server.

use crate::caller::Caller;
use crate::error::ApiError;
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::ADMIN;
use crate::state::AppState;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_store::RegisterVersion;

/// Stores `details` as the register's new version. `expected`: the version
/// the admin edited (`If-Match`, or the form's hidden field).
pub async fn change_register(
    s: &AppState,
    caller: &Caller,
    details: &RegisterDetails,
    expected: Option<i64>,
) -> Result<RegisterVersion, ApiError> {
    allow(caller, Resource::Settings, Access::Write)?;
    let checked = details.checked()?;
    let version = s
        .store
        .set_register_details(&caller.actor(ADMIN), s.clock.now(), &checked, expected)
        .await?;
    s.forget_register();
    Ok(version)
}
