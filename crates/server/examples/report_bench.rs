//! Times the access report (R14) for `bench/report.sh`: on a register filled
//! by `rekisteri demo`, gives one person ROWS related rows (half notes, half
//! orders of one line each, written in one bulk transaction), then times, R
//! times each and prints the median in seconds:
//!
//! - `read`: the audited read of that person (`Store::get_person`), the baseline;
//! - `light`: the whole report of a demo person with their few demo rows;
//! - `store`: the heavy person's report as the store builds it (one snapshot);
//! - `json`, `html`, `csv`: the store's report plus its rendering.
//!
//! Usage: report_bench DATA_DIR ROWS [R]

use rekisteri::SystemClock;
use rekisteri::i18n::{Lang, Locale};
use rekisteri::services::report::{ReportFormat, render};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::billing::{OrderDraft, OrderLineDraft};
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::{NoteId, OrderId, PersonId};
use rekisteri_domain::note::NoteDraft;
use rekisteri_domain::{Clock, Purpose};
use rekisteri_store::{DatabaseUrl, PageRequest, PersonFilter, Store};
use std::sync::Arc;
use std::time::Instant;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn time<F, Fut>(repeat: usize, mut f: F) -> anyhow::Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut samples = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t0 = Instant::now();
        f().await?;
        samples.push(t0.elapsed().as_secs_f64());
    }
    Ok(median(samples))
}

/// Adds `rows` rows about the person: notes and one-line orders, half each.
async fn add_rows(store: &Store, person: PersonId, rows: usize) -> anyhow::Result<()> {
    let at = SystemClock.now();
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let mut notes = Vec::new();
    for i in 0..rows / 2 {
        let draft = NoteDraft {
            person_id: Some(person.to_string()),
            kind: Some("meeting_note".into()),
            body: Some(format!(
                "Tapaaminen {i}: käytiin läpi tarjous ja toimitusaikataulu."
            )),
            ..Default::default()
        };
        notes.push((
            NoteId::new(at),
            draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?,
        ));
    }
    let mut orders = Vec::new();
    for i in 0..rows / 4 {
        let draft = OrderDraft {
            person_id: Some(person.to_string()),
            number: Some(format!("B-{i}")),
            ordered_on: Some("2026-01-15".into()),
            lines: vec![OrderLineDraft {
                description: Some("Verkkosivuston ylläpito".into()),
                quantity: Some(1),
                unit_price_cents: Some(12_000),
            }],
            ..Default::default()
        };
        orders.push((
            OrderId::new(at),
            draft.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?,
        ));
    }
    let mut bulk = store.bulk(actor, at).await?;
    bulk.notes(&notes).await?;
    bulk.orders(&orders).await?;
    bulk.commit().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(rows)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: report_bench DATA_DIR ROWS [R]");
    };
    let rows: usize = rows.parse()?;
    let repeat: usize = args.get(3).map_or(Ok(9), |r| r.parse())?;
    let store = rekisteri::audit_files::AuditFiles::of(std::path::Path::new(dir), None)
        .open(&DatabaseUrl::sqlite_in(std::path::Path::new(dir)))
        .await?;
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let page = store
        .list_people(
            &actor,
            SystemClock.now(),
            &PersonFilter::default(),
            &PageRequest {
                limit: 2,
                ..Default::default()
            },
        )
        .await?;
    let [light, heavy] = [&page.items[0], &page.items[1]].map(|p| p.id);
    add_rows(&store, heavy, rows).await?;
    let register = RegisterDetails::default();
    let tz = Arc::new(rekisteri::state::default_time_zone());
    let report = |person| {
        let (store, register) = (store.clone(), register.clone());
        async move {
            store
                .access_report(&actor, SystemClock.now(), person, &register)
                .await
        }
    };
    let built = report(heavy).await?;
    let light_rows = report(light).await?.row_count();
    println!("heavy_rows {}", built.row_count());
    println!("light_rows {light_rows}");
    let read = time(repeat, || async {
        store.get_person(&actor, SystemClock.now(), heavy).await?;
        Ok(())
    })
    .await?;
    println!("read {read:.6}");
    let light_s = time(repeat, || async {
        let r = report(light).await?;
        render(&r, ReportFormat::Json, Locale::new(Lang::Fi, tz.clone()))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(())
    })
    .await?;
    println!("light {light_s:.6}");
    let store_s = time(repeat, || async {
        report(heavy).await?;
        Ok(())
    })
    .await?;
    println!("store {store_s:.6}");
    for (name, format) in [
        ("json", ReportFormat::Json),
        ("html", ReportFormat::Html),
        ("csv", ReportFormat::Csv),
    ] {
        let size = render(&built, format, Locale::new(Lang::Fi, tz.clone()))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .len();
        let s = time(repeat, || async {
            let r = report(heavy).await?;
            render(&r, format, Locale::new(Lang::Fi, tz.clone()))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(())
        })
        .await?;
        println!("{name} {s:.6} {size}");
    }
    store.close().await;
    Ok(())
}
