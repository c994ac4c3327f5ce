//! Orders with their lines, and invoices (R3 previous orders, R8 holds).
//! An order or invoice for a person is personal data: reads are audited.

use crate::rows::{
    self, Arg, Select, Values, int, new_record, opt_parsed, parsed, provenance, source_values,
    text, text_or_null, ts,
};
use crate::rows::{bump_version, exists};
use crate::{Backend, Blocker, Page, PageRequest, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::billing::{Invoice, NewInvoice, NewOrder, Order, OrderLine};
use rekisteri_domain::ids::{InvoiceId, OrderId, OrderLineId, OrganisationId, PersonId};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    pub status: Option<String>,
}

const ORDER_SELECT: &str = "SELECT id, version, person_id, organisation_id, number, status, ordered_on, currency, total_cents, \
     source, source_detail, recorded_at, created_at, updated_at FROM orders";

const INVOICE_SELECT: &str = "SELECT id, version, person_id, organisation_id, order_id, number, status, issued_on, due_on, \
     total_cents, currency, source, source_detail, recorded_at, created_at, updated_at FROM invoices";

fn order_from_row(row: &AnyRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        person_id: opt_parsed(row, "person_id")?,
        organisation_id: opt_parsed(row, "organisation_id")?,
        number: text(row, "number")?,
        status: parsed(row, "status")?,
        ordered_on: parsed(row, "ordered_on")?,
        currency: text(row, "currency")?,
        total_cents: int(row, "total_cents")?,
        lines: Vec::new(),
        provenance: provenance(row, "")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn invoice_from_row(row: &AnyRow) -> Result<Invoice, sqlx::Error> {
    Ok(Invoice {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        person_id: opt_parsed(row, "person_id")?,
        organisation_id: opt_parsed(row, "organisation_id")?,
        order_id: opt_parsed(row, "order_id")?,
        number: text(row, "number")?,
        status: parsed(row, "status")?,
        issued_on: parsed(row, "issued_on")?,
        due_on: parsed(row, "due_on")?,
        total_cents: int(row, "total_cents")?,
        currency: text(row, "currency")?,
        provenance: provenance(row, "")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Orders with their lines, in the order of `rows`.
async fn with_lines<'e, E>(
    executor: E,
    backend: Backend,
    mut orders: Vec<Order>,
) -> Result<Vec<Order>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    if orders.is_empty() {
        return Ok(orders);
    }
    let sql = format!(
        "SELECT id, order_id, description, quantity, unit_price_cents FROM order_lines WHERE order_id IN ({}) ORDER BY order_id, position",
        backend.placeholders(1, orders.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for o in &orders {
        query = query.bind(o.id.to_string());
    }
    let mut lines: HashMap<String, Vec<OrderLine>> = HashMap::new();
    for row in query.fetch_all(executor).await? {
        lines
            .entry(text(&row, "order_id")?)
            .or_default()
            .push(OrderLine {
                id: parsed(&row, "id")?,
                description: text(&row, "description")?,
                quantity: int(&row, "quantity")?,
                unit_price_cents: int(&row, "unit_price_cents")?,
            });
    }
    for o in &mut orders {
        o.lines = lines.remove(&o.id.to_string()).unwrap_or_default();
    }
    Ok(orders)
}

async fn order_in(tx: &mut Transaction<'static, Any>, id: OrderId) -> Result<Order, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{ORDER_SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    let order = order_from_row(&row.ok_or(StoreError::NotFound)?)?;
    let backend = Backend::of(tx);
    with_lines(&mut **tx, backend, vec![order])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

async fn invoice_in(
    tx: &mut Transaction<'static, Any>,
    id: InvoiceId,
) -> Result<Invoice, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{INVOICE_SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    Ok(invoice_from_row(&row.ok_or(StoreError::NotFound)?)?)
}

/// The person and organisation a record refers to must exist.
async fn check_party(
    tx: &mut Transaction<'static, Any>,
    person: Option<PersonId>,
    organisation: Option<OrganisationId>,
) -> Result<(), StoreError> {
    if let Some(p) = person {
        exists(tx, "people", Some("person_id"), &p.to_string()).await?;
    }
    if let Some(o) = organisation {
        exists(tx, "organisations", Some("organisation_id"), &o.to_string()).await?;
    }
    Ok(())
}

/// Writes an order's lines.
pub(crate) async fn insert_lines(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    orders: &[(OrderId, &NewOrder)],
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::new();
    for (id, order) in orders {
        for (i, l) in order.lines.iter().enumerate() {
            rows.push(vec![
                ("id", Arg::Text(OrderLineId::new(at).to_string())),
                ("order_id", Arg::Text(id.to_string())),
                ("position", Arg::Int(i as i64)),
                ("description", Arg::Text(l.description.to_string())),
                ("quantity", Arg::Int(l.quantity)),
                ("unit_price_cents", Arg::Int(l.unit_price_cents)),
            ]);
        }
    }
    rows::insert_records(tx, "order_lines", rows).await
}

/// The columns an order's write sets.
pub(crate) fn order_values(new: &NewOrder, at: Timestamp) -> Values {
    let mut values = vec![
        ("person_id", text_or_null(new.person_id)),
        ("organisation_id", text_or_null(new.organisation_id)),
        ("number", Arg::Text(new.number.to_string())),
        ("status", Arg::Text(new.status.code().into())),
        ("ordered_on", Arg::Text(new.ordered_on.to_string())),
        ("currency", Arg::Text(new.currency.to_string())),
        ("total_cents", Arg::Int(new.total_cents())),
    ];
    values.extend(source_values(new.source, &new.source_detail, at));
    values
}

/// The columns an invoice's write sets.
pub(crate) fn invoice_values(new: &NewInvoice, at: Timestamp) -> Values {
    let mut values = vec![
        ("person_id", text_or_null(new.person_id)),
        ("organisation_id", text_or_null(new.organisation_id)),
        ("order_id", text_or_null(new.order_id)),
        ("number", Arg::Text(new.number.to_string())),
        ("status", Arg::Text(new.status.code().into())),
        ("issued_on", Arg::Text(new.issued_on.to_string())),
        ("due_on", Arg::Text(new.due_on.to_string())),
        ("total_cents", Arg::Int(new.total_cents)),
        ("currency", Arg::Text(new.currency.to_string())),
    ];
    values.extend(source_values(new.source, &new.source_detail, at));
    values
}

pub(crate) const DUPLICATE_INVOICE_NUMBER: &str = "another invoice has this number";

fn list_filter(
    select: &mut Select,
    person_id: &Option<String>,
    organisation_id: &Option<String>,
    status: &Option<String>,
) {
    if let Some(p) = person_id {
        select.filter("person_id = ?", Arg::Text(p.clone()));
    }
    if let Some(o) = organisation_id {
        select.filter("organisation_id = ?", Arg::Text(o.clone()));
    }
    if let Some(s) = status {
        select.filter("status = ?", Arg::Text(s.clone()));
    }
}

impl Store {
    pub async fn create_order(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewOrder,
    ) -> Result<Order, StoreError> {
        let id = OrderId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        check_party(&mut tx, new.person_id, new.organisation_id).await?;
        // R18: no new order is processed for a restricted person.
        crate::restrictions::refuse_write(&mut tx, at, &[new.person_id]).await?;
        rows::insert_records(
            &mut tx,
            "orders",
            vec![new_record(id, at, order_values(&new, at))],
        )
        .await?;
        insert_lines(&mut tx, at, &[(id, &new)]).await?;
        // R9: a new order reopens an ended customer relationship.
        crate::relationships::reopen_on_order(&mut tx, actor, at, new.person_id).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::Order,
                id,
                new.person_id,
            )],
        )
        .await?;
        let order = order_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(order)
    }

    pub async fn get_order(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: OrderId,
    ) -> Result<Order, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{ORDER_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        let order = order_from_row(&row.ok_or(StoreError::NotFound)?)?;
        let order = with_lines(&self.read, self.backend, vec![order])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Read,
                RecordType::Order,
                id,
                order.person_id,
            )])
            .await?;
        Ok(order)
    }

    pub async fn list_orders(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let mut select = Select::default();
        list_filter(
            &mut select,
            &filter.person_id,
            &filter.organisation_id,
            &filter.status,
        );
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let rows = select
            .build(ORDER_SELECT, &tail, extra)
            .fetch_all(&self.read)
            .await?;
        let orders = rows
            .iter()
            .map(order_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let orders = with_lines(&self.read, self.backend, orders).await?;
        let page = rows::into_page(orders, page, |o| o.id.to_string());
        let entries = page
            .items
            .iter()
            .filter(|o| o.person_id.is_some())
            .map(|o| actor.entry(at, AuditAction::List, RecordType::Order, o.id, o.person_id))
            .collect();
        self.audit.record(entries).await?;
        Ok(page)
    }

    pub async fn replace_order(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: OrderId,
        expected: i64,
        new: NewOrder,
    ) -> Result<Order, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let before = order_in(&mut tx, id).await?.person_id;
        bump_version(&mut tx, "orders", &id.to_string(), expected, at).await?;
        check_party(&mut tx, new.person_id, new.organisation_id).await?;
        crate::restrictions::refuse_write(&mut tx, at, &[before, new.person_id]).await?;
        rows::update_record(&mut tx, "orders", &id.to_string(), order_values(&new, at)).await?;
        sqlx::query("DELETE FROM order_lines WHERE order_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, at, &[(id, &new)]).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Order,
                id,
                new.person_id,
            )],
        )
        .await?;
        let order = order_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// Deletes the order. Refused while an invoice refers to it (409
    /// `invoiced`, naming each: invoices are accounting records, and the
    /// order is what they bill) or while its person is restricted (R18).
    /// Answers the order as it was.
    pub async fn delete_order(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: OrderId,
        expected: i64,
    ) -> Result<Order, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let order = order_in(&mut tx, id).await?;
        bump_version(&mut tx, "orders", &id.to_string(), expected, at).await?;
        let invoices: Vec<Blocker> = sqlx::query(
            "SELECT id, person_id, number FROM invoices WHERE order_id = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Blocker {
                kind: "invoice".into(),
                id: text(r, "id")?,
                person_id: opt_parsed(r, "person_id")?,
                label: Some(text(r, "number")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        if !invoices.is_empty() {
            let numbers: Vec<&str> = invoices.iter().filter_map(|i| i.label.as_deref()).collect();
            return Err(StoreError::Blocked {
                code: "invoiced",
                message: format!(
                    "the order is invoiced (invoice {}): invoices are accounting records, so the \
                     order they bill stays; cancel it instead",
                    numbers.join(", ")
                ),
                records: invoices,
            });
        }
        crate::restrictions::refuse_write(&mut tx, at, &[order.person_id]).await?;
        sqlx::query("DELETE FROM orders WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Delete,
                RecordType::Order,
                id,
                order.person_id,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(order)
    }

    pub async fn create_invoice(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewInvoice,
    ) -> Result<Invoice, StoreError> {
        let id = InvoiceId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        check_party(&mut tx, new.person_id, new.organisation_id).await?;
        if let Some(order) = new.order_id {
            exists(&mut tx, "orders", Some("order_id"), &order.to_string()).await?;
        }
        rows::insert_records(
            &mut tx,
            "invoices",
            vec![new_record(id, at, invoice_values(&new, at))],
        )
        .await
        .map_err(|e| StoreError::unique(e, "number", DUPLICATE_INVOICE_NUMBER))?;
        // R9: an invoice is activity of the customer relationship.
        let party: Vec<_> = new.person_id.into_iter().collect();
        crate::relationships::touch(&mut tx, &party, at.date()).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::Invoice,
                id,
                new.person_id,
            )],
        )
        .await?;
        let invoice = invoice_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(invoice)
    }

    pub async fn get_invoice(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: InvoiceId,
    ) -> Result<Invoice, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{INVOICE_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        let invoice = invoice_from_row(&row.ok_or(StoreError::NotFound)?)?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Read,
                RecordType::Invoice,
                id,
                invoice.person_id,
            )])
            .await?;
        Ok(invoice)
    }

    pub async fn list_invoices(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &InvoiceFilter,
        page: &PageRequest,
    ) -> Result<Page<Invoice>, StoreError> {
        let mut select = Select::default();
        list_filter(
            &mut select,
            &filter.person_id,
            &filter.organisation_id,
            &filter.status,
        );
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let rows = select
            .build(INVOICE_SELECT, &tail, extra)
            .fetch_all(&self.read)
            .await?;
        let invoices = rows
            .iter()
            .map(invoice_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let page = rows::into_page(invoices, page, |i| i.id.to_string());
        let entries = page
            .items
            .iter()
            .filter(|i| i.person_id.is_some())
            .map(|i| {
                actor.entry(
                    at,
                    AuditAction::List,
                    RecordType::Invoice,
                    i.id,
                    i.person_id,
                )
            })
            .collect();
        self.audit.record(entries).await?;
        Ok(page)
    }

    pub async fn replace_invoice(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: InvoiceId,
        expected: i64,
        new: NewInvoice,
    ) -> Result<Invoice, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "invoices", &id.to_string(), expected, at).await?;
        let before = invoice_in(&mut tx, id).await?.person_id;
        check_party(&mut tx, new.person_id, new.organisation_id).await?;
        if let Some(order) = new.order_id {
            exists(&mut tx, "orders", Some("order_id"), &order.to_string()).await?;
        }
        rows::update_record(
            &mut tx,
            "invoices",
            &id.to_string(),
            invoice_values(&new, at),
        )
        .await
        .map_err(|e| StoreError::unique(e, "number", DUPLICATE_INVOICE_NUMBER))?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Invoice,
                id,
                new.person_id,
            )],
        )
        .await?;
        // R8: a paid or credited invoice may end the hold of a scheduled erasure.
        crate::erasure::queue_recheck(&mut tx, at, before).await?;
        if new.person_id != before {
            crate::erasure::queue_recheck(&mut tx, at, new.person_id).await?;
        }
        let invoice = invoice_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(invoice)
    }
}
