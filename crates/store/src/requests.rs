//! Data-subject requests as cases (R14–R21, B4): received with their
//! deadline, moved through their life by the privacy officer, each step a
//! row of `request_events` and an audit row in the same transaction.

use crate::rows::{
    self, Arg, Select, Values, bump_version, int, opt_int, opt_parsed, opt_text, opt_ts, parsed,
    text_or_null, ts,
};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{PersonId, RequestId, UserId};
use rekisteri_domain::mail::Letter;
use rekisteri_domain::request::{
    AnswerPeriod, FeeDecision, IdentityMethod, NewRequest, Outcome, RequestCase, RequestKind,
    RequestStatus, Step, plus_months, repeats,
};
use rekisteri_domain::{Date, Timestamp};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Transaction};
use utoipa::ToSchema;

pub(crate) const SELECT: &str = "SELECT id, version, kind, channel, status, person_id, requester_name, requester_email, \
     requester_address, details, received_at, due_on, extended_to, extension_reason, identity_method, \
     identity_note, verified_at, outcome, answer, answered_at, repeat_of, fee_decision, fee_cents, \
     fee_justification, closed_at, created_by FROM requests";

pub(crate) fn from_row(row: &AnyRow) -> Result<RequestCase, sqlx::Error> {
    Ok(RequestCase {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        kind: parsed(row, "kind")?,
        channel: parsed(row, "channel")?,
        status: parsed(row, "status")?,
        person_id: opt_parsed(row, "person_id")?,
        requester_name: opt_text(row, "requester_name")?,
        requester_email: opt_text(row, "requester_email")?,
        requester_address: opt_text(row, "requester_address")?,
        details: opt_text(row, "details")?,
        received_at: ts(row, "received_at")?,
        due_on: parsed(row, "due_on")?,
        extended_to: opt_parsed(row, "extended_to")?,
        extension_reason: opt_text(row, "extension_reason")?,
        identity_method: opt_parsed(row, "identity_method")?,
        identity_note: opt_text(row, "identity_note")?,
        verified_at: opt_ts(row, "verified_at")?,
        outcome: opt_parsed(row, "outcome")?,
        answer: opt_text(row, "answer")?,
        answered_at: opt_ts(row, "answered_at")?,
        repeat_of: opt_parsed(row, "repeat_of")?,
        fee_decision: opt_parsed(row, "fee_decision")?,
        fee_cents: opt_int(row, "fee_cents")?,
        fee_justification: opt_text(row, "fee_justification")?,
        closed_at: opt_ts(row, "closed_at")?,
        created_by: opt_parsed(row, "created_by")?,
    })
}

/// One step of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestEvent {
    pub at: Timestamp,
    pub user_id: Option<UserId>,
    /// `received`, `verified`, `linked`, `started`, `extended`, `fee_decision`,
    /// `answered`, `closed`, `reminded`, `notified`.
    pub event: String,
    pub note: Option<String>,
}

/// A person in the register who may be the requester (R14: the officer
/// confirms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Candidate {
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    /// `email` (the requester's email is on the person's record) or `name`.
    pub matched_on: &'static str,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Only cases still owed an answer (the deadline board).
    pub open_only: bool,
    pub person_id: Option<PersonId>,
}

/// What the officer does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseChange {
    /// Identity established, and how.
    Verify {
        method: IdentityMethod,
        note: Option<String>,
    },
    /// The requester is this person (the officer confirmed a candidate).
    Link(PersonId),
    Start,
    /// A later deadline, with the reason told to the person.
    Extend {
        to: Date,
        reason: String,
    },
    /// A decision on a repeat or excessive request; nothing is charged here.
    Fee {
        decision: FeeDecision,
        cents: Option<i64>,
        justification: String,
    },
    Answer {
        outcome: Outcome,
        answer: String,
    },
    Close,
    /// A notification sent (rectification, Art. 19), for the case's history.
    Notified {
        note: String,
    },
}

pub(crate) async fn request_in<'e, E>(conn: E, id: RequestId) -> Result<RequestCase, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(from_row(&row.ok_or(StoreError::NotFound)?)?)
}

pub(crate) async fn add_event(
    tx: &mut Transaction<'static, Any>,
    request: RequestId,
    actor: &Actor,
    at: Timestamp,
    event: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_events (id, request_id, at, user_id, event, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(request.to_string())
    .bind(at.micros())
    .bind(actor.user.map(|u| u.to_string()))
    .bind(event.to_string())
    .bind(note.map(str::to_string))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether `email` is one of the person's email addresses.
async fn email_on_record(
    tx: &mut Transaction<'static, Any>,
    person: PersonId,
    email: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM person_contacts WHERE person_id = $1 AND kind = 'email' AND value = $2",
    )
    .bind(person.to_string())
    .bind(email.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// The latest earlier access or portability request of the person this
/// one repeats within 12 months (R14).
async fn repeat_of(
    tx: &mut Transaction<'static, Any>,
    case: &RequestCase,
    person: PersonId,
) -> Result<Option<RequestId>, StoreError> {
    let since = plus_months(case.received_at.date(), -12);
    let rows = sqlx::query(
        "SELECT id, kind, received_at FROM requests WHERE person_id = $1 AND id <> $2 \
         AND kind IN ('access', 'portability') AND received_at <= $3 ORDER BY received_at DESC",
    )
    .bind(person.to_string())
    .bind(case.id.to_string())
    .bind(case.received_at.micros())
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let kind: RequestKind = parsed(&row, "kind")?;
        let received = ts(&row, "received_at")?.date();
        if received >= since && repeats(case.kind, case.received_at.date(), (kind, received)) {
            return Ok(Some(parsed(&row, "id")?));
        }
    }
    Ok(None)
}

/// Links the case to `person` inside `tx`: flags a repeat, and counts an
/// email from an address on the person's record as identifiable (R14).
async fn link(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    case: &RequestCase,
    person: PersonId,
) -> Result<(), StoreError> {
    rows::exists(tx, "people", Some("person_id"), &person.to_string()).await?;
    // R9: a request is activity of the customer relationship.
    crate::relationships::touch(tx, &[person], case.received_at.date()).await?;
    let repeat = repeat_of(tx, case, person).await?;
    let mut values: Values = vec![
        ("person_id", Arg::Text(person.to_string())),
        ("repeat_of", text_or_null(repeat)),
    ];
    // Identity proved for one person proves nothing for another: a case
    // linked elsewhere starts its verification again.
    let relinked = case.person_id.is_some_and(|p| p != person);
    let by_email = case.channel == rekisteri_domain::request::RequestChannel::Email
        && (case.verified_at.is_none() || relinked);
    let verified = match &case.requester_email {
        Some(email) if by_email => email_on_record(tx, person, email).await?,
        _ => false,
    };
    if verified {
        values.extend([
            ("status", Arg::Text(RequestStatus::Verified.code().into())),
            (
                "identity_method",
                Arg::Text(IdentityMethod::EmailOnRecord.code().into()),
            ),
            ("identity_note", Arg::Null),
            ("verified_at", Arg::Int(at.micros())),
            ("verified_by", Arg::Null),
        ]);
    } else if relinked {
        values.extend([
            ("status", Arg::Text(RequestStatus::Received.code().into())),
            ("identity_method", Arg::Null),
            ("identity_note", Arg::Null),
            ("verified_at", Arg::NullInt),
            ("verified_by", Arg::Null),
        ]);
    }
    rows::update_record(tx, "requests", &case.id.to_string(), values).await?;
    add_event(tx, case.id, actor, at, "linked", None).await?;
    if let Some(earlier) = repeat {
        let note = format!("repeats {earlier} within 12 months");
        add_event(tx, case.id, actor, at, "repeat", Some(&note)).await?;
    }
    if verified {
        let note = "the request came from an email address on the person's record";
        add_event(tx, case.id, actor, at, "verified", Some(note)).await?;
    }
    Ok(())
}

impl Store {
    /// Records a request received, with its deadline (R14). A request by
    /// email from an address on the named person's record is identifiable
    /// at once; a repeat access request within 12 months is flagged.
    pub async fn receive_request(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewRequest,
        period: AnswerPeriod,
    ) -> Result<RequestCase, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let id = RequestId::new(at);
        let due = period.deadline(new.received_at.date());
        let values = rows::new_record(
            id,
            at,
            vec![
                ("kind", Arg::Text(new.kind.code().into())),
                ("channel", Arg::Text(new.channel.code().into())),
                ("status", Arg::Text(RequestStatus::Received.code().into())),
                ("requester_name", text_or_null(new.requester_name.as_ref())),
                (
                    "requester_email",
                    text_or_null(new.requester_email.as_ref()),
                ),
                (
                    "requester_address",
                    text_or_null(new.requester_address.as_ref()),
                ),
                ("details", text_or_null(new.details.as_ref())),
                ("received_at", Arg::Int(new.received_at.micros())),
                ("due_on", Arg::Text(due.to_string())),
                ("created_by", text_or_null(actor.user)),
            ],
        );
        rows::insert_records(&mut tx, "requests", vec![values]).await?;
        let note = format!("{} by {}", new.kind, new.channel);
        add_event(&mut tx, id, actor, at, "received", Some(&note)).await?;
        if let Some(person) = new.person_id {
            let case = request_in(&mut *tx, id).await?;
            link(&mut tx, actor, at, &case, person).await?;
        }
        let case = request_in(&mut *tx, id).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::Request,
                id,
                case.person_id,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// The case and its history; audited as a read.
    pub async fn request(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RequestId,
    ) -> Result<(RequestCase, Vec<RequestEvent>), StoreError> {
        let case = request_in(&self.read, id).await?;
        let rows = sqlx::query(
            "SELECT at, user_id, event, note FROM request_events WHERE request_id = $1 ORDER BY at, id",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            events.push(RequestEvent {
                at: ts(&row, "at")?,
                user_id: opt_parsed(&row, "user_id")?,
                event: rows::text(&row, "event")?,
                note: opt_text(&row, "note")?,
            });
        }
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Read,
                RecordType::Request,
                id,
                case.person_id,
            )])
            .await?;
        Ok((case, events))
    }

    /// Cases, the nearest deadline first; audited as one listing.
    pub async fn requests(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestCase>, StoreError> {
        let mut select = Select::default();
        if filter.open_only {
            select.filter_in(
                "status IN (?)",
                RequestStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| Arg::Text(s.code().into()))
                    .collect(),
            );
        }
        if let Some(person) = filter.person_id {
            select.filter("person_id = ?", Arg::Text(person.to_string()));
        }
        let rows = select
            .build(
                SELECT,
                "ORDER BY COALESCE(extended_to, due_on), received_at",
                vec![],
            )
            .fetch_all(&self.read)
            .await?;
        let cases = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Request,
                "requests",
                filter.person_id,
            )])
            .await?;
        Ok(cases)
    }

    /// Takes one step of the case's life; `version` guards against a
    /// change made meanwhile (412). The rules are the domain's
    /// ([`RequestCase::may`]).
    pub async fn change_request(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RequestId,
        version: Option<i64>,
        change: CaseChange,
    ) -> Result<RequestCase, StoreError> {
        self.change_request_writing(actor, at, id, version, change, |_| None)
            .await
    }

    /// [`Store::change_request`], and the letter `letter` composes from the
    /// case as changed (an extension's reason, an answer), written with its
    /// delivery job and a `notified` event in the same transaction.
    pub async fn change_request_writing(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RequestId,
        version: Option<i64>,
        change: CaseChange,
        letter: impl FnOnce(&RequestCase) -> Option<Letter> + Send,
    ) -> Result<RequestCase, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let case = request_in(&mut *tx, id).await?;
        let expected = version.unwrap_or(case.version);
        bump_version(&mut tx, "requests", &id.to_string(), expected, at).await?;
        let today = at.date();
        let step = |step: Step| {
            case.may(step, today)
                .map_err(|e| StoreError::Invalid(rekisteri_domain::Invalid::one(e)))
        };
        let user = text_or_null(actor.user);
        let (values, event, note): (Values, &str, Option<String>) = match change {
            CaseChange::Verify { method, note } => {
                step(Step::Verify)?;
                if method == IdentityMethod::OfficerRecorded && note.is_none() {
                    return Err(StoreError::field(
                        "identity_note",
                        "must say how identity was established",
                    ));
                }
                let values = vec![
                    ("status", Arg::Text(RequestStatus::Verified.code().into())),
                    ("identity_method", Arg::Text(method.code().into())),
                    ("identity_note", text_or_null(note.as_ref())),
                    ("verified_at", Arg::Int(at.micros())),
                    ("verified_by", user),
                ];
                (values, "verified", Some(method.code().to_string()))
            }
            CaseChange::Link(person) => {
                if !case.status.is_open() {
                    return Err(StoreError::field("status", "the request is no longer open"));
                }
                link(&mut tx, actor, at, &case, person).await?;
                (Vec::new(), "", None)
            }
            CaseChange::Start => {
                step(Step::Start)?;
                let values = vec![("status", Arg::Text(RequestStatus::InProgress.code().into()))];
                (values, "started", None)
            }
            CaseChange::Extend { to, reason } => {
                step(Step::Extend(to))?;
                let values = vec![
                    ("extended_to", Arg::Text(to.to_string())),
                    ("extension_reason", Arg::Text(reason.clone())),
                    ("extended_at", Arg::Int(at.micros())),
                    // The new deadline gets its own reminders (B4).
                    ("reminded_7_at", Arg::NullInt),
                    ("reminded_2_at", Arg::NullInt),
                ];
                (values, "extended", Some(format!("to {to}")))
            }
            CaseChange::Fee {
                decision,
                cents,
                justification,
            } => {
                if case.repeat_of.is_none() && decision != FeeDecision::Free {
                    return Err(StoreError::field(
                        "fee_decision",
                        "a fee or refusal needs a repeat request (or record it as the answer's refusal)",
                    ));
                }
                if decision == FeeDecision::Fee && cents.is_none_or(|c| c <= 0) {
                    return Err(StoreError::field(
                        "fee_cents",
                        "a fee needs its amount in cents",
                    ));
                }
                let values = vec![
                    ("fee_decision", Arg::Text(decision.code().into())),
                    (
                        "fee_cents",
                        rows::int_or_null(cents.filter(|_| decision == FeeDecision::Fee)),
                    ),
                    ("fee_justification", Arg::Text(justification)),
                ];
                (values, "fee_decision", Some(decision.code().to_string()))
            }
            CaseChange::Answer { outcome, answer } => {
                step(Step::Answer(outcome))?;
                let values = vec![
                    ("status", Arg::Text(RequestStatus::Answered.code().into())),
                    ("outcome", Arg::Text(outcome.code().into())),
                    ("answer", Arg::Text(answer)),
                    ("answered_at", Arg::Int(at.micros())),
                    ("answered_by", user),
                ];
                (values, "answered", Some(outcome.code().to_string()))
            }
            CaseChange::Close => {
                step(Step::Close)?;
                // R10: an erasure is complete only when its paper documents
                // are confirmed destroyed.
                let open = crate::paper::open_for_request(&mut tx, id).await?;
                if open > 0 {
                    return Err(StoreError::field(
                        "status",
                        "paper documents of the erasure are not confirmed destroyed yet",
                    ));
                }
                let values = vec![
                    ("status", Arg::Text(RequestStatus::Closed.code().into())),
                    ("closed_at", Arg::Int(at.micros())),
                ];
                (values, "closed", None)
            }
            CaseChange::Notified { note } => (Vec::new(), "notified", Some(note)),
        };
        if !values.is_empty() {
            rows::update_record(&mut tx, "requests", &id.to_string(), values).await?;
        }
        if !event.is_empty() {
            add_event(&mut tx, id, actor, at, event, note.as_deref()).await?;
        }
        let case = request_in(&mut *tx, id).await?;
        if let Some(letter) = letter(&case) {
            crate::mail::queue(&mut tx, at, &letter).await?;
            let note = format!("letter written: {}", letter.subject);
            add_event(&mut tx, id, actor, at, "notified", Some(&note)).await?;
        }
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Request,
                id,
                case.person_id,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// People who may be the case's requester: an email on record, or the
    /// same first and last name (R14: the officer confirms). Audited as a
    /// search.
    pub async fn request_candidates(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RequestId,
    ) -> Result<Vec<Candidate>, StoreError> {
        let case = request_in(&self.read, id).await?;
        let mut found: Vec<Candidate> = Vec::new();
        if let Some(email) = &case.requester_email {
            let rows = sqlx::query(
                "SELECT DISTINCT p.id, p.first_name, p.last_name FROM people p \
                 JOIN person_contacts c ON c.person_id = p.id WHERE c.kind = 'email' AND c.value = $1 \
                 ORDER BY p.id LIMIT 20",
            )
            .bind(email.clone())
            .fetch_all(&self.read)
            .await?;
            for row in rows {
                found.push(candidate(&row, "email")?);
            }
        }
        if let Some(name) = &case.requester_name
            && let Some((first, last)) = name.trim().rsplit_once(' ')
        {
            let rows = sqlx::query(
                "SELECT id, first_name, last_name FROM people \
                 WHERE LOWER(first_name) = LOWER($1) AND LOWER(last_name) = LOWER($2) ORDER BY id LIMIT 20",
            )
            .bind(first.trim().to_string())
            .bind(last.trim().to_string())
            .fetch_all(&self.read)
            .await?;
            for row in rows {
                let c = candidate(&row, "name")?;
                if !found.iter().any(|f| f.person_id == c.person_id) {
                    found.push(c);
                }
            }
        }
        let mut entries = vec![actor.entry(at, AuditAction::Search, RecordType::Request, id, None)];
        entries.extend(found.iter().map(|c| {
            actor.entry(
                at,
                AuditAction::Read,
                RecordType::Person,
                c.person_id,
                Some(c.person_id),
            )
        }));
        self.audit.record(entries).await?;
        Ok(found)
    }
}

fn candidate(row: &AnyRow, matched_on: &'static str) -> Result<Candidate, sqlx::Error> {
    Ok(Candidate {
        person_id: parsed(row, "id")?,
        first_name: rows::text(row, "first_name")?,
        last_name: rows::text(row, "last_name")?,
        matched_on,
    })
}
