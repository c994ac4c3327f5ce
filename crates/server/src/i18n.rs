//! The interface's two languages (Fluent files under `locales/`) and the
//! locale's formats: Finnish `24.11.2026 klo 14.05`, `1 234,50 €`; English
//! `24 Nov 2026, 14:05`, `€1,234.50`. Times are shown in the register's time
//! zone (`serve --time-zone`, Europe/Helsinki by default).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::tz::TimeZone;
use rekisteri_domain::{Date, FieldError, Timestamp};
use std::sync::{Arc, LazyLock};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Fi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fi" => Some(Lang::Fi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of the browser's languages (`Accept-Language`, by
    /// weight) that the interface speaks; Finnish when none.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let mut ranked: Vec<(f32, Lang)> = header
            .unwrap_or_default()
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let primary = tag.split('-').next()?;
                let lang = Lang::parse(primary)?;
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map_or(Lang::Fi, |(_, l)| *l)
    }
}

/// The Fluent files of each language; every file exists in both.
const FILES: [(&str, &str, &str); 13] = [
    (
        "retention.ftl",
        include_str!("../locales/fi/retention.ftl"),
        include_str!("../locales/en/retention.ftl"),
    ),
    (
        "requests.ftl",
        include_str!("../locales/fi/requests.ftl"),
        include_str!("../locales/en/requests.ftl"),
    ),
    (
        "erasure.ftl",
        include_str!("../locales/fi/erasure.ftl"),
        include_str!("../locales/en/erasure.ftl"),
    ),
    (
        "main.ftl",
        include_str!("../locales/fi/main.ftl"),
        include_str!("../locales/en/main.ftl"),
    ),
    (
        "errors.ftl",
        include_str!("../locales/fi/errors.ftl"),
        include_str!("../locales/en/errors.ftl"),
    ),
    (
        "records.ftl",
        include_str!("../locales/fi/records.ftl"),
        include_str!("../locales/en/records.ftl"),
    ),
    (
        "admin.ftl",
        include_str!("../locales/fi/admin.ftl"),
        include_str!("../locales/en/admin.ftl"),
    ),
    (
        "business.ftl",
        include_str!("../locales/fi/business.ftl"),
        include_str!("../locales/en/business.ftl"),
    ),
    (
        "import.ftl",
        include_str!("../locales/fi/import.ftl"),
        include_str!("../locales/en/import.ftl"),
    ),
    (
        "disclosures.ftl",
        include_str!("../locales/fi/disclosures.ftl"),
        include_str!("../locales/en/disclosures.ftl"),
    ),
    (
        "marketing.ftl",
        include_str!("../locales/fi/marketing.ftl"),
        include_str!("../locales/en/marketing.ftl"),
    ),
    (
        "report.ftl",
        include_str!("../locales/fi/report.ftl"),
        include_str!("../locales/en/report.ftl"),
    ),
    (
        "portal.ftl",
        include_str!("../locales/fi/portal.ftl"),
        include_str!("../locales/en/portal.ftl"),
    ),
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let id = match lang {
        Lang::Fi => unic_langid::langid!("fi-FI"),
        Lang::En => unic_langid::langid!("en-GB"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    for (name, fi, en) in FILES {
        let text = match lang {
            Lang::Fi => fi,
            Lang::En => en,
        };
        match FluentResource::try_new(text.to_string()) {
            Ok(resource) => {
                if let Err(errors) = bundle.add_resource(resource) {
                    tracing::error!(file = name, ?errors, "duplicate Fluent messages");
                }
            }
            Err((resource, errors)) => {
                tracing::error!(file = name, ?errors, "Fluent syntax errors");
                let _ = bundle.add_resource(resource);
            }
        }
    }
    bundle
}

static FI: LazyLock<Bundle> = LazyLock::new(|| bundle(Lang::Fi));
static EN: LazyLock<Bundle> = LazyLock::new(|| bundle(Lang::En));

fn bundle_of(lang: Lang) -> &'static Bundle {
    match lang {
        Lang::Fi => &FI,
        Lang::En => &EN,
    }
}

/// A language and a time zone: what a page needs to speak and to show
/// times. Templates call `l.t` (a message id), `l.time(ts)`, `l.money(cents)`.
#[derive(Clone)]
pub struct Locale {
    pub lang: Lang,
    pub tz: Arc<TimeZone>,
}

impl Locale {
    pub fn new(lang: Lang, tz: Arc<TimeZone>) -> Self {
        Self { lang, tz }
    }

    /// The message `id`; the id itself when missing (a test keeps every
    /// id used in the templates present in both languages).
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one variable.
    pub fn t1(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.format(id, Some(&args))
    }

    /// The message `id` with a number variable (plural rules apply).
    pub fn tn(&self, id: &str, name: &str, value: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value));
        self.format(id, Some(&args))
    }

    /// The message, if it exists.
    pub fn try_t(&self, id: &str) -> Option<String> {
        let bundle = bundle_of(self.lang);
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        Some(
            bundle
                .format_pattern(pattern, None, &mut errors)
                .into_owned(),
        )
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = bundle_of(self.lang);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, "missing message");
            return id.to_string();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// A code of a closed list (`meeting_note`, `registration`) in words:
    /// the message `{prefix}-{code}`, or the code.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        self.try_t(&format!("{prefix}-{}", code.replace('_', "-")))
            .unwrap_or_else(|| code.to_string())
    }

    pub fn lang(&self) -> &'static str {
        self.lang.code()
    }

    /// A retention period: `10 vuotta` / `10 years`, or in months.
    pub fn period(&self, months: u32) -> String {
        if months.is_multiple_of(12) && months > 12 {
            self.tn("retention-period-years", "years", i64::from(months / 12))
        } else {
            self.tn("retention-period", "months", i64::from(months))
        }
    }

    /// A retention policy in one sentence of this language, and its reason.
    pub fn retention_rule(
        &self,
        p: &rekisteri_domain::retention::RetentionPolicy,
    ) -> (String, String) {
        let mut args = FluentArgs::new();
        args.set(
            "category",
            self.code("retention-category", p.category.code()),
        );
        args.set("period", self.period(p.months));
        args.set("anchor", self.code("retention-anchor", p.anchor.code()));
        args.set("action", self.code("retention-action", p.action.code()));
        let reason = match self.lang {
            Lang::Fi => p.reason_fi.clone(),
            Lang::En => p.reason_en.clone(),
        };
        (self.format("retention-rule", Some(&args)), reason)
    }

    fn zoned(&self, ts: Timestamp) -> jiff::ZonedDateTime {
        ts.to_jiff().to_zoned_datetime((*self.tz).clone())
    }

    /// A moment: `24.11.2026 klo 14.05` / `24 Nov 2026, 14:05`.
    pub fn time(&self, ts: &Timestamp) -> String {
        let z = self.zoned(*ts);
        match self.lang {
            Lang::Fi => z.strftime("%-d.%-m.%Y klo %-H.%M").to_string(),
            Lang::En => z.strftime("%-d %b %Y, %H:%M").to_string(),
        }
    }

    /// An optional moment; empty when none.
    pub fn time_opt(&self, ts: &Option<Timestamp>) -> String {
        ts.as_ref().map(|t| self.time(t)).unwrap_or_default()
    }

    /// A day: `24.11.2026` / `24 Nov 2026`.
    pub fn date(&self, date: &Date) -> String {
        let d = date.to_jiff();
        match self.lang {
            Lang::Fi => d.strftime("%-d.%-m.%Y").to_string(),
            Lang::En => d.strftime("%-d %b %Y").to_string(),
        }
    }

    pub fn date_opt(&self, date: &Option<Date>) -> String {
        date.as_ref().map(|d| self.date(d)).unwrap_or_default()
    }

    /// The value of a `datetime-local` input for a moment, in the zone.
    pub fn input_time(&self, ts: &Option<Timestamp>) -> String {
        ts.map(|t| self.zoned(t).strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    }

    /// A `datetime-local` input's value (`2026-11-26T10:00`) in the zone,
    /// as an RFC 3339 moment; `None` when empty, the raw text when it is
    /// not a local time (the domain then names the field).
    pub fn parse_input_time(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<jiff::civil::DateTime>() {
            Ok(local) => match local.to_zoned_datetime((*self.tz).clone()) {
                Ok(z) => Some(z.timestamp().to_string()),
                Err(_) => Some(raw.to_string()),
            },
            Err(_) => Some(raw.to_string()),
        }
    }

    /// A whole number: `12 345` / `12,345`.
    pub fn number(&self, n: &i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let sep = match self.lang {
            Lang::Fi => '\u{a0}',
            Lang::En => ',',
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if *n < 0 { format!("−{out}") } else { out }
    }

    /// An amount in cents of euros: `1 234,50 €` / `€1,234.50`.
    pub fn money(&self, cents: &i64) -> String {
        let whole = self.number(&(cents.abs() / 100));
        let sign = if *cents < 0 { "−" } else { "" };
        let fraction = cents.abs() % 100;
        match self.lang {
            Lang::Fi => format!("{sign}{whole},{fraction:02}\u{a0}€"),
            Lang::En => format!("{sign}€{whole}.{fraction:02}"),
        }
    }
}

/// A message id from an English message: lowercase, every run of other
/// characters than ASCII letters and digits one `-`.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The field error's message in the user's language: the Fluent message
/// `v-<slug of the English message>`, a few messages with a value in
/// them, and the English message when no translation exists.
pub fn field_message(l: &Locale, e: &FieldError) -> String {
    if e.code == "required" && e.message == "is required" {
        return l.t("field-required");
    }
    if let Some(text) = l.try_t(&format!("v-{}", slug(&e.message))) {
        return text;
    }
    let m = e.message.as_str();
    if let Some(n) = m
        .strip_prefix("must be at most ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        return l.t1("v-too-long", "max", n);
    }
    if let Some(n) = m
        .strip_prefix("must be at least ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        return l.t1("v-too-short", "min", n);
    }
    if let Some(c) = m.strip_prefix("has a character that is not allowed: ") {
        return l.t1("v-character-not-allowed", "char", c);
    }
    if let Some(kind) = m.strip_prefix("is required for a ") {
        return l.t1("v-required-for", "kind", l.code("kind", kind));
    }
    if m.starts_with("is not a web address") {
        return l.t("v-is-not-a-web-address");
    }
    if let Some(codes) = m.strip_prefix("must be one of: ") {
        return l.t1("v-must-be-one-of", "codes", codes);
    }
    e.message.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fi() -> Locale {
        Locale::new(
            Lang::Fi,
            Arc::new(TimeZone::get("Europe/Helsinki").expect("bundled zone")),
        )
    }

    fn en() -> Locale {
        Locale {
            lang: Lang::En,
            ..fi()
        }
    }

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::from_jiff(rfc3339.parse().expect("a moment"))
    }

    #[test]
    fn finnish_and_english_formats() {
        let ts = at("2026-11-24T12:05:00Z");
        assert_eq!(fi().time(&ts), "24.11.2026 klo 14.05");
        assert_eq!(en().time(&ts), "24 Nov 2026, 14:05");
        assert_eq!(fi().money(&123_450), "1\u{a0}234,50\u{a0}€");
        assert_eq!(en().money(&-123_450), "−€1,234.50");
        assert_eq!(fi().number(&1_000_000), "1\u{a0}000\u{a0}000");
    }

    #[test]
    fn local_input_times_are_read_in_the_zone() {
        assert_eq!(
            fi().parse_input_time("2026-06-01T10:00").as_deref(),
            Some("2026-06-01T07:00:00Z")
        );
        assert_eq!(fi().parse_input_time(" "), None);
        assert_eq!(
            fi().input_time(&Some(at("2026-06-01T07:00:00Z"))),
            "2026-06-01T10:00"
        );
    }

    #[test]
    fn the_browser_language_is_the_default() {
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("sv;q=1, fi;q=0.5, en;q=0.4")),
            Lang::Fi
        );
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Fi);
        assert_eq!(Lang::from_accept_language(None), Lang::Fi);
    }

    /// Every message exists in both languages, and every message id a
    /// template or page module names (`t("…")`) exists.
    #[test]
    fn every_message_is_in_both_languages() {
        let ids = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
                .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_string()))
                .collect()
        };
        let mut all: Vec<String> = FILES.iter().flat_map(|(_, fi, _)| ids(fi)).collect();
        all.sort();
        let count = all.len();
        all.dedup();
        assert_eq!(all.len(), count, "an id is defined in two files");
        for (name, fi, en) in FILES {
            let (mut a, mut b) = (ids(fi), ids(en));
            a.sort();
            b.sort();
            assert_eq!(a, b, "{name}: the Finnish and English ids differ");
        }
        let root = concat!(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        for dir in ["templates", "src/web", "src/portal"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("dir") {
                let text = std::fs::read_to_string(entry.expect("entry").path()).expect("text");
                // Code only: doc comments show calls with example ids.
                let text: String = text
                    .lines()
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for marker in ["l.t(\"", "l.t1(\"", "l.tn(\""] {
                    for (i, _) in text.match_indices(marker) {
                        let rest = &text[i + marker.len()..];
                        if let Some(end) = rest.find('"') {
                            used.push(rest[..end].to_string());
                        }
                    }
                }
            }
        }
        assert!(used.len() > 20, "the scan found the templates");
        for id in used {
            for lang in Lang::ALL {
                assert!(
                    bundle_of(lang).has_message(&id),
                    "message {id} missing in {}",
                    lang.code()
                );
            }
        }
    }
}
