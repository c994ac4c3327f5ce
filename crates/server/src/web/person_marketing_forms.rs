//! The forms of the person page's marketing section
//! ([`super::person_marketing`]): record a permission event (R15), restrict
//! processing and lift the restriction (R18). Each goes through the same
//! policy, domain draft and store call as the API; a success returns to the
//! person page, errors show the page again with the form's field errors in
//! the user's language.

use super::forms::{FormErrors, some};
use super::page::{Page, Posted};
use super::person_marketing::{Forms, LiftForm, PermissionForm, RestrictForm};
use super::see_other;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::permission::PermissionDraft;
use rekisteri_domain::restriction::RestrictionDraft;
use rekisteri_domain::values::{Text, parse_field};
use rekisteri_domain::{FieldError, Invalid, Purpose};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/permissions", post(record))
        .route("/people/{id}/restriction", post(restrict))
        .route("/people/{id}/restriction/lift", post(lift))
}

/// The longest reason for lifting (as the API's).
const LIFT_REASON_MAX: usize = 2000;

/// Back to the person's marketing section.
fn back(id: PersonId) -> Response {
    see_other(&format!("/people/{id}#mk-h"))
}

/// The person page again, with a form's errors (422).
async fn again(s: &AppState, page: &Page, id: &str, forms: Forms) -> Result<Response, ApiError> {
    let mut response = super::person_page::render_person(s, page, id, forms).await?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

impl PermissionForm {
    fn draft(&self, page: &Page) -> PermissionDraft {
        PermissionDraft {
            channel: some(&self.channel),
            purpose: some(&self.purpose),
            state: some(&self.state),
            given_at: page.l.parse_input_time(&self.given_at),
            source: some(&self.source),
            source_detail: some(&self.source_detail),
            wording_id: some(&self.wording_id),
            // The law's default for the person's standing (R15).
            legal_basis: None,
        }
    }
}

/// `POST /people/{id}/permissions`: one event, in force at once.
async fn record(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<PermissionForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Permissions, Access::Write)?;
    let person_id: PersonId = path_id(&id)?;
    let now = s.clock.now();
    let done = match form.draft(&page).parse(now) {
        Ok(new) => s
            .store
            .record_permission(
                &page.caller.actor(Purpose::CustomerRelationship),
                now,
                person_id,
                new,
            )
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(invalid) => Err(invalid.into()),
    };
    match done {
        Ok(()) => Ok(back(person_id)),
        Err(e) => {
            let errors = FormErrors::of(&page.l, e)?;
            let forms = Forms {
                permission: Some((form, errors)),
                ..Forms::default()
            };
            again(&s, &page, &id, forms).await
        }
    }
}

impl RestrictForm {
    fn draft(&self) -> RestrictionDraft {
        let (value_kind, value) = match self.value.split_once('|') {
            Some((kind, value)) => (some(kind), some(value)),
            None => (None, some(&self.value)),
        };
        RestrictionDraft {
            reason: Some(self.reason.clone()),
            starts_at: None,
            value_kind,
            value,
        }
    }
}

/// The form has one field for the value and its kind.
fn value_kind_as_value(error: ApiError) -> ApiError {
    match error {
        ApiError::Invalid(Invalid(errors)) => ApiError::Invalid(Invalid(
            errors
                .into_iter()
                .map(|e| {
                    if e.field == "value_kind" {
                        e.at("value")
                    } else {
                        e
                    }
                })
                .collect(),
        )),
        other => other,
    }
}

/// `POST /people/{id}/restriction`: the person, or one value, from now on
/// only stored (R18). The administrator and the privacy officer only.
async fn restrict(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<RestrictForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Restrictions, Access::Write)?;
    let person_id: PersonId = path_id(&id)?;
    let now = s.clock.now();
    let done = match form.draft().parse(now) {
        Ok(new) => s
            .store
            .restrict(
                &page.caller.actor(Purpose::RegisterMaintenance),
                now,
                person_id,
                new,
            )
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(invalid) => Err(invalid.into()),
    };
    match done {
        Ok(()) => Ok(back(person_id)),
        Err(e) => {
            let errors = FormErrors::of(&page.l, value_kind_as_value(e))?;
            let forms = Forms {
                restrict: Some((form, errors)),
                ..Forms::default()
            };
            again(&s, &page, &id, forms).await
        }
    }
}

impl LiftForm {
    /// The reason, required here: lifting is recorded with why.
    fn reason(&self) -> Result<String, FieldError> {
        let reason = parse_field::<Text>("reason", &self.reason)?.to_string();
        if reason.chars().count() > LIFT_REASON_MAX {
            return Err(FieldError::too_long("reason", LIFT_REASON_MAX));
        }
        Ok(reason)
    }
}

/// `POST /people/{id}/restriction/lift`: every restriction of the person
/// not lifted yet, with the reason (GDPR 18(3): the person is told first).
async fn lift(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<LiftForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Restrictions, Access::Write)?;
    let person_id: PersonId = path_id(&id)?;
    let now = s.clock.now();
    let done = match form.reason() {
        Ok(reason) => s
            .store
            .lift_restrictions(
                &page.caller.actor(Purpose::RegisterMaintenance),
                now,
                person_id,
                None,
                Some(reason),
            )
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(Invalid::one(e).into()),
    };
    match done {
        Ok(()) => Ok(back(person_id)),
        Err(e) => {
            let errors = FormErrors::of(&page.l, e)?;
            let forms = Forms {
                lift: Some((form, errors)),
                ..Forms::default()
            };
            again(&s, &page, &id, forms).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Locale};
    use crate::web::forms::field_message;
    use rekisteri_domain::Timestamp;
    use rekisteri_domain::permission::WordingDraft;
    use std::sync::Arc;

    /// Every message the marketing forms can show has a Finnish text.
    #[test]
    fn r15_r18_the_marketing_forms_messages_are_in_finnish() {
        let fi = Locale::new(
            Lang::Fi,
            Arc::new(jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone")),
        );
        let now = Timestamp::from_micros(1_800_000_000_000_000);
        let mut errors = Vec::new();
        errors.extend(
            PermissionDraft {
                channel: Some("email".into()),
                purpose: Some("direct_marketing".into()),
                state: Some("granted".into()),
                given_at: Some("2099-01-01T00:00:00Z".into()),
                ..Default::default()
            }
            .parse(now)
            .unwrap_err()
            .0,
        );
        errors.extend(
            RestrictionDraft {
                reason: Some("x".into()),
                starts_at: Some("2020-01-01T00:00:00Z".into()),
                value_kind: Some("email".into()),
                ..Default::default()
            }
            .parse(now)
            .unwrap_err()
            .0,
        );
        errors.extend(
            RestrictionDraft {
                reason: Some("x".into()),
                value: Some("a@esimerkki.fi".into()),
                ..Default::default()
            }
            .parse(now)
            .unwrap_err()
            .0,
        );
        errors.extend(
            WordingDraft {
                key: Some("uutiskirje".into()),
                language: Some("finnish".into()),
                text: Some("Teksti".into()),
            }
            .parse()
            .unwrap_err()
            .0,
        );
        assert_eq!(errors.len(), 6, "{errors:?}");
        // The store's and the list page's own.
        for (field, message) in [
            ("value", "is not one of the person's values of that kind"),
            ("wording_id", "refers to a record that does not exist"),
            ("processing", "is not in use"),
        ] {
            errors.push(FieldError::invalid(field, message));
        }
        for e in errors {
            assert_ne!(field_message(&fi, &e), e.message, "{e}");
        }
    }
}
