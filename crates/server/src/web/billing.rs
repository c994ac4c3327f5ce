//! Orders (R3 previous orders): a new order with up to five lines in
//! euros and its page with its invoices; and what the invoice pages
//! (`super::invoices`) share with them: amounts in euros and whom a record
//! is for. The same policy, store calls and purpose (order management) as
//! `http/orders.rs`: the financial partner reads, never writes.

use super::forms::{FormErrors, VersionForm, field_message};
use super::organisations::{render_status, request, source_codes};
use super::page::{Nav, Page, Posted};
use super::refusals::Refusal;
use super::see_other;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::{Lang, Locale};
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::billing::{
    Invoice, Order, OrderDraft, OrderLine, OrderLineDraft, OrderStatus,
};
use rekisteri_domain::ids::{OrderId, OrganisationId, PersonId};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Purpose, Source};
use rekisteri_store::InvoiceFilter;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/new", get(new_order))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/delete", post(delete_order))
}

/// How many line rows a new order's form offers.
const LINE_ROWS: usize = 5;

/// An amount in euros as typed (`12,50`, `12.50`, `1 234,5`, `-3`) in cents.
pub(super) fn parse_euros(raw: &str) -> Option<i64> {
    let text: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .collect();
    let (negative, text) = match text.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = match text.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return None;
    }
    let cents_part = format!("{fraction:0<2}").parse::<i64>().ok()?;
    let cents = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents_part)?;
    Some(if negative { -cents } else { cents })
}

/// Cents as the value of an amount input in the user's language.
pub(super) fn input_euros(l: &Locale, cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let sep = if l.lang == Lang::Fi { ',' } else { '.' };
    format!("{sign}{}{sep}{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// A line's quantity times its unit price.
pub fn line_total(line: &OrderLine) -> i64 {
    line.quantity.saturating_mul(line.unit_price_cents)
}

pub(super) fn some(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Whom an order or invoice is for, by name, with links.
pub struct Party {
    pub person: Option<(PersonId, String)>,
    pub organisation: Option<(OrganisationId, String)>,
}

pub(super) async fn party(
    s: &AppState,
    page: &Page,
    person: Option<PersonId>,
    organisation: Option<OrganisationId>,
) -> Result<Party, ApiError> {
    let person = match person {
        Some(id) if allow(&page.caller, Resource::People, Access::Read).is_ok() => {
            let actor = page.caller.actor(Purpose::OrderManagement);
            let mut names = s.store.people_names(&actor, s.clock.now(), &[id]).await?;
            names.remove(&id).map(|name| (id, name))
        }
        _ => None,
    };
    let organisation = match organisation {
        Some(id) => Some((id, s.store.get_organisation(id).await?.name)),
        None => None,
    };
    Ok(Party {
        person,
        organisation,
    })
}

/// One line row of the order form, as typed, with its errors.
#[derive(Default)]
pub struct LineRow {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub description_error: Option<String>,
    pub quantity_error: Option<String>,
    pub unit_price_error: Option<String>,
}

/// The order form (mirrors `OrderDraft`; lines as repeated fields).
#[derive(Deserialize, Default)]
#[serde(default)]
struct OrderForm {
    person_id: String,
    organisation_id: String,
    number: String,
    status: String,
    ordered_on: String,
    description: Vec<String>,
    quantity: Vec<String>,
    unit_price: Vec<String>,
    source: String,
    source_detail: String,
}

impl OrderForm {
    fn cell(list: &[String], i: usize) -> String {
        list.get(i).cloned().unwrap_or_default()
    }

    fn rows(&self) -> Vec<LineRow> {
        let n = self
            .description
            .len()
            .max(self.quantity.len())
            .max(self.unit_price.len())
            .max(LINE_ROWS);
        (0..n)
            .map(|i| LineRow {
                description: Self::cell(&self.description, i),
                quantity: Self::cell(&self.quantity, i),
                unit_price: Self::cell(&self.unit_price, i),
                ..LineRow::default()
            })
            .collect()
    }

    /// The draft, the form's row of each draft line, and the errors of
    /// numbers that could not be read.
    fn draft(&self, l: &Locale) -> (OrderDraft, Vec<usize>, FormErrors) {
        let mut lines = Vec::new();
        let mut used = Vec::new();
        let mut problems = FormErrors::default();
        for (i, row) in self.rows().into_iter().enumerate() {
            if row.description.trim().is_empty()
                && row.quantity.trim().is_empty()
                && row.unit_price.trim().is_empty()
            {
                continue;
            }
            let quantity = match row.quantity.trim() {
                "" => None,
                q => {
                    let parsed = q.parse::<i64>().ok();
                    if parsed.is_none() {
                        problems.add(&format!("quantity-{i}"), l.t("business-quantity-invalid"));
                    }
                    parsed
                }
            };
            let unit_price_cents = match row.unit_price.trim() {
                "" => None,
                p => {
                    let parsed = parse_euros(p);
                    if parsed.is_none() {
                        problems.add(&format!("unit_price-{i}"), l.t("business-amount-invalid"));
                    }
                    parsed
                }
            };
            lines.push(OrderLineDraft {
                description: some(&row.description),
                quantity,
                unit_price_cents,
            });
            used.push(i);
        }
        let draft = OrderDraft {
            person_id: some(&self.person_id),
            organisation_id: some(&self.organisation_id),
            number: some(&self.number),
            status: some(&self.status),
            ordered_on: some(&self.ordered_on),
            currency: None,
            lines,
            source: some(&self.source),
            source_detail: some(&self.source_detail),
        };
        (draft, used, problems)
    }
}

/// A domain error's field (`lines[1].unit_price_cents`) as the form's
/// (`unit_price-3`), given the form row of each draft line.
fn form_field(field: &str, used: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("lines[") else {
        return field.to_string();
    };
    let Some((k, name)) = rest.split_once("].") else {
        return field.to_string();
    };
    let row = k.parse::<usize>().ok().and_then(|k| used.get(k).copied());
    let name = match name {
        "unit_price_cents" => "unit_price",
        other => other,
    };
    match row {
        Some(row) => format!("{name}-{row}"),
        None => field.to_string(),
    }
}

#[derive(Template)]
#[template(path = "order_form.html")]
struct OrderFormPage {
    l: Locale,
    nav: Option<Nav>,
    party: Party,
    form: OrderForm,
    rows: Vec<LineRow>,
    errors: FormErrors,
    other_errors: Vec<String>,
    statuses: Vec<&'static str>,
    sources: Vec<&'static str>,
}

const ORDER_FIELDS: [&str; 6] = [
    "number",
    "status",
    "ordered_on",
    "lines",
    "source",
    "source_detail",
];

async fn order_form(
    s: &AppState,
    page: Page,
    form: OrderForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let person = PersonId::parse(form.person_id.trim()).ok();
    let organisation = OrganisationId::parse(form.organisation_id.trim()).ok();
    let party = party(s, &page, person, organisation).await?;
    let mut rows = form.rows();
    for (i, row) in rows.iter_mut().enumerate() {
        let get = |name: &str| errors.get(&format!("{name}-{i}"));
        row.description_error = get("description");
        row.quantity_error = get("quantity");
        row.unit_price_error = get("unit_price");
    }
    let shown: Vec<String> = (0..rows.len())
        .flat_map(|i| ["description", "quantity", "unit_price"].map(|n| format!("{n}-{i}")))
        .chain(ORDER_FIELDS.iter().map(|f| f.to_string()))
        .collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    render_status(
        &OrderFormPage {
            nav: Some(page.nav("organisations")),
            l: page.l,
            party,
            other_errors: errors.others(&shown),
            form,
            rows,
            errors,
            statuses: OrderStatus::ALL.iter().map(|s| s.code()).collect(),
            sources: source_codes(),
        },
        status,
    )
}

#[derive(Deserialize)]
struct PartyQuery {
    person_id: Option<String>,
    organisation_id: Option<String>,
}

async fn new_order(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<PartyQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Orders, Access::Write)?;
    let form = OrderForm {
        person_id: q.person_id.unwrap_or_default(),
        organisation_id: q.organisation_id.unwrap_or_default(),
        status: OrderStatus::Confirmed.code().to_string(),
        ordered_on: s.clock.now().date().to_string(),
        source: Source::StaffEntry.code().to_string(),
        ..OrderForm::default()
    };
    order_form(&s, page, form, FormErrors::default(), StatusCode::OK).await
}

async fn create_order(
    State(s): State<AppState>,
    Posted { page, form }: Posted<OrderForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Orders, Access::Write)?;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let (draft, used, mut problems) = form.draft(&page.l);
    let parsed = draft.parse();
    let new = match parsed {
        Ok(new) if problems.is_empty() => new,
        Ok(_) => return order_form(&s, page, form, problems, refused).await,
        Err(invalid) => {
            for e in &invalid.0 {
                problems.add(&form_field(&e.field, &used), field_message(&page.l, e));
            }
            return order_form(&s, page, form, problems, refused).await;
        }
    };
    let created = s
        .store
        .create_order(
            &page.caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            new,
        )
        .await
        .map_err(ApiError::from);
    match created {
        Ok(order) => Ok(see_other(&format!("/orders/{}", order.id))),
        Err(ApiError::Invalid(invalid)) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            order_form(&s, page, form, errors, refused).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    l: Locale,
    nav: Option<Nav>,
    order: Order,
    party: Party,
    invoices: Vec<Invoice>,
    may_invoice: bool,
    may_delete: bool,
    /// A refused deletion and the invoices in its way.
    refusal: Option<Refusal>,
}

async fn show_order(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Orders, Access::Read)?;
    order_page(&s, page, path_id(&id)?, None, StatusCode::OK).await
}

/// The order's page, with a refused deletion's notice if any.
async fn order_page(
    s: &AppState,
    page: Page,
    id: OrderId,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let actor = page.caller.actor(Purpose::OrderManagement);
    let now = s.clock.now();
    let order = s.store.get_order(&actor, now, id).await?;
    let invoices = if allow(&page.caller, Resource::Invoices, Access::Read).is_ok() {
        let filter = InvoiceFilter {
            person_id: order.person_id.map(|p| p.to_string()),
            organisation_id: order.organisation_id.map(|o| o.to_string()),
            status: None,
        };
        let mut found = s
            .store
            .list_invoices(&actor, now, &filter, &request(500))
            .await?
            .items;
        found.retain(|i| i.order_id == Some(order.id));
        found
    } else {
        Vec::new()
    };
    let party = party(s, &page, order.person_id, order.organisation_id).await?;
    let shown = OrderPage {
        may_invoice: allow(&page.caller, Resource::Invoices, Access::Write).is_ok(),
        may_delete: allow(&page.caller, Resource::Orders, Access::Write).is_ok(),
        nav: Some(page.nav("organisations")),
        l: page.l,
        order,
        party,
        invoices,
        refusal,
    };
    render_status(&shown, status)
}

/// Deletes the order; refused (409) while it is invoiced (invoices are
/// accounting records): its page again, naming the invoices.
async fn delete_order(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<VersionForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Orders, Access::Write)?;
    let id: OrderId = path_id(&id)?;
    let version = form.version()?;
    let deleted = s
        .store
        .delete_order(
            &page.caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            id,
            version,
        )
        .await
        .map_err(ApiError::from);
    match deleted {
        Ok(order) => Ok(see_other(&match (order.person_id, order.organisation_id) {
            (Some(person), _) => format!("/people/{person}"),
            (None, Some(org)) => format!("/organisations/{org}"),
            (None, None) => "/organisations".to_string(),
        })),
        Err(ApiError::Blocked { code, records, .. }) => {
            let refusal = Refusal::of(&s, &page, code, &records).await?;
            order_page(&s, page, id, Some(refusal), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r3_euros_are_read_with_a_comma_or_a_point() {
        assert_eq!(parse_euros("12,50"), Some(1250));
        assert_eq!(parse_euros("12.5"), Some(1250));
        assert_eq!(parse_euros("1 234,05 €"), Some(123_405));
        assert_eq!(parse_euros("7"), Some(700));
        assert_eq!(parse_euros("-3,10"), Some(-310));
        assert_eq!(parse_euros("12,505"), None);
        assert_eq!(parse_euros("abc"), None);
        assert_eq!(parse_euros(",5"), None);
    }

    #[test]
    fn line_errors_land_on_the_rows_they_came_from() {
        assert_eq!(
            form_field("lines[1].unit_price_cents", &[0, 3]),
            "unit_price-3"
        );
        assert_eq!(form_field("lines[0].quantity", &[2]), "quantity-2");
        assert_eq!(form_field("number", &[0]), "number");
    }
}
