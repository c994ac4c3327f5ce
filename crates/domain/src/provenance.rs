//! Where each datum came from (R5). The source is a closed list stored per
//! value, and it is shown in the access report (GDPR 15(1)(g)).

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl crate::values::Parse for $name {
            fn parse(raw: &str) -> Result<Self, String> {
                $name::from_code(raw.trim()).ok_or_else(|| format!(
                    "must be one of: {}",
                    $name::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
                ))
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// The regular sources of data named in the privacy notice (R5).
    Source {
        /// The person registered (a form, a sign-up).
        Registration = "registration",
        /// The person told us during the customer relationship.
        OwnNotice = "own_notice",
        /// Address and name update services of authorities and companies.
        UpdateService = "update_service",
        /// Social media channels.
        SocialMedia = "social_media",
        /// Subcontractors involved in providing the service.
        Subcontractor = "subcontractor",
        /// Partners' sites and systems (invitation link, cookies, credentials).
        PartnerSystem = "partner_system",
        /// Entered by the company's own staff.
        StaffEntry = "staff_entry",
    }
);

/// Where one value came from and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    pub source: Source,
    /// Free words on the source: the batch file, the partner, the form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_detail: Option<String>,
    pub recorded_at: Timestamp,
}

impl Provenance {
    pub fn new(source: Source, source_detail: Option<String>, recorded_at: Timestamp) -> Self {
        Self {
            source,
            source_detail,
            recorded_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    #[test]
    fn r5_sources_are_a_closed_list() {
        assert_eq!(Source::ALL.len(), 7);
        for s in Source::ALL {
            assert_eq!(Source::parse(s.code()), Ok(*s));
        }
        let err = Source::parse("gossip").unwrap_err();
        assert!(err.contains("update_service"), "{err}");
    }
}
