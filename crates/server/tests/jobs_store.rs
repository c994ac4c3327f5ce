//! The durable job queue and the mail outbox, as the store keeps them
//! (issue 13): backoff and the try limit, leases, the admin's retry, the
//! claim of two stores on one database, and what an erasure takes with it.

mod common;
#[path = "common/erasing.rs"]
mod erasing;

use common::{TestApp, cli, create_person};
use erasing::{erase, invoice, officer, set_status};
use rekisteri_domain::audit::AuditAction;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::job::{Job, JobState, LEASE_MICROS, MAX_TRIES, backoff_micros};
use rekisteri_domain::mail::{Addressee, Letter, MailKind, MailState};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Timestamp};
use rekisteri_store::{PageRequest, Store};
use std::collections::HashSet;

fn recheck(at: Timestamp) -> Job {
    Job::ErasureRecheck {
        person_id: PersonId::new(at),
    }
}

fn page() -> PageRequest {
    PageRequest {
        limit: 500,
        ..PageRequest::default()
    }
}

async fn jobs_in(app: &TestApp, state: JobState) -> Vec<rekisteri_store::JobRecord> {
    app.store.jobs(Some(state), &page()).await.unwrap().items
}

async fn i13_a_failing_job_backs_off_then_fails_and_the_admin_retries_it(app: TestApp) {
    let t0 = app.clock.now();
    let id = app.store.enqueue(t0, &recheck(t0)).await.unwrap();
    let mut now = t0;
    for tries in 1..=MAX_TRIES {
        // Not due before its time.
        if tries > 1 {
            let early = now.plus_micros(backoff_micros(tries - 1) - 1);
            assert!(
                app.store
                    .claim_jobs("w", early, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            now = now.plus_micros(backoff_micros(tries - 1));
        }
        let claimed = app.store.claim_jobs("w", now, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "try {tries}");
        assert_eq!(claimed[0].id, id);
        assert_eq!(claimed[0].tries, tries);
        let state = app
            .store
            .fail_job(&claimed[0], now, "the SMTP server\nrefused the message")
            .await
            .unwrap();
        let job = app.store.job(id).await.unwrap();
        if tries < MAX_TRIES {
            assert_eq!(state, Some(JobState::Pending));
            assert_eq!(job.run_at, now.plus_micros(backoff_micros(tries)));
        } else {
            assert_eq!(state, Some(JobState::Failed));
        }
    }
    let failed = jobs_in(&app, JobState::Failed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].tries, MAX_TRIES);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("the SMTP server refused the message")
    );
    // Failed stays failed: nothing to claim however late.
    let late = now.plus_micros(10 * 3_600_000_000);
    assert!(
        app.store
            .claim_jobs("w", late, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Only a failed job can be retried; the retry is audited.
    let admin = cli();
    let retried = app.store.retry_job(&admin, late, id).await.unwrap();
    assert_eq!((retried.state, retried.tries), (JobState::Pending, 0));
    let again = app.store.retry_job(&admin, late, id).await.unwrap_err();
    assert!(matches!(
        again,
        rekisteri_store::StoreError::Conflict {
            code: "not_failed",
            ..
        }
    ));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'retry' AND record_type = 'job' AND record_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(app.store.read_pool())
    .await
    .unwrap();
    assert_eq!(audited, 1, "{:?}", AuditAction::Retry);
    let claimed = app.store.claim_jobs("w", late, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(app.store.complete_job(&claimed[0], late).await.unwrap());
    assert_eq!(app.store.job(id).await.unwrap().state, JobState::Done);
    // Done jobs go after a week.
    assert_eq!(app.store.clean_done_jobs(late).await.unwrap(), 0);
    let week = late.plus_micros(rekisteri_domain::job::DONE_KEPT_MICROS + 1);
    assert_eq!(app.store.clean_done_jobs(week).await.unwrap(), 1);
}

async fn i13_an_expired_lease_is_claimed_again_and_the_old_claim_is_void(app: TestApp) {
    let t0 = app.clock.now();
    let id = app.store.enqueue(t0, &recheck(t0)).await.unwrap();
    let first = app.store.claim_jobs("one", t0, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(jobs_in(&app, JobState::Running).await.len(), 1);
    let during = t0.plus_micros(LEASE_MICROS - 1);
    assert!(
        app.store
            .claim_jobs("two", during, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let after = t0.plus_micros(LEASE_MICROS);
    let second = app.store.claim_jobs("two", after, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!((second[0].id, second[0].tries), (id, 2));
    // The runner that lost its lease can neither renew it (before a letter
    // goes to SMTP), nor finish nor fail it.
    assert!(!app.store.renew_claim(&first[0], after).await.unwrap());
    assert!(!app.store.complete_job(&first[0], after).await.unwrap());
    assert_eq!(
        app.store.fail_job(&first[0], after, "late").await.unwrap(),
        None
    );
    // The holder's renewal holds the job a whole lease from now: a claim
    // just before the old lease's end finds nothing.
    let later = after.plus_micros(LEASE_MICROS - 1);
    assert!(app.store.renew_claim(&second[0], later).await.unwrap());
    let still = later.plus_micros(LEASE_MICROS - 1);
    assert!(
        app.store
            .claim_jobs("three", still, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.store.complete_job(&second[0], still).await.unwrap());
}

async fn i13_two_stores_on_one_database_claim_each_job_once(app: TestApp) {
    let other = app.other_store().await;
    let at = app.clock.now();
    let mut wanted = HashSet::new();
    for _ in 0..200 {
        wanted.insert(app.store.enqueue(at, &recheck(at)).await.unwrap());
    }
    let run = |store: Store, worker: &'static str| async move {
        let mut got = Vec::new();
        loop {
            let claimed = store.claim_jobs(worker, at, 7).await.unwrap();
            if claimed.is_empty() {
                break got;
            }
            for job in claimed {
                assert!(store.complete_job(&job, at).await.unwrap());
                got.push(job.id);
            }
        }
    };
    let (a, b, c) = tokio::join!(
        tokio::spawn(run(app.store.clone(), "a")),
        tokio::spawn(run(other.clone(), "b")),
        tokio::spawn(run(other.clone(), "c")),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let all: Vec<_> = a.iter().chain(&b).chain(&c).copied().collect();
    assert_eq!(
        all.len(),
        200,
        "each job ran once: {} {} {}",
        a.len(),
        b.len(),
        c.len()
    );
    assert_eq!(all.iter().copied().collect::<HashSet<_>>(), wanted);
    other.close().await;
}

fn letter(to: Addressee, body: &str, about: Option<PersonId>) -> Letter {
    Letter {
        kind: MailKind::RequestAnswer,
        to,
        subject: "Vastaus / Answer".into(),
        body: body.into(),
        about,
    }
}

async fn r21_erasure_purges_mail_about_the_person_and_naming_their_address(app: TestApp) {
    let officer = officer(&app).await;
    let (id, _) = create_person(&app, "Eeva", "Poistettava").await;
    let (other, _) = create_person(&app, "Olli", "Jaava").await;
    let person = PersonId::parse(&id).unwrap();
    let kept = PersonId::parse(&other).unwrap();
    let address = "eeva.poistettava@esimerkki.fi";
    let at = app.clock.now();
    let letters = [
        letter(Addressee::Email(address.into()), "about", Some(person)),
        // No person id: by the recipient, in another case of letters.
        letter(
            Addressee::Email("Eeva.Poistettava@Esimerkki.fi".into()),
            "x",
            None,
        ),
        // No person id: the body names the address.
        letter(
            Addressee::Letter("Perintä Oy".into()),
            "Asiakas EEVA.POISTETTAVA@esimerkki.fi pyysi",
            None,
        ),
        // Another person's, and one that only looks alike ('_' is literal).
        letter(
            Addressee::Email("olli.jaava@esimerkki.fi".into()),
            "y",
            Some(kept),
        ),
        letter(
            Addressee::Email("someone@example.fi".into()),
            "eeva_poistettava@esimerkki.fi",
            None,
        ),
    ];
    let ids = app.store.queue_mail(at, &letters, &[], None).await.unwrap();
    assert_eq!(ids.len(), 5);
    assert_eq!(jobs_in(&app, JobState::Pending).await.len(), 5);
    erase(&app, &officer, &id).await.expect(200);
    let left = app
        .store
        .outbox(&cli(), at, None, &page())
        .await
        .unwrap()
        .items;
    let left: HashSet<_> = left.iter().map(|m| m.id).collect();
    assert_eq!(left, HashSet::from([ids[3], ids[4]]));
    for gone in &ids[..3] {
        assert!(app.store.mail_unaudited(*gone).await.unwrap().is_none());
    }
}

async fn r8_a_paid_invoice_queues_the_erasure_recheck_in_its_transaction(app: TestApp) {
    let officer = officer(&app).await;
    let (id, _) = create_person(&app, "Paula", "Maksaja").await;
    let (other, _) = create_person(&app, "Pekka", "Muu").await;
    let (held, etag, body) = invoice(&app, &id, "2026-1", "open").await;
    let (free, free_etag, free_body) = invoice(&app, &other, "2026-2", "open").await;
    erase(&app, &officer, &id).await.expect(409);
    // No one waits on the other's invoice: nothing is queued for it.
    set_status(&app, &free, &free_etag, free_body, "paid").await;
    let rechecks = |jobs: Vec<rekisteri_store::JobRecord>| {
        jobs.into_iter()
            .filter(|j| j.kind == "erasure_recheck")
            .map(|j| {
                j.payload["person_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert!(rechecks(app.store.jobs(None, &page()).await.unwrap().items).is_empty());
    set_status(&app, &held, &etag, body, "paid").await;
    assert_eq!(
        rechecks(app.store.jobs(None, &page()).await.unwrap().items),
        vec![id]
    );
}

async fn i13_a_kept_portal_link_keeps_its_body_and_a_sent_one_loses_it(app: TestApp) {
    let at = app.clock.now();
    let link = Letter {
        kind: MailKind::PortalLink,
        to: Addressee::Email("a@example.fi".into()),
        subject: "Linkki".into(),
        body: "https://example.fi/portal/verify/secret".into(),
        about: None,
    };
    let answer = letter(Addressee::Email("a@example.fi".into()), "vastaus", None);
    let ids = app
        .store
        .queue_mail(at, &[link.clone(), answer, link], &[], None)
        .await
        .unwrap();
    let claimed = app.store.claim_jobs("w", at, 10).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let states = [MailState::Sent, MailState::Sent, MailState::Kept];
    for ((job, id), state) in claimed.iter().zip(&ids).zip(states) {
        assert!(
            app.store
                .mail_delivered(&cli(), job, *id, state, at)
                .await
                .unwrap()
        );
    }
    let actor = cli();
    let mut read = Vec::new();
    for id in &ids {
        read.push(app.store.mail(&actor, at, *id).await.unwrap());
    }
    let [sent_link, sent_answer, kept_link] = <[_; 3]>::try_from(read).unwrap();
    assert_eq!(
        (sent_link.state, sent_link.body.as_deref()),
        (MailState::Sent, None)
    );
    assert_eq!(sent_link.sent_at, Some(at));
    assert_eq!(sent_answer.body.as_deref(), Some("vastaus"));
    assert_eq!(kept_link.state, MailState::Kept);
    assert!(kept_link.body.unwrap().contains("secret"));
    assert_eq!(jobs_in(&app, JobState::Done).await.len(), 3);
}

on_both_backends!(
    i13_a_failing_job_backs_off_then_fails_and_the_admin_retries_it,
    i13_an_expired_lease_is_claimed_again_and_the_old_claim_is_void,
    i13_two_stores_on_one_database_claim_each_job_once,
    r21_erasure_purges_mail_about_the_person_and_naming_their_address,
    r8_a_paid_invoice_queues_the_erasure_recheck_in_its_transaction,
    i13_a_kept_portal_link_keeps_its_body_and_a_sent_one_loses_it,
);
