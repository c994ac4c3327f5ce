//! Retention (R9): how long each category of data is kept, from what, and
//! what happens when the period ends — the register's retention schedule,
//! which the admin edits and which the sweep, the access report and the
//! privacy notice read. The defaults are the notice's one rule (10 years
//! from the end of the customer relationship) and Finnish law's, each with
//! its reason written out.
//!
//! Pure: dates in, dates out. The store finds the records and their anchor
//! dates; [`RetentionPolicy::expires_on`] says when each one's period ends,
//! and a record is expired the day after.

use crate::error::{Errors, FieldError, Invalid};
use crate::provenance::code_enum;
use crate::time::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// The data kept for a period of its own (R9).
    RetentionCategory {
        /// Everything the register holds on a customer: the person, their
        /// contact values, notes, links, permissions.
        CustomerData = "customer_data",
        /// Accounting books: orders and invoices as booked (number, dates,
        /// amounts), kept without the person once the person is erased.
        AccountingBooks = "accounting_books",
        /// Accounting vouchers: an invoice's lines, the detail behind what
        /// was booked.
        AccountingVouchers = "accounting_vouchers",
        /// Data-subject request cases, minimised, as proof of the answer.
        RequestCases = "request_cases",
        /// The audit log: who read or changed what.
        AuditLog = "audit_log",
        /// Erasure tombstones, which refuse re-imports of the erased.
        Tombstones = "tombstones",
        /// Visits recorded from the company's website (R12).
        WebsiteVisits = "website_visits",
    }
);

code_enum!(
    /// What a retention period counts from.
    RetentionAnchor {
        /// The end of the customer relationship.
        RelationshipEnd = "relationship_end",
        /// The record's own date (a case's closing, an audit row's time,
        /// a tombstone's erasure, a visit's time).
        RecordDate = "record_date",
        /// The end of the financial year of an accounting record.
        FinancialYearEnd = "financial_year_end",
    }
);

code_enum!(
    /// What the sweep does with what has expired.
    RetentionAction {
        /// The person is erased through the erasure service (tombstones,
        /// Art. 19 notices).
        ErasePerson = "erase_person",
        /// The person is anonymised (statistics stay).
        Anonymise = "anonymise",
        /// The record is deleted.
        DeleteRecord = "delete_record",
        /// An accounting record keeps what was booked and loses its detail.
        MinimiseAccountingRecord = "minimise_accounting_record",
    }
);

impl RetentionCategory {
    /// The anchors and actions that make sense for the category.
    fn allows(self, anchor: RetentionAnchor, action: RetentionAction) -> (bool, bool) {
        use RetentionAction as Do;
        use RetentionAnchor as From;
        match self {
            Self::CustomerData => (
                anchor == From::RelationshipEnd,
                matches!(action, Do::ErasePerson | Do::Anonymise),
            ),
            Self::AccountingBooks => (
                matches!(anchor, From::FinancialYearEnd | From::RecordDate),
                action == Do::DeleteRecord,
            ),
            // The register's orders and invoices are books and vouchers at
            // once: after the vouchers' period they are minimised, and
            // deleted only with the books.
            Self::AccountingVouchers => (
                matches!(anchor, From::FinancialYearEnd | From::RecordDate),
                action == Do::MinimiseAccountingRecord,
            ),
            _ => (anchor == From::RecordDate, action == Do::DeleteRecord),
        }
    }

    /// The shortest period the law allows, in months, and the refusal.
    fn legal_minimum(self) -> Option<(u32, &'static str)> {
        match self {
            Self::AccountingBooks => Some((
                120,
                "must be at least 120 months: the Accounting Act (kirjanpitolaki 2:10) keeps the books 10 years",
            )),
            Self::AccountingVouchers => Some((
                72,
                "must be at least 72 months: the Accounting Act (kirjanpitolaki 2:10) keeps vouchers 6 years",
            )),
            _ => None,
        }
    }
}

/// How long one category is kept, from what, what happens then, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetentionPolicy {
    pub category: RetentionCategory,
    /// The period in months (120 = 10 years).
    pub months: u32,
    pub anchor: RetentionAnchor,
    pub action: RetentionAction,
    /// The reason, in Finnish and in English (the notice and the report
    /// say it in the reader's language).
    pub reason_fi: String,
    pub reason_en: String,
}

/// The longest period one may configure: 100 years.
pub const MAX_MONTHS: u32 = 1_200;

/// The whole retention schedule: a policy per category, the financial
/// year's end, and when a quiet customer relationship is put to review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetentionSchedule {
    pub policies: Vec<RetentionPolicy>,
    /// The financial year's last day, `MM-DD` (default `12-31`).
    pub financial_year_end: String,
    /// A person with no order, invoice, note, meeting, request or portal
    /// visit for this many months is put on the review list (default 24).
    pub review_after_months: u32,
    /// When true, the sweep records the end of a relationship on review by
    /// itself (dated at the last activity); when false (the default) the
    /// officer confirms each one.
    pub end_relationships_automatically: bool,
}

fn policy(
    category: RetentionCategory,
    months: u32,
    anchor: RetentionAnchor,
    action: RetentionAction,
    reason_fi: &str,
    reason_en: &str,
) -> RetentionPolicy {
    RetentionPolicy {
        category,
        months,
        anchor,
        action,
        reason_fi: reason_fi.into(),
        reason_en: reason_en.into(),
    }
}

impl Default for RetentionSchedule {
    /// The notice's rule and Finnish law's, each with its reason.
    fn default() -> Self {
        use RetentionAction as Do;
        use RetentionAnchor as From;
        use RetentionCategory as C;
        Self {
            policies: vec![
                policy(
                    C::CustomerData,
                    120,
                    From::RelationshipEnd,
                    Do::ErasePerson,
                    "Tietosuojaseloste: asiakkaan tiedot säilytetään 10 vuotta asiakassuhteen päättymisestä, ellei laki estä poistamista.",
                    "The privacy notice: a customer's data is kept 10 years from the end of the customer relationship, unless law prevents erasing it.",
                ),
                policy(
                    C::AccountingBooks,
                    120,
                    From::FinancialYearEnd,
                    Do::DeleteRecord,
                    "Kirjanpitolaki 2:10: kirjanpitokirjat säilytetään 10 vuotta tilikauden päättymisestä. Tilaukset ja laskut jäävät kirjanpitoon ilman henkilöä, kun henkilön tiedot poistetaan.",
                    "The Finnish Accounting Act (kirjanpitolaki 2:10): the books are kept 10 years from the end of the financial year. Orders and invoices stay in the books without the person once the person's data is erased.",
                ),
                policy(
                    C::AccountingVouchers,
                    72,
                    From::FinancialYearEnd,
                    Do::MinimiseAccountingRecord,
                    "Kirjanpitolaki 2:10: tositteet säilytetään 6 vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi. Sen jälkeen laskun rivit poistetaan ja kirjattu summa jää kirjanpitoon.",
                    "The Finnish Accounting Act (kirjanpitolaki 2:10): vouchers are kept 6 years from the end of the year in which the financial year ended. Then an invoice's lines go and the booked amount stays in the books.",
                ),
                policy(
                    C::RequestCases,
                    60,
                    From::RecordDate,
                    Do::DeleteRecord,
                    "Tietosuoja-asetuksen 5 artiklan 2 kohta: rekisterinpitäjän on voitava osoittaa, miten pyyntöön vastattiin. Tapaus säilytetään ilman pyytäjän tietoja 5 vuotta sen sulkemisesta: yleinen vanhentumisaika on 3 vuotta (laki velan vanhentumisesta 4 §), ja valitus tietosuojavaltuutetulle voi tulla sen jälkeenkin.",
                    "GDPR Art. 5(2): the controller must be able to show how a request was answered. The case is kept without the requester's details for 5 years from its closing: the general limitation period is 3 years (Act on the Limitation of Debts, section 4), and a complaint to the Data Protection Ombudsman may arrive later still.",
                ),
                policy(
                    C::AuditLog,
                    60,
                    From::RecordDate,
                    Do::DeleteRecord,
                    "Tietosuoja-asetuksen 5 artiklan 2 kohta ja 32 artikla: loki osoittaa, kuka luki tai muutti mitä ja miten pyyntöihin vastattiin. Se säilytetään yhtä kauan kuin pyyntöjen tapaukset, 5 vuotta; vanhat rivit poistetaan tarkistuspisteeseen, josta ketju yhä todennetaan.",
                    "GDPR Art. 5(2) and 32: the log shows who read or changed what and how requests were answered. It is kept as long as the request cases, 5 years; older rows are cut at a checkpoint from which the chain still verifies.",
                ),
                policy(
                    C::Tombstones,
                    120,
                    From::RecordDate,
                    Do::DeleteRecord,
                    "Poistetun henkilön tunniste (avattava vain tiivisteenä) estää häntä palaamasta tuonnissa vanhasta lähteestä. Vanhin lähde, josta hän voisi palata, on 10 vuotta säilytettävä kirjanpito; siksi 10 vuotta poistosta.",
                    "An erased person's marker (a keyed hash, never the address) keeps them from coming back in an import from an old source. The oldest source they could come back from is the books, kept 10 years; so 10 years from the erasure.",
                ),
                policy(
                    C::WebsiteVisits,
                    13,
                    From::RecordDate,
                    Do::DeleteRecord,
                    "Verkkosivuston käyntitiedot (analytiikka, vain suostumuksella) säilytetään 13 kuukautta, jotta vuoden vertailu on mahdollinen; pidempään niitä ei tarvita.",
                    "Visits to the website (analytics, with consent only) are kept 13 months, so that a year can be compared with the last; they are not needed longer.",
                ),
            ],
            financial_year_end: "12-31".into(),
            review_after_months: 24,
            end_relationships_automatically: false,
        }
    }
}

/// A day of the year, `MM-DD`.
fn parse_month_day(raw: &str) -> Option<(i8, i8)> {
    let (m, d) = raw.trim().split_once('-')?;
    let (m, d): (i8, i8) = (m.parse().ok()?, d.parse().ok()?);
    // 2025 is not a leap year: 02-29 is refused (a year-end must exist every year).
    Date::new(2025, m, d).map(|_| (m, d))
}

impl RetentionSchedule {
    /// The schedule checked: every category once, each with an anchor and
    /// an action it allows, a period within the law, both reasons; errors
    /// named by path (`policies[2].months`).
    pub fn checked(&self) -> Result<Self, Invalid> {
        let mut errors = Errors::new();
        for (i, p) in self.policies.iter().enumerate() {
            let at = |field: &str| format!("policies[{i}].{field}");
            if self.policies[..i].iter().any(|q| q.category == p.category) {
                errors.push(FieldError::invalid(at("category"), "is listed twice"));
            }
            let (anchor_ok, action_ok) = p.category.allows(p.anchor, p.action);
            if !anchor_ok {
                errors.push(FieldError::invalid(
                    at("anchor"),
                    "cannot be counted from this date for this category",
                ));
            }
            if !action_ok {
                errors.push(FieldError::invalid(
                    at("action"),
                    "is not an action for this category",
                ));
            }
            if p.months == 0 || p.months > MAX_MONTHS {
                errors.push(FieldError::invalid(
                    at("months"),
                    format!("must be between 1 and {MAX_MONTHS}"),
                ));
            } else if let Some((min, refusal)) = p.category.legal_minimum()
                && p.months < min
            {
                errors.push(FieldError::invalid(at("months"), refusal));
            }
            for (field, reason) in [("reason_fi", &p.reason_fi), ("reason_en", &p.reason_en)] {
                match reason.trim().chars().count() {
                    0 => errors.push(FieldError::required(at(field))),
                    n if n > 2_000 => errors.push(FieldError::too_long(at(field), 2_000)),
                    _ => {}
                }
            }
        }
        for category in RetentionCategory::ALL {
            if !self.policies.iter().any(|p| p.category == *category) {
                errors.push(FieldError::invalid(
                    format!("policies.{category}"),
                    "has no policy: every category needs one",
                ));
            }
        }
        if parse_month_day(&self.financial_year_end).is_none() {
            errors.push(FieldError::invalid(
                "financial_year_end",
                "must be a day of the year as MM-DD, such as 12-31",
            ));
        }
        if self.review_after_months == 0 || self.review_after_months > MAX_MONTHS {
            errors.push(FieldError::invalid(
                "review_after_months",
                format!("must be between 1 and {MAX_MONTHS}"),
            ));
        }
        errors.finish(|| {
            let mut checked = self.clone();
            for p in &mut checked.policies {
                p.reason_fi = p.reason_fi.trim().into();
                p.reason_en = p.reason_en.trim().into();
            }
            checked
                .policies
                .sort_by_key(|p| RetentionCategory::ALL.iter().position(|c| *c == p.category));
            let (m, d) = parse_month_day(&self.financial_year_end)?;
            checked.financial_year_end = format!("{m:02}-{d:02}");
            Some(checked)
        })
    }

    /// The policy of a category (a checked schedule has one for each).
    pub fn policy(&self, category: RetentionCategory) -> Option<&RetentionPolicy> {
        self.policies.iter().find(|p| p.category == category)
    }

    /// The last day of the financial year `date` falls in.
    pub fn financial_year_end_of(&self, date: Date) -> Date {
        let (m, d) = parse_month_day(&self.financial_year_end).unwrap_or((12, 31));
        let year = date.to_jiff().year();
        match Date::new(year, m, d) {
            Some(end) if end >= date => end,
            _ => Date::new(year + 1, m, d).unwrap_or(date),
        }
    }

    /// The day a person's relationship may have ended, when the last
    /// activity was on `last_active`: the review list shows them from then.
    pub fn review_from(&self, last_active: Date) -> Date {
        plus_months(last_active, self.review_after_months as i32)
    }
}

impl RetentionPolicy {
    /// The date the period counts from, for a record dated `date` (the
    /// relationship's end, the record's own date, or its booking date).
    pub fn anchor_of(&self, schedule: &RetentionSchedule, date: Date) -> Date {
        match self.anchor {
            RetentionAnchor::FinancialYearEnd => {
                let end = schedule.financial_year_end_of(date);
                if self.category == RetentionCategory::AccountingVouchers {
                    // Vouchers count from the end of the calendar year in
                    // which the financial year ended (kirjanpitolaki 2:10).
                    Date::new(end.to_jiff().year(), 12, 31).unwrap_or(end)
                } else {
                    end
                }
            }
            _ => date,
        }
    }

    /// The last day the record is kept; it expires the day after.
    pub fn expires_on(&self, anchor: Date) -> Date {
        plus_months(anchor, self.months as i32)
    }

    /// Expired `today`: the period from `anchor` has run out.
    pub fn expired(&self, anchor: Date, today: Date) -> bool {
        today > self.expires_on(anchor)
    }

    /// The latest record date that has expired on `today`: every record
    /// dated on or before it has, none after (anchors and expiry only grow
    /// with the date), so the store finds them with one comparison.
    pub fn expired_through(&self, schedule: &RetentionSchedule, today: Date) -> Date {
        let expired = |d: Date| self.expired(self.anchor_of(schedule, d), today);
        // Far enough back to have expired whatever the anchor adds (a
        // financial year, a calendar year), and `today` never has.
        let mut low = plus_months(today, -(self.months as i32) - 36);
        let mut high = today;
        if !expired(low) {
            return low.plus_days(-1);
        }
        // Invariant: `low` expired, `high` not.
        while high > low.plus_days(1) {
            let gap = (high.to_jiff() - low.to_jiff()).get_days();
            let mid = low.plus_days(gap / 2);
            if expired(mid) {
                low = mid;
            } else {
                high = mid;
            }
        }
        low
    }
}

/// `date` plus `months` calendar months (the day clamped to the month's end).
pub fn plus_months(date: Date, months: i32) -> Date {
    Date::from_jiff(
        date.to_jiff()
            .checked_add(jiff::Span::new().months(months))
            .unwrap_or(date.to_jiff()),
    )
}

#[cfg(test)]
mod tests;
