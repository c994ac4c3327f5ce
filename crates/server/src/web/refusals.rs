//! A refused deletion shown on the record's own page: what was refused, in
//! the user's language, and each record in the way with a link to it (an
//! organisation's contact links not ended and its notes, an order's
//! invoices), so the user can change them first.

use super::page::Page;
use crate::error::ApiError;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::PersonId;
use rekisteri_store::Blocker;

/// A record in the way, as a line of the notice.
pub struct BlockedItem {
    pub label: String,
    pub href: Option<String>,
}

/// The notice of a refused deletion.
pub struct Refusal {
    /// Why, in the user's language (`error-text-<code>`).
    pub message: String,
    pub items: Vec<BlockedItem>,
}

impl Refusal {
    /// The refusal of `code` with its records named: people by name (if
    /// the user may read people; the lookup is audited as a listing).
    pub async fn of(
        s: &AppState,
        page: &Page,
        code: &str,
        records: &[Blocker],
    ) -> Result<Self, ApiError> {
        let l = &page.l;
        let people: Vec<PersonId> = records.iter().filter_map(|r| r.person_id).collect();
        let names =
            if !people.is_empty() && allow(&page.caller, Resource::People, Access::Read).is_ok() {
                let actor = page.caller.actor(Purpose::RegisterMaintenance);
                s.store.people_names(&actor, s.clock.now(), &people).await?
            } else {
                Default::default()
            };
        let name_of = |r: &Blocker| {
            r.person_id
                .map(|p| names.get(&p).cloned().unwrap_or_else(|| p.to_string()))
                .unwrap_or_default()
        };
        let items = records
            .iter()
            .map(|r| match r.kind.as_str() {
                "link" => BlockedItem {
                    label: l.t1("blocked-link", "name", name_of(r)),
                    href: r.person_id.map(|p| format!("/people/{p}")),
                },
                "note" => BlockedItem {
                    label: l.t("blocked-note"),
                    href: Some(format!("/notes/{}/edit", r.id)),
                },
                _ => BlockedItem {
                    label: l.t1(
                        "blocked-invoice",
                        "number",
                        r.label.clone().unwrap_or_else(|| r.id.clone()),
                    ),
                    href: Some(format!("/invoices/{}", r.id)),
                },
            })
            .collect();
        Ok(Self {
            message: l.t(&format!("error-text-{}", code.replace('_', "-"))),
            items,
        })
    }
}
