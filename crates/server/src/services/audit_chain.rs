//! Verifying the audit chain (B1) for the API and the officer's page:
//! the store's walk, against the head file the server keeps outside the
//! database when it has one.

use crate::error::ApiError;
use crate::state::AppState;
use rekisteri_store::ChainReport;

/// The chain walked and checked against the head file, if the server keeps
/// one. A head file that cannot be read or whose signature fails is an
/// error of its own, said in the server's log.
pub async fn verify(s: &AppState) -> Result<ChainReport, ApiError> {
    let anchors = match &s.audit_files {
        Some(files) => files
            .read_head(s.store.audit_key())
            .map_err(|error| {
                tracing::error!(error = %format!("{error:#}"), "the audit head file was not read");
                ApiError::Internal
            })?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    Ok(s.store.verify_audit_against(&anchors).await?)
}
