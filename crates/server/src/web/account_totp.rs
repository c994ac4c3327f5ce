//! `/account/second-factor`: setting up TOTP (RFC 6238) as the API does
//! (`POST /me/second-factor`, `…/confirm`), showing the secret as text, as
//! an `otpauth://` URI and as a QR code (an SVG of rectangles, no styles),
//! and the ten recovery codes once; or removing the factor.

use super::FormErrors;
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::{ACCOUNT, check_current_password};
use crate::state::AppState;
use crate::web::page::{Nav, Page, Posted};
use crate::web::{render, see_other};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::totp::{self, TotpSecret};
use serde::Deserialize;
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/second-factor", get(show).post(confirm))
        .route("/account/second-factor/remove", post(remove))
}

#[derive(Template)]
#[template(path = "account_second_factor.html")]
struct SecondFactorPage {
    l: Locale,
    nav: Option<Nav>,
    /// The factor is on.
    enabled: bool,
    /// Whether every user must have one (then it cannot be removed).
    required: bool,
    /// Set-up: the pending secret (base32), its URI and QR code.
    secret: String,
    uri: String,
    qr: String,
    /// Shown once, after confirming.
    recovery_codes: Vec<String>,
    errors: FormErrors,
}

impl SecondFactorPage {
    async fn of(s: &AppState, page: &Page, errors: FormErrors) -> Result<Self, ApiError> {
        Ok(Self {
            l: page.l.clone(),
            nav: Some(page.nav("account")),
            enabled: page.user().second_factor,
            required: s.store.second_factor_required(s.clock.now()).await?,
            secret: String::new(),
            uri: String::new(),
            qr: String::new(),
            recovery_codes: Vec::new(),
            errors,
        })
    }

    fn with_secret(mut self, s: &AppState, page: &Page, secret: &TotpSecret) -> Self {
        self.secret = secret.to_base32();
        self.uri = secret.otpauth_uri(
            &format!("Rekisteri {}", s.organisation_name),
            &page.user().name,
        );
        self.qr = qr_svg(&self.uri, &page.l.t("sf-qr-label"));
        self
    }
}

async fn show(State(s): State<AppState>, page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Read)?;
    let view = SecondFactorPage::of(&s, &page, FormErrors::default()).await?;
    if view.enabled {
        return render(&view);
    }
    // The pending secret, made on the first visit: a reload or a second
    // tab shows the same one, so an app that scanned it stays right.
    allow(&page.caller, Resource::Account, Access::Write)?;
    let pending = s
        .store
        .credentials_of(page.user().id)
        .await?
        .totp_pending_secret
        .and_then(|b| TotpSecret::from_base32(&b).ok());
    let secret = match pending {
        Some(secret) => secret,
        None => {
            let secret = TotpSecret::generate();
            s.store
                .set_pending_totp(page.user().id, &secret.to_base32())
                .await?;
            secret
        }
    };
    render(&view.with_secret(&s, &page, &secret))
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
}

async fn confirm(
    State(s): State<AppState>,
    Posted { page, form }: Posted<ConfirmForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    if page.user().second_factor {
        return Ok(see_other("/account/second-factor"));
    }
    let credentials = s.store.credentials_of(page.user().id).await?;
    let Some(pending) = credentials
        .totp_pending_secret
        .as_deref()
        .and_then(|b| TotpSecret::from_base32(b).ok())
    else {
        return Ok(see_other("/account/second-factor"));
    };
    match enrol(&s, &page, &pending, &form).await {
        Ok(codes) => {
            let mut view = SecondFactorPage::of(&s, &page, FormErrors::default()).await?;
            view.enabled = true;
            view.recovery_codes = codes;
            render(&view)
        }
        Err(error) => {
            let errors = FormErrors::of(&page.l, error)?;
            let view = SecondFactorPage::of(&s, &page, errors).await?;
            render(&view.with_secret(&s, &page, &pending))
        }
    }
}

/// `POST /me/second-factor/confirm`: the current password, a code from the
/// pending secret; ten recovery codes.
async fn enrol(
    s: &AppState,
    page: &Page,
    pending: &TotpSecret,
    form: &ConfirmForm,
) -> Result<Vec<String>, ApiError> {
    check_current_password(s, &page.caller, &form.current_password).await?;
    let now = s.clock.now();
    let step = totp::verify(pending, form.code.trim(), now, None)
        .ok_or_else(|| ApiError::field("code", "is not the authenticator's current code"))?;
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
    s.store
        .confirm_totp(
            &page.caller.actor(ACCOUNT),
            now,
            page.user().id,
            step,
            &hashes,
        )
        .await?;
    Ok(codes)
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    current_password: String,
}

/// `DELETE /me/second-factor`: not while one is required of all; needs the
/// current password.
async fn remove(
    State(s): State<AppState>,
    Posted { page, form }: Posted<RemoveForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    if s.store.second_factor_required(s.clock.now()).await? {
        return Err(ApiError::Conflict {
            code: "second_factor_required",
            message: "a second factor is required of every user".into(),
        });
    }
    if let Err(error) = check_current_password(&s, &page.caller, &form.current_password).await {
        let errors = FormErrors::of(&page.l, error)?;
        return render(&SecondFactorPage::of(&s, &page, errors).await?);
    }
    s.store
        .remove_totp(&page.caller.actor(ACCOUNT), s.clock.now(), page.user().id)
        .await?;
    Ok(see_other("/account"))
}

/// A QR code as an SVG of dark rectangles on a light square (no `style`:
/// the content security policy forbids inline styles).
fn qr_svg(data: &str, label: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        return String::new();
    };
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" width=\"{}\" height=\"{}\" \
         viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><title>{}</title>\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#ffffff\"/>",
        size * 4,
        size * 4,
        escape(label)
    );
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\" fill=\"#000000\"/>",
                i % width + 4,
                i / width + 4
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
