//! Validated values of the register (R3). Each type parses raw input into its
//! normal form or says what is wrong; a value of the type is always valid.

use crate::error::FieldError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A value that can be parsed from what a person typed.
pub trait Parse: Sized {
    /// The normal form, or the problem in words (without the field name).
    fn parse(raw: &str) -> Result<Self, String>;
}

/// Parses `raw` as `T`, naming `field` in the error.
pub fn parse_field<T: Parse>(field: &str, raw: &str) -> Result<T, FieldError> {
    if raw.trim().is_empty() {
        return Err(FieldError::required(field));
    }
    T::parse(raw).map_err(|message| FieldError::invalid(field, message))
}

/// Parses an optional input: absent or blank is `None`.
pub fn parse_optional<T: Parse>(field: &str, raw: Option<&str>) -> Result<Option<T>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => parse_field(field, raw).map(Some),
    }
}

macro_rules! string_value {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                <$name as Parse>::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                String::schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

fn bounded_text(raw: &str, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("must not contain control characters".into());
    }
    if text.chars().any(is_bidi_control) {
        return Err("must not contain bidirectional control characters (such as U+202E)".into());
    }
    Ok(text.to_string())
}

/// Unicode's bidirectional formatting characters: they make a text read
/// otherwise than it is stored (a name shown reversed, a file's ending
/// hidden), and no name or note needs them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

string_value!(
    /// A personal or organisation name: trimmed, 1–200 characters, one line.
    Name
);

impl Parse for Name {
    fn parse(raw: &str) -> Result<Self, String> {
        let text = bounded_text(raw, 200)?;
        if text.contains(['\n', '\r', '\t']) {
            return Err("must be on one line".into());
        }
        Ok(Self(text.split_whitespace().collect::<Vec<_>>().join(" ")))
    }
}

string_value!(
    /// Free text (meeting notes, offers, actions): up to 20 000 characters.
    Text
);

impl Parse for Text {
    fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, 20_000).map(Self)
    }
}

string_value!(
    /// An email address in normal form: the domain lower-cased.
    Email
);

impl Parse for Email {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.len() > 254 {
            return Err("is longer than 254 characters".into());
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err("must contain @, as in name@example.fi".into());
        };
        if local.is_empty() || local.len() > 64 {
            return Err("must have 1–64 characters before @".into());
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return Err("has characters that are not allowed before @".into());
        }
        let domain = domain.to_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
            });
        if !domain_ok {
            return Err("must end in a domain such as example.fi".into());
        }
        Ok(Self(format!("{local}@{domain}")))
    }
}

string_value!(
    /// A telephone number in E.164 form (`+358401234567`). Numbers written
    /// without a country code are taken as Finnish (R3).
    Phone
);

impl Parse for Phone {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let mut digits = String::new();
        let mut plus = false;
        for (i, c) in raw.chars().enumerate() {
            match c {
                '+' if i == 0 => plus = true,
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' | '/' | '\u{a0}' => {}
                _ => return Err(format!("has a character that is not allowed: {c:?}")),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            format!("358{rest}")
        } else {
            return Err(
                "must start with 0, 00 or + (for example 040 123 4567 or +358 40 123 4567)".into(),
            );
        };
        if international.starts_with('0') {
            return Err("has no valid country code".into());
        }
        // Finnish numbers: country code 358 and 6–10 digits after the
        // trunk prefix is dropped (`+358 0…` is a common mistake).
        if let Some(national) = international.strip_prefix("358") {
            if national.starts_with('0') {
                return Err("must not have 0 after the country code +358".into());
            }
            if !(6..=10).contains(&national.len()) {
                return Err("is not a Finnish number of valid length".into());
            }
        }
        if !(8..=15).contains(&international.len()) {
            return Err("must have 8–15 digits with the country code".into());
        }
        Ok(Self(format!("+{international}")))
    }
}

string_value!(
    /// A Finnish postal code: five digits.
    PostalCode
);

impl Parse for PostalCode {
    fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        if code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(code.to_string()))
        } else {
            Err("must be five digits, such as 00100".into())
        }
    }
}

string_value!(
    /// A postal code of another country: 2–10 letters, digits, spaces or dashes.
    ForeignPostalCode
);

impl Parse for ForeignPostalCode {
    fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_uppercase();
        let ok = (2..=10).contains(&code.len())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
        if ok {
            Ok(Self(code))
        } else {
            Err("is not a postal code".into())
        }
    }
}

string_value!(
    /// A country as an ISO 3166-1 alpha-2 code (`FI`).
    Country
);

impl Country {
    pub fn finland() -> Self {
        Self("FI".into())
    }

    pub fn is_finland(&self) -> bool {
        self.0 == "FI"
    }
}

impl Parse for Country {
    fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_uppercase();
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a two-letter country code such as FI".into())
        }
    }
}

string_value!(
    /// A Finnish business ID (Y-tunnus), `1234567-8`, check digit verified.
    BusinessId
);

impl Parse for BusinessId {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let Some((number, check)) = raw.split_once('-') else {
            return Err("must be seven digits, a dash and a check digit, such as 2231129-9".into());
        };
        let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !all_digits(number)
            || number.len() > 7
            || number.len() < 6
            || !all_digits(check)
            || check.len() != 1
        {
            return Err("must be seven digits, a dash and a check digit, such as 2231129-9".into());
        }
        let number = format!("{number:0>7}");
        const WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = number
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        let expected = match sum % 11 {
            0 => 0,
            1 => return Err("is not a valid business ID (no check digit fits)".into()),
            r => 11 - r,
        };
        if check.parse::<u32>().ok() != Some(expected) {
            return Err("has a wrong check digit".into());
        }
        Ok(Self(format!("{number}-{check}")))
    }
}

string_value!(
    /// A web address (http or https), in normal form. `www.example.fi` is
    /// taken as `https://www.example.fi/`.
    WebUrl
);

impl Parse for WebUrl {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        // `javascript:…`, `mailto:…`: a scheme of its own, not a host and
        // port (`example.fi:8080`), is refused for what it is.
        if !raw.contains("://")
            && let Some((scheme, rest)) = raw.split_once(':')
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err("must be an http or https address".into());
        }
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("https://{raw}")
        };
        let url =
            url::Url::parse(&with_scheme).map_err(|e| format!("is not a web address ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an http or https address".into());
        }
        let host_ok = match url.host() {
            Some(url::Host::Domain(domain)) => domain.contains('.') || domain == "localhost",
            Some(_) => true,
            None => false,
        };
        if !host_ok {
            return Err("must have a host such as www.example.fi".into());
        }
        if url.password().is_some() || !url.username().is_empty() {
            return Err("must not contain a user name or password".into());
        }
        Ok(Self(url.to_string()))
    }
}

string_value!(
    /// An IPv4 or IPv6 address in normal form.
    IpAddress
);

impl Parse for IpAddress {
    fn parse(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse::<std::net::IpAddr>()
            .map(|ip| Self(ip.to_string()))
            .map_err(|_| "is not an IPv4 or IPv6 address".into())
    }
}

string_value!(
    /// A short identifier chosen by people (order or invoice number, currency).
    Code
);

impl Parse for Code {
    fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        let ok = (1..=64).contains(&code.len())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/.#".contains(c));
        if ok {
            Ok(Self(code.to_string()))
        } else {
            Err("must be 1–64 letters, digits or - _ / . #".into())
        }
    }
}

string_value!(
    /// A currency as an ISO 4217 code (`EUR`).
    Currency
);

impl Currency {
    pub fn euro() -> Self {
        Self("EUR".into())
    }
}

impl Parse for Currency {
    fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_uppercase();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a three-letter currency code such as EUR".into())
        }
    }
}

impl Name {
    /// For values read back from storage, which were parsed when stored.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }
}

macro_rules! from_stored {
    ($($name:ident),*) => {$(
        impl $name {
            /// For values read back from storage, which were parsed when stored.
            pub fn from_stored(value: String) -> Self {
                Self(value)
            }
        }
    )*};
}
from_stored!(
    Text,
    Email,
    Phone,
    PostalCode,
    ForeignPostalCode,
    Country,
    BusinessId,
    WebUrl,
    IpAddress,
    Code,
    Currency
);

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T: Parse + fmt::Display>(raw: &str) -> String {
        match T::parse(raw) {
            Ok(v) => v.to_string(),
            Err(e) => panic!("{raw:?} should parse: {e}"),
        }
    }

    fn bad<T: Parse>(raw: &str) {
        assert!(T::parse(raw).is_err(), "{raw:?} should be refused");
    }

    #[test]
    fn r3_phone_numbers_become_e164_with_finnish_default() {
        assert_eq!(ok::<Phone>("040 123 4567"), "+358401234567");
        assert_eq!(ok::<Phone>("040-1234567"), "+358401234567");
        assert_eq!(ok::<Phone>("(09) 123 4567"), "+35891234567");
        assert_eq!(ok::<Phone>("+358 40 123 4567"), "+358401234567");
        assert_eq!(ok::<Phone>("00358401234567"), "+358401234567");
        assert_eq!(ok::<Phone>("+46 8 123 456 78"), "+46812345678");
        assert_eq!(ok::<Phone>("+358 400 236 337"), "+358400236337");
        bad::<Phone>("401234567");
        bad::<Phone>("+358 040 123 4567");
        bad::<Phone>("040 123");
        bad::<Phone>("call me");
        bad::<Phone>("+1234567890123456");
    }

    #[test]
    fn r3_business_id_check_digit() {
        assert_eq!(ok::<BusinessId>("2231129-9"), "2231129-9");
        assert_eq!(ok::<BusinessId>("0737546-2"), "0737546-2");
        assert_eq!(ok::<BusinessId>("737546-2"), "0737546-2");
        bad::<BusinessId>("2231129-8");
        bad::<BusinessId>("22311299");
        bad::<BusinessId>("2231129-");
        bad::<BusinessId>("abcdefg-1");
    }

    #[test]
    fn r3_emails_are_checked_and_normalised() {
        assert_eq!(
            ok::<Email>(" Annika.Kettunen@Mediateko.FI "),
            "Annika.Kettunen@mediateko.fi"
        );
        assert_eq!(ok::<Email>("a+b@example.co.uk"), "a+b@example.co.uk");
        assert_eq!(ok::<Email>("äiti@esimerkki.fi"), "äiti@esimerkki.fi");
        for raw in [
            "",
            "plain",
            "@example.fi",
            "a@",
            "a@example",
            "a..b@example.fi",
            "a@-x.fi",
            "a b@example.fi",
            "a@example.1",
        ] {
            bad::<Email>(raw);
        }
    }

    #[test]
    fn r3_postal_codes_urls_and_ips() {
        assert_eq!(ok::<PostalCode>("70100"), "70100");
        bad::<PostalCode>("7010");
        bad::<PostalCode>("FI-70100");
        assert_eq!(
            ok::<WebUrl>("www.mediateko.fi"),
            "https://www.mediateko.fi/"
        );
        assert_eq!(
            ok::<WebUrl>("http://example.fi/a?b=c"),
            "http://example.fi/a?b=c"
        );
        bad::<WebUrl>("ftp://example.fi");
        bad::<WebUrl>("not a url");
        bad::<WebUrl>("https://user:pw@example.fi");
        assert_eq!(ok::<IpAddress>("192.0.2.1"), "192.0.2.1");
        assert_eq!(ok::<IpAddress>("2001:DB8::1"), "2001:db8::1");
        bad::<IpAddress>("192.0.2.256");
        assert_eq!(ok::<Country>("fi"), "FI");
        bad::<Country>("FIN");
        assert_eq!(ok::<Currency>("eur"), "EUR");
    }

    #[test]
    fn r3_names_are_trimmed_and_bounded() {
        assert_eq!(ok::<Name>("  Matti   Virtanen "), "Matti Virtanen");
        bad::<Name>("   ");
        bad::<Name>(&"x".repeat(201));
        bad::<Name>("a\u{0}b");
    }

    #[test]
    fn blank_required_field_is_named() {
        let e = parse_field::<Email>("email", "  ").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("email", "required"));
        let e = parse_field::<Email>("emails[1]", "x").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("emails[1]", "invalid"));
        assert_eq!(parse_optional::<Email>("email", Some(" ")).unwrap(), None);
    }

    proptest::proptest! {
        #[test]
        fn r3_parsed_values_are_fixed_points(raw in "\\PC{0,40}") {
            // A normal form parses to itself: storing and re-reading changes nothing.
            if let Ok(p) = Phone::parse(&raw) { proptest::prop_assert_eq!(Phone::parse(p.as_str()).ok(), Some(p)); }
            if let Ok(e) = Email::parse(&raw) { proptest::prop_assert_eq!(Email::parse(e.as_str()).ok(), Some(e)); }
            if let Ok(u) = WebUrl::parse(&raw) { proptest::prop_assert_eq!(WebUrl::parse(u.as_str()).ok(), Some(u)); }
            if let Ok(b) = BusinessId::parse(&raw) { proptest::prop_assert_eq!(BusinessId::parse(b.as_str()).ok(), Some(b)); }
        }
    }
}
