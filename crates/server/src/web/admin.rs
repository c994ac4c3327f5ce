//! The administrator's pages (R11): `/admin/users` (every user, adding one
//! with a one-time password, requiring a second factor of everyone) and
//! `/admin/users/{id}` (role, commitment, disabling, unlocking, a new
//! one-time password, removing the second factor, the user's sessions and
//! tokens). Each step is the API's (`http::users`): same policy, same store
//! call, same audit purpose.

use super::forms::FormErrors;
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::{ADMIN, not_self, one_time_credentials, role};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::ids::{SessionId, TokenId, UserId};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Date, Role};
use rekisteri_store::{Commitment, Session, TokenInfo, User, account_key};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/settings", post(settings))
        .route("/admin/users/{id}", get(detail))
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/users/{id}/commitments", post(commit))
        .route("/admin/users/{id}/disable", post(disable))
        .route("/admin/users/{id}/enable", post(enable))
        .route("/admin/users/{id}/unlock", post(unlock))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/second-factor/remove", post(remove_totp))
        .route("/admin/users/{id}/sessions/{sid}/end", post(end_session))
        .route("/admin/users/{id}/tokens/{tid}/revoke", post(revoke_token))
}

/// A user in the list, with whether failed logins hold them back now.
pub struct Row {
    pub user: User,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Locale,
    nav: Option<Nav>,
    rows: Vec<Row>,
    roles: Vec<&'static str>,
    require_second_factor: bool,
    /// Just added: the name and the one-time password (shown once).
    created: Option<(String, String)>,
    name: String,
    role: String,
    errors: FormErrors,
}

async fn locked(s: &AppState, user: &User) -> Result<bool, ApiError> {
    let throttle = s.store.throttle(&account_key(&user.name)).await?;
    Ok(throttle.wait_seconds(s.clock.now()).is_some())
}

async fn users_page(s: &AppState, page: &Page, mut view: UsersPage) -> Result<Response, ApiError> {
    for user in s.store.users().await? {
        let locked = locked(s, &user).await?;
        view.rows.push(Row { user, locked });
    }
    view.require_second_factor = s.store.second_factor_required(s.clock.now()).await?;
    view.nav = Some(page.nav("admin"));
    render(&view)
}

fn blank(page: &Page) -> UsersPage {
    UsersPage {
        l: page.l.clone(),
        nav: None,
        rows: Vec::new(),
        roles: Role::ALL.iter().map(|r| r.code()).collect(),
        require_second_factor: false,
        created: None,
        name: String::new(),
        role: Role::Staff.code().to_string(),
        errors: FormErrors::default(),
    }
}

async fn list(State(s): State<AppState>, page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Read)?;
    let view = blank(&page);
    users_page(&s, &page, view).await
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<NewUserForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let mut view = blank(&page);
    match add_user(&s, &page, &form).await {
        Ok(created) => view.created = Some(created),
        Err(error) => {
            view.errors = FormErrors::of(&page.l, error)?;
            view.name = form.name;
            view.role = form.role;
        }
    }
    users_page(&s, &page, view).await
}

/// `POST /users`: a user with a one-time password.
async fn add_user(
    s: &AppState,
    page: &Page,
    form: &NewUserForm,
) -> Result<(String, String), ApiError> {
    let role = role(&form.role)?;
    let (one_time_password, hash) = one_time_credentials().await?;
    let user = s
        .store
        .add_user(
            &page.caller.actor(ADMIN),
            s.clock.now(),
            form.name.trim(),
            role,
            Some(&hash),
        )
        .await?;
    Ok((user.name, one_time_password))
}

#[derive(Deserialize)]
struct SettingsForm {
    require_second_factor: Option<String>,
}

async fn settings(
    State(s): State<AppState>,
    Posted { page, form }: Posted<SettingsForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Settings, Access::Write)?;
    s.store
        .set_second_factor_required(
            &page.caller.actor(ADMIN),
            s.clock.now(),
            form.require_second_factor.is_some(),
        )
        .await?;
    Ok(see_other("/admin/users"))
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    l: Locale,
    nav: Option<Nav>,
    user: User,
    locked: bool,
    own: bool,
    roles: Vec<&'static str>,
    commitments: Vec<Commitment>,
    sessions: Vec<Session>,
    tokens: Vec<TokenInfo>,
    today: String,
    one_time_password: Option<String>,
    errors: FormErrors,
}

async fn user_page(
    s: &AppState,
    page: &Page,
    id: UserId,
    one_time_password: Option<String>,
    errors: FormErrors,
) -> Result<Response, ApiError> {
    let user = s.store.user(id).await?;
    let now = s.clock.now();
    render(&UserPage {
        l: page.l.clone(),
        nav: Some(page.nav("admin")),
        locked: locked(s, &user).await?,
        own: page.user().id == id,
        roles: Role::ALL.iter().map(|r| r.code()).collect(),
        commitments: s.store.commitments(id).await?,
        sessions: s.store.sessions_of(now, id, s.sessions).await?,
        tokens: s.store.tokens_of(id).await?,
        today: now.date().to_string(),
        user,
        one_time_password,
        errors,
    })
}

async fn detail(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Read)?;
    user_page(&s, &page, path_id(&id)?, None, FormErrors::default()).await
}

fn back(id: UserId) -> Response {
    see_other(&format!("/admin/users/{id}"))
}

/// A step's field errors shown on the user's page; other errors as pages.
async fn done(
    s: &AppState,
    page: &Page,
    id: UserId,
    result: Result<(), ApiError>,
) -> Result<Response, ApiError> {
    match result {
        Ok(()) => Ok(back(id)),
        Err(error) => {
            let errors = FormErrors::of(&page.l, error)?;
            user_page(s, page, id, None, errors).await
        }
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<RoleForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&page.caller, id)?;
    let result = async {
        let role = role(&form.role)?;
        s.store
            .set_role(&page.caller.actor(ADMIN), s.clock.now(), id, role)
            .await?;
        Ok(())
    }
    .await;
    done(&s, &page, id, result).await
}

#[derive(Deserialize)]
struct CommitmentForm {
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    document_version: String,
}

async fn commit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<CommitmentForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    let result = async {
        let signed_on =
            Date::parse(&form.signed_on).map_err(|m| ApiError::field("signed_on", m))?;
        let version = Some(form.document_version.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or("1");
        s.store
            .record_commitment(
                &page.caller.actor(ADMIN),
                s.clock.now(),
                id,
                signed_on,
                version,
            )
            .await?;
        Ok(())
    }
    .await;
    done(&s, &page, id, result).await
}

#[derive(Deserialize)]
struct CsrfOnly {}

async fn disable(
    s: State<AppState>,
    id: Path<String>,
    posted: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    set_disabled(s, id, posted, true).await
}

async fn enable(
    s: State<AppState>,
    id: Path<String>,
    posted: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    set_disabled(s, id, posted, false).await
}

async fn set_disabled(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
    disabled: bool,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&page.caller, id)?;
    s.store
        .set_disabled(&page.caller.actor(ADMIN), s.clock.now(), id, disabled)
        .await?;
    Ok(back(id))
}

async fn unlock(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    s.store
        .unlock(&page.caller.actor(ADMIN), s.clock.now(), id)
        .await?;
    Ok(back(id))
}

async fn reset_password(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&page.caller, id)?;
    let (one_time_password, hash) = one_time_credentials().await?;
    s.store
        .set_password(
            &page.caller.actor(ADMIN),
            s.clock.now(),
            id,
            &hash,
            true,
            None,
        )
        .await?;
    user_page(
        &s,
        &page,
        id,
        Some(one_time_password),
        FormErrors::default(),
    )
    .await
}

async fn remove_totp(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    s.store.user(id).await?;
    s.store
        .remove_totp(&page.caller.actor(ADMIN), s.clock.now(), id)
        .await?;
    Ok(back(id))
}

async fn end_session(
    State(s): State<AppState>,
    Path((id, sid)): Path<(String, String)>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id: UserId = path_id(&id)?;
    let sid: SessionId = path_id(&sid)?;
    s.store
        .end_session(&page.caller.actor(ADMIN), s.clock.now(), id, sid)
        .await?;
    Ok(back(id))
}

async fn revoke_token(
    State(s): State<AppState>,
    Path((id, tid)): Path<(String, String)>,
    Posted { page, .. }: Posted<CsrfOnly>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Users, Access::Write)?;
    let id: UserId = path_id(&id)?;
    let tid: TokenId = path_id(&tid)?;
    s.store
        .revoke_token(&page.caller.actor(ADMIN), s.clock.now(), id, tid)
        .await?;
    Ok(back(id))
}
