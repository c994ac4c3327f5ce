//! What a verified visitor does (R14, R16–R18, R21): each request becomes a
//! case (`channel portal`, linked to the one person the address belongs to,
//! verified by `portal_link`, audited with no staff user) and its page
//! confirms it with the case's id and deadline. An address on several
//! records is never merged: the cases stay unlinked for the officer to
//! match, and the answer comes by email. The report of an access or
//! portability case downloads here; the first download answers the case.

use super::report::{ReportFormat, report_download};
use super::{Frame, PortalForm, SESSION_COOKIE, Verified, set_cookie};
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::i18n::field_message;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rekisteri_domain::FieldError;
use rekisteri_domain::portal::PortalRequest;
use rekisteri_domain::request::{IdentityMethod, NewRequest, Outcome, RequestCase, RequestChannel};
use rekisteri_domain::values::{Email, Parse, Text};
use rekisteri_store::CaseChange;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    l: Locale,
    f: Frame,
    /// How many records the address is on.
    records: usize,
}

impl HomePage {
    fn requests(&self) -> Vec<(PortalRequest, String)> {
        PortalRequest::ALL.iter().map(|r| (*r, href(*r))).collect()
    }
}

/// Where a request's page is.
fn href(what: PortalRequest) -> String {
    match what {
        PortalRequest::Objection => "/portal/marketing".into(),
        other => format!("/portal/request/{}", other.code()),
    }
}

/// `GET /portal/home`: what the visitor may do.
pub async fn home(v: Verified) -> Result<Response, ApiError> {
    let page = HomePage {
        f: v.visitor.frame("/portal/home"),
        l: v.visitor.l.clone(),
        records: v.people.len(),
    };
    v.visitor.page(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "portal_request.html")]
struct RequestPage {
    l: Locale,
    f: Frame,
    what: PortalRequest,
    records: usize,
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl RequestPage {
    /// The request's text fields: (name, required).
    fn fields(&self) -> &'static [(&'static str, bool)] {
        fields(self.what)
    }

    fn value(&self, field: &str) -> &str {
        lookup(&self.values, field).unwrap_or_default()
    }

    fn error(&self, field: &str) -> Option<&str> {
        lookup(&self.errors, field)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// What a request asks the person to write: (field, required).
fn fields(what: PortalRequest) -> &'static [(&'static str, bool)] {
    match what {
        PortalRequest::Rectification => &[("what", true), ("correction", true)],
        PortalRequest::Restriction => &[("reason", true)],
        PortalRequest::Erasure => &[("reason", false)],
        _ => &[],
    }
}

fn requested(what: &str) -> Result<PortalRequest, ApiError> {
    match PortalRequest::from_code(what) {
        Some(PortalRequest::Objection) | None => Err(ApiError::NotFound),
        Some(r) => Ok(r),
    }
}

/// `GET /portal/request/{what}`: the request's form.
pub async fn form(v: Verified, Path(what): Path<String>) -> Result<Response, ApiError> {
    let what = requested(&what)?;
    let page = RequestPage {
        f: v.visitor.frame(&href(what)),
        l: v.visitor.l.clone(),
        what,
        records: v.people.len(),
        values: Vec::new(),
        errors: Vec::new(),
    };
    v.visitor.page(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "portal_case.html")]
pub(super) struct CasePage {
    pub l: Locale,
    pub f: Frame,
    pub what: PortalRequest,
    pub case: RequestCase,
    /// The report may be downloaded now (one person, access or portability).
    pub download: bool,
}

impl CasePage {
    fn formats(&self) -> &'static [ReportFormat] {
        match self.what {
            PortalRequest::Portability => {
                &[ReportFormat::Json, ReportFormat::Csv, ReportFormat::Vcard]
            }
            _ => &ReportFormat::ALL,
        }
    }

    fn deadline(&self) -> String {
        self.l.date(&self.case.deadline())
    }

    fn answered(&self) -> bool {
        self.case.outcome.is_some()
    }
}

/// `POST /portal/request/{what}`: the case, confirmed with its id and deadline.
pub async fn submit(
    State(s): State<AppState>,
    Path(what): Path<String>,
    PortalForm { visitor, form }: PortalForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let v = Verified::of(visitor, &s).await?;
    let what = requested(&what)?;
    if v.people.is_empty() {
        return Ok(v.visitor.go("/portal/home"));
    }
    let mut errors = Vec::new();
    let mut parts = Vec::new();
    for (field, required) in fields(what) {
        let raw = lookup(&form, field).unwrap_or_default().trim();
        if raw.is_empty() {
            if *required {
                let e = FieldError::required(*field);
                errors.push((field.to_string(), field_message(&v.visitor.l, &e)));
            }
            continue;
        }
        match Text::parse(raw) {
            Ok(_) => parts.push(format!("{field}: {raw}")),
            Err(m) => {
                let e = FieldError::invalid(*field, m);
                errors.push((field.to_string(), field_message(&v.visitor.l, &e)));
            }
        }
    }
    if !errors.is_empty() {
        let page = RequestPage {
            f: v.visitor.frame(&href(what)),
            l: v.visitor.l.clone(),
            what,
            records: v.people.len(),
            values: form,
            errors,
        };
        return v.visitor.page(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let details = (!parts.is_empty()).then(|| parts.join("\n"));
    let case = open_case(&s, &v, what, details).await?;
    let download = what.is_report() && v.person().is_some();
    if download {
        s.store.set_portal_report(v.session.id, case.id).await?;
    }
    confirm(&v, what, case, download)
}

/// The confirmation of a case made.
pub(super) fn confirm(
    v: &Verified,
    what: PortalRequest,
    case: RequestCase,
    download: bool,
) -> Result<Response, ApiError> {
    let page = CasePage {
        f: v.visitor.frame(&href(what)),
        l: v.visitor.l.clone(),
        what,
        case,
        download,
    };
    v.visitor.page(&page, StatusCode::OK)
}

/// Receives the visitor's request as a case and records its verification
/// by the portal's link: linked to the one person the address belongs to,
/// unlinked when it belongs to several (the officer matches).
pub(super) async fn open_case(
    s: &AppState,
    v: &Verified,
    what: PortalRequest,
    details: Option<String>,
) -> Result<RequestCase, ApiError> {
    let now = v.visitor.now;
    let actor = &v.visitor.actor;
    let email = Email::parse(&v.session.email).map_err(|_| ApiError::Internal)?;
    let details = details
        .map(|d| Text::parse(&d))
        .transpose()
        .map_err(|m| ApiError::field("details", m))?;
    let new = NewRequest {
        kind: what.kind(),
        channel: RequestChannel::Portal,
        person_id: v.person(),
        requester_name: None,
        requester_email: Some(email),
        requester_address: None,
        details,
        received_at: now,
    };
    let case = s
        .store
        .receive_request(actor, now, new, s.answer_period)
        .await?;
    let note = format!(
        "the portal's single-use link mailed to the requester's address was followed at {}",
        v.session.created_at
    );
    let verify = CaseChange::Verify {
        method: IdentityMethod::PortalLink,
        note: Some(note),
    };
    Ok(s.store
        .change_request(actor, now, case.id, None, verify)
        .await?)
}

#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

/// `GET /portal/report?format=html|json|csv|vcard`: the report of the
/// visit's access or portability case. Its first download answers the
/// case `fulfilled`, so the case shows the report went out by its deadline.
pub async fn download(
    State(s): State<AppState>,
    v: Verified,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = ReportFormat::parse(q.format.as_deref().unwrap_or("html"))
        .ok_or_else(|| ApiError::field("format", "must be one of: html, json, csv, vcard"))?;
    let (Some(case_id), Some(person)) = (v.session.report_request_id, v.person()) else {
        return Err(ApiError::NotFound);
    };
    let actor = &v.visitor.actor;
    let response = report_download(&s, actor, person, format, v.visitor.l.lang).await?;
    if response.status().is_success() {
        let now = s.clock.now();
        let (case, _) = s.store.request(actor, now, case_id).await?;
        if case.status.is_open() {
            let answer = CaseChange::Answer {
                outcome: Outcome::Fulfilled,
                answer: format!("report downloaded via the portal ({})", format.code()),
            };
            s.store
                .change_request(actor, now, case_id, None, answer)
                .await?;
        }
    }
    Ok(response)
}

/// `POST /portal/logout`: ends the visit.
pub async fn logout(
    State(s): State<AppState>,
    PortalForm { visitor, .. }: PortalForm<super::link::Empty>,
) -> Result<Response, ApiError> {
    if let Some(session) = &visitor.session {
        s.store
            .end_portal_session(&visitor.actor, visitor.now, session.id)
            .await?;
    }
    let mut response = visitor.go("/portal");
    set_cookie(&mut response, SESSION_COOKIE, "", Some(0));
    Ok(response)
}
