//! `/people/{id}/erasure` and `/people/{id}/anonymisation` (R8, R19, R21):
//! the privacy officer's erasure with holds, and the after-work every
//! erasure shares (the web form, the background job and the command line
//! call [`after_erasure`]): the outbox's mail about the person removed
//! (derived data on disk) and the recipients of disclosures notified (GDPR
//! Art. 19).

use super::AppState;
use super::error::{ApiError, ErrorBody, HoldShown};
use super::extract::{Caller, path_id};
use super::policy::{Access, Resource, allow};
use crate::mail::{Addressee, Mail};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::{DisclosureId, PersonId, RecipientId, RequestId};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{FieldError, Purpose, Timestamp};
use rekisteri_store::{ErasureOutcome, RecipientNotice, ScheduledErasure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status, erase))
        .routes(routes!(anonymise))
}

/// The optional body of an erasure or anonymisation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureBody {
    /// The data-subject request this answers, if it is recorded as one.
    pub request_id: Option<String>,
}

/// A recipient told of the erasure (Art. 19).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeSent {
    pub recipient_id: RecipientId,
    pub recipient_name: String,
    /// `email` (to the recipient's notice address) or `letter` (printable,
    /// in the outbox).
    pub by: String,
    /// The disclosures the notice names.
    pub disclosures: Vec<DisclosureId>,
    /// Whether the message left; a failure is the officer's to follow up.
    pub sent: bool,
}

/// An erasure or anonymisation done.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureDone {
    /// Always true (a held erasure answers 409).
    pub erased: bool,
    pub notified: Vec<NoticeSent>,
    /// Messages about the person removed from the outbox (R21).
    pub outbox_removed: usize,
}

/// What holds the person's erasure now, and the erasure waiting (or done).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureStatus {
    pub person_id: PersonId,
    pub holds: Vec<HoldShown>,
    pub scheduled: Option<ScheduledErasure>,
}

fn request_of(body: &Bytes) -> Result<Option<RequestId>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: ErasureBody = serde_json::from_slice(body)
        .map_err(|e| ApiError::field("body", format!("is not valid: {e}")))?;
    match parsed.request_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => RequestId::parse(raw)
            .map(Some)
            .map_err(|m| FieldError::invalid("request_id", m).into()),
    }
}

/// What holds the person's erasure today, and any erasure scheduled.
#[utoipa::path(get, path = "/people/{id}/erasure", tag = "erasure", params(("id" = PersonId, Path)),
    responses((status = 200, body = ErasureStatus), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn status(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ErasureStatus>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Read)?;
    let person: PersonId = path_id(&id)?;
    let holds = s
        .store
        .erasure_holds(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
        )
        .await?;
    Ok(Json(ErasureStatus {
        person_id: person,
        holds: holds.into_iter().map(HoldShown::from).collect(),
        scheduled: s.store.scheduled_erasure(person).await?,
    }))
}

/// Erase the person (R8, R21): every row about them, the search index and
/// the outbox's mail; invoices keep their amounts, dates and numbers
/// without the person; a tombstone keeps the email addresses from being
/// re-imported. Recipients of disclosures are notified (Art. 19). Held by
/// an open invoice, debt collection or an active contact role (R19): 409
/// `held` names each hold, and the erasure runs by itself when they end.
#[utoipa::path(post, path = "/people/{id}/erasure", tag = "erasure", params(("id" = PersonId, Path)),
    request_body(content = Option<ErasureBody>, content_type = "application/json"),
    responses((status = 200, body = ErasureDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn erase(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ErasureDone>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let request = request_of(&body)?;
    let actor = caller.actor(Purpose::RegisterMaintenance);
    let at = s.clock.now();
    let outcome = s.store.erase_person(&actor, at, person, request).await?;
    answer(&s, &actor, at, person, outcome, Kind::Erasure).await
}

/// Anonymise the person (R21): names, title, contact values, streets,
/// cities and notes go; the country, the postal-code area, the
/// relationship's dates and the orders and invoices stay, for statistics.
/// The same holds apply as to erasure (409 `held`); it is not scheduled.
#[utoipa::path(post, path = "/people/{id}/anonymisation", tag = "erasure", params(("id" = PersonId, Path)),
    request_body(content = Option<ErasureBody>, content_type = "application/json"),
    responses((status = 200, body = ErasureDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn anonymise(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ErasureDone>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let request = request_of(&body)?;
    let actor = caller.actor(Purpose::RegisterMaintenance);
    let at = s.clock.now();
    let outcome = s
        .store
        .anonymise_person(&actor, at, person, request)
        .await?;
    answer(&s, &actor, at, person, outcome, Kind::Anonymisation).await
}

async fn answer(
    s: &AppState,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    outcome: ErasureOutcome,
    kind: Kind,
) -> Result<Json<ErasureDone>, ApiError> {
    match outcome {
        ErasureOutcome::Held { holds, scheduled } => Err(ApiError::Held {
            message: match (kind, scheduled) {
                (Kind::Erasure, Some(_)) => {
                    "the erasure is held; it is scheduled and runs by itself when every hold has ended (R8)"
                }
                _ => "the anonymisation is held: ask again when every hold has ended (R8)",
            }
            .into(),
            holds,
        }),
        ErasureOutcome::Erased { notices, .. } => {
            Ok(Json(after_erasure(s, actor, at, person, notices, kind).await))
        }
    }
}

/// Erasure or anonymisation: what the notices say was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Erasure,
    Anonymisation,
}

/// After an erasure has committed: removes the outbox's mail about the
/// person (R21) and notifies each recipient of a disclosure (Art. 19): by
/// email to its notice address, else a printable letter in the outbox.
/// Each notice sent is audited per disclosure it names. Failures are
/// logged (ids only) and shown in the answer; the erasure stands.
pub async fn after_erasure(
    s: &AppState,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    notices: Vec<RecipientNotice>,
    kind: Kind,
) -> ErasureDone {
    let outbox_removed = match s.mailer.outbox_folder().purge_person(person).await {
        Ok(n) => n,
        Err(error) => {
            tracing::error!(%error, %person, "the outbox could not be purged of the erased person's mail");
            0
        }
    };
    let mut notified = Vec::new();
    let mut entries = Vec::new();
    for notice in notices {
        let (subject, body) = notice_text(&s.register, person, &notice, kind);
        let to = match &notice.notice_email {
            Some(email) => Addressee::Email(email.clone()),
            None => Addressee::Letter(notice.recipient_name.clone()),
        };
        let by = if matches!(to, Addressee::Email(_)) {
            "email"
        } else {
            "letter"
        };
        // `about: None`: the notice is about the disclosure, and stays
        // when the person's own mail goes.
        let mail = Mail {
            to,
            subject,
            body,
            about: None,
        };
        let sent = match s.mailer.send(&mail, at).await {
            Ok(_) => true,
            Err(error) => {
                tracing::error!(%error, recipient = %notice.recipient_id, "an Art. 19 notice could not be sent");
                false
            }
        };
        let disclosures: Vec<DisclosureId> =
            notice.disclosures.iter().map(|d| d.disclosure_id).collect();
        if sent {
            entries.extend(disclosures.iter().map(|d| {
                actor.entry(
                    at,
                    AuditAction::Notify,
                    RecordType::Disclosure,
                    d,
                    Some(person),
                )
            }));
        }
        notified.push(NoticeSent {
            recipient_id: notice.recipient_id,
            recipient_name: notice.recipient_name,
            by: by.into(),
            disclosures,
            sent,
        });
    }
    if let Err(error) = s.store.record_audit(entries).await {
        tracing::error!(%error, "the Art. 19 notices could not be audited");
    }
    ErasureDone {
        erased: true,
        notified,
        outbox_removed,
    }
}

/// The Art. 19 notice, in Finnish and English. It names the disclosures
/// (id, date, categories) and the person's id as the recipient received it
/// in that disclosure — a reference it already holds — and nothing else
/// about the person: no name, no contact value.
pub fn notice_text(
    register: &RegisterDetails,
    person: PersonId,
    notice: &RecipientNotice,
    kind: Kind,
) -> (String, String) {
    let controller = &register.controller.name;
    let (done_fi, done_en) = match kind {
        Kind::Erasure => ("poistanut", "erased"),
        Kind::Anonymisation => ("anonymisoinut", "anonymised"),
    };
    let list = |finnish: bool| {
        notice
            .disclosures
            .iter()
            .map(|d| {
                let categories = d
                    .categories
                    .iter()
                    .map(|c| c.code())
                    .collect::<Vec<_>>()
                    .join(", ");
                if finnish {
                    format!(
                        "- luovutus {} ({}), tietoryhmät: {categories}",
                        d.disclosure_id,
                        d.disclosed_at.date()
                    )
                } else {
                    format!(
                        "- disclosure {} ({}), categories: {categories}",
                        d.disclosure_id,
                        d.disclosed_at.date()
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let subject = match kind {
        Kind::Erasure => "Ilmoitus henkilötietojen poistamisesta / Notice of erasure (GDPR 19)",
        Kind::Anonymisation => {
            "Ilmoitus henkilötietojen anonymisoinnista / Notice of anonymisation (GDPR 19)"
        }
    };
    let body = format!(
        "{recipient}\n\n\
         {controller} on {done_fi} rekisteröidyn henkilötiedot rekisteröidyn pyynnöstä \
         (EU:n tietosuoja-asetus 17 ja 19 artikla). Olemme luovuttaneet teille tämän henkilön \
         tietoja; henkilön tunniste luovutuksessa oli {person}.\n{fi_list}\n\
         Pyydämme teitä poistamaan henkilön tiedot myös omista rekistereistänne, ellei laki \
         velvoita teitä säilyttämään niitä.\n\n\
         {controller} has {done_en} a data subject's personal data at their request (GDPR \
         Articles 17 and 19). We disclosed this person's data to you; the person's identifier in \
         the disclosure was {person}.\n{en_list}\n\
         Please erase the person's data from your own records too, unless the law obliges you to \
         keep them.\n\n\
         {contact}, {contact_email}\n",
        recipient = notice.recipient_name,
        fi_list = list(true),
        en_list = list(false),
        contact = register.contact.name,
        contact_email = register.contact.email,
    );
    (subject.into(), body)
}

/// Runs the person's scheduled erasure if its holds have just ended (an
/// invoice paid or credited, a contact role ended), after the change has
/// committed. Acts for the register itself, not the user whose change
/// ended the hold. Failures are logged: the job retries every few minutes.
pub async fn run_due_erasure_of(s: &AppState, person: Option<PersonId>) {
    let Some(person) = person else {
        return;
    };
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let at = s.clock.now();
    match s.store.run_due_erasure_of(&actor, at, person).await {
        Ok(Some(ErasureOutcome::Erased { notices, .. })) => {
            after_erasure(s, &actor, at, person, notices, Kind::Erasure).await;
        }
        Ok(_) => {}
        Err(error) => {
            tracing::error!(%error, %person, "a scheduled erasure could not run");
        }
    }
}
