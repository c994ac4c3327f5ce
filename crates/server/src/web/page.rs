//! Who is looking at a page, in which language, and the frame every page
//! shares. [`Page`] is the web's caller: the session cookie only (never a
//! bearer token), its user's language or the browser's. [`Posted`] is a
//! submitted form: it checks the form's `csrf` field against the session
//! and the request's origin before the handler sees anything, so no form
//! handler can forget it.

use super::i18n::{Lang, Locale};
use crate::http::AppState;
use crate::http::auth::{Caller, CsrfToken, csrf_matches, same_origin};
use crate::http::error::ApiError;
use crate::http::policy::{Access, Resource, allows};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use rekisteri_domain::Role;
use rekisteri_store::User;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};

/// The language a request turned out to want, and the frame of its page:
/// the error pages (`super::errors`) speak it too.
#[derive(Clone, Default)]
pub struct PageSlot(Arc<Mutex<Option<Frame>>>);

/// A page's language and frame.
type Frame = (Locale, Option<Nav>);

impl PageSlot {
    pub fn set(&self, l: &Locale, nav: Option<&Nav>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((l.clone(), nav.cloned()));
        }
    }

    pub fn get(&self) -> Option<(Locale, Option<Nav>)> {
        self.0.lock().ok()?.clone()
    }
}

/// The language of a request without a user: `?lang=` on the page, else
/// the browser's.
pub fn browser_locale(state: &AppState, headers: &HeaderMap, query: Option<&str>) -> Locale {
    let asked = query
        .unwrap_or_default()
        .split('&')
        .find_map(|p| p.strip_prefix("lang="))
        .and_then(Lang::parse);
    let lang = asked.unwrap_or_else(|| {
        Lang::from_accept_language(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    });
    Locale::new(lang, state.time_zone.clone())
}

/// The frame of a signed-in page: who, what they may open, the CSRF token
/// of the session for the forms.
#[derive(Clone, Debug)]
pub struct Nav {
    pub user_name: String,
    pub role: Role,
    pub csrf: String,
    /// The section the page belongs to (`start`, `people`, …), for the menu.
    pub section: &'static str,
    /// Whether the menu shows personal data at all (a commitment is
    /// recorded and no account step is pending).
    pub registers: bool,
}

impl Nav {
    fn of(caller: &Caller) -> Self {
        Self {
            user_name: caller.user.name.clone(),
            role: caller.user.role,
            csrf: caller
                .session
                .as_ref()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default(),
            section: "",
            registers: caller.user.commitment_signed_on.is_some()
                && !caller.password_change_pending()
                && !caller.second_factor_missing(),
        }
    }

    pub fn may(&self, resource: &str, write: bool) -> bool {
        let resource = match resource {
            "people" => Resource::People,
            "organisations" => Resource::Organisations,
            "orders" => Resource::Orders,
            "invoices" => Resource::Invoices,
            "notes" => Resource::Notes,
            "search" => Resource::Search,
            "users" => Resource::Users,
            "audit" => Resource::Audit,
            "recipients" => Resource::Recipients,
            "disclosures" => Resource::Disclosures,
            "marketing" => Resource::Audience,
            "requests" => Resource::Requests,
            "reports" => Resource::Reports,
            _ => Resource::Account,
        };
        let access = if write { Access::Write } else { Access::Read };
        (self.registers || !resource.is_personal_data()) && allows(self.role, resource, access)
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// A signed-in user looking at a page.
pub struct Page {
    pub caller: Caller,
    pub l: Locale,
    pub nav: Nav,
}

impl Page {
    pub fn user(&self) -> &User {
        &self.caller.user
    }

    /// The frame, marked as belonging to a section of the menu.
    pub fn nav(&self, section: &'static str) -> Nav {
        Nav {
            section,
            ..self.nav.clone()
        }
    }

    /// Refuses a form whose `csrf` field is not the session's token.
    pub fn verify_csrf(&self, sent: &str) -> Result<(), ApiError> {
        match &self.caller.session {
            Some(session) if csrf_matches(session, sent) => Ok(()),
            _ => Err(ApiError::Forbidden {
                code: "csrf",
                message: "the form is out of date; reload the page and send it again".into(),
            }),
        }
    }

    async fn identify(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let slot = parts.extensions.get::<PageSlot>().cloned();
        let browser = browser_locale(state, &parts.headers, None);
        if let Some(slot) = &slot {
            slot.set(&browser, None);
        }
        let caller = Caller::identify(parts, state, CsrfToken::FormField).await?;
        let lang = caller
            .user
            .language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(browser.lang);
        let l = Locale::new(lang, state.time_zone.clone());
        let nav = Nav::of(&caller);
        if let Some(slot) = &slot {
            slot.set(&l, Some(&nav));
        }
        Ok(Page { caller, l, nav })
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Page::identify(parts, state).await
    }
}

/// A submitted form (`application/x-www-form-urlencoded`; repeated names
/// become lists) from a signed-in user, its CSRF token and origin checked.
pub struct Posted<T> {
    pub page: Page,
    pub form: T,
}

/// The largest form accepted (the import's upload has its own limit).
const FORM_LIMIT: usize = 256 * 1024;

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let page = Page::identify(&mut parts, state).await?;
        same_origin(&parts)?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT)
            .await
            .map_err(|_| ApiError::field("form", "is too large"))?;
        let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&bytes)
            .map_err(|_| ApiError::field("form", "is not a form"))?;
        let sent = pairs
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        page.verify_csrf(sent)?;
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| ApiError::field("form", e.to_string()))?;
        Ok(Posted { page, form })
    }
}
