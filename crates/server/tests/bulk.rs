//! Bulk paths on both backends: CSV import (all or nothing, rejected rows
//! named by line and field), export that imports back, and the demo data.

mod common;

use common::TestApp;
use rekisteri::cli::transfer::import_in_one_transaction;
use rekisteri::services::imports::{read_people_csv, sort_rows};
use rekisteri_domain::Source;

on_both_backends!(
    r3_import_reports_rejected_rows_by_line_and_field,
    r5_imported_people_carry_the_import_source,
    demo_fills_every_table_and_is_searchable,
    r3_b5_a_write_goes_through_while_an_import_is_under_way,
    i17_an_import_leaves_the_planner_its_statistics,
);

/// After a bulk load the planner has statistics (issue 17): without them
/// SQLite guesses an index from the schema, and a guess once walked every
/// email in the register for one person's contacts.
async fn i17_an_import_leaves_the_planner_its_statistics(app: TestApp) {
    use rekisteri_domain::Clock;
    let rows = read_people_csv(CSV.as_bytes(), Source::PartnerSystem, None).unwrap();
    let (valid, _) = sort_rows(rows);
    let actor = rekisteri_domain::audit::Actor::command_line(
        rekisteri_domain::Purpose::RegisterMaintenance,
    );
    rekisteri::services::imports::import_batches(
        &app.store,
        actor,
        app.clock.now(),
        valid,
        None,
        |_| {},
    )
    .await
    .unwrap();
    let analysed = match app.db {
        common::Db::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master m WHERE m.name = 'sqlite_stat1' \
             AND EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.tbl = 'person_contacts')"
        }
        common::Db::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_stat_user_tables \
             WHERE relname = 'person_contacts' AND last_analyze IS NOT NULL"
        }
    };
    let mut found = 0;
    for _ in 0..50 {
        found = app.scalar(analysed).await;
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found, 1, "the contacts' statistics were gathered");
}

/// An import under way does not hold the register's writer (issue 19 §1):
/// on SQLite its rows are staged on a connection of its own and copied in
/// by one short last step, so a person added through the API meanwhile is
/// stored at once (before, the write waited for the whole import). The
/// import's rows appear all at once, each audited, and an import dropped
/// unfinished leaves nothing.
async fn r3_b5_a_write_goes_through_while_an_import_is_under_way(app: TestApp) {
    use rekisteri_domain::audit::Actor;
    use rekisteri_domain::ids::PersonId;
    use rekisteri_domain::person::PersonDraft;
    use rekisteri_domain::{Clock, Purpose};
    let at = app.clock.now();
    let imported = "SELECT COUNT(*) AS n FROM people WHERE last_name LIKE 'Vaiheistettu%'";
    let batch = |from: usize| -> Vec<(PersonId, rekisteri_domain::person::NewPerson)> {
        (from..from + 500)
            .map(|i| {
                let draft = PersonDraft {
                    first_name: Some("Tuotu".into()),
                    last_name: Some(format!("Vaiheistettu{i}")),
                    emails: vec![format!("vaiheistettu.{i}@esimerkki.fi")],
                    source: Some("partner_system".into()),
                    ..PersonDraft::default()
                };
                (PersonId::new(at), draft.parse().expect("a valid person"))
            })
            .collect()
    };
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let mut import = app.store.people_import(actor, at).await.unwrap();
    import.people(&batch(0)).await.unwrap();
    import.people(&batch(500)).await.unwrap();
    let write = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.post("/api/v1/people", common::person_json("Samaan", "Aikaan")),
    )
    .await
    .expect("the write does not wait for the import");
    assert_eq!(write.status, 201, "{:?}", write.body);
    assert_eq!(app.scalar(imported).await, 0, "nothing of the import yet");
    let audit_before = app.count("audit_log").await;
    import.commit(None).await.unwrap();
    assert_eq!(app.scalar(imported).await, 1000, "the import, whole");
    assert_eq!(app.half_stored_people().await, 0);
    assert!(
        app.count("audit_log").await >= audit_before + 1000,
        "each audited"
    );

    let mut dropped = app.store.people_import(actor, at).await.unwrap();
    dropped.people(&batch(5_000)).await.unwrap();
    drop(dropped);
    assert_eq!(
        app.scalar(imported).await,
        1000,
        "a dropped import leaves nothing"
    );
}

const CSV: &str = "first_name,last_name,emails,phones,street,postal_code,city\n\
Matti,Virtanen,matti@esimerkki.fi,040 123 4567,Kauppakatu 1,70100,Kuopio\n\
Liisa,Korhonen,liisa@,040 765 4321,Rantatie 2,00100,Helsinki\n\
Pekka,Mäkinen,pekka@esimerkki.fi,0401112223,Koulukatu 3,9010,Oulu\n\
Anna,Laine,anna@esimerkki.fi;anna.laine@työ.fi,,,,\n";

async fn r3_import_reports_rejected_rows_by_line_and_field(app: TestApp) {
    let rows = read_people_csv(CSV.as_bytes(), Source::PartnerSystem, None).unwrap();
    let (valid, rejected) = sort_rows(rows);
    assert_eq!(valid.len(), 2);
    let named: Vec<(u64, &str)> = rejected
        .iter()
        .map(|r| (r.line, r.field.as_str()))
        .collect();
    assert_eq!(named, [(3, "emails[0]"), (4, "addresses[0].postal_code")]);
    // The CLI refuses the whole file when a row is bad: nothing is stored.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, CSV).unwrap();
    let report = dir.path().join("report.csv");
    let err = rekisteri::cli::transfer::import_people(
        &app.store,
        app.clock.as_ref(),
        &file,
        "partner_system",
        None,
        false,
        Some(&report),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("nothing was imported"), "{err}");
    assert_eq!(app.count("people").await, 0);
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains("3,emails[0],") && report.contains("4,addresses[0].postal_code,"),
        "{report}"
    );
    // With --skip-invalid the valid rows go in, in one transaction.
    rekisteri::cli::transfer::import_people(
        &app.store,
        app.clock.as_ref(),
        &file,
        "partner_system",
        None,
        true,
        None,
    )
    .await
    .unwrap();
    assert_eq!(app.count("people").await, 2);
}

async fn r5_imported_people_carry_the_import_source(app: TestApp) {
    let rows = read_people_csv(CSV.as_bytes(), Source::UpdateService, Some("erä 42")).unwrap();
    let (valid, _) = sort_rows(rows);
    import_in_one_transaction(&app.store, app.clock.as_ref(), valid)
        .await
        .unwrap();
    let page = app.get("/api/v1/people?last_name=Lai").await.expect(200);
    let anna = &page["items"][0];
    assert_eq!(anna["emails"].as_array().unwrap().len(), 2);
    assert_eq!(anna["emails"][1]["source"], "update_service");
    assert_eq!(anna["name_source"]["source_detail"], "erä 42");
    let rows = app.audit().await;
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "import" && r.1 == "person")
            .count(),
        2
    );
    assert_eq!(
        app.get("/api/v1/search?q=virtanen")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn demo_fills_every_table_and_is_searchable(app: TestApp) {
    rekisteri::cli::demo::fill(&app.store, app.clock.as_ref(), 300, 7)
        .await
        .unwrap();
    for table in [
        "people",
        "person_contacts",
        "organisations",
        "person_organisations",
        "orders",
        "order_lines",
        "invoices",
        "notes",
        "search_index",
    ] {
        assert!(app.count(table).await > 0, "{table} is empty");
    }
    assert_eq!(app.count("people").await, 300);
    let hits = app
        .get("/api/v1/search?q=Korho&kinds=person")
        .await
        .expect(200);
    assert!(!hits.as_array().unwrap().is_empty());
    let upcoming = app
        .get("/api/v1/notes?timeline=upcoming&limit=5")
        .await
        .expect(200);
    assert!(!upcoming["items"].as_array().unwrap().is_empty());
    // Export round trip: CSV out, the same people back in.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("people.csv");
    rekisteri::cli::transfer::export_people(
        &app.store,
        app.clock.as_ref(),
        rekisteri::cli::ExportFormat::Csv,
        Some(&out),
        "register_maintenance",
    )
    .await
    .unwrap();
    let csv = std::fs::read(&out).unwrap();
    let (valid, rejected) = sort_rows(read_people_csv(&csv, Source::OwnNotice, None).unwrap());
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(valid.len(), 300);
    let exports = app.audit().await.iter().filter(|r| r.0 == "export").count();
    assert_eq!(exports, 300);
}
