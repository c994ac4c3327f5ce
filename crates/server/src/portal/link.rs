//! The portal's first page and its single-use link (R14): the email and
//! the request asked for; the same answer whoever asks; the link mailed
//! only to an address on someone's record; the link's page, whose button
//! (a POST: mail scanners only fetch) spends it and opens a verified visit.

use super::{Frame, PortalForm, SESSION_COOKIE, Visitor, set_cookie};
use crate::caller::random_secret;
use crate::error::ApiError;
use crate::i18n::field_message;
use crate::i18n::{Lang, Locale};
use crate::services::limits::{self, Key};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::mail::{Addressee, Letter, MailKind};
use rekisteri_domain::portal::{
    LINK_LIFETIME_MICROS, PortalRequest, RateLimit, SESSION_LIFETIME_MICROS,
};
use rekisteri_domain::values::{Email, parse_field};
use rekisteri_store::NewPortalLink;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_start.html")]
struct StartPage {
    l: Locale,
    f: Frame,
    email: String,
    wanted: PortalRequest,
    errors: Vec<(String, String)>,
}

impl StartPage {
    fn choices(&self) -> &'static [PortalRequest] {
        PortalRequest::ALL
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "portal_sent.html")]
struct SentPage {
    l: Locale,
    f: Frame,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "portal_verify.html")]
struct ConfirmPage {
    l: Locale,
    f: Frame,
    token: String,
    /// Whether the link is still good (unused, unexpired).
    valid: bool,
}

/// `GET /portal`: the email and the request.
pub async fn start(visitor: Visitor) -> Result<Response, ApiError> {
    let page = StartPage {
        f: visitor.frame("/portal"),
        l: visitor.l.clone(),
        email: String::new(),
        wanted: PortalRequest::Access,
        errors: Vec::new(),
    };
    visitor.page(&page, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    email: Option<String>,
    wanted: Option<String>,
}

/// `POST /portal`: always the same answer. The lookup, the link and its
/// mail happen after the answer has gone, so neither the page nor its
/// timing tells whether the address is in the register; the limits count
/// every address alike.
pub async fn request_link(
    State(s): State<AppState>,
    PortalForm { visitor, form }: PortalForm<LinkForm>,
) -> Result<Response, ApiError> {
    let email = parse_field::<Email>("email", form.email.as_deref().unwrap_or(""));
    let wanted = parse_field::<PortalRequest>("wanted", form.wanted.as_deref().unwrap_or(""));
    let (email, wanted) = match (email, wanted) {
        (Ok(e), Ok(w)) => (e, w),
        (email, wanted) => {
            let errors = [email.err(), wanted.err()]
                .into_iter()
                .flatten()
                .map(|e| (e.field.clone(), field_message(&visitor.l, &e)))
                .collect();
            let page = StartPage {
                f: visitor.frame("/portal"),
                l: visitor.l.clone(),
                email: form.email.unwrap_or_default(),
                wanted: form
                    .wanted
                    .as_deref()
                    .and_then(PortalRequest::from_code)
                    .unwrap_or(PortalRequest::Access),
                errors,
            };
            return visitor.page(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let now = visitor.now;
    // Both limits, counted together or not at all, on every server.
    limits::take(
        &s.store,
        &[
            (
                Key::LinksFrom(visitor.actor.client_ip),
                RateLimit::LINKS_PER_CLIENT,
            ),
            (Key::Email(email.as_str()), RateLimit::PER_EMAIL),
        ],
        now,
    )
    .await?;
    let state = s.clone();
    let (actor, lang) = (visitor.actor, visitor.l.lang);
    s.portal
        .spawn(async move { send_link(state, actor, email, wanted, lang, now).await });
    let page = SentPage {
        f: visitor.frame("/portal"),
        l: visitor.l.clone(),
        minutes: LINK_LIFETIME_MICROS / 60_000_000,
    };
    visitor.page(&page, StatusCode::OK)
}

/// Stores a link for an address on someone's record and mails it; an
/// address no one has gets nothing (no mail to strangers).
async fn send_link(
    s: AppState,
    actor: Actor,
    email: Email,
    wanted: PortalRequest,
    lang: Lang,
    at: Timestamp,
) {
    let token = random_secret("");
    let new = NewPortalLink {
        token: &token,
        email: &email,
        wanted,
        language: lang.code(),
        limit: RateLimit::PER_EMAIL,
    };
    let url = format!("{}/portal/verify/{token}", s.portal.public_url);
    let register = s.register().await;
    // The link's letter is written with the link, in its transaction: about
    // the person when the address is one person's.
    let letter = |people: &[PersonId]| {
        let about = match people {
            [one] => Some(*one),
            _ => None,
        };
        Some(link_mail(&register, &email, &url, lang, about))
    };
    if let Err(error) = s
        .store
        .create_portal_link_writing(&actor, at, new, letter)
        .await
    {
        tracing::error!(%error, "a portal link could not be stored");
    }
}

/// The link's mail, in the language the person asked in (the other below).
fn link_mail(
    register: &RegisterDetails,
    email: &Email,
    url: &str,
    lang: Lang,
    about: Option<PersonId>,
) -> Letter {
    let minutes = LINK_LIFETIME_MICROS / 60_000_000;
    let controller = &register.controller.name;
    let contact = &register.contact;
    let fi = format!(
        "Hei,\n\npyysitte pääsyä tietoihinne rekisterinpitäjän {controller} tietosuojaportaalissa. Avatkaa linkki \
         {minutes} minuutin kuluessa ja vahvistakaa painikkeella:\n\n{url}\n\n\
         Linkki toimii kerran. Jos ette pyytänyt sitä, voitte jättää viestin huomiotta.\n\
         Rekisteriasioissa teitä palvelee {} ({}, {}).",
        contact.name, contact.email, contact.phone
    );
    let en = format!(
        "Hello,\n\nyou asked for access to your data on {controller}'s privacy portal. Open the link \
         within {minutes} minutes and confirm with the button:\n\n{url}\n\n\
         The link works once. If you did not ask for it, you can ignore this message.\n\
         The register's contact person is {} ({}, {}).",
        contact.name, contact.email, contact.phone
    );
    let (subject, body) = match lang {
        Lang::Fi => (
            "Tietosuojaportaalin linkki / Your privacy portal link",
            format!("{fi}\n\n---\n\n{en}"),
        ),
        Lang::En => (
            "Your privacy portal link / Tietosuojaportaalin linkki",
            format!("{en}\n\n---\n\n{fi}"),
        ),
    };
    Letter {
        kind: MailKind::PortalLink,
        to: Addressee::Email(email.to_string()),
        subject: subject.to_string(),
        body,
        about,
    }
}

/// `GET /portal/verify/{token}`: the confirmation button. Reading the page
/// spends nothing.
pub async fn confirm(
    State(s): State<AppState>,
    Path(token): Path<String>,
    mut visitor: Visitor,
) -> Result<Response, ApiError> {
    let link = s.store.portal_link(visitor.now, &token).await?;
    if !visitor.lang_asked
        && let Some(lang) = link
            .as_ref()
            .and_then(|l| l.language.as_deref())
            .and_then(Lang::parse)
    {
        visitor.speak(lang);
    }
    let valid = link.is_some();
    let page = ConfirmPage {
        f: visitor.frame(&format!("/portal/verify/{token}")),
        l: visitor.l.clone(),
        token,
        valid,
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    visitor.page(&page, status)
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /portal/verify/{token}`: spends the link (once) and opens the
/// verified visit; on to what the person asked for.
pub async fn verify(
    State(s): State<AppState>,
    Path(token): Path<String>,
    PortalForm { mut visitor, .. }: PortalForm<Empty>,
) -> Result<Response, ApiError> {
    let now = visitor.now;
    let link = s.store.portal_link(now, &token).await?;
    if !visitor.lang_asked
        && let Some(lang) = link
            .as_ref()
            .and_then(|l| l.language.as_deref())
            .and_then(Lang::parse)
    {
        visitor.speak(lang);
    }
    let wanted = link.and_then(|link| link.wanted);
    let secret = random_secret("");
    let session = s
        .store
        .start_portal_session(&visitor.actor, now, &token, &secret, visitor.l.lang())
        .await?;
    if session.is_none() {
        let page = ConfirmPage {
            f: visitor.frame(&format!("/portal/verify/{token}")),
            l: visitor.l.clone(),
            token,
            valid: false,
        };
        return visitor.page(&page, StatusCode::GONE);
    }
    let next = match wanted {
        Some(PortalRequest::Objection) => "/portal/marketing".to_string(),
        Some(w) => format!("/portal/request/{}", w.code()),
        None => "/portal/home".to_string(),
    };
    let mut response = visitor.go(&next);
    set_cookie(
        &mut response,
        SESSION_COOKIE,
        &secret,
        Some(SESSION_LIFETIME_MICROS / 1_000_000),
    );
    Ok(response)
}
