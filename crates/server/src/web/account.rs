//! The user's own account (R11): language, own sessions and API tokens
//! (`/account`), the password (`/account/password`, also the page a
//! one-time password leads to) and the second factor
//! (`/account/second-factor`). Every step is the API's (`http::account`):
//! the same checks, the same store calls, the same audit purpose.

use super::forms::FormErrors;
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::caller::random_secret;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::{Lang, Locale};
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::{ACCOUNT, check_current_password, hash_new_password};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::ids::{SessionId, TokenId};
use rekisteri_store::{Session, TokenInfo};
use serde::Deserialize;

#[path = "account_totp.rs"]
mod totp_page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/language", post(language))
        .route("/account/sessions/{id}/end", post(end_session))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/password", get(password).post(change_password))
        .merge(totp_page::router())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Locale,
    nav: Option<Nav>,
    user_name: String,
    role: String,
    language: String,
    second_factor: bool,
    current_session: Option<SessionId>,
    sessions: Vec<Session>,
    tokens: Vec<TokenInfo>,
    new_token: Option<String>,
    errors: FormErrors,
}

impl AccountPage {
    fn is_current(&self, id: &SessionId) -> bool {
        self.current_session.as_ref() == Some(id)
    }
}

async fn account_page(
    s: &AppState,
    page: &Page,
    new_token: Option<String>,
    errors: FormErrors,
) -> Result<Response, ApiError> {
    let user = page.user();
    let sessions = s
        .store
        .sessions_of(s.clock.now(), user.id, s.sessions)
        .await?;
    let tokens = s.store.tokens_of(user.id).await?;
    render(&AccountPage {
        l: page.l.clone(),
        nav: Some(page.nav("account")),
        user_name: user.name.clone(),
        role: user.role.code().to_string(),
        language: user
            .language
            .clone()
            .unwrap_or_else(|| "browser".to_string()),
        second_factor: user.second_factor,
        current_session: page.caller.session.as_ref().map(|s| s.id),
        sessions,
        tokens,
        new_token,
        errors,
    })
}

async fn account(State(s): State<AppState>, page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Read)?;
    account_page(&s, &page, None, FormErrors::default()).await
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
}

async fn language(
    State(s): State<AppState>,
    Posted { page, form }: Posted<LanguageForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    let language = match form.language.as_str() {
        "browser" => None,
        code => Some(
            Lang::parse(code)
                .ok_or_else(|| ApiError::field("language", "must be fi, en or browser"))?
                .code(),
        ),
    };
    s.store
        .set_language(
            &page.caller.actor(ACCOUNT),
            s.clock.now(),
            page.user().id,
            language,
        )
        .await?;
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
struct CsrfOnly {}

async fn end_session(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    let id: SessionId = path_id(&id)?;
    s.store
        .end_session(
            &page.caller.actor(ACCOUNT),
            s.clock.now(),
            page.user().id,
            id,
        )
        .await?;
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(s): State<AppState>,
    Posted { page, form }: Posted<TokenForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    let days = match form.days.trim() {
        "" => Some(90),
        raw => raw.parse::<i64>().ok().filter(|d| (1..=366).contains(d)),
    };
    let Some(days) = days else {
        let errors = FormErrors::of(&page.l, ApiError::field("days", "must be 1–366"))?;
        return account_page(&s, &page, None, errors).await;
    };
    let now = s.clock.now();
    let secret = random_secret("rk_");
    let label = Some(form.label.trim()).filter(|l| !l.is_empty());
    s.store
        .add_token(
            &page.caller.actor(ACCOUNT),
            now,
            page.user().id,
            &secret,
            label,
            Some(now.plus_micros(days * 86_400_000_000)),
        )
        .await?;
    account_page(&s, &page, Some(secret), FormErrors::default()).await
}

async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    let id: TokenId = path_id(&id)?;
    s.store
        .revoke_token(
            &page.caller.actor(ACCOUNT),
            s.clock.now(),
            page.user().id,
            id,
        )
        .await?;
    Ok(see_other("/account"))
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    l: Locale,
    nav: Option<Nav>,
    /// A one-time password: the user must choose their own first.
    must_change: bool,
    errors: FormErrors,
}

async fn password(page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Read)?;
    password_page(&page, FormErrors::default())
}

fn password_page(page: &Page, errors: FormErrors) -> Result<Response, ApiError> {
    render(&PasswordPage {
        l: page.l.clone(),
        nav: Some(page.nav("account")),
        must_change: page.caller.password_change_pending(),
        errors,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: Option<String>,
}

async fn change_password(
    State(s): State<AppState>,
    Posted { page, form }: Posted<PasswordForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Account, Access::Write)?;
    match set_password(&s, &page, &form).await {
        Ok(()) => Ok(see_other("/")),
        Err(error) => password_page(&page, FormErrors::of(&page.l, error)?),
    }
}

/// The API's password change (`PUT /me/password`), plus the repeated field.
async fn set_password(s: &AppState, page: &Page, form: &PasswordForm) -> Result<(), ApiError> {
    let caller = &page.caller;
    check_current_password(s, caller, &form.current_password).await?;
    if form.new_password == form.current_password {
        return Err(ApiError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    if form
        .new_password_again
        .as_ref()
        .is_some_and(|again| *again != form.new_password)
    {
        return Err(ApiError::field(
            "new_password_again",
            "does not match the new password",
        ));
    }
    let hash = hash_new_password(s, &caller.user.name, &form.new_password, "new_password").await?;
    let keep = caller.session.as_ref().map(|session| session.id);
    s.store
        .set_password(
            &caller.actor(ACCOUNT),
            s.clock.now(),
            caller.user.id,
            &hash,
            false,
            keep,
        )
        .await?;
    Ok(())
}
