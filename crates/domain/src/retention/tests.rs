use super::*;
use crate::values::Parse;

fn date(raw: &str) -> Date {
    Date::parse(raw).unwrap()
}

#[test]
fn r9_the_defaults_cover_every_category_and_check_clean() {
    let schedule = RetentionSchedule::default();
    assert_eq!(schedule.checked().unwrap(), schedule);
    for category in RetentionCategory::ALL {
        let p = schedule.policy(*category).unwrap();
        assert!(!p.reason_fi.is_empty() && !p.reason_en.is_empty());
    }
    let customer = schedule.policy(RetentionCategory::CustomerData).unwrap();
    assert_eq!(
        (customer.months, customer.anchor, customer.action),
        (
            120,
            RetentionAnchor::RelationshipEnd,
            RetentionAction::ErasePerson
        )
    );
}

#[test]
fn r9_a_schedule_names_each_bad_field() {
    let mut schedule = RetentionSchedule::default();
    schedule.policies[0].anchor = RetentionAnchor::RecordDate;
    schedule.policies[1].months = 24;
    schedule.policies[2].action = RetentionAction::ErasePerson;
    schedule.policies[3].reason_fi = " ".into();
    schedule.policies[4].months = 0;
    schedule.policies.pop();
    schedule.financial_year_end = "02-30".into();
    schedule.review_after_months = 0;
    let errors = schedule.checked().unwrap_err();
    let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "policies[0].anchor",
            "policies[1].months",
            "policies[2].action",
            "policies[3].reason_fi",
            "policies[4].months",
            "policies.website_visits",
            "financial_year_end",
            "review_after_months"
        ]
    );
    assert!(errors.0[1].message.contains("kirjanpitolaki"));
    let mut twice = RetentionSchedule::default();
    let first = twice.policies[0].clone();
    twice.policies.push(first);
    assert_eq!(
        twice.checked().unwrap_err().0[0].field,
        "policies[7].category"
    );
}

#[test]
fn r9_a_relationship_ended_expires_ten_years_and_a_day_later() {
    let schedule = RetentionSchedule::default();
    let p = schedule.policy(RetentionCategory::CustomerData).unwrap();
    let ended = date("2016-03-15");
    assert_eq!(p.anchor_of(&schedule, ended), ended);
    assert_eq!(p.expires_on(ended), date("2026-03-15"));
    assert!(!p.expired(ended, date("2026-03-15")));
    assert!(p.expired(ended, date("2026-03-16")));
    assert_eq!(
        p.expired_through(&schedule, date("2026-03-16")),
        date("2016-03-15")
    );
    // A month's end clamps: 29.2.2016 + 10 years is 28.2.2026.
    assert_eq!(p.expires_on(date("2016-02-29")), date("2026-02-28"));
}

#[test]
fn r9_books_count_from_the_financial_year_and_vouchers_from_its_calendar_year() {
    let schedule = RetentionSchedule {
        financial_year_end: "06-30".into(),
        ..Default::default()
    };
    let books = schedule.policy(RetentionCategory::AccountingBooks).unwrap();
    let vouchers = schedule
        .policy(RetentionCategory::AccountingVouchers)
        .unwrap();
    assert_eq!(
        books.anchor_of(&schedule, date("2016-07-01")),
        date("2017-06-30")
    );
    assert_eq!(
        books.anchor_of(&schedule, date("2016-06-30")),
        date("2016-06-30")
    );
    assert_eq!(
        vouchers.anchor_of(&schedule, date("2016-07-01")),
        date("2017-12-31")
    );
    // Everything booked up to the financial year that ended 30.6.2016 has
    // expired on 1.7.2026; a day later in the books is kept.
    assert_eq!(
        books.expired_through(&schedule, date("2026-07-01")),
        date("2016-06-30")
    );
    assert_eq!(
        vouchers.expired_through(&schedule, date("2024-01-01")),
        date("2017-06-30")
    );
}

#[test]
fn r9_expired_through_agrees_with_expired_day_by_day() {
    let schedule = RetentionSchedule::default();
    for p in &schedule.policies {
        let today = date("2026-12-02");
        let through = p.expired_through(&schedule, today);
        assert!(p.expired(p.anchor_of(&schedule, through), today), "{p:?}");
        assert!(
            !p.expired(p.anchor_of(&schedule, through.plus_days(1)), today),
            "{p:?}"
        );
    }
}

#[test]
fn r9_a_quiet_relationship_is_reviewed_after_24_months() {
    let schedule = RetentionSchedule::default();
    assert_eq!(schedule.review_from(date("2024-12-02")), date("2026-12-02"));
}

#[test]
fn r9_vouchers_are_minimised_never_deleted_before_the_books() {
    // Orders and invoices are both the books and the vouchers: deleting
    // them after the vouchers' 6 years would lose the books' 10.
    let mut schedule = RetentionSchedule::default();
    let vouchers = schedule
        .policies
        .iter()
        .position(|p| p.category == RetentionCategory::AccountingVouchers)
        .unwrap();
    schedule.policies[vouchers].action = RetentionAction::DeleteRecord;
    let errors = schedule.checked().unwrap_err();
    assert_eq!(errors.0[0].field, format!("policies[{vouchers}].action"));
}
