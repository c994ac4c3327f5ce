//! What every erasure and anonymisation shares after its commit (R8, R19,
//! R21), whichever edge ran it — the API, the officer's page, the command
//! line or the periodic job: the outbox's mail about the person removed
//! (derived data on disk) and the recipients of disclosures notified (GDPR
//! Art. 19); and the scheduled erasure re-checked when a hold may have ended.

use crate::mail::{Addressee, Mail};
use crate::state::AppState;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::{DisclosureId, PersonId, RecipientId};
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::{ErasureOutcome, RecipientNotice};
use serde::Serialize;
use utoipa::ToSchema;

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
