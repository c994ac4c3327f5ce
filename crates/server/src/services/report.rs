//! The access report (R14, R16) in every form — JSON, a printable HTML
//! document in Finnish or English, a zip of CSV files, a vCard — for the
//! API, the portal and the command line alike; and the person a
//! portability file describes (R16).

mod csv;

use crate::error::ApiError;
use crate::i18n::{Lang, Locale};
use crate::state::AppState;
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::PersonDraft;
use rekisteri_domain::provenance::Provenance;
use rekisteri_domain::report::AccessReport;
use rekisteri_domain::{Source, vcard};

/// The report's forms (R14: readable and machine-readable; R16: JSON,
/// CSV, vCard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The schema of `docs/access-report.schema.json`.
    Json,
    /// A printable document in the reader's language.
    Html,
    /// A CSV file per table or section, in a zip.
    Csv,
    /// The contact details as a vCard 4.0.
    Vcard,
}

impl ReportFormat {
    /// `json` (default), `html`, `csv` or `vcard`; else a 422 naming `format`.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw.map(str::trim) {
            None | Some("") | Some("json") => Ok(Self::Json),
            Some("html") => Ok(Self::Html),
            Some("csv") => Ok(Self::Csv),
            Some("vcard") => Ok(Self::Vcard),
            Some(_) => Err(ApiError::field(
                "format",
                "must be json, html, csv or vcard",
            )),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Html => "text/html; charset=utf-8",
            Self::Csv => "application/zip",
            Self::Vcard => "text/vcard; charset=utf-8",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Html => "html",
            Self::Csv => "zip",
            Self::Vcard => "vcf",
        }
    }
}

/// Builds the person's report (audited as an export by `actor`) and
/// answers it as a download in `format`, in `lang` where it has words.
pub async fn respond(
    state: &AppState,
    actor: &Actor,
    person: PersonId,
    format: ReportFormat,
    lang: Lang,
) -> Result<Response, ApiError> {
    let register = state.register().await;
    let report = state
        .store
        .access_report(actor, state.clock.now(), person, &register)
        .await?;
    let locale = Locale::new(lang, state.time_zone.clone());
    let body = render(&report, format, locale)?;
    // The file is named by the person's id only: no personal data in a name.
    let file = format!("access-report-{person}.{}", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The report in one of its forms.
pub fn render(
    report: &AccessReport,
    format: ReportFormat,
    locale: Locale,
) -> Result<Vec<u8>, ApiError> {
    match format {
        ReportFormat::Json => serde_json::to_vec_pretty(report).map_err(|e| {
            tracing::error!(error = %e, "access report JSON failed");
            ApiError::Internal
        }),
        ReportFormat::Html => html(report, locale).map(String::into_bytes),
        ReportFormat::Csv => csv::archive(report).map_err(|e| {
            tracing::error!(error = %e, "access report zip failed");
            ApiError::Internal
        }),
        ReportFormat::Vcard => {
            Ok(
                vcard::render(&report.person, &report.organisations, report.generated_at)
                    .into_bytes(),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    l: Locale,
    r: &'a AccessReport,
    authority_name: &'a str,
}

impl ReportPage<'_> {
    /// Where a value came from, in words: the source, its detail, when.
    fn source(&self, p: &Provenance) -> String {
        let mut text = self.l.code("source", p.source.code());
        if let Some(detail) = &p.source_detail {
            text.push_str(&format!(" ({detail})"));
        }
        format!("{text}, {}", self.l.time(&p.recorded_at))
    }

    fn yes_no(&self, yes: &bool) -> String {
        self.l.t(if *yes { "rpt-yes" } else { "rpt-no" })
    }

    /// An amount in its currency: euros in the locale's form.
    fn amount(&self, cents: &i64, currency: &str) -> String {
        if currency == "EUR" {
            self.l.money(cents)
        } else {
            format!(
                "{}.{:02} {currency}",
                self.l.number(&(cents / 100)),
                (cents % 100).abs()
            )
        }
    }

    fn categories(&self, categories: &[rekisteri_domain::disclosure::DataCategory]) -> String {
        categories
            .iter()
            .map(|c| self.l.code("category", c.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn retention_lines(&self) -> Vec<String> {
        self.r
            .processing
            .retention
            .iter()
            .map(|policy| {
                let (rule, reason) = self.l.retention_rule(policy);
                format!("{rule} {reason}")
            })
            .collect()
    }
}

/// The readable document (R14), with its print style inside it.
pub fn html(report: &AccessReport, l: Locale) -> Result<String, ApiError> {
    let authority = &report.processing.register.authority;
    let authority_name = match l.lang {
        Lang::Fi => authority.name_fi.as_str(),
        Lang::En => authority.name_en.as_str(),
    };
    ReportPage {
        l,
        r: report,
        authority_name,
    }
    .render()
    .map_err(|error| {
        tracing::error!(%error, "access report template failed");
        ApiError::Internal
    })
}

/// What `POST /people/import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// An access report of this or another Rekisteri.
    Json,
    Vcard,
}

impl ImportFormat {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw.map(str::trim) {
            Some("json") => Ok(Self::Json),
            Some("vcard") => Ok(Self::Vcard),
            _ => Err(ApiError::field("format", "must be json or vcard")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Vcard => "vcard",
        }
    }
}

/// The person a portability file describes, as a draft whose values came
/// from the person themselves (`own_notice`, "portability: <format>", R5);
/// else what is wrong with the file. The API and the command line share it.
pub fn person_draft(format: ImportFormat, file: &[u8]) -> Result<PersonDraft, String> {
    let detail = format!("portability: {}", format.code());
    let text = std::str::from_utf8(file).map_err(|_| "must be UTF-8 text".to_string())?;
    match format {
        ImportFormat::Json => {
            let report: AccessReport =
                serde_json::from_str(text).map_err(|e| format!("is not an access report: {e}"))?;
            report.person_draft(Source::OwnNotice, &detail)
        }
        ImportFormat::Vcard => vcard::parse(text, Source::OwnNotice, &detail),
    }
}
