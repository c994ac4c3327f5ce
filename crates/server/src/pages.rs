//! What the staff pages ([`crate::web`]) and the privacy portal
//! ([`crate::portal`]) share: a template rendered to a page, the redirect
//! after a form, the language of a request without a user, and the slot
//! in which a request's language and frame reach its error page.

use crate::caller::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, Locale};
use crate::policy::{Access, Resource, allows};
use crate::state::AppState;
use askama::Template;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use rekisteri_domain::Role;
use std::sync::{Arc, Mutex};

/// A template rendered to a page.
pub fn render(template: &impl Template) -> Result<Response, ApiError> {
    match template.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(error) => {
            tracing::error!(%error, "template failed");
            Err(ApiError::Internal)
        }
    }
}

/// A redirect after a form (303: the browser GETs the target).
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// The language a request turned out to want, and the frame of its page:
/// the error pages (`web::errors`, the portal's) speak it too.
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
    pub fn of(caller: &Caller) -> Self {
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
            "jobs" => Resource::Jobs,
            "retention" => Resource::Retention,
            "legal_holds" => Resource::LegalHolds,
            "paper" => Resource::PaperDocuments,
            "erasure" => Resource::Erasure,
            "settings" => Resource::Settings,
            _ => Resource::Account,
        };
        let access = if write { Access::Write } else { Access::Read };
        (self.registers || !resource.is_personal_data()) && allows(self.role, resource, access)
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}
