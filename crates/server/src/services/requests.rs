//! A data-subject request's steps (R14–R21, B4), for the API and the
//! officer's pages alike: the step's fields parsed, the policy asked, the
//! change and the letter it owes the requester — the extension's reason,
//! the answer (a refusal with the authority, R20) — in one transaction.

use crate::caller::Caller;
use crate::error::ApiError;
use crate::letters;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use rekisteri_domain::error::Errors;
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::request::{FeeDecision, IdentityMethod, Outcome, RequestCase};
use rekisteri_domain::values::{Text, parse_field, parse_optional};
use rekisteri_domain::{Date, Purpose};
use rekisteri_store::CaseChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Handling a data subject's request is keeping the register (R2).
pub const PURPOSE: Purpose = Purpose::RegisterMaintenance;

/// A case as the API shows it: the record, its deadline now and the days
/// left (negative: overdue).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: RequestCase,
    pub deadline: Date,
    pub days_left: i64,
    /// A repeat access request within 12 months (R14): a fee or refusal
    /// may be decided; nothing is charged automatically.
    pub repeat: bool,
}

impl CaseView {
    pub fn of(case: RequestCase, today: Date) -> Self {
        Self {
            deadline: case.deadline(),
            days_left: case.days_left(today),
            repeat: case.repeat_of.is_some(),
            case,
        }
    }
}

/// The fields of a step; each step reads its own.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StepBody {
    /// `link`: the person the requester is.
    pub person_id: Option<String>,
    /// `verify`: `officer_recorded` (the default and the only one recorded by hand).
    pub method: Option<String>,
    /// `verify`: how identity was established (required when the officer records it).
    pub note: Option<String>,
    /// `extend`: the new deadline, at most three months from receipt.
    pub extended_to: Option<String>,
    /// `extend`: why; written to the person at once (GDPR 12(3)).
    pub reason: Option<String>,
    /// `fee`: `fee`, `refusal` or `free`.
    pub decision: Option<String>,
    /// `fee`: the fee in cents; never charged by the register.
    pub fee_cents: Option<i64>,
    /// `fee`: why (a further copy, or manifestly unfounded or excessive).
    pub justification: Option<String>,
    /// `answer`: `fulfilled`, `partly` or `refused`.
    pub outcome: Option<String>,
    /// `answer`: the answer; for a refusal, its reasons.
    pub answer: Option<String>,
}

/// The steps of a case, by the name of their route.
pub const STEPS: [&str; 7] = [
    "link", "verify", "start", "extend", "fee", "answer", "close",
];

/// The change a step asks for, or the fields that are wrong.
fn step_change(step: &str, b: &StepBody) -> Result<CaseChange, ApiError> {
    let mut errors = Errors::new();
    let required = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let change = match step {
        "link" => errors
            .take(parse_field::<PersonId>(
                "person_id",
                &required(&b.person_id),
            ))
            .map(CaseChange::Link),
        "verify" => {
            let method = errors.take(parse_field::<IdentityMethod>(
                "method",
                b.method.as_deref().unwrap_or("officer_recorded"),
            ));
            let note = errors.take(parse_optional::<Text>("note", b.note.as_deref()));
            // The portal's link and an address on record are the register's
            // own findings; by hand the officer records how it was done.
            if method.is_some_and(|m| m != IdentityMethod::OfficerRecorded) {
                errors.push(rekisteri_domain::FieldError::invalid(
                    "method",
                    "only officer_recorded is recorded by hand; the portal's link and an address on \
                     record are the register's own",
                ));
            }
            method.zip(note).map(|(method, note)| CaseChange::Verify {
                method,
                note: note.map(|n| n.to_string()),
            })
        }
        "start" => Some(CaseChange::Start),
        "extend" => {
            let to = errors.take(parse_field::<Date>(
                "extended_to",
                &required(&b.extended_to),
            ));
            let reason = errors.take(parse_field::<Text>("reason", &required(&b.reason)));
            to.zip(reason).map(|(to, reason)| CaseChange::Extend {
                to,
                reason: reason.to_string(),
            })
        }
        "fee" => {
            let decision = errors.take(parse_field::<FeeDecision>(
                "decision",
                &required(&b.decision),
            ));
            let why = errors.take(parse_field::<Text>(
                "justification",
                &required(&b.justification),
            ));
            decision.zip(why).map(|(decision, why)| CaseChange::Fee {
                decision,
                cents: b.fee_cents,
                justification: why.to_string(),
            })
        }
        "answer" => {
            let outcome = errors.take(parse_field::<Outcome>("outcome", &required(&b.outcome)));
            let text = errors.take(parse_field::<Text>("answer", &required(&b.answer)));
            outcome.zip(text).map(|(outcome, text)| CaseChange::Answer {
                outcome,
                answer: text.to_string(),
            })
        }
        "close" => Some(CaseChange::Close),
        _ => return Err(ApiError::NotFound),
    };
    Ok(errors.finish(|| change)?)
}

/// Takes a step of the case (the API's and the web's): the policy, then the
/// change and the letter it owes the requester — the extension's reason,
/// the answer (a refusal with the authority, R20) — in one transaction.
pub(crate) async fn take_step(
    s: &AppState,
    caller: &Caller,
    id: RequestId,
    step: &str,
    body: &StepBody,
) -> Result<RequestCase, ApiError> {
    allow(caller, Resource::Requests, Access::Write)?;
    let change = step_change(step, body)?;
    // The letter is written with the change, in its transaction; its job
    // sends it after the commit.
    let register = s.register().await;
    let letter = move |case: &RequestCase| match step {
        "extend" => Some(letters::extension(&register, case)),
        "answer" => Some(letters::answer(&register, case)),
        _ => None,
    };
    let case = s
        .store
        .change_request_writing(
            &caller.actor(PURPOSE),
            s.clock.now(),
            id,
            None,
            change,
            letter,
        )
        .await?;
    Ok(case)
}
