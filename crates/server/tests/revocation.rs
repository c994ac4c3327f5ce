//! A change that revokes or narrows access takes effect at the next request
//! everywhere (R11, B5; issue 19 §3): made by the command line beside a
//! running server, or by another server on the same database. The test's
//! clock stands still, so an answer a server kept would be fresh forever:
//! only the access generation read from the database can end it.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;

use common::{TestApp, cli};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;

on_both_backends!(
    r11_a_user_disabled_from_the_command_line_loses_their_token_at_once,
    r11_a_role_changed_from_the_command_line_stops_the_token_at_once,
    r11_a_token_revoked_by_another_server_stops_here_at_once,
    r11_a_second_factor_required_by_another_server_holds_here_at_once,
);

/// Runs the `rekisteri` binary on the app's database, as a person at the
/// server's console would, and expects it to succeed.
async fn rekisteri(app: &TestApp, args: &[&str]) {
    let out = disclosing::rekisteri(app, args).await;
    assert!(
        out.status.success(),
        "rekisteri {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The status of a read of the people list with `token`.
async fn read(app: &TestApp, token: &str) -> u16 {
    app.send(Method::GET, "/api/v1/people", Some(token), None, None)
        .await
        .status
        .as_u16()
}

/// The status of a staff read with `token`, asked twice so that the
/// server has its answer kept.
async fn reads(app: &TestApp, token: &str) -> u16 {
    for _ in 0..2 {
        let status = read(app, token).await;
        if status != 200 {
            return status;
        }
    }
    200
}

async fn r11_a_user_disabled_from_the_command_line_loses_their_token_at_once(app: TestApp) {
    let token = app.user("myyja", Role::Staff).await;
    assert_eq!(reads(&app, &token).await, 200);
    rekisteri(&app, &["user", "disable", "myyja"]).await;
    assert_eq!(
        read(&app, &token).await,
        401,
        "the disabled user's token must stop at the next request"
    );
    rekisteri(&app, &["user", "enable", "myyja"]).await;
    assert_eq!(
        reads(&app, &token).await,
        401,
        "enabling the user again does not bring a revoked token back"
    );
}

async fn r11_a_role_changed_from_the_command_line_stops_the_token_at_once(app: TestApp) {
    let token = app.user("esimies", Role::Admin).await;
    assert_eq!(reads(&app, &token).await, 200);
    rekisteri(&app, &["user", "role", "esimies", "--role", "staff"]).await;
    assert_eq!(
        read(&app, &token).await,
        401,
        "a token acts only in the role it was made for"
    );
}

async fn r11_a_token_revoked_by_another_server_stops_here_at_once(app: TestApp) {
    let token = app.user("myyja", Role::Staff).await;
    assert_eq!(reads(&app, &token).await, 200);
    let other = app.other_store().await;
    let user = other.user_by_name("myyja").await.expect("user");
    let tokens = other.tokens_of(user.id).await.expect("tokens");
    let now = app.clock.now();
    other
        .revoke_token(&cli(), now, user.id, tokens[0].id)
        .await
        .expect("revoked on the other server");
    assert_eq!(
        read(&app, &token).await,
        401,
        "revoked on another server, refused here at the next request"
    );
}

async fn r11_a_second_factor_required_by_another_server_holds_here_at_once(app: TestApp) {
    let now = app.clock.now();
    assert!(!app.store.second_factor_required(now).await.unwrap());
    let other = app.other_store().await;
    other
        .set_second_factor_required(&cli(), now, true)
        .await
        .expect("required on the other server");
    assert!(
        app.store.second_factor_required(now).await.unwrap(),
        "the setting kept here must not outlive the change"
    );
}
