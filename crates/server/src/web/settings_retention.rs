//! `/admin/settings/retention` (R9): the retention schedule as the admin
//! keeps it — each category's period, what it counts from, what happens
//! then, and the reason in Finnish and English —, the financial year's
//! end, the review period of quiet relationships and whether they end by
//! themselves; every earlier version below. The same check, store call and
//! audit as the API's `PUT /api/v1/settings/retention`.

use super::forms::{FormErrors, parse_version};
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::i18n::{Locale, field_message};
use crate::policy::{Access, Resource, allow};
use crate::services::retention::change_schedule;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::retention::{
    RetentionAction, RetentionAnchor, RetentionCategory, RetentionPolicy, RetentionSchedule,
};
use rekisteri_store::RetentionVersion;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/settings/retention", get(show).post(save))
}

/// One policy's row of the form, as sent or stored.
struct PolicyRow {
    index: usize,
    category: RetentionCategory,
    months: String,
    anchor: String,
    action: String,
    reason_fi: String,
    reason_en: String,
}

#[derive(Template)]
#[template(path = "admin_retention.html")]
struct SchedulePage {
    l: Locale,
    nav: Option<Nav>,
    version: i64,
    rows: Vec<PolicyRow>,
    financial_year_end: String,
    review_after_months: String,
    automatic: bool,
    versions: Vec<RetentionVersion>,
    saved: bool,
    conflict: bool,
    errors: FormErrors,
}

impl SchedulePage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field)
    }

    fn field_error(&self, row: &PolicyRow, field: &str) -> Option<String> {
        self.errors.get(&format!("policies[{}].{field}", row.index))
    }

    fn anchors(&self) -> Vec<(&'static str, String)> {
        RetentionAnchor::ALL
            .iter()
            .map(|a| (a.code(), self.l.code("retention-anchor", a.code())))
            .collect()
    }

    fn actions(&self) -> Vec<(&'static str, String)> {
        RetentionAction::ALL
            .iter()
            .map(|a| (a.code(), self.l.code("retention-action", a.code())))
            .collect()
    }

    fn summary(&self, v: &RetentionVersion) -> String {
        v.schedule
            .policies
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    self.l.code("retention-category", p.category.code()),
                    self.l.period(p.months)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

fn rows_of(schedule: &RetentionSchedule) -> Vec<PolicyRow> {
    schedule
        .policies
        .iter()
        .enumerate()
        .map(|(index, p)| PolicyRow {
            index,
            category: p.category,
            months: p.months.to_string(),
            anchor: p.anchor.code().into(),
            action: p.action.code().into(),
            reason_fi: p.reason_fi.clone(),
            reason_en: p.reason_en.clone(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn page_of(
    s: &AppState,
    page: Page,
    version: i64,
    rows: Vec<PolicyRow>,
    schedule: (&str, &str, bool),
    errors: FormErrors,
    saved: bool,
    conflict: bool,
) -> Result<Response, ApiError> {
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut response = render(&SchedulePage {
        nav: Some(page.nav("admin")),
        l: page.l,
        version,
        rows,
        financial_year_end: schedule.0.to_string(),
        review_after_months: schedule.1.to_string(),
        automatic: schedule.2,
        versions: s.store.retention_versions().await?,
        saved,
        conflict,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    page: Page,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Settings, Access::Read)?;
    let current = s.store.retention_schedule().await?;
    let sc = &current.schedule;
    page_of(
        &s,
        page,
        current.version,
        rows_of(sc),
        (
            &sc.financial_year_end,
            &sc.review_after_months.to_string(),
            sc.end_relationships_automatically,
        ),
        FormErrors::new(),
        q.saved.is_some(),
        false,
    )
    .await
}

/// The schedule the form describes; what does not parse is kept as sent
/// for the page and named in `errors`.
fn schedule_of(
    form: &HashMap<String, String>,
    l: &Locale,
    errors: &mut FormErrors,
) -> (Vec<PolicyRow>, RetentionSchedule) {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    let mut policies = Vec::new();
    for (index, category) in RetentionCategory::ALL.iter().enumerate() {
        let at = |f: &str| format!("policies[{index}].{f}");
        let row = PolicyRow {
            index,
            category: *category,
            months: get(&at("months")),
            anchor: get(&at("anchor")),
            action: get(&at("action")),
            reason_fi: get(&at("reason_fi")),
            reason_en: get(&at("reason_en")),
        };
        let months = row.months.trim().parse::<u32>();
        if months.is_err() {
            errors.add(&at("months"), l.t("keep-months-number"));
        }
        let anchor = RetentionAnchor::from_code(&row.anchor);
        let action = RetentionAction::from_code(&row.action);
        if let (Ok(months), Some(anchor), Some(action)) = (months, anchor, action) {
            policies.push(RetentionPolicy {
                category: *category,
                months,
                anchor,
                action,
                reason_fi: row.reason_fi.clone(),
                reason_en: row.reason_en.clone(),
            });
        }
        rows.push(row);
    }
    let review = get("review_after_months")
        .trim()
        .parse::<u32>()
        .unwrap_or(0);
    let schedule = RetentionSchedule {
        policies,
        financial_year_end: get("financial_year_end"),
        review_after_months: review,
        end_relationships_automatically: get("end_relationships_automatically") == "yes",
    };
    (rows, schedule)
}

async fn save(
    State(s): State<AppState>,
    Posted { page, form }: Posted<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Settings, Access::Write)?;
    let form: HashMap<String, String> = form.into_iter().collect();
    let expected = parse_version(form.get("version").map_or("", String::as_str))?;
    let mut errors = FormErrors::new();
    let (rows, schedule) = schedule_of(&form, &page.l, &mut errors);
    let review = form.get("review_after_months").cloned().unwrap_or_default();
    let result = if errors.is_empty() {
        change_schedule(&s, &page.caller, &schedule, Some(expected)).await
    } else {
        Err(ApiError::Invalid(rekisteri_domain::Invalid(Vec::new())))
    };
    let kept = (
        schedule.financial_year_end.as_str(),
        review.as_str(),
        schedule.end_relationships_automatically,
    );
    match result {
        Ok(_) => Ok(see_other("/admin/settings/retention?saved=1")),
        Err(ApiError::Invalid(invalid)) => {
            for e in &invalid.0 {
                errors.add(&e.field, field_message(&page.l, e));
            }
            page_of(&s, page, expected, rows, kept, errors, false, false).await
        }
        Err(ApiError::VersionMismatch { .. }) => {
            page_of(
                &s,
                page,
                expected,
                rows,
                kept,
                FormErrors::new(),
                false,
                true,
            )
            .await
        }
        Err(other) => Err(other),
    }
}
