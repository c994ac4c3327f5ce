//! `/orders`: orders with their lines (R3 previous orders).

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
use rekisteri_domain::billing::{Order, OrderDraft};
use rekisteri_domain::ids::OrderId;
use rekisteri_store::OrderFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
}

/// Filters of orders and invoices.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BillingQuery {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/orders", tag = "orders", params(BillingQuery, Paging),
    responses((status = 200, body = ListOf<Order>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<BillingQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Order>>, ApiError> {
    allow(&caller, Resource::Orders, Access::Read)?;
    let filter = OrderFilter {
        person_id: q.person_id,
        organisation_id: q.organisation_id,
        status: q.status,
    };
    Ok(Json(
        s.store
            .list_orders(
                &caller.actor(Purpose::OrderManagement),
                s.clock.now(),
                &filter,
                &paging.request()?,
            )
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderDraft,
    responses((status = 201, body = Order), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<OrderDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Orders, Access::Write)?;
    let new = draft.parse()?;
    let order = s
        .store
        .create_order(&caller.actor(Purpose::OrderManagement), s.clock.now(), new)
        .await?;
    Ok((StatusCode::CREATED, etag(order.version), Json(order)))
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = OrderId, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Orders, Access::Read)?;
    let order = s
        .store
        .get_order(
            &caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            path_id(&id)?,
        )
        .await?;
    Ok((etag(order.version), Json(order)))
}

#[utoipa::path(put, path = "/orders/{id}", tag = "orders", params(("id" = OrderId, Path), IfMatch), request_body = OrderDraft,
    responses((status = 200, body = Order), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<OrderDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Orders, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let order = s
        .store
        .replace_order(
            &caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await?;
    Ok((etag(order.version), Json(order)))
}

/// Delete an order. Refused with 409 `invoiced` while an invoice refers to
/// it (`records` names each: invoices are accounting records), and with
/// 409 `restricted` while its person's processing is restricted (R18).
#[utoipa::path(delete, path = "/orders/{id}", tag = "orders", params(("id" = OrderId, Path), IfMatch),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)), security(("bearer" = [])))]
async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Orders, Access::Write)?;
    s.store
        .delete_order(
            &caller.actor(Purpose::OrderManagement),
            s.clock.now(),
            path_id(&id)?,
            version,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
