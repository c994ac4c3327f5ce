//! Importing people from a CSV file on a page (R5): the command line's
//! columns and checks (`cli::transfer`), the same one-transaction import in
//! batches, run in the background while the page shows its progress
//! (htmx polls the status; without JavaScript a link reloads it). Rows with
//! errors are listed with their line; unless the user chose to skip them,
//! nothing is imported while any row has an error.

use super::page::{Nav, Page};
use super::{render, see_other};
use crate::caller::SameOrigin;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::import_jobs::{self, Job};
use crate::services::imports::{read_people_csv, sort_rows};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekisteri_domain::ids::ImportId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Purpose, Source};

/// The largest file the import page takes.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(form).post(upload))
        .route("/import/{job}", get(job_page))
        .route("/import/{job}/report.csv", get(report))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
}

/// A rejected row's reason in the page's language, translated as every
/// form's field errors are.
pub fn reason(l: &Locale, english: &str) -> String {
    let error = if english == "is required" {
        rekisteri_domain::FieldError::required("")
    } else {
        rekisteri_domain::FieldError::invalid("", english)
    };
    super::forms::field_message(l, &error)
}

#[derive(Template)]
#[template(path = "import.html")]
struct FormPage {
    l: Locale,
    nav: Option<Nav>,
    sources: Vec<&'static str>,
    source: String,
    source_detail: String,
    skip_invalid: bool,
    error: Option<String>,
}

impl FormPage {
    fn new(page: Page) -> Self {
        Self {
            nav: Some(page.nav("import")),
            l: page.l,
            sources: Source::ALL.iter().map(|s| s.code()).collect(),
            source: Source::PartnerSystem.code().into(),
            source_detail: String::new(),
            skip_invalid: false,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    l: Locale,
    nav: Option<Nav>,
    id: ImportId,
    job: Job,
}

async fn form(page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    render(&FormPage::new(page))
}

/// What the form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    file: Vec<u8>,
    source: String,
    source_detail: String,
    skip_invalid: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, ApiError> {
    let unreadable = |_| ApiError::field("file", "is too large or not a form");
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => upload.file = field.bytes().await.map_err(unreadable)?.to_vec(),
            "csrf" => upload.csrf = field.text().await.map_err(unreadable)?,
            "source" => upload.source = field.text().await.map_err(unreadable)?,
            "source_detail" => upload.source_detail = field.text().await.map_err(unreadable)?,
            "skip_invalid" => upload.skip_invalid = true,
            _ => {}
        }
    }
    Ok(upload)
}

async fn upload(
    State(s): State<AppState>,
    page: Page,
    _: SameOrigin,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let upload = read_upload(multipart).await?;
    page.verify_csrf(&upload.csrf)?;
    let source = Source::parse(&upload.source);
    let detail = upload.source_detail.trim().to_string();
    let again = |page: Page, error: String| {
        let mut form = FormPage::new(page);
        form.source = upload.source.clone();
        form.source_detail = detail.clone();
        form.skip_invalid = upload.skip_invalid;
        form.error = Some(error);
        render(&form).map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
    };
    let Ok(source) = source else {
        let message = page.l.t("import-error-source");
        return again(page, message);
    };
    if upload.file.is_empty() {
        let message = page.l.t("import-error-no-file");
        return again(page, message);
    }
    let file = upload.file;
    let detail_arg = (!detail.is_empty()).then(|| detail.clone());
    let parsed =
        tokio::task::spawn_blocking(move || read_people_csv(&file, source, detail_arg.as_deref()))
            .await
            .map_err(|_| ApiError::Internal)?;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let message = page.l.t1("import-error-file", "reason", error);
            return again(page, message);
        }
    };
    // R8: an erased person's address is rejected like an invalid row.
    let parsed = s.store.refuse_erased_rows(parsed).await?;
    let rows = parsed.len();
    let (valid, rejected) = sort_rows(parsed);
    let refused = !rejected.is_empty() && !upload.skip_invalid;
    let owner = page.user().id;
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let id = import_jobs::start(&s, actor, owner, rows, valid, &rejected, refused).await?;
    Ok(see_other(&format!("/import/{id}")))
}

async fn job_page(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let id: ImportId = path_id(&id)?;
    let job = import_jobs::job(&s, id, page.user().id)
        .await?
        .ok_or(ApiError::NotFound)?;
    render(&JobPage {
        nav: Some(page.nav("import")),
        l: page.l,
        id,
        job,
    })
}

async fn report(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let id: ImportId = path_id(&id)?;
    let job = import_jobs::job(&s, id, page.user().id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<Vec<u8>, csv::Error> {
        w.write_record(["line", "field", "reason"])?;
        for r in job.rejected.iter() {
            w.write_record([r.line.to_string().as_str(), &r.field, &r.reason])?;
        }
        w.flush()?;
        Ok(w.get_ref().clone())
    };
    let body = write().map_err(|_| ApiError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"import-report.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
