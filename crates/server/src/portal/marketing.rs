//! Marketing prohibitions on the portal (R15, R21): every channel × purpose
//! with the decision in force now; what the person ticks is recorded at
//! once as `prohibited` events (their own notice, "privacy portal"), in one
//! transaction, and an `objection` case answered `fulfilled` proves it. An
//! address on several records records nothing: the case goes to the
//! officer, who matches the person.

use super::actions::{confirm, open_case};
use super::{Frame, PortalForm, Verified};
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::services::permissions::Permissions;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_domain::portal::{PortalRequest, prohibition};
use rekisteri_domain::request::Outcome;
use rekisteri_store::CaseChange;

/// One checkbox: a channel and purpose, and where it stands now.
pub struct Cell {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    /// Already prohibited: shown ticked, cannot be unticked here.
    pub prohibited: bool,
    /// `granted`, `not_objected`, … (empty when the records are several).
    pub decision: &'static str,
}

impl Cell {
    pub fn value(&self) -> String {
        format!("{}:{}", self.channel.code(), self.purpose.code())
    }

    pub fn id(&self) -> String {
        format!("p-{}-{}", self.channel.code(), self.purpose.code())
    }
}

#[derive(Template)]
#[template(path = "portal_marketing.html")]
struct MarketingPage {
    l: Locale,
    f: Frame,
    records: usize,
    rows: Vec<(Channel, Vec<Cell>)>,
    error: Option<String>,
}

impl MarketingPage {
    fn purposes(&self) -> &'static [MarketingPurpose] {
        MarketingPurpose::ALL
    }
}

/// The grid, with the one person's decisions now (audited as a read).
async fn grid(s: &AppState, v: &Verified) -> Result<Vec<(Channel, Vec<Cell>)>, ApiError> {
    let now_state = match v.person() {
        Some(person) => {
            let history = s
                .store
                .permissions_of(&v.visitor.actor, v.visitor.now, person)
                .await?;
            Some(Permissions::new(person, history))
        }
        None => None,
    };
    Ok(Channel::ALL
        .iter()
        .map(|channel| {
            let cells = MarketingPurpose::ALL
                .iter()
                .map(|purpose| {
                    let now = now_state.as_ref().and_then(|p| {
                        p.current
                            .iter()
                            .find(|c| c.channel == *channel && c.purpose == *purpose)
                    });
                    Cell {
                        channel: *channel,
                        purpose: *purpose,
                        prohibited: now.is_some_and(|c| c.decision == "prohibited"),
                        decision: now.map_or("", |c| c.decision),
                    }
                })
                .collect();
            (*channel, cells)
        })
        .collect())
}

/// `GET /portal/marketing`: the prohibitions now.
pub async fn page(State(s): State<AppState>, v: Verified) -> Result<Response, ApiError> {
    if v.people.is_empty() {
        return Ok(v.visitor.go("/portal/home"));
    }
    let page = MarketingPage {
        f: v.visitor.frame("/portal/marketing"),
        l: v.visitor.l.clone(),
        records: v.people.len(),
        rows: grid(&s, &v).await?,
        error: None,
    };
    v.visitor.page(&page, StatusCode::OK)
}

/// `POST /portal/marketing`: the ticked prohibitions, in force at once.
pub async fn submit(
    State(s): State<AppState>,
    PortalForm { visitor, form }: PortalForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let v = Verified::of(visitor, &s).await?;
    if v.people.is_empty() {
        return Ok(v.visitor.go("/portal/home"));
    }
    let rows = grid(&s, &v).await?;
    let all = form.iter().any(|(k, v)| k == "all" && !v.is_empty());
    let ticked: Vec<&Cell> = rows
        .iter()
        .flat_map(|(_, cells)| cells)
        .filter(|c| !c.prohibited)
        .filter(|c| all || form.iter().any(|(k, v)| k == "prohibit" && *v == c.value()))
        .collect();
    if ticked.is_empty() {
        let page = MarketingPage {
            f: v.visitor.frame("/portal/marketing"),
            error: Some(v.visitor.l.t("portal-marketing-none")),
            l: v.visitor.l.clone(),
            records: v.people.len(),
            rows,
        };
        return v.visitor.page(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = v.visitor.now;
    let chosen: Vec<String> = ticked.iter().map(|c| c.value()).collect();
    let details = format!("prohibited on the privacy portal: {}", chosen.join(", "));
    if let Some(person) = v.person() {
        let events: Vec<_> = ticked
            .iter()
            .map(|c| prohibition(c.channel, c.purpose, now))
            .collect();
        s.store
            .prohibit_marketing(&v.visitor.actor, now, person, &events)
            .await?;
    }
    let case = open_case(&s, &v, PortalRequest::Objection, Some(details)).await?;
    let case = if v.person().is_some() {
        let answer = CaseChange::Answer {
            outcome: Outcome::Fulfilled,
            answer: format!(
                "the prohibitions were recorded at once on the privacy portal: {}",
                chosen.join(", ")
            ),
        };
        s.store
            .change_request(&v.visitor.actor, now, case.id, None, answer)
            .await?
    } else {
        case
    };
    confirm(&v, PortalRequest::Objection, case, false)
}
