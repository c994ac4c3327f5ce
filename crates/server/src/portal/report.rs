//! The report a verified visitor downloads (R14, R16).
//!
//! The visitor gets the same access report the privacy officer downloads
//! (`crate::services::report::respond`), audited with no staff user.

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::services::report::{ReportFormat as Format, respond};
use crate::state::AppState;
use axum::response::Response;
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

/// The person's report in `format`, in `lang`.
pub async fn report_download(
    state: &AppState,
    actor: &Actor,
    person: PersonId,
    format: ReportFormat,
    lang: Lang,
) -> Result<Response, ApiError> {
    let format = match format {
        ReportFormat::Html => Format::Html,
        ReportFormat::Json => Format::Json,
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Vcard => Format::Vcard,
    };
    respond(state, actor, person, format, lang).await
}
