//! The role × route matrix (R4, R11): every route the OpenAPI document
//! describes, called by every role, answers as the matrix below says — 403
//! where the role may not, something else where it may. The matrix is
//! written here, independently of the policy it checks; a route missing
//! from it fails the test. Then the financial partner walks every route it
//! may read and finds no note, phone, email, web address or IP address.

mod common;

use common::{Reply, TestApp, create_person};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    r4_every_route_answers_every_role_as_the_matrix_says,
    r4_the_partner_sees_no_note_phone_or_contact_through_any_route,
);

/// The routes the financial partner may read (R4): billing data only.
const PARTNER_READS: &[&str] = &[
    "/api/v1/people",
    "/api/v1/people/{id}",
    "/api/v1/organisations",
    "/api/v1/organisations/{id}",
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/api/v1/invoices",
    "/api/v1/invoices/{id}",
];

/// Whether `role` may call `method path`. `no_commitment` is a staff member
/// whose confidentiality commitment is not recorded (R11).
fn matrix(role: &str, method: &str, path: &str) -> bool {
    let own_account = path.starts_with("/api/v1/session") || path.starts_with("/api/v1/me");
    let register = [
        "/api/v1/people",
        "/api/v1/organisations",
        "/api/v1/orders",
        "/api/v1/invoices",
        "/api/v1/notes",
        "/api/v1/search",
    ]
    .iter()
    .any(|r| path.starts_with(r));
    let reads = method == "get";
    if own_account {
        true
    } else if path.starts_with("/api/v1/purposes") {
        // R2: the purposes are no personal data; the admin configures them.
        reads || role == "admin"
    } else if path.starts_with("/api/v1/wordings") {
        // Company texts: read by the register's users, written by the
        // privacy officer and the admin.
        if reads {
            role != "partner"
        } else {
            matches!(role, "admin" | "privacy_officer")
        }
    } else if path.ends_with("/restriction") && !reads {
        // R18: restriction is recorded and lifted by the privacy officer
        // (or the admin).
        matches!(role, "admin" | "privacy_officer")
    } else if path.contains("/legal-holds") || path.starts_with("/api/v1/retention") {
        // R8, R9: legal holds and the retention sweep and review are the
        // privacy officer's; the admin reads them.
        role == "privacy_officer" || (role == "admin" && reads)
    } else if path.starts_with("/api/v1/paper-documents") {
        // R10: destroying paper documents is an erasure's task, the
        // privacy officer's.
        role == "privacy_officer"
    } else if path.ends_with("/erasure") || path.ends_with("/anonymisation") {
        // R8, R21: erasure and anonymisation, and their holds, are the
        // privacy officer's, who answers the data subject.
        role == "privacy_officer"
    } else if path.starts_with("/api/v1/marketing") {
        matches!(role, "admin" | "staff" | "privacy_officer")
    } else if path.starts_with("/api/v1/users")
        || path.starts_with("/api/v1/settings")
        || path.starts_with("/api/v1/jobs")
    {
        // The job queue holds no personal data, but deciding to retry is
        // the admin's, like the users and settings.
        role == "admin"
    } else if path.starts_with("/api/v1/audit") {
        role == "privacy_officer"
    } else if path.starts_with("/api/v1/recipients") {
        // R7: staff read the register of recipients (no personal data in
        // it); the admin and the privacy officer keep it.
        match role {
            "admin" | "privacy_officer" => true,
            "staff" | "no_commitment" => method == "get",
            _ => false,
        }
    } else if path.ends_with("/report") {
        // R14, R16: the access report, everything on the person: the
        // privacy officer (who answers the requests) and the admin.
        matches!(role, "admin" | "privacy_officer")
    } else if path.starts_with("/api/v1/disclosures") {
        matches!(role, "admin" | "staff" | "privacy_officer")
    } else if path.starts_with("/api/v1/requests") {
        // R14–R21: data-subject requests are the privacy officer's cases
        // (and the admin's).
        matches!(role, "admin" | "privacy_officer")
    } else if register {
        let personal = !path.starts_with("/api/v1/organisations");
        match role {
            "partner" => method == "get" && PARTNER_READS.contains(&path),
            "no_commitment" => !personal,
            _ => true,
        }
    } else {
        panic!("{method} {path} is not in the matrix: decide who may call it")
    }
}

/// The records the routes' ids stand for.
struct Ids {
    person: String,
    link: String,
    organisation: String,
    order: String,
    invoice: String,
    note: String,
    user: String,
    recipient: String,
    disclosure: String,
}

async fn fill(app: &TestApp) -> Ids {
    let (person, _) = create_person(app, "Matti", "Virtanen").await;
    let organisation = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = app
        .post(
            &format!("/api/v1/people/{person}/organisations"),
            json!({"organisation_id": organisation, "title": "talouspäällikkö"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let order = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "T-1", "ordered_on": "2026-11-20",
                   "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 240000}]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invoice = app
        .post(
            "/api/v1/invoices",
            json!({"person_id": person, "order_id": order, "number": "L-1", "issued_on": "2026-11-20",
                   "due_on": "2026-12-04", "total_cents": 240000}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let note = app
        .post(
            "/api/v1/notes",
            json!({"person_id": person, "kind": "meeting_note", "body": "Salainen muistiinpano"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let user = app
        .store
        .add_user(&common::cli(), app.clock.now(), "kohde", Role::Staff, None)
        .await
        .unwrap()
        .id
        .to_string();
    let recipient = app
        .store
        .create_recipient(
            &common::cli(),
            app.clock.now(),
            rekisteri_domain::recipient::RecipientDraft {
                name: Some("Perintä Oy".into()),
                role: Some("independent_recipient".into()),
                country: Some("FI".into()),
                ..Default::default()
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap()
        .id
        .to_string();
    let disclosure = app
        .post(
            "/api/v1/disclosures",
            json!({"recipient_id": recipient, "ground": "debt_collection", "purpose": "order_management",
                   "categories": ["name", "billing_details"], "person_ids": [person]}),
        )
        .await
        .expect(201)["disclosure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Ids {
        recipient,
        disclosure,
        person,
        link,
        organisation,
        order,
        invoice,
        note,
        user,
    }
}

/// The path with its placeholders filled in.
fn concrete(path: &str, ids: &Ids) -> String {
    let id = if path.starts_with("/api/v1/people") {
        &ids.person
    } else if path.starts_with("/api/v1/organisations") {
        &ids.organisation
    } else if path.starts_with("/api/v1/orders") {
        &ids.order
    } else if path.starts_with("/api/v1/invoices") {
        &ids.invoice
    } else if path.starts_with("/api/v1/notes") {
        &ids.note
    } else if path.starts_with("/api/v1/users") {
        &ids.user
    } else if path.starts_with("/api/v1/recipients") {
        &ids.recipient
    } else if path.starts_with("/api/v1/disclosures") {
        &ids.disclosure
    } else {
        // Sessions and tokens of one's own: no such record.
        "01900000-0000-7000-8000-000000000000"
    };
    path.replace("{id}", id)
        .replace("{link_id}", &ids.link)
        .replace("{person_id}", &ids.person)
        .replace("{hold_id}", "01900000-0000-7000-8000-000000000000")
}

/// A body of the right shape where a route needs one, so that the answer
/// is the policy's, not the parser's.
fn body(method: &str, path: &str) -> Option<Value> {
    let body = match (method, path) {
        ("get", _) => return None,
        ("post", "/api/v1/users") => json!({"name": "matriisi", "role": "staff"}),
        ("put", "/api/v1/users/{id}/role") => json!({"role": "staff"}),
        ("post", "/api/v1/users/{id}/commitments") => json!({"signed_on": "2026-11-01"}),
        ("put", "/api/v1/settings") => json!({"require_second_factor": false}),
        ("put", "/api/v1/settings/register") => {
            serde_json::to_value(rekisteri_domain::controller::RegisterDetails::default()).unwrap()
        }
        ("put", "/api/v1/settings/retention") => {
            serde_json::to_value(rekisteri_domain::retention::RetentionSchedule::default()).unwrap()
        }
        ("post", "/api/v1/session") => json!({"name": "eiole", "password": "ei tämäkään"}),
        ("put", "/api/v1/me/password") => {
            json!({"current_password": "väärä", "new_password": "uusi salasana"})
        }
        ("post", "/api/v1/me/second-factor/confirm") => {
            json!({"code": "000000", "current_password": "väärä"})
        }
        ("delete", "/api/v1/me/second-factor") => json!({"current_password": "väärä"}),
        _ => json!({}),
    };
    Some(body)
}

/// Every (method, path) of the OpenAPI document.
async fn routes(app: &TestApp) -> Vec<(String, String)> {
    let doc = app.get("/api/v1/openapi.json").await.expect(200);
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.push((method.to_string(), path.clone()));
            }
        }
    }
    routes
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, ids: &Ids) -> Reply {
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    app.send(
        m,
        &concrete(path, ids),
        Some(token),
        Some("\"1\""),
        body(method, path),
    )
    .await
}

async fn r4_every_route_answers_every_role_as_the_matrix_says(app: TestApp) {
    let ids = fill(&app).await;
    // The roles that change least go first, so later ones find records gone
    // (404), never a wrong 403.
    let roles = [
        ("partner", app.user("kirjanpito", Role::Partner).await),
        (
            "no_commitment",
            app.user_without_commitment("uusi", Role::Staff).await,
        ),
        (
            "privacy_officer",
            app.user("tietosuoja", Role::PrivacyOfficer).await,
        ),
        ("staff", app.token.clone()),
        ("admin", app.user("paakayttaja", Role::Admin).await),
    ];
    let routes = routes(&app).await;
    assert!(
        routes.len() > 40,
        "the document lists the routes: {}",
        routes.len()
    );
    let mut wrong = Vec::new();
    for (role, token) in &roles {
        for (method, path) in &routes {
            let reply = call(&app, token, method, path, &ids).await;
            let allowed = matrix(role, method, path);
            let refused = reply.status == 403;
            // Only a login answers 401 to a caller with a token: wrong password.
            let unauthenticated = reply.status == 401 && path != "/api/v1/session";
            if allowed == refused || unauthenticated || reply.status.is_server_error() {
                wrong.push(format!(
                    "{role} {method} {path}: {} {}",
                    reply.status, reply.body
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers off the matrix:\n{}",
        wrong.join("\n")
    );
}

async fn r4_the_partner_sees_no_note_phone_or_contact_through_any_route(app: TestApp) {
    let ids = fill(&app).await;
    let partner = app.user("kirjanpito", Role::Partner).await;
    let secrets = [
        "Salainen muistiinpano",
        "+358401234567",
        "matti.virtanen@esimerkki.fi",
        "myyntipäällikkö",
        "talouspäällikkö",
        "Kauppakatu",
    ];
    let mut seen = 0;
    for (method, path) in routes(&app).await {
        if method != "get" || path.contains("openapi") {
            continue;
        }
        for query in [
            "",
            "?limit=500",
            "?q=matti",
            "?email=matti.virtanen@esimerkki.fi",
        ] {
            let url = format!("{}{query}", concrete(&path, &ids));
            let reply = app
                .send(Method::GET, &url, Some(&partner), None, None)
                .await;
            let text = reply.body.to_string();
            for secret in secrets {
                assert!(!text.contains(secret), "GET {url} shows {secret}: {text}");
            }
            if reply.status == 200 {
                seen += 1;
            }
        }
    }
    assert!(
        seen >= 8,
        "the partner did read billing data ({seen} answers)"
    );
    // The billing view itself: name and billing address only.
    let person = app
        .send(
            Method::GET,
            &format!("/api/v1/people/{}", ids.person),
            Some(&partner),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(person["last_name"], "Virtanen");
    assert_eq!(person["phones"], json!([]));
}
