//! Marketing lists and permission wordings (R2, R15, R18, R21).
//! `/marketing` picks a channel, a marketing purpose and the purpose of
//! processing, and a POST to `/marketing/audience.csv` (a form: CSRF field
//! and origin checked) streams the API's own CSV list
//! (`http::marketing::csv_body`): exactly the people who may be contacted,
//! the export audited by the store with the chosen purpose before the first
//! row leaves. `/marketing/wordings` lists the texts permissions are asked
//! with; the administrator and the privacy officer add new ones.

use super::forms::{Choice, Field, FormErrors, Input, some};
use super::page::{Nav, Page, Posted};
use super::person_marketing::Select;
use super::{render, see_other};
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::marketing::{csv_body, start_export};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::error::Errors;
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_domain::permission::{Wording, WordingDraft};
use rekisteri_domain::values::parse_field;
use rekisteri_domain::{FieldError, Invalid, Purpose};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/marketing", get(list))
        .route("/marketing/audience.csv", post(download))
        .route("/marketing/wordings", get(wordings).post(add_wording))
}

/// The list's choices, as the form sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub channel: String,
    /// The marketing purpose.
    pub purpose: String,
    /// The purpose of processing the list is exported for (R2).
    pub processing: String,
}

#[derive(Template)]
#[template(path = "marketing.html")]
struct ListPage {
    l: Locale,
    nav: Option<Nav>,
    csrf: String,
    selects: Vec<Select>,
    errors: FormErrors,
    may_wordings: bool,
}

/// The purposes of processing in use (an export may name no other).
async fn in_use(s: &AppState) -> Result<Vec<Purpose>, ApiError> {
    Ok(s.store.purposes_in_use().await?)
}

fn options(l: &Locale, prefix: &str, codes: &[&'static str], selected: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            value: (*c).to_string(),
            label: l.code(prefix, c),
            selected: *c == selected,
        })
        .collect()
}

fn list_page(page: &Page, q: &ListQuery, errors: FormErrors, purposes: &[Purpose]) -> ListPage {
    let l = &page.l;
    let channels: Vec<_> = Channel::ALL.iter().map(|c| c.code()).collect();
    let marketing: Vec<_> = MarketingPurpose::ALL.iter().map(|p| p.code()).collect();
    let processing: Vec<_> = purposes.iter().map(|p| p.code()).collect();
    let select = |name, label, options| Select {
        name,
        label,
        options,
        choose: true,
    };
    ListPage {
        csrf: page.nav.csrf.clone(),
        l: page.l.clone(),
        nav: Some(page.nav("marketing")),
        selects: vec![
            select(
                "channel",
                l.t("mk-channel"),
                options(l, "channel", &channels, &q.channel),
            ),
            select(
                "purpose",
                l.t("mk-purpose"),
                options(l, "mpurpose", &marketing, &q.purpose),
            ),
            select(
                "processing",
                l.t("mk-processing"),
                options(l, "purpose", &processing, &q.processing),
            ),
        ],
        errors,
        may_wordings: allow(&page.caller, Resource::Wordings, Access::Read).is_ok(),
    }
}

/// `GET /marketing`: the form of the list (choices may come in the query).
async fn list(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Audience, Access::Read)?;
    let purposes = in_use(&s).await?;
    render(&list_page(&page, &q, FormErrors::new(), &purposes))
}

/// The channel, the marketing purpose and a purpose of processing in use.
fn parse(
    q: &ListQuery,
    purposes: &[Purpose],
) -> Result<(Channel, MarketingPurpose, Purpose), Invalid> {
    let mut errors = Errors::new();
    let channel = errors.take(parse_field::<Channel>("channel", &q.channel));
    let purpose = errors.take(parse_field::<MarketingPurpose>("purpose", &q.purpose));
    let processing = errors.take(parse_field::<Purpose>("processing", &q.processing));
    if let Some(p) = processing
        && !purposes.contains(&p)
    {
        errors.push(FieldError::invalid("processing", "is not in use"));
    }
    errors.finish(|| Some((channel?, purpose?, processing?)))
}

/// `POST /marketing/audience.csv`: the list as the API's CSV, streamed.
/// Bad choices show the form again with their errors (422). An export is
/// an audited act with a purpose, so it is a form post (`Posted`: the
/// session's CSRF token and a same-origin request): no other page can
/// start one in the user's name.
async fn download(
    State(s): State<AppState>,
    Posted { page, form: q }: Posted<ListQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Audience, Access::Read)?;
    let purposes = in_use(&s).await?;
    let (channel, purpose, processing) = match parse(&q, &purposes) {
        Ok(chosen) => chosen,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let mut response = render(&list_page(&page, &q, errors, &purposes))?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    // The purpose is the one chosen on the form, whatever headers came.
    let actor = Actor {
        user: Some(page.user().id),
        purpose: processing,
        client_ip: page.caller.client_ip,
    };
    let (first, rx, task) =
        start_export(s.store.clone(), actor, s.clock.now(), channel, purpose).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"audience-{channel}-{purpose}.csv\""),
            ),
        ],
        csv_body(first, rx, task),
    )
        .into_response())
}

/// The wording form, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WordingForm {
    pub key: String,
    pub language: String,
    pub text: String,
}

/// A wording in a line: `uutiskirje v2 (fi)`.
fn label(w: &Wording) -> String {
    format!("{} v{} ({})", w.key, w.version, w.language)
}

#[derive(Template)]
#[template(path = "marketing_wordings.html")]
struct WordingsPage {
    l: Locale,
    nav: Option<Nav>,
    csrf: String,
    wordings: Vec<Wording>,
    /// `Some` for those who may add one.
    fields: Option<Vec<Field>>,
    errors: FormErrors,
    others: Vec<String>,
    /// What the last save did.
    saved: Option<String>,
}

const WORDING_SHOWN: [&str; 3] = ["key", "language", "text"];

async fn wordings_page(
    s: &AppState,
    page: &Page,
    form: WordingForm,
    errors: FormErrors,
    saved: Option<String>,
) -> Result<WordingsPage, ApiError> {
    let l = &page.l;
    let fields = allow(&page.caller, Resource::Wordings, Access::Write)
        .is_ok()
        .then(|| {
            let language = if form.language.is_empty() {
                l.lang().to_string()
            } else {
                form.language.clone()
            };
            vec![
                Field::new("key", l.t("mk-key"), &form.key, &errors).required(),
                Field::new("language", l.t("mk-language"), &language, &errors)
                    .hint(l.t("mk-language-hint"))
                    .required(),
                Field::new("text", l.t("mk-text"), &form.text, &errors)
                    .input(Input::Textarea)
                    .required(),
            ]
        });
    Ok(WordingsPage {
        l: page.l.clone(),
        nav: Some(page.nav("marketing")),
        csrf: page.nav.csrf.clone(),
        wordings: s.store.wordings().await?,
        fields,
        others: errors.others(&WORDING_SHOWN),
        errors,
        saved,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SavedQuery {
    /// The wording just saved, and whether it was new (`1`).
    saved: String,
    new: String,
}

/// `GET /marketing/wordings`: every wording, by key and version.
async fn wordings(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<SavedQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Wordings, Access::Read)?;
    let mut template =
        wordings_page(&s, &page, WordingForm::default(), FormErrors::new(), None).await?;
    template.saved = template
        .wordings
        .iter()
        .find(|w| w.id.to_string() == q.saved)
        .map(|w| {
            let id = if q.new == "1" {
                "mk-saved-new"
            } else {
                "mk-saved-same"
            };
            page.l.t1(id, "wording", label(w))
        });
    render(&template)
}

/// `POST /marketing/wordings`: a new text is its key's next version; the
/// same text again is the version already stored.
async fn add_wording(
    State(s): State<AppState>,
    Posted { page, form }: Posted<WordingForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Wordings, Access::Write)?;
    let draft = WordingDraft {
        key: some(&form.key),
        language: some(&form.language),
        text: some(&form.text),
    };
    let done = match draft.parse() {
        Ok(new) => s
            .store
            .put_wording(
                &page.caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                new,
            )
            .await
            .map_err(ApiError::from),
        Err(invalid) => Err(invalid.into()),
    };
    match done {
        Ok((wording, created)) => Ok(see_other(&format!(
            "/marketing/wordings?saved={}&new={}#w-{}",
            wording.id,
            u8::from(created),
            wording.id
        ))),
        Err(e) => {
            let errors = FormErrors::of(&page.l, e)?;
            let template = wordings_page(&s, &page, form, errors, None).await?;
            let mut response = render(&template)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
