//! Orders and invoices. Open invoices and debt collection hold erasure (R8),
//! and accounting law keeps invoices with personal fields minimised.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{InvoiceId, OrderId, OrderLineId, OrganisationId, PersonId};
use crate::person::parse_source;
use crate::provenance::{Provenance, Source, code_enum};
use crate::time::{Date, Timestamp};
use crate::values::{Code, Currency, Name, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    OrderStatus {
        Draft = "draft",
        Confirmed = "confirmed",
        Delivered = "delivered",
        Cancelled = "cancelled",
    }
);

code_enum!(
    InvoiceStatus {
        Open = "open",
        Paid = "paid",
        /// Passed to debt collection.
        DebtCollection = "debt_collection",
        Credited = "credited",
    }
);

impl InvoiceStatus {
    /// Open invoices and debt collection prevent erasure (R8).
    pub fn holds_erasure(self) -> bool {
        matches!(self, Self::Open | Self::DebtCollection)
    }
}

/// Whom a record is for: a person, an organisation, or both; at least one.
fn parse_party(
    errors: &mut Errors,
    person_id: Option<&str>,
    organisation_id: Option<&str>,
) -> Option<(Option<PersonId>, Option<OrganisationId>)> {
    let person = errors.take(parse_optional::<PersonId>("person_id", person_id));
    let organisation = errors.take(parse_optional::<OrganisationId>(
        "organisation_id",
        organisation_id,
    ));
    match (person, organisation) {
        (Some(None), Some(None)) => {
            errors.push(FieldError::required("person_id"));
            None
        }
        (Some(p), Some(o)) => Some((p, o)),
        _ => None,
    }
}

/// Cents from a JSON number a client sent; must be whole and in range.
/// The largest amount anywhere in the register: ten billion euros.
const MAX_CENTS: i64 = 1_000_000_000_000;

fn parse_cents(field: &str, raw: Option<i64>, allow_negative: bool) -> Result<i64, FieldError> {
    let cents = raw.ok_or_else(|| FieldError::required(field))?;
    if !allow_negative && cents < 0 {
        return Err(FieldError::invalid(field, "must not be negative"));
    }
    if cents.unsigned_abs() > MAX_CENTS.unsigned_abs() {
        return Err(FieldError::invalid(field, "is too large"));
    }
    Ok(cents)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct OrderLineDraft {
    pub description: Option<String>,
    pub quantity: Option<i64>,
    /// Price of one unit in cents.
    pub unit_price_cents: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct OrderDraft {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    #[schema(required = true, nullable = false)]
    pub number: Option<String>,
    /// draft, confirmed (default), delivered, cancelled.
    pub status: Option<String>,
    #[schema(required = true, nullable = false)]
    pub ordered_on: Option<String>,
    /// ISO 4217; default EUR.
    pub currency: Option<String>,
    #[serde(default)]
    pub lines: Vec<OrderLineDraft>,
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    pub description: Name,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub number: Code,
    pub status: OrderStatus,
    pub ordered_on: Date,
    pub currency: Currency,
    pub lines: Vec<NewOrderLine>,
    pub source: Source,
    pub source_detail: Option<String>,
}

impl NewOrder {
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.quantity.saturating_mul(l.unit_price_cents))
            .fold(0i64, i64::saturating_add)
    }
}

impl OrderDraft {
    pub fn parse(&self) -> Result<NewOrder, Invalid> {
        let mut errors = Errors::new();
        let party = parse_party(
            &mut errors,
            self.person_id.as_deref(),
            self.organisation_id.as_deref(),
        );
        let number = errors.take(parse_field::<Code>(
            "number",
            self.number.as_deref().unwrap_or(""),
        ));
        let status = errors.take(
            parse_optional::<OrderStatus>("status", self.status.as_deref())
                .map(|s| s.unwrap_or(OrderStatus::Confirmed)),
        );
        let ordered_on = errors.take(parse_field::<Date>(
            "ordered_on",
            self.ordered_on.as_deref().unwrap_or(""),
        ));
        let currency = errors.take(
            parse_optional::<Currency>("currency", self.currency.as_deref())
                .map(|c| c.unwrap_or_else(Currency::euro)),
        );
        if self.lines.is_empty() {
            errors.push(FieldError::invalid("lines", "must have at least one line"));
        }
        let mut lines = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let description = errors.take(parse_field::<Name>(
                &format!("lines[{i}].description"),
                line.description.as_deref().unwrap_or(""),
            ));
            let quantity = errors.take(match line.quantity {
                Some(q) if (1..=1_000_000).contains(&q) => Ok(q),
                Some(_) => Err(FieldError::invalid(
                    format!("lines[{i}].quantity"),
                    "must be between 1 and 1000000",
                )),
                None => Err(FieldError::required(format!("lines[{i}].quantity"))),
            });
            let price = errors.take(parse_cents(
                &format!("lines[{i}].unit_price_cents"),
                line.unit_price_cents,
                false,
            ));
            if let (Some(description), Some(quantity), Some(unit_price_cents)) =
                (description, quantity, price)
            {
                lines.push(NewOrderLine {
                    description,
                    quantity,
                    unit_price_cents,
                });
            }
        }
        // The total as a whole number, never a saturated one (issue 19 §5).
        let total: i128 = lines
            .iter()
            .map(|l| i128::from(l.quantity) * i128::from(l.unit_price_cents))
            .sum();
        if total > i128::from(MAX_CENTS) {
            errors.push(FieldError::invalid(
                "lines",
                format!("the order's total must be at most {MAX_CENTS} cents"),
            ));
        }
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (person_id, organisation_id) = party?;
            let (source, source_detail) = source?;
            Some(NewOrder {
                person_id,
                organisation_id,
                number: number?,
                status: status?,
                ordered_on: ordered_on?,
                currency: currency?,
                lines,
                source,
                source_detail,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderLine {
    pub id: OrderLineId,
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub version: i64,
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub number: String,
    pub status: OrderStatus,
    pub ordered_on: Date,
    pub currency: String,
    pub total_cents: i64,
    pub lines: Vec<OrderLine>,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct InvoiceDraft {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    pub order_id: Option<String>,
    #[schema(required = true, nullable = false)]
    pub number: Option<String>,
    /// open (default), paid, debt_collection, credited.
    pub status: Option<String>,
    #[schema(required = true, nullable = false)]
    pub issued_on: Option<String>,
    #[schema(required = true, nullable = false)]
    pub due_on: Option<String>,
    /// Total in cents; negative for a credit note.
    #[schema(required = true, nullable = false)]
    pub total_cents: Option<i64>,
    pub currency: Option<String>,
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub order_id: Option<OrderId>,
    pub number: Code,
    pub status: InvoiceStatus,
    pub issued_on: Date,
    pub due_on: Date,
    pub total_cents: i64,
    pub currency: Currency,
    pub source: Source,
    pub source_detail: Option<String>,
}

impl InvoiceDraft {
    pub fn parse(&self) -> Result<NewInvoice, Invalid> {
        let mut errors = Errors::new();
        let party = parse_party(
            &mut errors,
            self.person_id.as_deref(),
            self.organisation_id.as_deref(),
        );
        let order_id = errors.take(parse_optional::<OrderId>(
            "order_id",
            self.order_id.as_deref(),
        ));
        let number = errors.take(parse_field::<Code>(
            "number",
            self.number.as_deref().unwrap_or(""),
        ));
        let status = errors.take(
            parse_optional::<InvoiceStatus>("status", self.status.as_deref())
                .map(|s| s.unwrap_or(InvoiceStatus::Open)),
        );
        let issued_on = errors.take(parse_field::<Date>(
            "issued_on",
            self.issued_on.as_deref().unwrap_or(""),
        ));
        let due_on = errors.take(parse_field::<Date>(
            "due_on",
            self.due_on.as_deref().unwrap_or(""),
        ));
        if let (Some(i), Some(d)) = (issued_on, due_on)
            && d < i
        {
            errors.push(FieldError::invalid(
                "due_on",
                "must not be before issued_on",
            ));
        }
        let total = errors.take(parse_cents("total_cents", self.total_cents, true));
        let currency = errors.take(
            parse_optional::<Currency>("currency", self.currency.as_deref())
                .map(|c| c.unwrap_or_else(Currency::euro)),
        );
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (person_id, organisation_id) = party?;
            let (source, source_detail) = source?;
            Some(NewInvoice {
                person_id,
                organisation_id,
                order_id: order_id?,
                number: number?,
                status: status?,
                issued_on: issued_on?,
                due_on: due_on?,
                total_cents: total?,
                currency: currency?,
                source,
                source_detail,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Invoice {
    pub id: InvoiceId,
    pub version: i64,
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub order_id: Option<OrderId>,
    pub number: String,
    pub status: InvoiceStatus,
    pub issued_on: Date,
    pub due_on: Date,
    pub total_cents: i64,
    pub currency: String,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r8_open_invoices_and_debt_collection_hold_erasure() {
        assert!(InvoiceStatus::Open.holds_erasure());
        assert!(InvoiceStatus::DebtCollection.holds_erasure());
        assert!(!InvoiceStatus::Paid.holds_erasure());
        assert!(!InvoiceStatus::Credited.holds_erasure());
    }

    #[test]
    fn r3_the_most_negative_amount_is_refused_not_a_panic() {
        // Schemathesis sent total_cents = i64::MIN: `abs` overflowed and
        // the request's connection was dropped.
        for raw in [i64::MIN, i64::MIN + 1, -MAX_CENTS - 1, i64::MAX] {
            let e = parse_cents("total_cents", Some(raw), true).unwrap_err();
            assert_eq!(e.message, "is too large");
        }
        assert_eq!(
            parse_cents("total_cents", Some(-MAX_CENTS), true),
            Ok(-MAX_CENTS)
        );
    }

    #[test]
    fn r3_orders_need_a_party_and_valid_lines() {
        let d = OrderDraft {
            number: Some("T-1".into()),
            ordered_on: Some("2026-11-24".into()),
            lines: vec![OrderLineDraft {
                description: Some("Kuvaus".into()),
                quantity: Some(0),
                unit_price_cents: Some(-1),
            }],
            ..Default::default()
        };
        let fields: Vec<String> = d
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "person_id",
                "lines[0].quantity",
                "lines[0].unit_price_cents"
            ]
        );
    }

    #[test]
    fn order_total_is_the_sum_of_lines() {
        let d = OrderDraft {
            person_id: Some("0196a0b0-0000-7000-8000-000000000000".into()),
            number: Some("T-1".into()),
            ordered_on: Some("2026-11-24".into()),
            lines: vec![
                OrderLineDraft {
                    description: Some("A".into()),
                    quantity: Some(2),
                    unit_price_cents: Some(1250),
                },
                OrderLineDraft {
                    description: Some("B".into()),
                    quantity: Some(1),
                    unit_price_cents: Some(100),
                },
            ],
            ..Default::default()
        };
        assert_eq!(d.parse().unwrap().total_cents(), 2600);
    }
}
