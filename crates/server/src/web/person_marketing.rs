//! The person page's marketing permissions (R15, R21) and restriction of
//! processing (R18): the state of every channel and purpose now, decided
//! by the same rules as the API (`http::permissions::Permissions`), the
//! history newest first, the form to record a change, and for the
//! administrator and the privacy officer the forms to restrict and to lift.
//! A restriction in force shows as a banner and marks the values it covers.
//! The partner (no `Resource::Permissions` or `Restrictions`) sees none of it.
//! The forms' handlers live in [`super::person_marketing_forms`].

use super::forms::{Choice, Field, FormErrors, Input, source_choices};
use super::page::Page;
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::permissions::Permissions;
use crate::state::AppState;
use rekisteri_domain::ids::UserId;
use rekisteri_domain::marketing::{Channel, MarketingPurpose, PermissionState};
use rekisteri_domain::person::{ContactKind, Person};
use rekisteri_domain::restriction::{Restriction, RestrictionScope};
use rekisteri_domain::{Purpose, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;

/// The form to record a permission event, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PermissionForm {
    pub channel: String,
    pub purpose: String,
    pub state: String,
    /// A `datetime-local` value in the register's zone; empty is now.
    pub given_at: String,
    pub source: String,
    pub source_detail: String,
    pub wording_id: String,
}

/// The form to restrict processing, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RestrictForm {
    pub reason: String,
    /// Empty: the whole person; else `kind|value` of one of their values.
    pub value: String,
}

/// The form to lift the person's restrictions, as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LiftForm {
    pub reason: String,
}

/// A form sent back with its errors; the others start empty.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    pub permission: Option<(PermissionForm, FormErrors)>,
    pub restrict: Option<(RestrictForm, FormErrors)>,
    pub lift: Option<(LiftForm, FormErrors)>,
}

impl Forms {
    /// Whether a form came back with errors.
    pub fn failed(&self) -> bool {
        self.permission.is_some() || self.restrict.is_some() || self.lift.is_some()
    }
}

/// The section's parts, each only for those who may read it.
pub struct Marketing {
    /// The session's token, for the forms.
    pub csrf: String,
    pub permissions: Option<PermissionsPart>,
    pub restrictions: Option<RestrictionsPart>,
    /// A form came back with errors (the page says so at its top).
    pub failed: bool,
}

impl Marketing {
    /// Whether a value of the person is restricted now (`kind`: a contact
    /// kind, or an address's `postal`/`billing`).
    pub fn restricted(&self, kind: &str, value: &str) -> bool {
        let kind = match kind {
            "postal" => "postal_address",
            "billing" => "billing_address",
            other => other,
        };
        self.restrictions.as_ref().is_some_and(|r| {
            r.values
                .iter()
                .any(|(k, v)| k.code() == kind && v.as_str() == value)
        })
    }

    /// The restrictions of the whole person in force.
    pub fn banner(&self) -> Vec<&RestrictionRow> {
        self.restrictions
            .as_ref()
            .map(|r| {
                r.all
                    .iter()
                    .filter(|row| row.whole && row.in_force)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One cell of the channel × purpose table.
pub struct Cell {
    pub decision: String,
    /// `decision-…` code (for the badge's class and tests).
    pub code: &'static str,
    pub class: &'static str,
}

/// One channel's row of the table.
pub struct ChannelRow {
    pub channel: String,
    pub cells: Vec<Cell>,
}

/// One event of the history.
pub struct HistoryRow {
    pub state: String,
    pub state_class: &'static str,
    pub channel: String,
    pub purpose: String,
    pub given_at: String,
    pub source: String,
    pub source_detail: Option<String>,
    /// `key v2 (fi)` and the wording's id, for the link to the wordings page.
    pub wording: Option<(String, String)>,
    pub legal_basis: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A required `<select>` of the permission form.
pub struct Select {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<Choice>,
    /// Starts with an empty "choose" option (no default to slip through).
    pub choose: bool,
}

/// The permission form drawn.
pub struct PermissionFormView {
    pub form: PermissionForm,
    pub errors: FormErrors,
    pub others: Vec<String>,
    /// Channel, purpose, state, source.
    pub selects: Vec<Select>,
    pub wordings: Vec<Choice>,
    pub given_at: Field,
}

pub struct PermissionsPart {
    pub purposes: Vec<String>,
    pub rows: Vec<ChannelRow>,
    /// What of the person's standing changes the law's defaults.
    pub standing: Vec<String>,
    pub history: Vec<HistoryRow>,
    pub form: Option<PermissionFormView>,
}

/// One restriction, in force or lifted.
pub struct RestrictionRow {
    pub whole: bool,
    pub scope: String,
    pub reason: String,
    pub starts: String,
    pub in_force: bool,
    pub upcoming: bool,
    pub recorded_by: String,
    pub lifted: Option<String>,
    pub lift_reason: Option<String>,
}

pub struct RestrictFormView {
    pub form: RestrictForm,
    pub errors: FormErrors,
    pub others: Vec<String>,
    pub values: Vec<Choice>,
}

pub struct LiftFormView {
    pub form: LiftForm,
    pub errors: FormErrors,
}

pub struct RestrictionsPart {
    pub all: Vec<RestrictionRow>,
    /// Values restricted now: (kind, stored value).
    pub values: Vec<(ContactKind, String)>,
    pub restrict: Option<RestrictFormView>,
    /// Only while a restriction is not lifted.
    pub lift: Option<LiftFormView>,
}

/// The fields the permission and restriction forms show (others are listed).
const PERMISSION_SHOWN: [&str; 7] = [
    "channel",
    "purpose",
    "state",
    "given_at",
    "source",
    "source_detail",
    "wording_id",
];
const RESTRICT_SHOWN: [&str; 2] = ["reason", "value"];

/// The section for this page's user, or `None` when they may read neither
/// permissions nor restrictions (the partner).
pub async fn load(
    s: &AppState,
    page: &Page,
    person: &Person,
    forms: Forms,
) -> Result<Option<Marketing>, ApiError> {
    let caller = &page.caller;
    let read_permissions = allow(caller, Resource::Permissions, Access::Read).is_ok();
    let read_restrictions = allow(caller, Resource::Restrictions, Access::Read).is_ok();
    if !read_permissions && !read_restrictions {
        return Ok(None);
    }
    let l = &page.l;
    let now = s.clock.now();
    let names: HashMap<UserId, String> = s
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let name = |u: &Option<UserId>| {
        u.and_then(|u| names.get(&u).cloned())
            .unwrap_or_else(|| l.t("mk-nobody"))
    };
    let failed = forms.failed();
    let permissions = if read_permissions {
        let actor = caller.actor(Purpose::CustomerRelationship);
        let history = s.store.permissions_of(&actor, now, person.id).await?;
        let view = Permissions::new(person.id, history);
        let form = if allow(caller, Resource::Permissions, Access::Write).is_ok() {
            let wordings = s.store.wordings().await?;
            Some(permission_form(l, forms.permission, &wordings))
        } else {
            None
        };
        Some(permissions_part(l, view, form, &name))
    } else {
        None
    };
    let restrictions = if read_restrictions {
        let actor = caller.actor(Purpose::RegisterMaintenance);
        let all = s.store.restrictions_of(&actor, now, person.id).await?;
        let write = allow(caller, Resource::Restrictions, Access::Write).is_ok();
        Some(restrictions_part(
            l,
            now,
            person,
            all,
            write,
            (forms.restrict, forms.lift),
            &name,
        ))
    } else {
        None
    };
    Ok(Some(Marketing {
        csrf: page.nav.csrf.clone(),
        permissions,
        restrictions,
        failed,
    }))
}

/// The badge class of a decision: green where the person may be contacted.
fn decision_class(code: &str) -> &'static str {
    match code {
        "granted" | "not_objected" => "ok",
        "prohibited" | "restricted" | "erased" => "danger",
        _ => "warn",
    }
}

fn permissions_part(
    l: &Locale,
    view: Permissions,
    form: Option<PermissionFormView>,
    name: &impl Fn(&Option<UserId>) -> String,
) -> PermissionsPart {
    let rows = Channel::ALL
        .iter()
        .map(|channel| ChannelRow {
            channel: l.code("channel", channel.code()),
            cells: view
                .current
                .iter()
                .filter(|now| now.channel == *channel)
                .map(|now| Cell {
                    decision: l.code("decision", now.decision),
                    code: now.decision,
                    class: decision_class(now.decision),
                })
                .collect(),
        })
        .collect();
    let mut standing = Vec::new();
    if view.standing.organisation_role {
        standing.push(l.t("mk-standing-organisation"));
    }
    if view.standing.existing_customer {
        standing.push(l.t("mk-standing-customer"));
    }
    let wordings: HashMap<_, _> = view.wordings.iter().map(|w| (w.id, w)).collect();
    let history = view
        .history
        .iter()
        .map(|e| HistoryRow {
            state: l.code("pstate", e.state.code()),
            state_class: decision_class(e.state.code()),
            channel: l.code("channel", e.channel.code()),
            purpose: l.code("mpurpose", e.purpose.code()),
            given_at: l.time(&e.given_at),
            source: l.code("source", e.source.code()),
            source_detail: e.source_detail.clone(),
            wording: e.wording_id.map(|id| {
                let label = wordings
                    .get(&id)
                    .map(|w| format!("{} v{} ({})", w.key, w.version, w.language))
                    .unwrap_or_else(|| id.to_string());
                (label, id.to_string())
            }),
            legal_basis: l.code("basis", e.legal_basis.code()),
            recorded_by: name(&e.recorded_by),
            recorded_at: l.time(&e.recorded_at),
        })
        .collect();
    PermissionsPart {
        purposes: MarketingPurpose::ALL
            .iter()
            .map(|p| l.code("mpurpose", p.code()))
            .collect(),
        rows,
        standing,
        history,
        form,
    }
}

/// Options of a closed list of codes, in words (`{prefix}-{code}`).
fn choices(l: &Locale, prefix: &str, codes: &[&'static str], selected: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            value: (*c).to_string(),
            label: l.code(prefix, c),
            selected: *c == selected,
        })
        .collect()
}

fn permission_form(
    l: &Locale,
    sent: Option<(PermissionForm, FormErrors)>,
    wordings: &[rekisteri_domain::permission::Wording],
) -> PermissionFormView {
    let (form, errors) = sent.unwrap_or_else(|| {
        (
            PermissionForm {
                source: "staff_entry".into(),
                ..PermissionForm::default()
            },
            FormErrors::new(),
        )
    });
    let channels: Vec<&'static str> = Channel::ALL.iter().map(|c| c.code()).collect();
    let purposes: Vec<&'static str> = MarketingPurpose::ALL.iter().map(|p| p.code()).collect();
    let states: Vec<&'static str> = PermissionState::ALL.iter().map(|s| s.code()).collect();
    let given_at = Field::new("given_at", l.t("mk-given-at"), &form.given_at, &errors)
        .input(Input::DateTime)
        .hint(l.t("mk-given-at-hint"));
    let select = |name, label, options| Select {
        name,
        label,
        options,
        choose: name != "source",
    };
    PermissionFormView {
        selects: vec![
            select(
                "channel",
                l.t("mk-channel"),
                choices(l, "channel", &channels, &form.channel),
            ),
            select(
                "purpose",
                l.t("mk-purpose"),
                choices(l, "mpurpose", &purposes, &form.purpose),
            ),
            select(
                "state",
                l.t("mk-state"),
                choices(l, "pstate", &states, &form.state),
            ),
            select(
                "source",
                l.t("field-source"),
                source_choices(l, &form.source),
            ),
        ],
        wordings: wordings
            .iter()
            .map(|w| Choice {
                value: w.id.to_string(),
                label: format!("{} v{} ({}): {}", w.key, w.version, w.language, w.text),
                selected: w.id.to_string() == form.wording_id,
            })
            .collect(),
        given_at,
        others: errors.others(&PERMISSION_SHOWN),
        errors,
        form,
    }
}

/// The person's values one may restrict: `kind|value` and their words.
fn restrictable(l: &Locale, person: &Person, selected: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut push = |kind: ContactKind, value: &str, shown: String| {
        let code = format!("{}|{value}", kind.code());
        out.push(Choice {
            selected: code == selected,
            value: code,
            label: format!("{}: {shown}", l.code("ckind", kind.code())),
        });
    };
    for (kind, values) in [
        (ContactKind::Email, &person.emails),
        (ContactKind::Phone, &person.phones),
        (ContactKind::Website, &person.websites),
        (ContactKind::IpAddress, &person.ip_addresses),
    ] {
        for v in values {
            push(kind, &v.value, v.value.clone());
        }
    }
    for a in &person.addresses {
        let kind = if a.kind == "billing" {
            ContactKind::BillingAddress
        } else {
            ContactKind::PostalAddress
        };
        push(
            kind,
            &a.street,
            format!("{}, {} {}", a.street, a.postal_code, a.city),
        );
    }
    out
}

/// The restrict and lift forms sent back, if one was.
type SentBack = (
    Option<(RestrictForm, FormErrors)>,
    Option<(LiftForm, FormErrors)>,
);

fn restrictions_part(
    l: &Locale,
    now: Timestamp,
    person: &Person,
    all: Vec<Restriction>,
    write: bool,
    (restrict, lift): SentBack,
    name: &impl Fn(&Option<UserId>) -> String,
) -> RestrictionsPart {
    let values = all
        .iter()
        .filter(|r| r.in_force(now))
        .filter_map(|r| match &r.scope {
            RestrictionScope::Person => None,
            RestrictionScope::Value { kind, value } => Some((*kind, value.clone())),
        })
        .collect();
    let open = all.iter().any(|r| r.lifted_at.is_none());
    let rows = all
        .iter()
        .map(|r| {
            let in_force = r.in_force(now);
            let upcoming = r.lifted_at.is_none() && r.starts_at > now;
            RestrictionRow {
                whole: r.scope == RestrictionScope::Person,
                scope: match &r.scope {
                    RestrictionScope::Person => l.t("mk-scope-person"),
                    RestrictionScope::Value { kind, value } => {
                        format!("{}: {value}", l.code("ckind", kind.code()))
                    }
                },
                reason: r.reason.clone(),
                starts: if upcoming {
                    l.t1("mk-restricted-starts", "time", l.time(&r.starts_at))
                } else {
                    l.t1("mk-restricted-since", "time", l.time(&r.starts_at))
                },
                in_force,
                upcoming,
                recorded_by: name(&r.recorded_by),
                lifted: r.lifted_at.map(|t| {
                    format!(
                        "{} ({})",
                        l.t1("mk-lifted", "time", l.time(&t)),
                        name(&r.lifted_by)
                    )
                }),
                lift_reason: r.lift_reason.clone(),
            }
        })
        .collect();
    let restrict = write.then(|| {
        let (form, errors) = restrict.unwrap_or_default();
        RestrictFormView {
            values: restrictable(l, person, &form.value),
            others: errors.others(&RESTRICT_SHOWN),
            errors,
            form,
        }
    });
    let lift = (write && open).then(|| {
        let (form, errors) = lift.unwrap_or_default();
        LiftFormView { form, errors }
    });
    RestrictionsPart {
        all: rows,
        values,
        restrict,
        lift,
    }
}
