//! vCard 4.0 (RFC 6350) for a person's contact details (R16): written from
//! the access report, and read back into a [`PersonDraft`] so that
//! Rekisteri imports a card too. Text is escaped (`\\`, `\,`, `\;`, `\n`),
//! lines end in CRLF and fold at 75 octets without splitting a character.

use crate::person::{AddressDraft, PersonDraft};
use crate::provenance::Source;
use crate::report::{ReportLink, ReportPerson};
use crate::time::Timestamp;

/// The parameter that marks a billing address (an `x-` type of RFC 6350 5.6).
const BILLING_TYPE: &str = "x-billing";

/// A text value with `\`, `,`, `;` and line breaks escaped (RFC 6350 3.4).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The text of an escaped value.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits on `sep` not preceded by a backslash; each part stays escaped.
fn split_unescaped(value: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&value[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&value[start..]);
    parts
}

/// One content line, folded at 75 octets (RFC 6350 3.2), ending in CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The person's card: name, title, organisations, emails, phones,
/// addresses and websites. `rev` is when the card was made.
pub fn render(person: &ReportPerson, organisations: &[ReportLink], rev: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| push_line(&mut out, &l);
    line("BEGIN:VCARD".into());
    line("VERSION:4.0".into());
    line("PRODID:-//Rekisteri//Access report//EN".into());
    line(format!(
        "FN:{}",
        escape(&format!("{} {}", person.first_name, person.last_name))
    ));
    line(format!(
        "N:{};{};;;",
        escape(&person.last_name),
        escape(&person.first_name)
    ));
    if let Some(title) = &person.title {
        line(format!("TITLE:{}", escape(title)));
    }
    for link in organisations {
        line(format!("ORG:{}", escape(&link.organisation_name)));
        if let Some(title) = &link.title
            && person.title.as_deref() != Some(title.as_str())
        {
            line(format!("TITLE:{}", escape(title)));
        }
    }
    for (i, email) in person.emails.iter().enumerate() {
        line(format!("EMAIL;PREF={}:{}", i + 1, escape(&email.value)));
    }
    for (i, phone) in person.phones.iter().enumerate() {
        line(format!(
            "TEL;VALUE=uri;PREF={}:tel:{}",
            i + 1,
            phone.value.replace(' ', "")
        ));
    }
    for a in &person.addresses {
        let kind = if a.kind == "billing" {
            format!(";TYPE={BILLING_TYPE}")
        } else {
            String::new()
        };
        line(format!(
            "ADR{kind}:;;{};{};;{};{}",
            escape(&a.street),
            escape(&a.city),
            escape(&a.postal_code),
            escape(&a.country)
        ));
    }
    for site in &person.websites {
        line(format!("URL:{}", escape(&site.value)));
    }
    line(format!("REV:{}", rev.to_jiff().strftime("%Y%m%dT%H%M%SZ")));
    line("END:VCARD".into());
    out
}

/// A content line's name (without its group), parameters and value.
struct Property<'a> {
    name: String,
    params: Vec<(String, String)>,
    value: &'a str,
}

fn property(line: &str) -> Option<Property<'_>> {
    let colon = line.find(':')?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?;
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.to_ascii_uppercase(),
                v.trim_matches('"').to_ascii_lowercase(),
            ))
        })
        .collect();
    Some(Property {
        name,
        params,
        value,
    })
}

/// A country as the register keeps it: an ISO code; Finland's names too.
fn country_code(raw: &str) -> Option<String> {
    let raw = raw.trim();
    match raw.to_lowercase().as_str() {
        "" => None,
        "finland" | "suomi" => Some("FI".into()),
        _ => Some(raw.to_string()),
    }
}

/// Reads the first card of `text` into a draft of a new person, its values
/// from `source` with `detail` (R5). Errors name what is missing.
pub fn parse(text: &str, source: Source, detail: &str) -> Result<PersonDraft, String> {
    let unfolded = text
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "")
        .replace("\n\t", "");
    let mut lines = unfolded.lines().map(str::trim_end);
    if !lines.any(|l| l.eq_ignore_ascii_case("BEGIN:VCARD")) {
        return Err("is not a vCard: BEGIN:VCARD is missing".into());
    }
    let mut draft = PersonDraft {
        source: Some(source.code().to_string()),
        source_detail: Some(detail.to_string()),
        ..PersonDraft::default()
    };
    let mut full_name = None;
    let mut ended = false;
    for line in lines {
        if line.eq_ignore_ascii_case("END:VCARD") {
            ended = true;
            break;
        }
        let Some(p) = property(line) else { continue };
        match p.name.as_str() {
            "N" => {
                let parts = split_unescaped(p.value, ';');
                let first = |i: usize| {
                    parts
                        .get(i)
                        .map(|v| unescape(split_unescaped(v, ',')[0]))
                        .filter(|v| !v.trim().is_empty())
                };
                draft.last_name = first(0);
                draft.first_name = first(1);
            }
            "FN" => full_name = Some(unescape(p.value)),
            "TITLE" if draft.title.is_none() => draft.title = Some(unescape(p.value)),
            "EMAIL" => draft.emails.push(unescape(p.value)),
            "TEL" => {
                let value = unescape(p.value);
                let value = value.strip_prefix("tel:").unwrap_or(&value).to_string();
                draft.phones.push(value);
            }
            "URL" => draft.websites.push(unescape(p.value)),
            "ADR" => {
                let parts: Vec<String> = split_unescaped(p.value, ';')
                    .into_iter()
                    .map(unescape)
                    .collect();
                let part = |i: usize| parts.get(i).cloned().filter(|v| !v.trim().is_empty());
                let billing = p
                    .params
                    .iter()
                    .any(|(k, v)| k == "TYPE" && v.split(',').any(|t| t == BILLING_TYPE));
                draft.addresses.push(AddressDraft {
                    kind: Some(if billing { "billing" } else { "postal" }.into()),
                    street: part(2),
                    city: part(3),
                    postal_code: part(5),
                    country: part(6).and_then(|c| country_code(&c)),
                });
            }
            _ => {}
        }
    }
    if !ended {
        return Err("is not a whole vCard: END:VCARD is missing".into());
    }
    if (draft.first_name.is_none() || draft.last_name.is_none())
        && let Some(full) = full_name
    {
        let mut words = full.split_whitespace().collect::<Vec<_>>();
        if let Some(last) = words.pop() {
            draft.last_name.get_or_insert_with(|| last.to_string());
            if !words.is_empty() {
                draft.first_name.get_or_insert_with(|| words.join(" "));
            }
        }
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PersonId;
    use crate::provenance::Provenance;
    use crate::report::{ReportAddress, ReportValue};

    fn at() -> Timestamp {
        Timestamp::from_micros(1_795_000_000_000_000)
    }

    fn value(v: &str) -> ReportValue {
        ReportValue {
            value: v.into(),
            provenance: Provenance::new(Source::Registration, None, at()),
        }
    }

    fn person() -> ReportPerson {
        ReportPerson {
            id: PersonId::new(at()),
            first_name: "Aino Maria".into(),
            last_name: "Virtanen; Oy, \\ test".into(),
            name_source: Provenance::new(Source::Registration, None, at()),
            title: Some("Myyntipäällikkö, Itä-Suomi".into()),
            title_source: None,
            emails: vec![value("aino@example.fi")],
            phones: vec![value("+358401234567")],
            websites: vec![value("https://example.fi/aino")],
            ip_addresses: vec![value("192.0.2.1")],
            addresses: vec![ReportAddress {
                kind: "billing".into(),
                street: "Kauppakatu 12; B 4".into(),
                postal_code: "70100".into(),
                city: "Kuopio".into(),
                country: "FI".into(),
                provenance: Provenance::new(Source::Registration, None, at()),
            }],
            relationship_started_on: None,
            relationship_ended_on: None,
            relationship_end_reason: None,
            created_at: at(),
            updated_at: at(),
        }
    }

    #[test]
    fn r16_a_card_reads_back_into_the_same_contact_details() {
        let card = render(&person(), &[], at());
        assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{card}");
        assert!(
            card.contains("N:Virtanen\\; Oy\\, \\\\ test;Aino Maria;;;\r\n"),
            "{card}"
        );
        assert!(card.contains("TEL;VALUE=uri;PREF=1:tel:+358401234567"));
        assert!(!card.contains("192.0.2.1"), "no IP address in a card");
        for line in card.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line}");
        }
        let draft = parse(&card, Source::OwnNotice, "portability: vcard").unwrap();
        assert_eq!(draft.first_name.as_deref(), Some("Aino Maria"));
        assert_eq!(draft.last_name.as_deref(), Some("Virtanen; Oy, \\ test"));
        assert_eq!(draft.title.as_deref(), Some("Myyntipäällikkö, Itä-Suomi"));
        assert_eq!(draft.emails, ["aino@example.fi"]);
        assert_eq!(draft.phones, ["+358401234567"]);
        assert_eq!(draft.websites, ["https://example.fi/aino"]);
        let a = &draft.addresses[0];
        assert_eq!(a.kind.as_deref(), Some("billing"));
        assert_eq!(a.street.as_deref(), Some("Kauppakatu 12; B 4"));
        assert_eq!(a.postal_code.as_deref(), Some("70100"));
        assert_eq!(a.country.as_deref(), Some("FI"));
        assert_eq!(draft.source.as_deref(), Some("own_notice"));
    }

    #[test]
    fn r16_long_lines_fold_between_characters() {
        let mut p = person();
        p.title = Some("ä".repeat(100));
        let card = render(&p, &[], at());
        let draft = parse(&card, Source::OwnNotice, "x").unwrap();
        assert_eq!(draft.title, p.title);
    }

    #[test]
    fn r16_another_programs_card_is_read_too() {
        let card = "BEGIN:VCARD\nVERSION:3.0\nFN:Matti Meikäläinen\nitem1.EMAIL;TYPE=INTERNET:matti@example.fi\n\
                    TEL;TYPE=CELL:040 123 4567\nADR;TYPE=HOME:;;Hämeenkatu 1;Tampere;;33100;Finland\nEND:VCARD\n";
        let draft = parse(card, Source::OwnNotice, "x").unwrap();
        assert_eq!(draft.first_name.as_deref(), Some("Matti"));
        assert_eq!(draft.last_name.as_deref(), Some("Meikäläinen"));
        assert_eq!(draft.emails, ["matti@example.fi"]);
        assert_eq!(draft.addresses[0].country.as_deref(), Some("FI"));
        assert!(draft.parse().is_ok());
        assert!(parse("BEGIN:VCARD\nFN:x\n", Source::OwnNotice, "x").is_err());
        assert!(parse("hello", Source::OwnNotice, "x").is_err());
    }
}
