//! People over HTTP, on SQLite and PostgreSQL: validation (R3), sources
//! (R5), optimistic concurrency, audit (B1), search (B6), holds (R8, R19).

mod common;

use common::{Reply, TestApp, create_person, person_json};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    api_needs_a_bearer_token_but_healthz_does_not,
    b1_concurrent_reads_each_get_their_own_person_and_audit_row,
    b1_audit_verify_passes_a_clean_chain_and_names_the_first_edited_entry,
    r3_bad_input_of_every_validated_kind_gets_422_naming_the_field_and_stores_nothing,
    r3_values_are_stored_in_normal_form,
    r5_each_value_keeps_its_own_source_across_edits,
    stale_if_match_gets_412_and_missing_gets_428,
    b1_every_personal_data_read_and_write_leaves_an_audit_row_with_purpose,
    b6_search_finds_prefixes_emails_organisations_and_notes,
    r8_r19_erasure_is_held_by_open_invoices_and_contact_roles,
);

pub async fn api_needs_a_bearer_token_but_healthz_does_not(app: TestApp) {
    let health = app.send(Method::GET, "/healthz", None, None, None).await;
    assert_eq!(health.status, 200);
    let none = app
        .send(Method::GET, "/api/v1/people", None, None, None)
        .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["error"]["code"], "unauthorized");
    let wrong = app
        .send(
            Method::GET,
            "/api/v1/people",
            Some("rk_not_a_token"),
            None,
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    // Tokens are stored hashed: the secret is nowhere in the database.
    let stored: Vec<String> = sqlx::query_scalar::<_, String>("SELECT token_hash FROM api_tokens")
        .fetch_all(app.store.read_pool())
        .await
        .unwrap();
    assert!(
        !stored.is_empty()
            && stored
                .iter()
                .all(|h| h.len() == 64 && !h.contains(&app.token))
    );
}

async fn r3_bad_input_of_every_validated_kind_gets_422_naming_the_field_and_stores_nothing(
    app: TestApp,
) {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "emails": ["matti@"]}),
            "emails[0]",
        ),
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "phones": ["12"]}),
            "phones[0]",
        ),
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "websites": ["ftp://x.fi"]}),
            "websites[0]",
        ),
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "ip_addresses": ["300.1.1.1"]}),
            "ip_addresses[0]",
        ),
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "addresses": [{"street": "Katu 1", "postal_code": "123", "city": "Oulu"}]}),
            "addresses[0].postal_code",
        ),
        ("/api/v1/people", json!({"first_name": "A"}), "last_name"),
        (
            "/api/v1/people",
            json!({"first_name": "A", "last_name": "B", "source": "rumour"}),
            "source",
        ),
        (
            "/api/v1/people",
            json!({"first_name": 5, "last_name": "B"}),
            "first_name",
        ),
        (
            "/api/v1/organisations",
            json!({"name": "Mediateko Oy", "business_id": "2231129-8"}),
            "business_id",
        ),
    ];
    for (path, body, field) in cases {
        let reply = app.post(path, body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.body["error"]["code"], "invalid");
        assert_eq!(reply.body["error"]["field"], field, "{}", reply.body);
        assert!(reply.body["error"]["message"].as_str().unwrap_or("").len() > field.len());
    }
    // A person with one good and one bad email: nothing of it is stored.
    let reply = app
        .post("/api/v1/people", json!({"first_name": "A", "last_name": "B", "emails": ["a@b.fi", "bad"], "phones": ["040 123 4567"]}))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(app.count("people").await, 0);
    assert_eq!(app.count("person_contacts").await, 0);
    assert_eq!(app.count("organisations").await, 0);
    // Not JSON at all.
    let reply = app
        .client
        .post(format!("{}/api/v1/people", app.base))
        .bearer_auth(&app.token)
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 422);
}

async fn r3_values_are_stored_in_normal_form(app: TestApp) {
    let body = app
        .post(
            "/api/v1/people",
            json!({"first_name": " Matti ", "last_name": "Virtanen", "emails": ["Matti.Virtanen@ESIMERKKI.fi"],
                   "phones": ["040 123 4567"], "websites": ["www.esimerkki.fi"], "ip_addresses": ["2001:DB8::1"]}),
        )
        .await
        .expect(201);
    assert_eq!(body["first_name"], "Matti");
    assert_eq!(body["emails"][0]["value"], "Matti.Virtanen@esimerkki.fi");
    assert_eq!(body["phones"][0]["value"], "+358401234567");
    assert_eq!(body["websites"][0]["value"], "https://www.esimerkki.fi/");
    assert_eq!(body["ip_addresses"][0]["value"], "2001:db8::1");
    let org = app
        .post(
            "/api/v1/organisations",
            json!({"name": "MT Mediateko Oy", "business_id": "2231129-9"}),
        )
        .await
        .expect(201);
    assert_eq!(org["business_id"], "2231129-9");
}

async fn r5_each_value_keeps_its_own_source_across_edits(app: TestApp) {
    let (id, etag) = create_person(&app, "Annika", "Kettunen").await;
    app.clock.advance_days(3);
    let mut update = person_json("Annika", "Kettunen");
    update["emails"] = json!(["annika.kettunen@esimerkki.fi", "annika@mediateko.fi"]);
    update["source"] = json!("update_service");
    update["source_detail"] = json!("Postin osoitepalvelu, erä 2026-11");
    let body = app
        .put(&format!("/api/v1/people/{id}"), &etag, update)
        .await
        .expect(200);
    let emails = body["emails"].as_array().unwrap();
    assert_eq!(
        emails[0]["source"], "registration",
        "an unchanged value keeps its source"
    );
    assert_eq!(emails[1]["source"], "update_service");
    assert_eq!(
        emails[1]["source_detail"],
        "Postin osoitepalvelu, erä 2026-11"
    );
    assert_ne!(emails[0]["recorded_at"], emails[1]["recorded_at"]);
    assert_eq!(body["name_source"]["source"], "registration");
    assert_eq!(body["phones"][0]["source"], "registration");
}

async fn stale_if_match_gets_412_and_missing_gets_428(app: TestApp) {
    let (id, etag) = create_person(&app, "Matti", "Virtanen").await;
    assert_eq!(etag, "\"1\"");
    let path = format!("/api/v1/people/{id}");
    let read = app.get(&path).await;
    assert_eq!(read.etag(), "\"1\"");
    let first = app
        .put(&path, &etag, person_json("Matti", "Virtanen-Korhonen"))
        .await;
    assert_eq!(first.etag(), "\"2\"");
    first.expect(200);
    // A second writer who read version 1 does not overwrite the first.
    let second = app.put(&path, &etag, person_json("Matti", "Mäkinen")).await;
    assert_eq!(second.status, 412);
    assert_eq!(second.body["error"]["code"], "version_mismatch");
    assert_eq!(second.body["error"]["current_version"], 2);
    let none = app
        .send(
            Method::PUT,
            &path,
            Some(&app.token),
            None,
            Some(person_json("Matti", "X")),
        )
        .await;
    assert_eq!(none.status, 428);
    // R21: a person is erased, never plainly deleted, whatever the version.
    for version in [etag.as_str(), "\"2\""] {
        let gone = app.delete(&path, version).await.expect(410);
        assert_eq!(gone["error"]["code"], "use_erasure");
    }
    assert_eq!(
        app.get(&path).await.expect(200)["last_name"],
        "Virtanen-Korhonen"
    );
}

async fn b1_every_personal_data_read_and_write_leaves_an_audit_row_with_purpose(app: TestApp) {
    let (id, etag) = create_person(&app, "Matti", "Virtanen").await;
    let path = format!("/api/v1/people/{id}");
    app.get(&path).await.expect(200);
    let marketing = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.token)
        .header("X-Purpose", "business_development")
        .send()
        .await
        .unwrap();
    assert_eq!(marketing.status(), 200);
    let bad = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.token)
        .header("X-Purpose", "curiosity")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.get("/api/v1/people").await.expect(200);
    app.get("/api/v1/search?q=Virtanen").await.expect(200);
    app.put(&path, &etag, person_json("Matti", "Virtanen"))
        .await
        .expect(200);
    let note = app
        .post(
            "/api/v1/notes",
            json!({"person_id": id, "kind": "meeting_note", "body": "Tavattiin."}),
        )
        .await
        .expect(201);
    app.get(&format!("/api/v1/notes/{}", note["id"].as_str().unwrap()))
        .await
        .expect(200);

    let rows = app.audit().await;
    let about_person: Vec<_> = rows
        .iter()
        .filter(|r| r.3.as_deref() == Some(id.as_str()))
        .collect();
    let actions: Vec<(&str, &str, &str)> = about_person
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.4.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("create", "person", "register_maintenance"),
            ("read", "person", "customer_relationship"),
            ("read", "person", "business_development"),
            ("list", "person", "register_maintenance"),
            ("search", "person", "customer_relationship"),
            ("update", "person", "register_maintenance"),
            ("create", "note", "customer_relationship"),
            ("read", "note", "customer_relationship"),
        ]
    );
    let staff = app.store.user_by_name("staff").await.unwrap();
    assert!(
        about_person
            .iter()
            .all(|r| r.5.as_deref() == Some(staff.id.to_string().as_str()))
    );
    // Ids only: no personal data in the audit log.
    assert!(rows.iter().all(|r| !format!("{r:?}").contains("Virtanen")));
    // The audit log is append-only.
    let tamper = sqlx::query("UPDATE audit_log SET purpose = 'x'")
        .execute(app.store.write_pool())
        .await;
    assert!(tamper.is_err(), "audit_log must refuse updates");
}

async fn b6_search_finds_prefixes_emails_organisations_and_notes(app: TestApp) {
    let (id, _) = create_person(&app, "Matti", "Virtanen").await;
    create_person(&app, "Liisa", "Korhonen").await;
    let org = app
        .post(
            "/api/v1/organisations",
            json!({"name": "Kuopion Puutarha Oy", "business_id": "0737546-2"}),
        )
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/people/{id}/organisations"),
        json!({"organisation_id": org["id"], "title": "toimitusjohtaja"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/notes",
        json!({"person_id": id, "kind": "offer", "body": "Soitettiin asiakkaalle tarjouksesta."}),
    )
    .await
    .expect(201);

    let titles = |reply: Reply| -> Vec<String> {
        reply
            .expect(200)
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                format!(
                    "{}:{}",
                    h["kind"].as_str().unwrap(),
                    h["title"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        titles(app.get("/api/v1/search?q=Virtane").await),
        ["person:Matti Virtanen"]
    );
    assert_eq!(
        titles(app.get("/api/v1/search?q=virt%20matt").await),
        ["person:Matti Virtanen"]
    );
    assert_eq!(
        titles(app.get("/api/v1/search?q=liisa.korhonen").await),
        ["person:Liisa Korhonen"]
    );
    // A person is found by the organisation they represent.
    let by_org = titles(app.get("/api/v1/search?q=Puutarha").await);
    assert!(
        by_org.contains(&"person:Matti Virtanen".to_string())
            && by_org.contains(&"organisation:Kuopion Puutarha Oy".to_string()),
        "{by_org:?}"
    );
    assert_eq!(
        titles(app.get("/api/v1/search?q=asiakas&kinds=note").await).len(),
        1
    );
    assert!(titles(app.get("/api/v1/search?q=Nieminen").await).is_empty());
    assert_eq!(app.get("/api/v1/search?q=x&kinds=cats").await.status, 422);
}

async fn r8_r19_erasure_is_held_by_open_invoices_and_contact_roles(app: TestApp) {
    let officer = app
        .user("tietosuoja", rekisteri_domain::Role::PrivacyOfficer)
        .await;
    let erase = |id: String| {
        let (app, officer) = (&app, officer.clone());
        async move {
            app.send(
                Method::POST,
                &format!("/api/v1/people/{id}/erasure"),
                Some(&officer),
                None,
                Some(json!({})),
            )
            .await
        }
    };
    let (id, _) = create_person(&app, "Matti", "Virtanen").await;
    let invoice = app
        .post("/api/v1/invoices", json!({"person_id": id, "number": "L-1", "issued_on": "2026-11-01", "due_on": "2026-11-15", "total_cents": 12400}))
        .await;
    let invoice_etag = invoice.etag();
    let invoice = invoice.expect(201);
    assert_eq!(invoice["status"], "open");
    let org = app
        .post("/api/v1/organisations", json!({"name": "Mediateko Oy"}))
        .await
        .expect(201);
    let link = app
        .post(
            &format!("/api/v1/people/{id}/organisations"),
            json!({"organisation_id": org["id"], "is_contact_person": true}),
        )
        .await;
    let link_etag = link.etag();
    let link = link.expect(201);
    assert_eq!(link["is_active_contact_person"], true);
    let held = erase(id.clone()).await.expect(409);
    assert_eq!(held["error"]["code"], "held");
    let mut codes: Vec<&str> = held["error"]["holds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["open_invoice", "organisation_contact"]);

    // Paid: the contact role still holds the scheduled erasure.
    let paid = json!({"person_id": id, "number": "L-1", "status": "paid", "issued_on": "2026-11-01", "due_on": "2026-11-15", "total_cents": 12400});
    app.put(
        &format!("/api/v1/invoices/{}", invoice["id"].as_str().unwrap()),
        &invoice_etag,
        paid,
    )
    .await
    .expect(200);
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{id}")).await.expect(200);

    // The contact role ended yesterday: the hold is gone, the erasure runs.
    let ended =
        json!({"organisation_id": org["id"], "is_contact_person": true, "ended_on": "2026-11-23"});
    let link = app
        .put(
            &format!(
                "/api/v1/people/{id}/organisations/{}",
                link["id"].as_str().unwrap()
            ),
            &link_etag,
            ended,
        )
        .await
        .expect(200);
    assert_eq!(link["is_active_contact_person"], false);
    // The change queued the erasure's re-check; the runner runs it.
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{id}")).await.expect(404);
    // The invoice stays for the accounting law, without the person.
    assert_eq!(app.count("people").await, 0);
    assert_eq!(app.count("person_contacts").await, 0);
    let kept = app
        .get(&format!(
            "/api/v1/invoices/{}",
            invoice["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(kept["total_cents"], 12400);
    assert_eq!(kept["person_id"], Value::Null);
    assert!(
        app.get("/api/v1/search?q=Virtanen")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn b1_concurrent_reads_each_get_their_own_person_and_audit_row(app: TestApp) {
    // Reads running at once are merged into shared queries; each must still
    // get its own person, and leave its own audit row.
    let names = ["Aalto", "Berg", "Hiltunen", "Ojala", "Vainio"];
    let mut ids = Vec::new();
    for name in names {
        ids.push((create_person(&app, "Testi", name).await.0, name));
    }
    let app = std::sync::Arc::new(app);
    let mut reads = tokio::task::JoinSet::new();
    for round in 0..8 {
        for (id, name) in ids.clone() {
            let app = app.clone();
            reads.spawn(async move {
                // Round 0 asks for people who do not exist, in the same batches.
                let id = if round == 0 {
                    "01900000-0000-7000-8000-000000000000".to_string()
                } else {
                    id
                };
                let reply = app.get(&format!("/api/v1/people/{id}")).await;
                (
                    round,
                    reply.status.as_u16(),
                    reply.body["last_name"].as_str().map(str::to_string),
                    name,
                )
            });
        }
    }
    let mut ok = 0;
    while let Some(result) = reads.join_next().await {
        let (round, status, last_name, name) = result.unwrap();
        if round == 0 {
            assert_eq!(status, 404);
        } else {
            assert_eq!((status, last_name.as_deref()), (200, Some(name)));
            ok += 1;
        }
    }
    assert_eq!(ok, 35);
    let reads = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.0 == "read" && r.1 == "person")
        .count();
    assert_eq!(reads, 35);
}

async fn b1_audit_verify_passes_a_clean_chain_and_names_the_first_edited_entry(app: TestApp) {
    // The set-up's own entries: the staff user, their commitment and token.
    let setup = app.store.verify_audit().await.unwrap().entries;
    let (id, _) = create_person(&app, "Matti", "Virtanen").await;
    for _ in 0..3 {
        app.get(&format!("/api/v1/people/{id}")).await.expect(200);
    }
    app.post(
        "/api/v1/notes",
        json!({"person_id": id, "kind": "meeting_note", "body": "Tavattiin."}),
    )
    .await
    .expect(201);
    let report = app.store.verify_audit().await.unwrap();
    assert_eq!(
        (report.entries, report.first_broken.clone()),
        (setup + 5, None)
    );

    // Someone with database access turns the guard off and edits entry 3.
    let pool = app.store.write_pool();
    let seq: i64 =
        sqlx::query_scalar::<_, i64>("SELECT seq FROM audit_log ORDER BY seq LIMIT 1 OFFSET $1")
            .bind(setup as i64 + 2)
            .fetch_one(pool)
            .await
            .unwrap();
    let disable = match app.db {
        common::Db::Sqlite => "DROP TRIGGER audit_log_no_update",
        common::Db::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    };
    sqlx::query(disable).execute(pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET purpose = 'business_development' WHERE seq = $1")
        .bind(seq)
        .execute(pool)
        .await
        .unwrap();
    let report = app.store.verify_audit().await.unwrap();
    let (broken, why) = report.first_broken.expect("verify must fail");
    assert_eq!(broken, seq);
    assert!(why.contains("edited"), "{why}");

    // Putting the value back mends that entry; removing the next one breaks the chain after it.
    sqlx::query("UPDATE audit_log SET purpose = 'customer_relationship' WHERE seq = $1")
        .bind(seq)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(app.store.verify_audit().await.unwrap().first_broken, None);
    let remove = match app.db {
        common::Db::Sqlite => "DROP TRIGGER audit_log_no_delete",
        common::Db::Postgres => "SELECT 1",
    };
    sqlx::query(remove).execute(pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(seq + 1)
        .execute(pool)
        .await
        .unwrap();
    let (broken, why) = app
        .store
        .verify_audit()
        .await
        .unwrap()
        .first_broken
        .expect("verify must fail");
    // Named: the removed entry itself (a seal covered it) or the one after.
    assert!(broken > seq, "the removed entry or the one after is named");
    assert!(why.contains("removed"), "{why}");
}
