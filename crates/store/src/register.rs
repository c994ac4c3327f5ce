//! The register's details as configuration (R1): the controller, the
//! register's contact person and the supervisory authority, each change a
//! new version kept with who made it and when. The newest is in force;
//! with none stored, the seed notice's defaults are.

use crate::versions::{Version, Versions};
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::UserId;
use serde::Serialize;
use utoipa::ToSchema;

const VERSIONS: Versions = Versions {
    table: "register_details",
    column: "details",
    lock: 7_464_727,
};

/// One version of the register's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RegisterVersion {
    /// 1, 2, …; 0 is the seed notice's defaults, never stored.
    pub version: i64,
    pub details: RegisterDetails,
    pub changed_at: Option<Timestamp>,
    pub changed_by: Option<UserId>,
}

impl From<Version<RegisterDetails>> for RegisterVersion {
    fn from(v: Version<RegisterDetails>) -> Self {
        Self {
            version: v.version,
            details: v.value,
            changed_at: v.changed_at,
            changed_by: v.changed_by,
        }
    }
}

impl Store {
    /// The details in force: the newest version, else the defaults.
    pub async fn register_details(&self) -> Result<RegisterVersion, StoreError> {
        Ok(VERSIONS.current(&self.read).await?.into())
    }

    /// Every stored version, newest first.
    pub async fn register_versions(&self) -> Result<Vec<RegisterVersion>, StoreError> {
        Ok(VERSIONS
            .all(&self.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Stores `details` (checked by the caller) as the next version,
    /// audited. `expected`: the version the admin edited; another change
    /// since is a version mismatch, not a silent overwrite.
    pub async fn set_register_details(
        &self,
        actor: &Actor,
        at: Timestamp,
        details: &RegisterDetails,
        expected: Option<i64>,
    ) -> Result<RegisterVersion, StoreError> {
        Ok(VERSIONS
            .store(self, actor, at, details, expected)
            .await?
            .into())
    }
}
