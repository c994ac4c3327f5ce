//! Disclosures (R6) as every edge answers them: the record and the data
//! sent, and a recipient that may not receive (R7) as a refusal naming
//! `recipient_id`.

use crate::error::ApiError;
use rekisteri_domain::Invalid;
use rekisteri_domain::disclosure::{DisclosedData, Disclosure};
use rekisteri_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// A disclosure made: its record, and the data sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureMade {
    pub disclosure: Disclosure,
    pub data: DisclosedData,
}

/// The codes of a recipient that may not receive (R7).
const REFUSALS: [&str; 3] = [
    "no_safeguard",
    "safeguard_not_in_force",
    "recipient_retired",
];

/// A store error of a disclosure as the API answers it: a recipient that
/// may not receive is a 422 with the rule's code, naming `recipient_id`.
pub fn disclosure_error(e: StoreError) -> ApiError {
    if let StoreError::Invalid(Invalid(errors)) = &e
        && let [one] = errors.as_slice()
        && one.field == "recipient_id"
        && let Some(code) = REFUSALS.iter().find(|c| **c == one.code)
    {
        return ApiError::Refused {
            code,
            field: "recipient_id",
            message: one.message.clone(),
        };
    }
    e.into()
}
