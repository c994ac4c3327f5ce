//! The marketing list under random histories (R15, R18), on SQLite and
//! PostgreSQL: for every channel and purpose, exactly the people an
//! independent reading of the rules allows.

mod common;
#[path = "common/listing.rs"]
mod listing;

use common::TestApp;
use listing::{CHANNELS, PURPOSES, audience, event, officer, wording};
use rekisteri_domain::Clock;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(r15_r18_audience_matches_an_independent_reading_under_random_histories);

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// What the test knows of one generated person.
#[derive(Debug, Default)]
struct Subject {
    id: String,
    has_phone: bool,
    b2b: bool,
    customer: bool,
    restricted: bool,
    email_restricted: bool,
    /// (channel, purpose, state, given_at second) in the order recorded.
    events: Vec<(&'static str, &'static str, &'static str, u64)>,
}

/// The rules of R15 and R18 read once more, independently of the domain
/// code: the newest word (by when it was given; of equal ones, the one
/// recorded last) decides; without one, letter and phone and a B2B role
/// are opt-out, and email and SMS are opt-in except selling to customers.
fn may_contact(s: &Subject, channel: &str, purpose: &str) -> bool {
    let reachable = match channel {
        "email" => !s.email_restricted,
        "sms" | "phone" => s.has_phone,
        _ => true,
    };
    if s.restricted || !reachable {
        return false;
    }
    let mut newest: Option<(u64, usize, &str)> = None;
    for (i, (c, p, state, at)) in s.events.iter().enumerate() {
        if *c == channel && *p == purpose && newest.is_none_or(|(t, j, _)| (*at, i) > (t, j)) {
            newest = Some((*at, i, state));
        }
    }
    match newest {
        Some((_, _, state)) => state == "granted",
        None => {
            let electronic = channel == "email" || channel == "sms";
            let selling = purpose == "direct_marketing" || purpose == "distance_selling";
            !electronic || s.b2b || (s.customer && selling)
        }
    }
}

async fn r15_r18_audience_matches_an_independent_reading_under_random_histories(app: TestApp) {
    let officer = officer(&app).await;
    let w = wording(&app, &officer).await;
    let org = app
        .post("/api/v1/organisations", json!({"name": "Satunnainen Oy"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let seed = 0x5EED_u64 + u64::from(app.db == common::Db::Postgres);
    let mut rng = Rng(seed);
    let base = app.clock.now().micros() / 1_000_000 - 1_000;
    let mut subjects = Vec::new();
    for n in 0..24 {
        let mut s = Subject {
            has_phone: rng.below(4) != 0,
            ..Default::default()
        };
        let email = format!("henkilo{n}@esimerkki.fi");
        let mut person = json!({"first_name": "Satu", "last_name": format!("Henkilö{n}"),
                                "emails": [email], "addresses": [{"street": "Kauppakatu 1",
                                "postal_code": "70100", "city": "Kuopio"}]});
        if s.has_phone {
            person["phones"] = json!([format!("040 555 {:04}", n)]);
        }
        s.id = app.post("/api/v1/people", person).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        match rng.below(3) {
            0 => {
                s.b2b = true;
                app.post(
                    &format!("/api/v1/people/{}/organisations", s.id),
                    json!({"organisation_id": org}),
                )
                .await
                .expect(201);
            }
            1 => {
                // A link that has ended is no role today.
                app.post(
                    &format!("/api/v1/people/{}/organisations", s.id),
                    json!({"organisation_id": org, "started_on": "2020-01-01", "ended_on": "2021-01-01"}),
                )
                .await
                .expect(201);
            }
            _ => {}
        }
        match rng.below(3) {
            0 => {
                s.customer = true;
                app.post("/api/v1/orders", json!({"person_id": s.id, "number": format!("T-{n}"),
                    "ordered_on": "2026-11-01", "lines": [{"description": "Palvelu", "quantity": 1, "unit_price_cents": 100}]}))
                    .await
                    .expect(201);
            }
            1 => {
                // A cancelled order makes no customer.
                app.post(
                    "/api/v1/orders",
                    json!({"person_id": s.id, "number": format!("C-{n}"),
                    "status": "cancelled", "ordered_on": "2026-11-01",
                    "lines": [{"description": "Palvelu", "quantity": 1, "unit_price_cents": 100}]}),
                )
                .await
                .expect(201);
            }
            _ => {}
        }
        let restriction_path = format!("/api/v1/people/{}/restriction", s.id);
        let restrict = |body: Value| {
            app.send(
                reqwest::Method::POST,
                &restriction_path,
                Some(&officer),
                None,
                Some(body),
            )
        };
        match rng.below(8) {
            0 => {
                s.restricted = true;
                restrict(json!({"reason": "kiistetty"})).await.expect(201);
            }
            1 => {
                // Starts tomorrow: not yet in force.
                let starts = rekisteri_domain::Timestamp::from_micros(
                    app.clock.now().micros() + 86_400_000_000,
                );
                restrict(json!({"reason": "myöhemmin", "starts_at": starts.to_string()}))
                    .await
                    .expect(201);
            }
            2 => {
                s.email_restricted = true;
                restrict(json!({"reason": "osoite", "value_kind": "email", "value": format!("henkilo{n}@esimerkki.fi")}))
                    .await
                    .expect(201);
            }
            _ => {}
        }
        for _ in 0..rng.below(9) {
            // Half the events on email/direct marketing and few distinct
            // moments, so that one permission gets several words, some at
            // the same moment (then the one recorded last counts).
            let channel: &'static str = if rng.below(2) == 0 {
                "email"
            } else {
                rng.pick(&CHANNELS)
            };
            let purpose: &'static str = if rng.below(2) == 0 {
                "direct_marketing"
            } else {
                rng.pick(&PURPOSES)
            };
            let state: &'static str = rng.pick(&["granted", "withdrawn", "prohibited"]);
            let at = base as u64 + rng.below(3) * 100;
            let given = rekisteri_domain::Timestamp::from_micros(at as i64 * 1_000_000);
            event(
                &app,
                &s.id,
                json!({"channel": channel, "purpose": purpose, "state": state,
                       "given_at": given.to_string(), "wording_id": w}),
            )
            .await;
            s.events.push((channel, purpose, state, at));
        }
        subjects.push(s);
    }
    for channel in CHANNELS {
        for purpose in PURPOSES {
            let expected: BTreeSet<String> = subjects
                .iter()
                .filter(|s| may_contact(s, channel, purpose))
                .map(|s| s.id.clone())
                .collect();
            let got = audience(&app, channel, purpose).await;
            assert_eq!(
                got, expected,
                "seed {seed:#x}, {channel} {purpose}: subjects {subjects:#?}"
            );
        }
    }
}
