//! The person page: who they are and how to reach them, each value with
//! its source (R5); the organisations they represent; one timeline of
//! upcoming events, notes, orders and invoices. A partner sees the billing
//! view only (R4): no contact details, no notes, no links, no marketing
//! permissions or restriction ([`super::person_marketing`]).

use super::page::{Nav, Page};
use super::person_marketing::{self, Forms, Marketing};
use super::render;
use super::timeline::Entry;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow, person_view};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{PersonId, UserId};
use rekisteri_domain::organisation::Link;
use rekisteri_domain::person::Person;
use rekisteri_domain::provenance::Provenance;
use rekisteri_store::{InvoiceFilter, NoteFilter, OrderFilter, PageRequest};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Locale,
    nav: Option<Nav>,
    p: Person,
    links: Vec<Link>,
    show_links: bool,
    show_notes: bool,
    may_write: bool,
    may_order: bool,
    /// R14: the privacy officer and the admin download the access report.
    may_report: bool,
    timeline: Vec<Entry>,
    /// R6: the section of `person_disclosures.html`.
    disclosures: super::disclosures::PersonDisclosures,
    // Marketing permissions and restriction (R15, R18): `person_permissions.html`.
    mk: Option<Marketing>,
    /// The privacy officer's erasure section (R8): `person_erasure.html`.
    erasure: Option<super::erasure::ErasurePart>,
    /// The relationship's end, legal holds, paper documents: `person_retention.html`.
    keeping: super::person_retention::KeepingPart,
}

impl PersonPage {
    fn source(&self, p: &Provenance) -> String {
        self.l.code("source", p.source.code())
    }

    /// A value restricted now (R18), marked where it is shown.
    fn restricted(&self, kind: &str, value: &str) -> bool {
        self.mk.as_ref().is_some_and(|m| m.restricted(kind, value))
    }
}

/// How many of each kind of record the timeline shows.
const LIMIT: u32 = 100;

pub async fn show(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    render_person(&s, &page, &id, Forms::default()).await
}

/// The person page; `forms` brings back a marketing form with its errors.
pub async fn render_person(
    s: &AppState,
    page: &Page,
    id: &str,
    forms: Forms,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Read)?;
    let id: PersonId = path_id(id)?;
    let now = s.clock.now();
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let person = person_view(page.user(), s.store.get_person(&actor, now, id).await?);
    let caller = &page.caller;
    let show_links = allow(caller, Resource::Links, Access::Read).is_ok();
    let show_notes = allow(caller, Resource::Notes, Access::Read).is_ok();
    let links = if show_links {
        s.store.list_links(&actor, now, id).await?
    } else {
        Vec::new()
    };
    let l = &page.l;
    let request = PageRequest {
        after: None,
        limit: LIMIT,
        bulk: false,
    };
    let mut upcoming = Vec::new();
    let mut history = Vec::new();
    if show_notes {
        let names: HashMap<UserId, String> = s
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let filter = NoteFilter {
            person_id: Some(id.to_string()),
            ..NoteFilter::default()
        };
        let notes = s.store.list_notes(&actor, now, &filter, &request).await?;
        for n in notes.items {
            let is_upcoming = n.kind.is_upcoming() && n.done_at.is_none();
            let mut meta = Vec::new();
            if let Some(by) = n.created_by.and_then(|u| names.get(&u)) {
                meta.push(l.t1("timeline-by", "name", by));
            }
            if let Some(to) = n.assigned_to.and_then(|u| names.get(&u))
                && n.kind.is_upcoming()
            {
                meta.push(l.t1("timeline-assigned", "name", to));
            }
            if let Some(done) = &n.done_at {
                meta.push(l.t1("timeline-done-at", "time", l.time(done)));
            }
            let at = if is_upcoming {
                n.due_at.unwrap_or(n.created_at)
            } else {
                n.due_at
                    .filter(|_| n.kind.is_upcoming())
                    .unwrap_or(n.created_at)
            };
            let entry = Entry {
                at,
                when: l.time(&at),
                badge_class: format!("kind-{}", n.kind.code().replace('_', "-")),
                badge: l.code("kind", n.kind.code()),
                anchor: Some(format!("note-{}", n.id)),
                title: None,
                text: n.body,
                meta,
                edit: Some(format!("/notes/{}/edit", n.id)),
                upcoming: is_upcoming,
                overdue: is_upcoming && at < now,
                done: n.done_at.is_some(),
            };
            if is_upcoming {
                upcoming.push(entry);
            } else {
                history.push(entry);
            }
        }
    }
    if allow(caller, Resource::Orders, Access::Read).is_ok() {
        let filter = OrderFilter {
            person_id: Some(id.to_string()),
            ..OrderFilter::default()
        };
        for o in s
            .store
            .list_orders(&actor, now, &filter, &request)
            .await?
            .items
        {
            history.push(Entry {
                at: o.created_at,
                when: l.date(&o.ordered_on),
                badge_class: "kind-order".into(),
                badge: l.t("timeline-order"),
                anchor: None,
                title: Some((
                    format!("/orders/{}", o.id),
                    l.t1("timeline-order-number", "number", &o.number),
                )),
                text: String::new(),
                meta: vec![
                    money(l, o.total_cents, &o.currency),
                    l.code("order-status", o.status.code()),
                ],
                edit: None,
                upcoming: false,
                overdue: false,
                done: false,
            });
        }
    }
    if allow(caller, Resource::Invoices, Access::Read).is_ok() {
        let filter = InvoiceFilter {
            person_id: Some(id.to_string()),
            ..InvoiceFilter::default()
        };
        for i in s
            .store
            .list_invoices(&actor, now, &filter, &request)
            .await?
            .items
        {
            history.push(Entry {
                at: i.created_at,
                when: l.date(&i.issued_on),
                badge_class: "kind-invoice".into(),
                badge: l.t("timeline-invoice"),
                anchor: None,
                title: Some((
                    format!("/invoices/{}", i.id),
                    l.t1("timeline-invoice-number", "number", &i.number),
                )),
                text: String::new(),
                meta: vec![
                    money(l, i.total_cents, &i.currency),
                    l.code("invoice-status", i.status.code()),
                    l.t1("timeline-due-on", "date", l.date(&i.due_on)),
                ],
                edit: None,
                upcoming: false,
                overdue: false,
                done: false,
            });
        }
    }
    let mut disclosures = super::disclosures::of_person(s, page, &actor, id, now).await?;
    history.append(&mut disclosures.timeline);
    upcoming.sort_by_key(|e| e.at);
    history.sort_by_key(|e| std::cmp::Reverse(e.at));
    upcoming.extend(history);
    let mk = person_marketing::load(s, page, &person, forms).await?;
    let erasure = super::erasure::load(s, page, id).await?;
    let keeping = super::person_retention::load(s, page, id).await?;
    render(&PersonPage {
        nav: Some(page.nav("people")),
        may_write: page.nav.may("people", true),
        may_order: page.nav.may("orders", true),
        may_report: page.nav.may("reports", false),
        l: page.l.clone(),
        p: person,
        links,
        show_links,
        show_notes,
        timeline: upcoming,
        disclosures,
        mk,
        erasure,
        keeping,
    })
}

/// An amount: euros in the locale's way, other currencies with their code.
fn money(l: &Locale, cents: i64, currency: &str) -> String {
    if currency == "EUR" {
        l.money(&cents)
    } else {
        format!(
            "{} {currency}",
            l.money(&cents)
                .replace('€', "")
                .replace('\u{a0}', " ")
                .trim()
        )
    }
}
