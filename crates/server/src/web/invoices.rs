//! Invoices (R8: open ones and debt collection hold erasure): a new
//! invoice, for an order or not, and the invoice's page. The same policy,
//! store calls and purpose (order management) as `http/invoices.rs`: the
//! financial partner reads, never writes.

use super::billing::{Party, input_euros, parse_euros, party, some};
use super::forms::{FormErrors, field_message};
use super::organisations::{render_status, source_codes};
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
use axum::routing::{get, post};
use rekisteri_domain::billing::{Invoice, InvoiceDraft, InvoiceStatus};
use rekisteri_domain::ids::{OrderId, OrganisationId, PersonId};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Purpose, Source};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invoices", post(create_invoice))
        .route("/invoices/new", get(new_invoice))
        .route("/invoices/{id}", get(show_invoice))
}

/// Days from issue to due date that a new invoice suggests.
const DUE_DAYS: i32 = 14;

/// The invoice form (mirrors `InvoiceDraft`; the total in euros).
#[derive(Deserialize, Default)]
#[serde(default)]
struct InvoiceForm {
    person_id: String,
    organisation_id: String,
    order_id: String,
    number: String,
    status: String,
    issued_on: String,
    due_on: String,
    total: String,
    source: String,
    source_detail: String,
}

#[derive(Template)]
#[template(path = "invoice_form.html")]
struct InvoiceFormPage {
    l: Locale,
    nav: Option<Nav>,
    party: Party,
    form: InvoiceForm,
    errors: FormErrors,
    other_errors: Vec<String>,
    statuses: Vec<&'static str>,
    sources: Vec<&'static str>,
}

const INVOICE_FIELDS: [&str; 7] = [
    "number",
    "status",
    "issued_on",
    "due_on",
    "total",
    "source",
    "source_detail",
];

async fn invoice_form(
    s: &AppState,
    page: Page,
    form: InvoiceForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let person = PersonId::parse(form.person_id.trim()).ok();
    let organisation = OrganisationId::parse(form.organisation_id.trim()).ok();
    let party = party(s, &page, person, organisation).await?;
    render_status(
        &InvoiceFormPage {
            nav: Some(page.nav("organisations")),
            l: page.l,
            party,
            other_errors: errors.others(&INVOICE_FIELDS),
            form,
            errors,
            statuses: InvoiceStatus::ALL.iter().map(|s| s.code()).collect(),
            sources: source_codes(),
        },
        status,
    )
}

#[derive(Deserialize)]
struct OrderQuery {
    order_id: Option<String>,
}

async fn new_invoice(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<OrderQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Invoices, Access::Write)?;
    let today = s.clock.now().date();
    let mut form = InvoiceForm {
        status: InvoiceStatus::Open.code().to_string(),
        issued_on: today.to_string(),
        due_on: today.plus_days(DUE_DAYS).to_string(),
        source: Source::StaffEntry.code().to_string(),
        ..InvoiceForm::default()
    };
    if let Some(raw) = q.order_id.filter(|o| !o.trim().is_empty()) {
        let id: OrderId = path_id(raw.trim())?;
        let actor = page.caller.actor(Purpose::OrderManagement);
        let order = s.store.get_order(&actor, s.clock.now(), id).await?;
        form.order_id = order.id.to_string();
        form.person_id = order.person_id.map(|p| p.to_string()).unwrap_or_default();
        form.organisation_id = order
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default();
        form.total = input_euros(&page.l, order.total_cents);
    }
    invoice_form(&s, page, form, FormErrors::default(), StatusCode::OK).await
}

async fn create_invoice(
    State(s): State<AppState>,
    Posted { page, form }: Posted<InvoiceForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Invoices, Access::Write)?;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let mut problems = FormErrors::default();
    let total_cents = match form.total.trim() {
        "" => None,
        raw => {
            let cents = parse_euros(raw);
            if cents.is_none() {
                problems.add("total", page.l.t("business-amount-invalid"));
            }
            cents
        }
    };
    let draft = InvoiceDraft {
        person_id: some(&form.person_id),
        organisation_id: some(&form.organisation_id),
        order_id: some(&form.order_id),
        number: some(&form.number),
        status: some(&form.status),
        issued_on: some(&form.issued_on),
        due_on: some(&form.due_on),
        total_cents,
        currency: None,
        source: some(&form.source),
        source_detail: some(&form.source_detail),
    };
    let new = match draft.parse() {
        Ok(new) if problems.is_empty() => new,
        Ok(_) => return invoice_form(&s, page, form, problems, refused).await,
        Err(invalid) => {
            for e in &invalid.0 {
                let field = if e.field == "total_cents" {
                    "total"
                } else {
                    e.field.as_str()
                };
                problems.add(field, field_message(&page.l, e));
            }
            return invoice_form(&s, page, form, problems, refused).await;
        }
    };
    let created = s
        .store
        .create_invoice(
            &page.caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            new,
        )
        .await
        .map_err(ApiError::from);
    match created {
        Ok(invoice) => Ok(see_other(&format!("/invoices/{}", invoice.id))),
        Err(ApiError::Invalid(invalid)) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            invoice_form(&s, page, form, errors, refused).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage {
    l: Locale,
    nav: Option<Nav>,
    invoice: Invoice,
    party: Party,
    paid: bool,
}

async fn show_invoice(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Invoices, Access::Read)?;
    let invoice = s
        .store
        .get_invoice(
            &page.caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            path_id(&id)?,
        )
        .await?;
    let party = party(&s, &page, invoice.person_id, invoice.organisation_id).await?;
    render(&InvoicePage {
        paid: invoice.status == InvoiceStatus::Paid,
        nav: Some(page.nav("organisations")),
        l: page.l,
        invoice,
        party,
    })
}
