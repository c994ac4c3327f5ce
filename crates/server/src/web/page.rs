//! Who is looking at a page, in which language, and the frame every page
//! shares. [`Page`] is the web's caller: the session cookie only (never a
//! bearer token), its user's language or the browser's. [`Posted`] is a
//! submitted form: it checks the form's `csrf` field against the session
//! and the request's origin before the handler sees anything, so no form
//! handler can forget it.

use crate::caller::{Caller, CsrfToken, csrf_matches, same_origin};
use crate::error::ApiError;
use crate::i18n::{Lang, Locale};
pub use crate::pages::{Nav, PageSlot, browser_locale};
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use rekisteri_store::User;
use serde::de::DeserializeOwned;

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
