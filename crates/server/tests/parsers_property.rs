//! Every parser of outside input under random input (issue 19; R3, R5,
//! R16, B6): the people CSV importer, vCard, the access report's JSON
//! import, the search query, JSON bodies, `If-Match` and the list cursor.
//! None panics on anything; each accepts what it promises and refuses the
//! rest with an error naming the field.
//!
//! Each property runs 10 000 cases (`PROPTEST_CASES` changes that). The
//! seed is printed first; `PROPTEST_RNG_SEED=<seed>` repeats a run.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use rekisteri::error::ApiError;
use rekisteri::extract::{if_match, json_body};
use rekisteri::http::Paging;
use rekisteri::services::imports::{PEOPLE_COLUMNS, read_people_csv};
use rekisteri::services::report::{ImportFormat, person_draft};
use rekisteri_domain::person::PersonDraft;
use rekisteri_domain::provenance::Source;
use rekisteri_domain::search::{query_terms, search_text};
use rekisteri_domain::vcard;

/// A runner of 10 000 cases whose seed is printed (and taken from
/// `PROPTEST_RNG_SEED` when set).
fn runner(name: &str) -> TestRunner {
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(rand_seed);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    eprintln!("{name}: {cases} cases, seed {seed} (PROPTEST_RNG_SEED={seed} repeats it)");
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    })
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}

fn run<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(name).run(&strategy, test) {
        panic!("{name}: {e}");
    }
}

/// Names as people have them: letters of several alphabets, a space or a
/// hyphen inside.
fn name() -> impl Strategy<Value = String> {
    "[A-ZÅÄÖa-zåäöéüß][a-zåäöéüßA-Z' -]{0,20}[a-zåäöA-Z]".prop_map(|s| s.to_string())
}

fn email() -> impl Strategy<Value = String> {
    (
        "[a-z0-9][a-z0-9._+-]{0,15}[a-z0-9]",
        "[a-z0-9]{1,12}",
        "(fi|com|eu|se)",
    )
        .prop_filter("no double dot", |(l, _, _)| !l.contains(".."))
        .prop_map(|(l, d, t)| format!("{l}@{d}.{t}"))
}

fn field_of(e: &ApiError) -> Option<String> {
    match e {
        ApiError::Invalid(i) => i.0.first().map(|f| f.field.clone()),
        _ => None,
    }
}

#[test]
fn r3_the_people_csv_importer_reads_what_it_is_given_and_never_panics() {
    // Any bytes: a header error, a CSV error, or rows each parsed or refused.
    run(
        "csv bytes",
        proptest::collection::vec(any::<u8>(), 0..400),
        |bytes| {
            let _ = read_people_csv(&bytes, Source::StaffEntry, None);
            Ok(())
        },
    );
    // People written as CSV come back as they were, one row each.
    run(
        "csv people",
        proptest::collection::vec((name(), name(), email()), 1..8),
        |people| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(PEOPLE_COLUMNS).map_err(fail)?;
            for (first, last, email) in &people {
                let mut row = vec![String::new(); PEOPLE_COLUMNS.len()];
                row[0] = first.clone();
                row[1] = last.clone();
                row[3] = email.clone();
                w.write_record(&row).map_err(fail)?;
            }
            let data = w.into_inner().map_err(fail)?;
            let rows = read_people_csv(&data, Source::StaffEntry, None).map_err(fail)?;
            prop_assert_eq!(rows.len(), people.len());
            for ((_, parsed), (first, last, email)) in rows.iter().zip(&people) {
                let person = parsed.as_ref().map_err(|e| fail(format!("{e:?}")))?;
                // A name is stored with its spaces made single.
                let spaced = |n: &str| n.split_whitespace().collect::<Vec<_>>().join(" ");
                prop_assert_eq!(person.first_name.as_str(), spaced(first));
                prop_assert_eq!(person.last_name.as_str(), spaced(last));
                let emails: Vec<String> = person
                    .contacts
                    .iter()
                    .map(|c| c.value().to_string())
                    .collect();
                prop_assert!(emails.contains(email), "{emails:?} {email}");
            }
            Ok(())
        },
    );
}

#[test]
fn r16_a_vcard_is_read_back_and_any_text_is_refused_cleanly() {
    run(
        "vcard text",
        "(BEGIN:VCARD\r\n)?\\PC{0,200}(\r\nEND:VCARD)?",
        |text| {
            let _ = vcard::parse(&text, Source::OwnNotice, "portability: vcard");
            Ok(())
        },
    );
    run("vcard escape", "\\PC{0,60}", |value| {
        prop_assert_eq!(vcard::unescape(&vcard::escape(&value)), value);
        Ok(())
    });
    run(
        "vcard person",
        (name(), name(), email()),
        |(first, last, email)| {
            let card = format!(
                "BEGIN:VCARD\r\nVERSION:4.0\r\nN:{};{};;;\r\nFN:{} {}\r\nEMAIL:{}\r\nEND:VCARD\r\n",
                vcard::escape(&last),
                vcard::escape(&first),
                vcard::escape(&first),
                vcard::escape(&last),
                vcard::escape(&email)
            );
            let draft =
                vcard::parse(&card, Source::OwnNotice, "portability: vcard").map_err(fail)?;
            prop_assert_eq!(draft.first_name.as_deref(), Some(first.as_str()));
            prop_assert_eq!(draft.last_name.as_deref(), Some(last.as_str()));
            prop_assert_eq!(draft.emails, vec![email]);
            Ok(())
        },
    );
}

/// JSON values of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("first_name".to_string()),
                    Just("last_name".to_string()),
                    Just("emails".to_string()),
                    Just("person".to_string()),
                    Just("addresses".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn r16_the_access_report_import_refuses_any_other_json_cleanly() {
    run("report json", json_value(), |value| {
        let bytes = serde_json::to_vec(&value).map_err(fail)?;
        let _ = person_draft(ImportFormat::Json, &bytes);
        Ok(())
    });
    run(
        "report bytes",
        proptest::collection::vec(any::<u8>(), 0..300),
        |bytes| {
            let _ = person_draft(ImportFormat::Json, &bytes);
            let _ = person_draft(ImportFormat::Vcard, &bytes);
            Ok(())
        },
    );
}

#[test]
fn b6_every_word_of_a_name_finds_it_and_no_query_panics() {
    run("search any", "\\PC{0,120}", |query| {
        let terms = query_terms(&query);
        prop_assert!(terms.len() <= 8);
        prop_assert!(terms.iter().all(|t| !t.is_empty()));
        Ok(())
    });
    run("search name", (name(), name()), |(first, last)| {
        let indexed: Vec<String> = search_text([first.as_str(), last.as_str()])
            .split(' ')
            .map(str::to_string)
            .collect();
        for word in first
            .split([' ', '-', '\''])
            .chain(last.split([' ', '-', '\'']))
        {
            for term in query_terms(word) {
                prop_assert!(
                    indexed.iter().any(|t| t.starts_with(&term)),
                    "{term:?} of {word:?} not in {indexed:?}"
                );
            }
        }
        Ok(())
    });
}

#[test]
fn r3_json_bodies_round_trip_and_anything_else_is_named() {
    run("json any", json_value(), |value| {
        let bytes = serde_json::to_vec(&value).map_err(fail)?;
        if let Err(e) = json_body::<PersonDraft>(&bytes) {
            prop_assert!(field_of(&e).is_some(), "{e:?}");
        }
        Ok(())
    });
    run(
        "json bytes",
        proptest::collection::vec(any::<u8>(), 0..200),
        |bytes| {
            if let Err(e) = json_body::<PersonDraft>(&bytes) {
                prop_assert!(field_of(&e).is_some(), "{e:?}");
            }
            Ok(())
        },
    );
    run(
        "json person",
        (name(), name(), proptest::collection::vec(email(), 0..3)),
        |(first, last, emails)| {
            let sent = PersonDraft {
                first_name: Some(first),
                last_name: Some(last),
                emails,
                ..PersonDraft::default()
            };
            let bytes = serde_json::to_vec(&sent).map_err(fail)?;
            let read: PersonDraft = json_body(&bytes).map_err(|e| fail(format!("{e:?}")))?;
            prop_assert_eq!(
                serde_json::to_value(&read).map_err(fail)?,
                serde_json::to_value(&sent).map_err(fail)?
            );
            Ok(())
        },
    );
}

#[test]
fn r3_if_match_names_a_version_only_as_the_etag_sent() {
    run("if-match any", "\\PC{0,12}", |raw| {
        match if_match(&raw) {
            Ok(n) => prop_assert_eq!(raw.trim_matches([' ', '\t']), format!("\"{n}\"")),
            Err(e) => prop_assert_eq!(field_of(&e), Some("If-Match".to_string())),
        }
        Ok(())
    });
    run("if-match sent", 0..i64::MAX, |version| {
        prop_assert_eq!(if_match(&format!("\"{version}\"")).ok(), Some(version));
        let weak = format!("W/\"{version}\"");
        let padded = format!("\"0{version}\"");
        prop_assert!(if_match(&weak).is_err());
        prop_assert!(if_match(&version.to_string()).is_err());
        prop_assert!(if_match(&padded).is_err());
        Ok(())
    });
}

#[test]
fn r3_a_cursor_is_only_one_the_api_sent() {
    let cursor = prop_oneof![
        "\\PC{0,40}",
        any::<u128>().prop_map(|b| uuid::Uuid::from_u128(b).simple().to_string()),
        any::<u128>().prop_map(|b| uuid::Uuid::from_u128(b).to_string().to_uppercase()),
    ];
    run("cursor any", cursor, |after| {
        let paging = Paging {
            after: Some(after.clone()),
            limit: None,
        };
        match paging.request() {
            Ok(page) => {
                let canonical = uuid::Uuid::parse_str(&after).map(|id| id.to_string());
                prop_assert_eq!(canonical.ok(), Some(after.clone()));
                prop_assert_eq!(page.after, Some(after));
            }
            Err(e) => prop_assert_eq!(field_of(&e), Some("after".to_string())),
        }
        Ok(())
    });
    run(
        "cursor sent",
        (any::<u128>(), 0u32..600),
        |(bits, limit)| {
            let id = uuid::Uuid::from_u128(bits).to_string();
            let paging = Paging {
                after: Some(id.clone()),
                limit: Some(limit),
            };
            match paging.request() {
                Ok(page) => {
                    prop_assert!((1..=500).contains(&limit));
                    prop_assert_eq!(page.after, Some(id));
                }
                Err(e) => {
                    prop_assert!(!(1..=500).contains(&limit));
                    prop_assert_eq!(field_of(&e), Some("limit".to_string()));
                }
            }
            Ok(())
        },
    );
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}
