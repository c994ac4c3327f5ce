//! `demo --people N --seed S`: deterministic synthetic Finnish-looking
//! people, organisations, orders, invoices and notes, for trying the
//! register out and for benchmarks. The same seed gives the same data.

use indicatif::{ProgressBar, ProgressStyle};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::billing::{InvoiceDraft, NewInvoice, NewOrder, OrderDraft, OrderLineDraft};
use rekisteri_domain::ids::{InvoiceId, NoteId, OrderId, OrganisationId, PersonId};
use rekisteri_domain::marketing::{Channel, MarketingPurpose, PermissionState};
use rekisteri_domain::note::{NewNote, NoteDraft};
use rekisteri_domain::organisation::{LinkDraft, NewLink, NewOrganisation, OrganisationDraft};
use rekisteri_domain::permission::{NewPermissionEvent, NewWording};
use rekisteri_domain::person::{AddressDraft, NewPerson, PersonDraft};
use rekisteri_domain::purpose::LegalBasis;
use rekisteri_domain::values::{Code, Parse, Text};
use rekisteri_domain::{Clock, Invalid, Purpose, Source, Timestamp};
use rekisteri_store::Store;

const FIRST: &[&str] = &[
    "Matti", "Timo", "Juha", "Mikko", "Jari", "Antti", "Jukka", "Mika", "Markku", "Pekka", "Ville",
    "Sami", "Heikki", "Janne", "Anne", "Tuula", "Päivi", "Anna", "Ritva", "Leena", "Pirjo", "Sari",
    "Minna", "Marja", "Tiina", "Laura", "Johanna", "Aino",
];
const LAST: &[&str] = &[
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
];
const CITIES: &[(&str, &str)] = &[
    ("Helsinki", "00100"),
    ("Espoo", "02100"),
    ("Tampere", "33100"),
    ("Vantaa", "01300"),
    ("Oulu", "90100"),
    ("Turku", "20100"),
    ("Jyväskylä", "40100"),
    ("Kuopio", "70100"),
    ("Lahti", "15100"),
    ("Pori", "28100"),
];
const STREETS: &[&str] = &[
    "Kauppakatu",
    "Rantatie",
    "Koulukatu",
    "Puistokatu",
    "Asemakatu",
    "Mäntytie",
    "Koivukuja",
    "Satamakatu",
];
const TITLES: &[&str] = &[
    "toimitusjohtaja",
    "myyntipäällikkö",
    "talousjohtaja",
    "hankintapäällikkö",
    "asiantuntija",
    "projektipäällikkö",
];
const ORG_WORDS: &[&str] = &[
    "Kone",
    "Puu",
    "Data",
    "Rakennus",
    "Media",
    "Logistiikka",
    "Sähkö",
    "Metalli",
    "Ruoka",
    "Kuljetus",
];
const NOTES: &[&str] = &[
    "Soitettiin asiakkaalle ja sovittiin tapaaminen tarjouksesta.",
    "Palaverissa käytiin läpi ensi vuoden tilaukset.",
    "Asiakas pyysi tarjousta uudesta palvelusta.",
    "Lähetetty tarjous sähköpostilla, odotetaan vastausta.",
    "Met the customer to discuss the renewal of the contract.",
];
const PRODUCTS: &[&str] = &[
    "Verkkosivusto",
    "Ylläpitosopimus",
    "Konsultointi",
    "Mainoskampanja",
    "Koulutus",
];

/// SplitMix64: small, fast, and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A valid Y-tunnus from a number, or none when no check digit fits.
fn business_id(n: u64) -> Option<String> {
    let digits = format!("{:07}", n % 10_000_000);
    let weights = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    match sum % 11 {
        0 => Some(format!("{digits}-0")),
        1 => None,
        r => Some(format!("{digits}-{}", 11 - r)),
    }
}

fn parsed<T>(result: Result<T, Invalid>) -> anyhow::Result<T> {
    result.map_err(|e| anyhow::anyhow!("demo data did not validate: {e}"))
}

fn demo_person(rng: &mut Rng, n: usize) -> anyhow::Result<NewPerson> {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let (city, postal) = CITIES[rng.below(CITIES.len())];
    let ascii = |s: &str| s.to_lowercase().replace('ä', "a").replace('ö', "o");
    let draft = PersonDraft {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        title: rng.chance(50).then(|| rng.pick(TITLES).to_string()),
        emails: vec![format!(
            "{}.{}{}@esimerkki.fi",
            ascii(first),
            ascii(last),
            n
        )],
        phones: vec![format!(
            "040 {:03} {:04}",
            rng.below(1000),
            rng.below(10_000)
        )],
        addresses: vec![AddressDraft {
            kind: None,
            street: Some(format!("{} {}", rng.pick(STREETS), 1 + rng.below(80))),
            postal_code: Some(postal.into()),
            city: Some(city.into()),
            country: None,
        }],
        relationship_started_on: Some(format!(
            "{}-{:02}-{:02}",
            2012 + rng.below(14),
            1 + rng.below(12),
            1 + rng.below(28)
        )),
        source: Some(
            if rng.chance(70) {
                "staff_entry"
            } else {
                "registration"
            }
            .into(),
        ),
        ..Default::default()
    };
    parsed(draft.parse())
}

/// Marketing permissions (R15): a third agreed to the newsletter on the
/// sign-up form (some withdrew later); a few forbade letters or research calls.
fn demo_permissions(
    rng: &mut Rng,
    at: Timestamp,
    wording: rekisteri_domain::ids::WordingId,
    person: PersonId,
    out: &mut Vec<(PersonId, NewPermissionEvent)>,
) {
    let days_ago = |rng: &mut Rng, max: usize| {
        Timestamp::from_micros(at.micros() - (1 + rng.below(max)) as i64 * 86_400_000_000)
    };
    let event = |channel, purpose, state, given_at, source, wording, basis| NewPermissionEvent {
        channel,
        purpose,
        state,
        given_at,
        source,
        source_detail: None,
        wording_id: wording,
        legal_basis: Some(basis),
    };
    if rng.chance(35) {
        let given = days_ago(rng, 900);
        out.push((
            person,
            event(
                Channel::Email,
                MarketingPurpose::DirectMarketing,
                PermissionState::Granted,
                given,
                Source::Registration,
                Some(wording),
                LegalBasis::Consent,
            ),
        ));
        if rng.chance(15) {
            let later = Timestamp::from_micros(given.micros() + 86_400_000_000);
            out.push((
                person,
                event(
                    Channel::Email,
                    MarketingPurpose::DirectMarketing,
                    PermissionState::Withdrawn,
                    later,
                    Source::OwnNotice,
                    None,
                    LegalBasis::Consent,
                ),
            ));
        }
    }
    if rng.chance(4) {
        out.push((
            person,
            event(
                Channel::Letter,
                MarketingPurpose::DirectMarketing,
                PermissionState::Prohibited,
                days_ago(rng, 400),
                Source::OwnNotice,
                None,
                LegalBasis::LegitimateInterests,
            ),
        ));
    }
    if rng.chance(3) {
        out.push((
            person,
            event(
                Channel::Phone,
                MarketingPurpose::MarketResearch,
                PermissionState::Prohibited,
                days_ago(rng, 400),
                Source::OwnNotice,
                None,
                LegalBasis::LegitimateInterests,
            ),
        ));
    }
}

pub async fn fill(
    store: &Store,
    clock: &dyn Clock,
    people: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let at = clock.now();
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let mut rng = Rng(seed);
    let bar = ProgressBar::new(people as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} people ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    // Organisations: one for every ten people.
    let org_count = (people / 10).max(1);
    let mut orgs = Vec::with_capacity(org_count);
    let mut number = seed.wrapping_mul(7919) % 9_000_000;
    while orgs.len() < org_count {
        number = (number + 1) % 10_000_000;
        let Some(bid) = business_id(number) else {
            continue;
        };
        let draft = OrganisationDraft {
            name: Some(format!("{} {} Oy", rng.pick(LAST), rng.pick(ORG_WORDS))),
            business_id: Some(bid),
            ..Default::default()
        };
        orgs.push((OrganisationId::new(at), parsed(draft.parse())?));
    }
    let mut bulk = store.bulk(actor, at).await?;
    for chunk in orgs.chunks(5_000) {
        bulk.organisations(chunk).await?;
    }
    bulk.commit().await?;

    let (wording, _) = store
        .put_wording(
            &actor,
            at,
            NewWording {
                key: Code::parse("uutiskirje").map_err(anyhow::Error::msg)?,
                language: "fi".into(),
                text: Text::parse("Haluan MT Mediatekon uutiskirjeen ja tarjouksia sähköpostiini.")
                    .map_err(anyhow::Error::msg)?,
            },
        )
        .await?;

    let today = at.date();
    let mut done = 0;
    let mut invoice_no = 0u64;
    while done < people {
        let size = (people - done).min(5_000);
        let mut batch: Vec<(PersonId, NewPerson)> = Vec::with_capacity(size);
        let mut links: Vec<(PersonId, NewLink)> = Vec::new();
        let mut orders: Vec<(OrderId, NewOrder)> = Vec::new();
        let mut invoices: Vec<(InvoiceId, NewInvoice)> = Vec::new();
        let mut notes: Vec<(NoteId, NewNote)> = Vec::new();
        let mut permissions: Vec<(PersonId, NewPermissionEvent)> = Vec::new();
        for i in 0..size {
            let n = done + i;
            let id = PersonId::new(at);
            batch.push((id, demo_person(&mut rng, n)?));
            demo_permissions(&mut rng, at, wording.id, id, &mut permissions);
            let org: &(OrganisationId, NewOrganisation) = &orgs[rng.below(orgs.len())];
            if rng.chance(60) {
                let draft = LinkDraft {
                    organisation_id: Some(org.0.to_string()),
                    title: Some(rng.pick(TITLES).into()),
                    is_contact_person: rng.chance(15),
                    ..Default::default()
                };
                links.push((id, parsed(draft.parse())?));
            }
            if rng.chance(30) {
                let order_id = OrderId::new(at);
                let ordered_on = today.plus_days(-(rng.below(900) as i32));
                let lines = (0..1 + rng.below(3))
                    .map(|_| OrderLineDraft {
                        description: Some(rng.pick(PRODUCTS).into()),
                        quantity: Some(1 + rng.below(5) as i64),
                        unit_price_cents: Some(5_000 + rng.below(200_000) as i64),
                    })
                    .collect();
                let draft = OrderDraft {
                    person_id: Some(id.to_string()),
                    organisation_id: Some(org.0.to_string()),
                    number: Some(format!("T{seed}-{n}")),
                    status: Some("delivered".into()),
                    ordered_on: Some(ordered_on.to_string()),
                    lines,
                    ..Default::default()
                };
                let order = parsed(draft.parse())?;
                invoice_no += 1;
                let status = match rng.below(10) {
                    0 => "open",
                    1 if rng.chance(20) => "debt_collection",
                    _ => "paid",
                };
                let draft = InvoiceDraft {
                    person_id: Some(id.to_string()),
                    organisation_id: Some(org.0.to_string()),
                    order_id: Some(order_id.to_string()),
                    number: Some(format!("L{seed}-{invoice_no}")),
                    status: Some(status.into()),
                    issued_on: Some(ordered_on.to_string()),
                    due_on: Some(ordered_on.plus_days(14).to_string()),
                    total_cents: Some(order.total_cents()),
                    ..Default::default()
                };
                invoices.push((InvoiceId::new(at), parsed(draft.parse())?));
                orders.push((order_id, order));
            }
            if rng.chance(40) {
                let draft = NoteDraft {
                    person_id: Some(id.to_string()),
                    kind: Some(
                        if rng.chance(70) {
                            "meeting_note"
                        } else {
                            "offer"
                        }
                        .into(),
                    ),
                    body: Some(rng.pick(NOTES).into()),
                    ..Default::default()
                };
                notes.push((NoteId::new(at), parsed(draft.parse())?));
            }
            if rng.chance(10) {
                let due = Timestamp::from_micros(
                    at.micros() + (1 + rng.below(30 * 24)) as i64 * 3_600_000_000,
                );
                let draft = NoteDraft {
                    person_id: Some(id.to_string()),
                    kind: Some(if rng.chance(50) { "meeting" } else { "action" }.into()),
                    body: Some("Tapaaminen: käydään läpi tarjous ja seuraavat askeleet.".into()),
                    due_at: Some(due.to_string()),
                    ..Default::default()
                };
                notes.push((NoteId::new(at), parsed(draft.parse())?));
            }
        }
        let mut bulk = store.bulk(actor, at).await?;
        bulk.people(&batch).await?;
        bulk.links(&links).await?;
        bulk.orders(&orders).await?;
        bulk.invoices(&invoices).await?;
        bulk.notes(&notes).await?;
        bulk.permissions(&permissions).await?;
        bulk.commit().await?;
        done += size;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    store.refresh_statistics().await?;
    eprintln!(
        "demo: {people} people and {org_count} organisations with orders, invoices, notes and marketing permissions (seed {seed})"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_business_ids_are_valid() {
        use rekisteri_domain::values::{BusinessId, Parse};
        for n in 0..2_000 {
            if let Some(b) = business_id(n) {
                assert!(BusinessId::parse(&b).is_ok(), "{b}");
            }
        }
    }

    #[test]
    fn demo_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng(7);
            (0..5).map(|_| r.next()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng(7);
            (0..5).map(|_| r.next()).collect()
        };
        assert_eq!(a, b);
        let p1 = demo_person(&mut Rng(3), 1).unwrap();
        let p2 = demo_person(&mut Rng(3), 1).unwrap();
        assert_eq!(p1, p2);
    }
}
