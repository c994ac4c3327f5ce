//! Notes: history (meeting notes, offers) and upcoming events (meetings,
//! actions), added and edited from the person's or organisation's page;
//! an action is marked done on its form.

use super::forms::{Choice, Field, FormErrors, Input, some, source_choices};
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::ids::NoteId;
use rekisteri_domain::note::{Note, NoteDraft, NoteKind};
use rekisteri_domain::{Purpose, Timestamp};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes", axum::routing::post(create))
        .route("/notes/new", get(new))
        .route("/notes/{id}/edit", get(edit).post(update))
}

/// The note form as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    pub person_id: String,
    pub organisation_id: String,
    pub kind: String,
    pub body: String,
    pub due_at: String,
    pub assigned_to: String,
    pub source: String,
    pub source_detail: String,
    /// `on` when the action is done.
    pub done: String,
    pub version: String,
}

impl NoteForm {
    fn of(l: &Locale, n: &Note) -> Self {
        Self {
            person_id: n.person_id.map(|p| p.to_string()).unwrap_or_default(),
            organisation_id: n.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
            kind: n.kind.code().into(),
            body: n.body.clone(),
            due_at: l.input_time(&n.due_at),
            assigned_to: n.assigned_to.map(|u| u.to_string()).unwrap_or_default(),
            source: n.provenance.source.code().into(),
            source_detail: n.provenance.source_detail.clone().unwrap_or_default(),
            done: if n.done_at.is_some() {
                "on".into()
            } else {
                String::new()
            },
            version: n.version.to_string(),
        }
    }

    fn draft(&self, l: &Locale, now: Timestamp, stored: Option<&Note>) -> NoteDraft {
        let done_at = if self.done == "on" {
            Some(stored.and_then(|n| n.done_at).unwrap_or(now).to_string())
        } else {
            None
        };
        NoteDraft {
            person_id: some(&self.person_id),
            organisation_id: some(&self.organisation_id),
            kind: some(&self.kind),
            body: Some(self.body.clone()),
            due_at: l.parse_input_time(&self.due_at),
            done_at,
            assigned_to: some(&self.assigned_to),
            source: some(&self.source),
            source_detail: some(&self.source_detail),
        }
    }

    /// Where the note belongs: its person's page, or its organisation's.
    fn back(&self, id: Option<NoteId>) -> String {
        match (some(&self.person_id), some(&self.organisation_id)) {
            (Some(p), _) => match id {
                Some(id) => format!("/people/{p}#note-{id}"),
                None => format!("/people/{p}"),
            },
            (None, Some(o)) => format!("/organisations/{o}"),
            (None, None) => "/".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "note_form.html")]
struct NoteFormPage {
    l: Locale,
    nav: Option<Nav>,
    csrf: String,
    id: Option<String>,
    form: NoteForm,
    kinds: Vec<Choice>,
    users: Vec<Choice>,
    sources: Vec<Choice>,
    fields: Vec<Field>,
    errors: FormErrors,
    others: Vec<String>,
    back: String,
    conflict: bool,
}

const SHOWN: [&str; 6] = ["kind", "body", "due_at", "assigned_to", "source", "done_at"];

async fn form_page(
    s: &AppState,
    page: &Page,
    id: Option<NoteId>,
    form: NoteForm,
    errors: FormErrors,
    conflict: bool,
) -> Result<NoteFormPage, ApiError> {
    let l = &page.l;
    let kinds = NoteKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: l.code("kind", k.code()),
            selected: k.code() == form.kind,
        })
        .collect();
    let me = page.user().id.to_string();
    // A new note is the author's by default; an edit keeps "nobody".
    let chosen = if form.assigned_to.is_empty() && id.is_none() {
        me
    } else {
        form.assigned_to.clone()
    };
    let users = s
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none() || u.id.to_string() == chosen)
        .map(|u| Choice {
            selected: u.id.to_string() == chosen,
            value: u.id.to_string(),
            label: u.name,
        })
        .collect();
    let fields = vec![
        Field::new("body", l.t("note-body"), &form.body, &errors)
            .input(Input::Textarea)
            .required(),
        Field::new("due_at", l.t("note-due-at"), &form.due_at, &errors)
            .input(Input::DateTime)
            .hint(l.t("note-due-at-hint")),
    ];
    let source = if form.source.is_empty() {
        "staff_entry".to_string()
    } else {
        form.source.clone()
    };
    Ok(NoteFormPage {
        l: page.l.clone(),
        nav: Some(page.nav("people")),
        csrf: page.nav.csrf.clone(),
        id: id.map(|i| i.to_string()),
        back: form.back(None),
        kinds,
        users,
        sources: source_choices(l, &source),
        fields,
        others: errors.others(&SHOWN),
        errors,
        form,
        conflict,
    })
}

fn again(template: &NoteFormPage, status: StatusCode) -> Result<Response, ApiError> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
struct NewQuery {
    person_id: Option<String>,
    organisation_id: Option<String>,
    kind: Option<String>,
}

async fn new(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Notes, Access::Write)?;
    let kind = q
        .kind
        .filter(|k| NoteKind::from_code(k).is_some())
        .unwrap_or_else(|| "meeting_note".into());
    let form = NoteForm {
        person_id: q.person_id.unwrap_or_default(),
        organisation_id: q.organisation_id.unwrap_or_default(),
        kind,
        source: "staff_entry".into(),
        ..NoteForm::default()
    };
    render(&form_page(&s, &page, None, form, FormErrors::new(), false).await?)
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<NoteForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Notes, Access::Write)?;
    let now = s.clock.now();
    let new = match form.draft(&page.l, now, None).parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let template = form_page(&s, &page, None, form, errors, false).await?;
            return again(&template, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let note = s
        .store
        .create_note(&page.caller.actor(Purpose::CustomerRelationship), now, new)
        .await?;
    Ok(see_other(&form.back(Some(note.id))))
}

async fn edit(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Notes, Access::Write)?;
    let id: NoteId = path_id(&id)?;
    let note = s
        .store
        .get_note(
            &page.caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            id,
        )
        .await?;
    let form = NoteForm::of(&page.l, &note);
    render(&form_page(&s, &page, Some(id), form, FormErrors::new(), false).await?)
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<NoteForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Notes, Access::Write)?;
    let id: NoteId = path_id(&id)?;
    let now = s.clock.now();
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let version = super::forms::parse_version(&form.version)?;
    let stored = s.store.get_note(&actor, now, id).await?;
    if stored.version != version {
        let template = form_page(&s, &page, Some(id), form, FormErrors::new(), true).await?;
        return again(&template, StatusCode::CONFLICT);
    }
    let new = match form.draft(&page.l, now, Some(&stored)).parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let template = form_page(&s, &page, Some(id), form, errors, false).await?;
            return again(&template, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match s.store.replace_note(&actor, now, id, version, new).await {
        Ok(note) => Ok(see_other(&form.back(Some(note.id)))),
        Err(e) => match ApiError::from(e) {
            ApiError::VersionMismatch { .. } => {
                let template =
                    form_page(&s, &page, Some(id), form, FormErrors::new(), true).await?;
                again(&template, StatusCode::CONFLICT)
            }
            other => Err(other),
        },
    }
}
