//! People: the list (last-name prefix, a page at a time), the form to add
//! and edit a person (field errors in the user's language, the user's
//! input kept, a concurrent change shown and never overwritten) and the
//! person page ([`super::person_page`]).

use super::forms::{Choice, Field, FormErrors, Input, lines, some, source_choices};
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow, person_view};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::{AddressDraft, Person, PersonDraft};
use rekisteri_store::{PageRequest, PersonFilter};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(list).post(create))
        .route("/people/new", get(new))
        .route("/people/{id}", get(super::person_page::show))
        .route("/people/{id}/edit", get(edit).post(update))
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    l: Locale,
    nav: Option<Nav>,
    q: String,
    people: Vec<Person>,
    next: Option<String>,
    may_write: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

/// How many people a page of the list shows.
const PAGE_SIZE: u32 = 50;

async fn list(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Read)?;
    let prefix: String = q.q.unwrap_or_default().trim().chars().take(100).collect();
    let filter = PersonFilter {
        email: None,
        last_name_prefix: (!prefix.is_empty()).then(|| prefix.clone()),
        organisation_id: None,
        without_restricted: !prefix.is_empty()
            && !crate::policy::finds_restricted(&page.caller.user),
    };
    let request = PageRequest {
        after: q.after.filter(|a| !a.is_empty()),
        limit: PAGE_SIZE,
        bulk: false,
    };
    let result = s
        .store
        .list_people(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            &filter,
            &request,
        )
        .await?;
    let people = result
        .items
        .into_iter()
        .map(|p| person_view(page.user(), p))
        .collect();
    let next = result.next_cursor.map(|c| {
        let mut query = vec![("after", c)];
        if !prefix.is_empty() {
            query.push(("q", prefix.clone()));
        }
        format!(
            "/people?{}",
            serde_urlencoded::to_string(query).unwrap_or_default()
        )
    });
    render(&PeoplePage {
        nav: Some(page.nav("people")),
        may_write: page.nav.may("people", true),
        l: page.l,
        q: prefix,
        people,
        next,
    })
}

/// The person form as submitted: textareas hold one value a line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub emails: String,
    pub phones: String,
    pub websites: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub source: String,
    pub source_detail: String,
    pub version: String,
}

impl PersonForm {
    fn of(person: &Person) -> Self {
        let join = |v: &[rekisteri_domain::person::SourcedValue]| {
            v.iter()
                .map(|x| x.value.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let address = person.addresses.iter().find(|a| a.kind == "postal");
        Self {
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            title: person.title.clone().unwrap_or_default(),
            emails: join(&person.emails),
            phones: join(&person.phones),
            websites: join(&person.websites),
            street: address.map(|a| a.street.clone()).unwrap_or_default(),
            postal_code: address.map(|a| a.postal_code.clone()).unwrap_or_default(),
            city: address.map(|a| a.city.clone()).unwrap_or_default(),
            country: address.map(|a| a.country.clone()).unwrap_or_default(),
            source: "staff_entry".into(),
            source_detail: String::new(),
            version: person.version.to_string(),
        }
    }

    /// The domain's draft; on edit, what the form does not show (IP
    /// addresses, other addresses, the relationship's dates) stays.
    fn draft(&self, stored: Option<&Person>) -> PersonDraft {
        let mut addresses = Vec::new();
        let typed = [&self.street, &self.postal_code, &self.city, &self.country];
        if typed.iter().any(|v| !v.trim().is_empty()) {
            addresses.push(AddressDraft {
                kind: Some("postal".into()),
                street: some(&self.street),
                postal_code: some(&self.postal_code),
                city: some(&self.city),
                country: some(&self.country),
            });
        }
        let mut draft = PersonDraft {
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            title: some(&self.title),
            emails: lines(&self.emails),
            phones: lines(&self.phones),
            websites: lines(&self.websites),
            source: some(&self.source),
            source_detail: some(&self.source_detail),
            ..PersonDraft::default()
        };
        if let Some(p) = stored {
            draft.ip_addresses = p.ip_addresses.iter().map(|v| v.value.clone()).collect();
            let mut first_postal = true;
            for a in &p.addresses {
                if a.kind == "postal" && first_postal {
                    first_postal = false;
                    continue;
                }
                addresses.push(AddressDraft {
                    kind: Some(a.kind.clone()),
                    street: Some(a.street.clone()),
                    postal_code: Some(a.postal_code.clone()),
                    city: Some(a.city.clone()),
                    country: Some(a.country.clone()),
                });
            }
            draft.relationship_started_on = p.relationship_started_on.map(|d| d.to_string());
            draft.relationship_ended_on = p.relationship_ended_on.map(|d| d.to_string());
        }
        draft.addresses = addresses;
        draft
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    l: Locale,
    nav: Option<Nav>,
    csrf: String,
    /// The person edited; `None` when adding.
    id: Option<String>,
    version: String,
    fields: Vec<Field>,
    sources: Vec<Choice>,
    source_error: Option<String>,
    others: Vec<String>,
    has_errors: bool,
    conflict: bool,
}

const SHOWN: [&str; 11] = [
    "first_name",
    "last_name",
    "title",
    "emails",
    "phones",
    "websites",
    "street",
    "postal_code",
    "city",
    "country",
    "source",
];

fn form_page(
    page: &Page,
    id: Option<PersonId>,
    form: &PersonForm,
    errors: &FormErrors,
    conflict: bool,
) -> PersonFormPage {
    let l = &page.l;
    let f = |name, label: &str, value: &str| Field::new(name, l.t(label), value, errors);
    let fields = vec![
        f("first_name", "person-first-name", &form.first_name).required(),
        f("last_name", "person-last-name", &form.last_name).required(),
        f("title", "person-title", &form.title).wide(),
        f("emails", "person-emails", &form.emails)
            .input(Input::Textarea)
            .hint(l.t("person-one-a-line")),
        f("phones", "person-phones", &form.phones)
            .input(Input::Textarea)
            .hint(l.t("person-phones-hint")),
        f("websites", "person-websites", &form.websites)
            .input(Input::Textarea)
            .hint(l.t("person-one-a-line")),
        f("street", "person-street", &form.street).wide(),
        f("postal_code", "person-postal-code", &form.postal_code),
        f("city", "person-city", &form.city),
        f("country", "person-country", &form.country).hint(l.t("person-country-hint")),
    ];
    let source = if form.source.is_empty() {
        "staff_entry"
    } else {
        form.source.as_str()
    };
    PersonFormPage {
        l: page.l.clone(),
        nav: Some(page.nav("people")),
        csrf: page.nav.csrf.clone(),
        id: id.map(|i| i.to_string()),
        version: form.version.clone(),
        fields,
        sources: source_choices(l, source),
        source_error: errors.get("source"),
        others: errors.others(&SHOWN),
        has_errors: !errors.is_empty(),
        conflict,
    }
}

/// The form again, with what went wrong (422, or 409 on a conflict).
fn again(template: &PersonFormPage, status: StatusCode) -> Result<Response, ApiError> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

async fn new(page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let form = PersonForm {
        source: "staff_entry".into(),
        ..PersonForm::default()
    };
    render(&form_page(&page, None, &form, &FormErrors::new(), false))
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<PersonForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let new = match form.draft(None).parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let template = form_page(&page, None, &form, &errors, false);
            return again(&template, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let created = s
        .store
        .create_person(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            new,
        )
        .await;
    match created {
        Ok(person) => Ok(see_other(&format!("/people/{}", person.id))),
        Err(e) => {
            // R3: an address another person already has is named on the form.
            let errors = FormErrors::of(&page.l, ApiError::from(e))?;
            let template = form_page(&page, None, &form, &errors, false);
            again(&template, StatusCode::CONFLICT)
        }
    }
}

async fn edit(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    let person = s
        .store
        .get_person(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
        )
        .await?;
    let form = PersonForm::of(&person);
    render(&form_page(
        &page,
        Some(id),
        &form,
        &FormErrors::new(),
        false,
    ))
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<PersonForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    let actor = page.caller.actor(Purpose::RegisterMaintenance);
    let version = super::forms::parse_version(&form.version)?;
    let stored = s.store.get_person(&actor, s.clock.now(), id).await?;
    if stored.version != version {
        let template = form_page(&page, Some(id), &form, &FormErrors::new(), true);
        return again(&template, StatusCode::CONFLICT);
    }
    let new = match form.draft(Some(&stored)).parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let template = form_page(&page, Some(id), &form, &errors, false);
            return again(&template, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match s
        .store
        .replace_person(&actor, s.clock.now(), id, version, new)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/people/{id}"))),
        Err(e) => match ApiError::from(e) {
            ApiError::VersionMismatch { .. } => {
                let template = form_page(&page, Some(id), &form, &FormErrors::new(), true);
                again(&template, StatusCode::CONFLICT)
            }
            other => {
                let errors = FormErrors::of(&page.l, other)?;
                let template = form_page(&page, Some(id), &form, &errors, false);
                again(&template, StatusCode::CONFLICT)
            }
        },
    }
}

/// The person's name as the list and the page show it.
pub fn full_name(p: &Person) -> String {
    format!("{} {}", p.first_name, p.last_name)
}

/// The contact values joined for a table cell.
pub fn joined(values: &[rekisteri_domain::person::SourcedValue]) -> String {
    values
        .iter()
        .map(|v| v.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
