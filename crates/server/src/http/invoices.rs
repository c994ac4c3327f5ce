//! `/invoices`. Invoices are accounting records: they are credited, never
//! deleted; open ones and those in debt collection hold erasure (R8).

use super::orders::BillingQuery;
use super::{ListOf, Paging};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, Query, etag, path_id};
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::Purpose;
use rekisteri_domain::billing::{Invoice, InvoiceDraft};
use rekisteri_domain::ids::InvoiceId;
use rekisteri_store::InvoiceFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace))
}

#[utoipa::path(get, path = "/invoices", tag = "invoices", params(BillingQuery, Paging),
    responses((status = 200, body = ListOf<Invoice>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<BillingQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Invoice>>, ApiError> {
    allow(&caller, Resource::Invoices, Access::Read)?;
    let filter = InvoiceFilter {
        person_id: q.person_id,
        organisation_id: q.organisation_id,
        status: q.status,
    };
    Ok(Json(
        s.store
            .list_invoices(
                &caller.actor(Purpose::OrderManagement),
                s.clock.now(),
                &filter,
                &paging.request()?,
            )
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/invoices", tag = "invoices", request_body = InvoiceDraft,
    responses((status = 201, body = Invoice), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<InvoiceDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Invoices, Access::Write)?;
    let new = draft.parse()?;
    let invoice = s
        .store
        .create_invoice(&caller.actor(Purpose::OrderManagement), s.clock.now(), new)
        .await?;
    Ok((StatusCode::CREATED, etag(invoice.version), Json(invoice)))
}

#[utoipa::path(get, path = "/invoices/{id}", tag = "invoices", params(("id" = InvoiceId, Path)),
    responses((status = 200, body = Invoice), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Invoices, Access::Read)?;
    let invoice = s
        .store
        .get_invoice(
            &caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            path_id(&id)?,
        )
        .await?;
    Ok((etag(invoice.version), Json(invoice)))
}

/// Change an invoice: its status (paid, debt_collection, credited) above all.
#[utoipa::path(put, path = "/invoices/{id}", tag = "invoices", params(("id" = InvoiceId, Path), IfMatch), request_body = InvoiceDraft,
    responses((status = 200, body = Invoice), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<InvoiceDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Invoices, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let invoice = s
        .store
        .replace_invoice(
            &caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await?;
    // R8, R19: the change queued the erasure's re-check when one waits.
    Ok((etag(invoice.version), Json(invoice)))
}
