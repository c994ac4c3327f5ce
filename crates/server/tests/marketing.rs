//! Marketing permissions, lists and restriction over HTTP, on SQLite and
//! PostgreSQL (R2, R15, R18, R21): the audience is exactly who may be
//! contacted, under random histories too; a prohibition or a restriction
//! takes a person out of the next list at once.

mod common;

use common::{TestApp, create_person, reply_of};
use rekisteri_domain::{Clock, Role};
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(
    r15_a_prohibition_removes_a_person_from_the_next_audience,
    r15_defaults_decide_until_the_person_speaks,
    r18_a_restricted_person_is_in_no_audience_export_or_staff_search,
    r15_r18_audience_matches_an_independent_reading_under_random_histories,
    r2_an_audience_export_names_its_purpose_and_only_purposes_in_use,
);

const CHANNELS: [&str; 4] = ["email", "sms", "phone", "letter"];
const PURPOSES: [&str; 4] = [
    "direct_marketing",
    "distance_selling",
    "market_research",
    "targeted_content",
];

/// The privacy officer's token (wordings and restrictions are theirs).
async fn officer(app: &TestApp) -> String {
    app.user("tietosuoja", Role::PrivacyOfficer).await
}

async fn wording(app: &TestApp, officer: &str) -> String {
    let reply = app
        .send(
            reqwest::Method::POST,
            "/api/v1/wordings",
            Some(officer),
            None,
            Some(json!({"key": "uutiskirje", "language": "fi",
                        "text": "Haluan uutiskirjeen sähköpostiini."})),
        )
        .await;
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

async fn event(app: &TestApp, person: &str, body: Value) -> Value {
    app.post(&format!("/api/v1/people/{person}/permissions"), body)
        .await
        .expect(201)
}

/// The ids on a marketing list, exported by `token` for `processing`.
async fn audience_as(
    app: &TestApp,
    token: &str,
    channel: &str,
    purpose: &str,
    processing: &str,
) -> BTreeSet<String> {
    let reply = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel={channel}&purpose={purpose}",
                app.base
            ))
            .bearer_auth(token)
            .header("X-Purpose", processing),
    )
    .await;
    let body = reply.expect(200);
    let people = body["people"].as_array().unwrap();
    assert_eq!(body["count"].as_u64().unwrap() as usize, people.len());
    people
        .iter()
        .map(|p| p["person_id"].as_str().unwrap().to_string())
        .collect()
}

async fn audience(app: &TestApp, channel: &str, purpose: &str) -> BTreeSet<String> {
    audience_as(app, &app.token, channel, purpose, "advertising_targeting").await
}

async fn r15_a_prohibition_removes_a_person_from_the_next_audience(app: TestApp) {
    let officer = officer(&app).await;
    let w = wording(&app, &officer).await;
    let (matti, _) = create_person(&app, "Matti", "Virtanen").await;
    let (liisa, _) = create_person(&app, "Liisa", "Korhonen").await;
    // Email to a private person is opt-in: nobody until they agree.
    assert!(audience(&app, "email", "direct_marketing").await.is_empty());
    for person in [&matti, &liisa] {
        event(
            &app,
            person,
            json!({"channel": "email", "purpose": "direct_marketing", "state": "granted",
                   "wording_id": w, "source": "registration"}),
        )
        .await;
    }
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([matti.clone(), liisa.clone()])
    );
    let prohibited = event(
        &app,
        &matti,
        json!({"channel": "email", "purpose": "direct_marketing", "state": "prohibited",
               "source": "own_notice", "source_detail": "puhelu asiakaspalveluun"}),
    )
    .await;
    assert_eq!(prohibited["legal_basis"], "consent");
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([liisa.clone()])
    );
    // The history keeps both events, newest first, with the wording shown.
    let permissions = app
        .get(&format!("/api/v1/people/{matti}/permissions"))
        .await
        .expect(200);
    let history = permissions["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["state"], "prohibited");
    assert_eq!(history[1]["state"], "granted");
    assert_eq!(history[1]["wording_id"], w.as_str());
    assert_eq!(
        permissions["wordings"][0]["text"],
        "Haluan uutiskirjeen sähköpostiini."
    );
    let now = permissions["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "email" && c["purpose"] == "direct_marketing")
        .unwrap()
        .clone();
    assert_eq!(now["decision"], "prohibited");
    assert_eq!(now["may_contact"], false);
    // Events are never changed, even in the database.
    let edit = sqlx::query("UPDATE permission_events SET state = 'granted'")
        .execute(app.store.write_pool())
        .await;
    assert!(edit.is_err(), "permission events must be immutable");
    // Consent needs the wording; a bad channel is named.
    let bad = app
        .post(
            &format!("/api/v1/people/{liisa}/permissions"),
            json!({"channel": "fax", "purpose": "direct_marketing", "state": "granted"}),
        )
        .await
        .expect(422);
    let fields: Vec<&str> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["channel", "wording_id"]);
    // Every event and every export is audited with its purpose.
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.0 == "create" && a.1 == "permission" && a.3.as_deref() == Some(&matti))
    );
    assert!(audit.iter().any(|a| a.0 == "export"
        && a.1 == "audience"
        && a.2 == "email:direct_marketing"
        && a.4 == "advertising_targeting"));
    // … and each person on a list, before they are sent (B1).
    assert!(audit.iter().any(|a| a.0 == "export"
        && a.1 == "person"
        && a.3.as_deref() == Some(liisa.as_str())
        && a.4 == "advertising_targeting"));
}

async fn r15_defaults_decide_until_the_person_speaks(app: TestApp) {
    // A private person, a customer, and a person in an organisation role.
    let (private, _) = create_person(&app, "Aino", "Private").await;
    let (customer, _) = create_person(&app, "Eero", "Asiakas").await;
    let (b2b, _) = create_person(&app, "Outi", "Yritys").await;
    app.post(
        "/api/v1/orders",
        json!({"person_id": customer, "number": "T-1", "ordered_on": "2026-11-20",
               "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 240000}]}),
    )
    .await
    .expect(201);
    let org = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/people/{b2b}/organisations"),
        json!({"organisation_id": org, "title": "ostopäällikkö"}),
    )
    .await
    .expect(201);
    let all = BTreeSet::from([private.clone(), customer.clone(), b2b.clone()]);
    // Letter and phone: opt-out for everyone.
    assert_eq!(audience(&app, "letter", "market_research").await, all);
    assert_eq!(audience(&app, "phone", "direct_marketing").await, all);
    // Email selling: the customer (similar products) and the B2B role.
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([customer.clone(), b2b.clone()])
    );
    // Email research: not selling, so the customer exception is out.
    assert_eq!(
        audience(&app, "sms", "market_research").await,
        BTreeSet::from([b2b.clone()])
    );
    // The law's default legal basis is recorded with an event.
    let withdrawn = event(
        &app,
        &b2b,
        json!({"channel": "letter", "purpose": "market_research", "state": "withdrawn"}),
    )
    .await;
    assert_eq!(withdrawn["legal_basis"], "legitimate_interests");
    assert_eq!(
        audience(&app, "letter", "market_research").await,
        BTreeSet::from([private, customer])
    );
}

async fn r18_a_restricted_person_is_in_no_audience_export_or_staff_search(app: TestApp) {
    let officer = officer(&app).await;
    let (matti, _) = create_person(&app, "Matti", "Rajoitettu").await;
    let (liisa, _) = create_person(&app, "Liisa", "Vapaa").await;
    assert_eq!(audience(&app, "letter", "direct_marketing").await.len(), 2);
    // Staff may not restrict; the privacy officer does, with a reason.
    let path = format!("/api/v1/people/{matti}/restriction");
    app.post(&path, json!({"reason": "oikeellisuus kiistetty"}))
        .await
        .expect(403);
    let restriction = app
        .send(
            reqwest::Method::POST,
            &path,
            Some(&officer),
            None,
            Some(json!({"reason": "oikeellisuus kiistetty"})),
        )
        .await
        .expect(201);
    assert_eq!(restriction["in_force"], true);
    for channel in CHANNELS {
        for purpose in PURPOSES {
            assert!(
                !audience(&app, channel, purpose).await.contains(&matti),
                "{channel} {purpose}"
            );
        }
    }
    // Not in the people export, nor in staff's search; the officer finds him.
    let exported = app
        .store
        .export_people(
            &common::cli(),
            app.clock.now(),
            &rekisteri_store::PageRequest {
                after: None,
                limit: 100,
                bulk: true,
            },
        )
        .await
        .unwrap();
    let ids: Vec<String> = exported.items.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(ids, std::slice::from_ref(&liisa));
    let staff_hits = app.get("/api/v1/search?q=Rajoitettu").await.expect(200);
    assert_eq!(staff_hits.as_array().unwrap().len(), 0, "{staff_hits}");
    // A lookup by name is a search too; the plain list still shows him.
    let lookup = app
        .get("/api/v1/people?last_name=Rajoitettu")
        .await
        .expect(200);
    assert_eq!(lookup["items"].as_array().unwrap().len(), 0, "{lookup}");
    let listed = app.get("/api/v1/people").await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let officer_hits = app
        .send(
            reqwest::Method::GET,
            "/api/v1/search?q=Rajoitettu",
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(officer_hits.as_array().unwrap().len(), 1);
    // Lifting is recorded; then he is back.
    let lifted = app
        .send(
            reqwest::Method::DELETE,
            &format!("{path}?reason=korjattu"),
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(lifted[0]["lift_reason"], "korjattu");
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&matti)
    );
    let history = app.get(&path).await.expect(200);
    assert_eq!(history[0]["in_force"], false);
    // One value restricted: that channel's value only.
    let email = "liisa.vapaa@esimerkki.fi";
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{liisa}/restriction"),
        Some(&officer),
        None,
        Some(json!({"reason": "osoite kiistetty", "value_kind": "email", "value": email})),
    )
    .await
    .expect(201);
    let w = wording(&app, &officer).await;
    event(
        &app,
        &liisa,
        json!({"channel": "email", "purpose": "direct_marketing", "state": "granted", "wording_id": w}),
    )
    .await;
    assert!(
        !audience(&app, "email", "direct_marketing")
            .await
            .contains(&liisa)
    );
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&liisa)
    );
    // The people export keeps her, without the restricted email.
    let exported = app
        .store
        .export_people(
            &common::cli(),
            app.clock.now(),
            &rekisteri_store::PageRequest {
                after: None,
                limit: 100,
                bulk: true,
            },
        )
        .await
        .unwrap();
    let her = exported
        .items
        .iter()
        .find(|p| p.id.to_string() == liisa)
        .unwrap();
    assert!(her.emails.is_empty() && !her.phones.is_empty());
    // A value the person does not have is named.
    let unknown = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{liisa}/restriction"),
            Some(&officer),
            None,
            Some(json!({"reason": "x", "value_kind": "email", "value": "muu@esimerkki.fi"})),
        )
        .await
        .expect(422);
    assert_eq!(unknown["error"]["field"], "value");
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.0 == "create" && a.1 == "restriction")
    );
    assert!(audit.iter().any(|a| a.0 == "lift" && a.1 == "restriction"));
}

async fn r2_an_audience_export_names_its_purpose_and_only_purposes_in_use(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let reply = app
        .get("/api/v1/marketing/audience?channel=letter&purpose=direct_marketing")
        .await
        .expect(422);
    assert_eq!(reply["error"]["field"], "X-Purpose");
    let purposes = app.get("/api/v1/purposes").await.expect(200);
    assert_eq!(purposes.as_array().unwrap().len(), 6);
    assert!(
        purposes
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["legal_basis"] == "contract" && p["in_use"] == true)
    );
    app.send(
        reqwest::Method::PUT,
        "/api/v1/purposes/advertising_targeting",
        Some(&admin),
        None,
        Some(json!({"legal_basis": "consent", "in_use": false})),
    )
    .await
    .expect(200);
    let refused = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel=letter&purpose=direct_marketing",
                app.base
            ))
            .bearer_auth(&app.token)
            .header("X-Purpose", "advertising_targeting"),
    )
    .await
    .expect(422);
    assert_eq!(refused["error"]["field"], "X-Purpose");
    // CSV: a header and one row per person, formulas defused.
    app.post(
        "/api/v1/people",
        json!({"first_name": "=HYPERLINK(1)", "last_name": "Virtanen",
               "addresses": [{"street": "Kauppakatu 12", "postal_code": "70100", "city": "Kuopio"}]}),
    )
    .await
    .expect(201);
    let csv = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel=letter&purpose=direct_marketing&format=csv",
                app.base
            ))
            .bearer_auth(&app.token)
            .header("X-Purpose", "customer_relationship"),
    )
    .await;
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "person_id,first_name,last_name,address,postal_code,city,country,basis"
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains(",'=HYPERLINK(1),Virtanen,Kauppakatu 12,70100,Kuopio,"),
        "{}",
        lines[1]
    );
}

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
