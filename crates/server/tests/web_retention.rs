//! Retention on the staff pages (R8, R9, R10), in Finnish: the person
//! page's keeping section (the relationship's end, a legal hold placed and
//! ended by the officer, a paper document recorded by staff), the
//! officer's `/retention` page (the preview with its holds, the review of
//! quiet relationships answered, the paper document confirmed destroyed,
//! a sweep asked for), and the admin's schedule form with its errors.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;

use common::{TestApp, create_person};
use disclosing::{PASSWORD, web};
use rekisteri_domain::retention::plus_months;
use rekisteri_domain::{Clock, Role, Timestamp};
use reqwest::Method;

on_both_backends!(
    r9_r8_r10_web_the_person_page_keeps_the_end_holds_and_paper,
    r9_web_the_officer_reviews_previews_and_sweeps,
    r9_web_the_admin_edits_the_schedule_and_reads_its_errors_in_finnish,
);

async fn text(app: &TestApp, b: &common::Browser, path: &str) -> String {
    let reply = web(app, b, Method::GET, path, &[]).await;
    assert_eq!(reply.status(), 200, "{path}");
    reply.text().await.unwrap()
}

async fn post(app: &TestApp, b: &common::Browser, path: &str, fields: &[(&str, &str)]) -> u16 {
    web(app, b, Method::POST, path, fields)
        .await
        .status()
        .as_u16()
}

async fn r9_r8_r10_web_the_person_page_keeps_the_end_holds_and_paper(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    let (person, _) = create_person(&app, "Kerttu", "Kansio").await;
    let path = format!("/people/{person}");
    let page = text(&app, &staff, &path).await;
    assert!(page.contains("Asiakassuhde jatkuu."), "{page}");
    // Staff see no legal holds and may not place one.
    assert!(!page.contains("Lisää säilytysvelvoite"));
    let hold = [
        ("reason", "riita-asia"),
        ("reference", "KO 5/2026"),
        ("ends_on", ""),
    ];
    assert_eq!(
        post(&app, &staff, &format!("{path}/legal-holds"), &hold).await,
        403
    );
    // Staff record the end and a paper document.
    let today = app.clock.now().date().to_string();
    assert_eq!(
        post(
            &app,
            &staff,
            &format!("{path}/relationship-end"),
            &[
                ("ended_on", &today),
                ("reason", "asiakas muutti ulkomaille")
            ]
        )
        .await,
        303
    );
    assert_eq!(
        post(
            &app,
            &staff,
            &format!("{path}/paper-documents"),
            &[
                ("kind", "paperinen tilauslomake"),
                ("dated_on", ""),
                ("location", "arkistohuone, hylly 4"),
                ("keeper", "toimistosihteeri")
            ]
        )
        .await,
        303
    );
    let page = text(&app, &staff, &path).await;
    assert!(page.contains("asiakas muutti ulkomaille"), "{page}");
    assert!(page.contains("arkistohuone, hylly 4"), "{page}");
    // A paper document without its place is refused, naming the field in Finnish.
    let refused = web(
        &app,
        &staff,
        Method::POST,
        &format!("{path}/paper-documents"),
        &[("kind", "kirje"), ("location", ""), ("keeper", "x")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("location") || body.contains("pakollinen"),
        "{body}"
    );

    // The officer places a hold, sees it in force, and ends it.
    assert_eq!(
        post(&app, &officer, &format!("{path}/legal-holds"), &hold).await,
        303
    );
    let page = text(&app, &officer, &path).await;
    assert!(
        page.contains("KO 5/2026") && page.contains("voimassa"),
        "{page}"
    );
    assert!(
        page.contains("Oikeudellinen säilytysvelvoite: riita-asia (KO 5/2026)"),
        "{page}"
    );
    let holds = app
        .send(
            Method::GET,
            &format!("/api/v1/people/{person}/legal-holds"),
            Some(&app.user("tarkastaja", Role::PrivacyOfficer).await),
            None,
            None,
        )
        .await
        .expect(200);
    let hold_id = holds[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post(
            &app,
            &officer,
            &format!("{path}/legal-holds/{hold_id}/end"),
            &[]
        )
        .await,
        303
    );
    let page = text(&app, &officer, &path).await;
    assert!(page.contains("päättynyt"), "{page}");
    // Reopened: the end is gone.
    assert_eq!(
        post(
            &app,
            &staff,
            &format!("{path}/relationship-end"),
            &[("reopen", "yes")]
        )
        .await,
        303
    );
    assert!(
        text(&app, &staff, &path)
            .await
            .contains("Asiakassuhde jatkuu.")
    );
}

async fn r9_web_the_officer_reviews_previews_and_sweeps(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    let start = app.clock.now().date();
    let (quiet, _) = create_person(&app, "Hannes", "Hiljanen").await;
    let (old, _) = create_person(&app, "Vilho", "Vanhakanta").await;
    app.post(
        &format!("/api/v1/people/{old}/paper-documents"),
        serde_json::json!({"kind": "sopimus", "location": "kassakaappi", "keeper": "johtaja"}),
    )
    .await
    .expect(201);
    app.send(
        Method::PUT,
        &format!("/api/v1/people/{old}/relationship-end"),
        Some(&app.token),
        None,
        Some(serde_json::json!({"reason": "lopetti", "ended_on": start.to_string()})),
    )
    .await
    .expect(204);
    assert_eq!(
        web(&app, &staff, Method::GET, "/retention", &[])
            .await
            .status(),
        403
    );
    // Two years and a day later the quiet one is on the review list.
    let later = plus_months(start, 24).plus_days(1);
    app.clock.set(Timestamp::from_micros(
        later.start().micros() + 36_000_000_000,
    ));
    // Sessions end after 12 hours: a new login.
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let page = text(&app, &officer, "/retention").await;
    assert!(page.contains("Hannes Hiljanen"), "{page}");
    assert!(page.contains("Mitään ei ole vanhentunut"), "{page}");
    assert_eq!(
        post(
            &app,
            &officer,
            &format!("/retention/review/{quiet}/confirm"),
            &[("ended_on", &start.to_string()), ("reason", "ei toimintaa")]
        )
        .await,
        303
    );
    let person = app
        .get(&format!("/api/v1/people/{quiet}"))
        .await
        .expect(200);
    assert_eq!(person["relationship_end_reason"], "ei toimintaa");
    // Ten years and a day after the end: both are in the preview.
    let expired = plus_months(start, 120).plus_days(1);
    app.clock.set(Timestamp::from_micros(
        expired.start().micros() + 36_000_000_000,
    ));
    // Sessions end after 12 hours: a new login.
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let page = text(&app, &officer, "/retention").await;
    assert!(
        page.contains("Vilho Vanhakanta") && page.contains("Asiakastiedot"),
        "{page}"
    );
    assert!(page.contains("poistettu"), "{page}");
    assert_eq!(post(&app, &officer, "/retention/sweep", &[]).await, 303);
    app.outbox.run_jobs().await;
    let page = text(&app, &officer, "/retention").await;
    assert!(page.contains("valmis"), "{page}");
    app.get(&format!("/api/v1/people/{old}")).await.expect(404);
    // The paper document waits for its destruction; the officer confirms it.
    assert!(page.contains("kassakaappi"), "{page}");
    let tasks = app
        .send(
            Method::GET,
            "/api/v1/paper-documents/to-destroy",
            Some(&app.user("toinen", Role::PrivacyOfficer).await),
            None,
            None,
        )
        .await
        .expect(200);
    let doc = tasks[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post(
            &app,
            &officer,
            &format!("/paper-documents/{doc}/destroyed"),
            &[("destroyed_on", "")]
        )
        .await,
        303
    );
    let page = text(&app, &officer, "/retention").await;
    assert!(
        page.contains("Ei hävitettäviä paperiasiakirjoja."),
        "{page}"
    );
}

async fn r9_web_the_admin_edits_the_schedule_and_reads_its_errors_in_finnish(app: TestApp) {
    app.user_with_password("paakayttaja", Role::Admin, PASSWORD)
        .await;
    let admin = app.browser("paakayttaja", PASSWORD).await;
    let page = text(&app, &admin, "/admin/settings/retention").await;
    assert!(
        page.contains("Asiakastiedot") && page.contains("Tietosuojaseloste"),
        "{page}"
    );
    let current = app
        .send(
            Method::GET,
            "/api/v1/settings/retention",
            Some(&app.user("a2", Role::Admin).await),
            None,
            None,
        )
        .await
        .expect(200);
    let mut fields: Vec<(String, String)> = vec![("version".into(), "0".into())];
    for (i, p) in current["schedule"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for f in ["months", "anchor", "action", "reason_fi", "reason_en"] {
            let v = match &p[f] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            fields.push((format!("policies[{i}].{f}"), v));
        }
    }
    fields.push(("financial_year_end".into(), "12-31".into()));
    fields.push(("review_after_months".into(), "24".into()));
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.clone(), if k == name { value.into() } else { v.clone() }))
            .collect()
    };
    let bad = with("policies[1].months", "12");
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = web(
        &app,
        &admin,
        Method::POST,
        "/admin/settings/retention",
        &pairs,
    )
    .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("on oltava vähintään 120 kuukautta"), "{body}");
    let good = with("policies[0].months", "96");
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        post(&app, &admin, "/admin/settings/retention", &pairs).await,
        303
    );
    let page = text(&app, &admin, "/admin/settings/retention?saved=1").await;
    assert!(page.contains("8 vuotta"), "{page}");
    // A stale version is a conflict, not an overwrite.
    assert_eq!(
        post(&app, &admin, "/admin/settings/retention", &pairs).await,
        409
    );
}
