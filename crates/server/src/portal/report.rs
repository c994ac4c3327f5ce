//! The report a verified visitor downloads (R14, R16).
//!
//! MERGE POINT: [`report_download`] is the one call into the access report.
//! When `crate::http::report` is merged, its body becomes
//! `crate::http::report::respond(state, actor, person, format.into(), lang).await`
//! (mapping [`ReportFormat`] onto the report's own). Until then it answers
//! the person's record as JSON, read through the store (audited).

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::web::i18n::Lang;
use axum::Json;
use axum::response::{IntoResponse, Response};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::PersonId;

/// The report's formats: a readable document, and files another system
/// can import (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Json,
    Csv,
    Vcard,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 4] = [Self::Html, Self::Json, Self::Csv, Self::Vcard];

    pub fn code(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Vcard => "vcard",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code.trim())
    }
}

/// The person's report in `format`, in `lang`. The one function the
/// access report is wired into (see the module's note).
pub async fn report_download(
    state: &AppState,
    actor: &Actor,
    person: PersonId,
    format: ReportFormat,
    lang: Lang,
) -> Result<Response, ApiError> {
    let _ = (format, lang);
    let now = state.clock.now();
    let record = state.store.get_person(actor, now, person).await?;
    Ok(Json(record).into_response())
}
