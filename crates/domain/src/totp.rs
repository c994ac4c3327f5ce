//! Second factor (R11: access control): RFC 6238 time-based one-time
//! passwords (HOTP of RFC 4226 over 30-second steps, HMAC-SHA-1, 6 digits, as
//! every authenticator app reads them) and single-use recovery codes.
//! Time comes in as a [`Timestamp`]; this module never reads the clock.

use crate::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// Bytes in a generated secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;
/// The shortest secret accepted (128 bits, RFC 4226 R6).
const MIN_SECRET_BYTES: usize = 16;
const RECOVERY_CODES: usize = 10;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The shared secret of an authenticator; never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    /// 20 random bytes.
    pub fn generate() -> TotpSecret {
        let bytes: [u8; SECRET_BYTES] = rand::random();
        TotpSecret(bytes.to_vec())
    }

    /// RFC 4648 base32: padding optional, case-insensitive, spaces ignored.
    /// At least 128 bits.
    pub fn from_base32(s: &str) -> Result<TotpSecret, String> {
        let cleaned: Vec<u8> = s
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| b.to_ascii_uppercase())
            .collect();
        let end = cleaned
            .iter()
            .rposition(|&b| b != b'=')
            .map_or(0, |i| i + 1);
        let (data, padding) = cleaned.split_at(end);
        if padding.len() > 6 {
            return Err("has too much padding".into());
        }
        let mut bytes = Vec::with_capacity(data.len() * 5 / 8);
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for &b in data {
            let Some(value) = BASE32.iter().position(|&c| c == b) else {
                return Err("must be base32 (letters A–Z and digits 2–7)".into());
            };
            buffer = (buffer << 5) | value as u32;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push((buffer >> bits) as u8);
                buffer &= (1 << bits) - 1;
            }
        }
        if bits >= 5 || buffer != 0 {
            return Err("is not a whole number of bytes in base32".into());
        }
        if bytes.len() < MIN_SECRET_BYTES {
            return Err("must be at least 128 bits (26 base32 characters)".into());
        }
        Ok(TotpSecret(bytes))
    }

    /// Upper case, no padding.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for &byte in &self.0 {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
            }
            buffer &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
        }
        out
    }

    /// The code of time step `step`: HOTP (RFC 4226, SHA-1) of counter = step,
    /// [`DIGITS`] digits, zero-padded.
    pub fn code_at(&self, step: i64) -> String {
        hotp(&self.0, step, DIGITS)
    }

    /// The otpauth:// URI authenticator apps read (issuer and account
    /// percent-encoded), usually shown as a QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }
}

/// HOTP value of `counter` with `digits` digits (6–9). The counter is taken as
/// the 64 bits of the two's complement, so negative steps still give a code.
fn hotp(key: &[u8], counter: i64, digits: u32) -> String {
    // HMAC takes keys of any length: this error cannot happen. An empty string
    // never equals a code, so nothing is accepted if it somehow did.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    let modulus = 10u64.pow(digits);
    format!(
        "{:0width$}",
        u64::from(binary) % modulus,
        width = digits as usize
    )
}

/// Percent-encodes everything except RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The time step of a timestamp (floor of seconds since the epoch / 30).
pub fn step_of(at: Timestamp) -> i64 {
    at.micros().div_euclid(STEP_SECONDS * 1_000_000)
}

/// Checks `code` against the steps at-1, at, at+1 (clock drift), refusing any
/// step <= last_used (a code is single use). Returns the matched step, to be
/// stored as the new last_used. Surrounding spaces are allowed; anything but
/// exactly six ASCII digits is refused. Codes are compared in constant time.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    at: Timestamp,
    last_used: Option<i64>,
) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(at);
    let mut matched = None;
    for step in [now.saturating_sub(1), now, now.saturating_add(1)] {
        let equal: bool = secret
            .code_at(step)
            .as_bytes()
            .ct_eq(code.as_bytes())
            .into();
        let fresh = last_used.is_none_or(|last| step > last);
        if equal && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// Ten recovery codes, each like "k7qm-x3vd-9hpt" (12 characters of an
/// unambiguous lowercase alphabet, grouped by 4, about 59 bits), random and
/// distinct.
pub fn recovery_codes() -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let code = crate::password::random_groups(3, 4);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// The stored form of a recovery code: SHA-256 hex of its normalised form
/// (lowercase, without '-' and spaces).
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn rfc_secret() -> TotpSecret {
        TotpSecret(RFC_SECRET.to_vec())
    }

    fn at_seconds(seconds: i64) -> Timestamp {
        Timestamp::from_micros(seconds * 1_000_000)
    }

    #[test]
    fn r11_rfc6238_sha1_test_vectors() {
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let secret = rfc_secret();
        for (seconds, eight) in vectors {
            let step = step_of(at_seconds(seconds));
            assert_eq!(hotp(RFC_SECRET, step, 8), eight, "T={seconds}");
            assert_eq!(secret.code_at(step), &eight[2..], "T={seconds}");
        }
    }

    #[test]
    fn r11_rfc4226_hotp_vectors() {
        let expected = ["755224", "287082", "359152", "969429", "338314"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(rfc_secret().code_at(counter as i64), *code);
        }
    }

    #[test]
    fn r11_step_of_floors_to_30_seconds() {
        assert_eq!(step_of(at_seconds(0)), 0);
        assert_eq!(step_of(Timestamp::from_micros(29_999_999)), 0);
        assert_eq!(step_of(at_seconds(30)), 1);
        assert_eq!(step_of(at_seconds(59)), 1);
        assert_eq!(step_of(Timestamp::from_micros(-1)), -1);
    }

    #[test]
    fn r11_base32_known_vector_and_round_trip() {
        let b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(rfc_secret().to_base32(), b32);
        assert_eq!(TotpSecret::from_base32(b32), Ok(rfc_secret()));
        let spaced = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(TotpSecret::from_base32(spaced), Ok(rfc_secret()));
        for _ in 0..20 {
            let secret = TotpSecret::generate();
            assert_eq!(secret.0.len(), 20);
            let text = secret.to_base32();
            assert_eq!(text.len(), 32);
            assert_eq!(TotpSecret::from_base32(&text), Ok(secret));
        }
        // Lengths that do not fall on a 5-byte boundary, with and without padding.
        let odd = TotpSecret(b"12345678901234567".to_vec());
        let text = odd.to_base32();
        assert!(!text.contains('='));
        assert_eq!(TotpSecret::from_base32(&text), Ok(odd.clone()));
        assert_eq!(TotpSecret::from_base32(&format!("{text}=====")), Ok(odd));
    }

    #[test]
    fn r11_base32_refuses_bad_input() {
        assert!(TotpSecret::from_base32("").is_err());
        assert!(TotpSecret::from_base32("GEZDGNBV").is_err(), "too short");
        assert!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1").is_err());
        assert!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG").is_err());
    }

    #[test]
    fn r11_debug_hides_the_secret() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(***)");
    }

    #[test]
    fn r11_otpauth_uri_encodes_issuer_and_account() {
        let uri = rfc_secret().otpauth_uri("Acme Oy", "matti@acme.fi");
        assert_eq!(
            uri,
            "otpauth://totp/Acme%20Oy:matti%40acme.fi?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Acme%20Oy&algorithm=SHA1&digits=6&period=30"
        );
        let uri = rfc_secret().otpauth_uri("Ä&B", "x:y");
        assert!(uri.starts_with("otpauth://totp/%C3%84%26B:x%3Ay?"), "{uri}");
    }

    #[test]
    fn r11_verify_accepts_one_step_of_drift_and_trims() {
        let secret = rfc_secret();
        let at = at_seconds(1_234_567_890);
        let now = step_of(at);
        assert_eq!(verify(&secret, &secret.code_at(now), at, None), Some(now));
        let before = secret.code_at(now - 1);
        assert_eq!(verify(&secret, &before, at, None), Some(now - 1));
        let after = format!("  {} ", secret.code_at(now + 1));
        assert_eq!(verify(&secret, &after, at, None), Some(now + 1));
        assert_eq!(verify(&secret, &secret.code_at(now - 2), at, None), None);
        assert_eq!(verify(&secret, &secret.code_at(now + 2), at, None), None);
        assert_eq!(verify(&secret, "005924", at, None), Some(now));
    }

    #[test]
    fn r11_verify_refuses_malformed_codes() {
        let secret = rfc_secret();
        let at = at_seconds(1_234_567_890);
        for code in [
            "",
            "5924",
            "0059245",
            "00 5924",
            "00592a",
            "٠٠٥٩٢٤",
            "+05924",
        ] {
            assert_eq!(verify(&secret, code, at, None), None, "{code:?}");
        }
    }

    #[test]
    fn r11_a_code_is_single_use() {
        let secret = rfc_secret();
        let at = at_seconds(1_234_567_890);
        let now = step_of(at);
        let code = secret.code_at(now);
        let used = verify(&secret, &code, at, None);
        assert_eq!(used, Some(now));
        assert_eq!(verify(&secret, &code, at, used), None);
        // An older step is refused too once a later one was used.
        let before = secret.code_at(now - 1);
        assert_eq!(verify(&secret, &before, at, used), None);
        assert_eq!(verify(&secret, &before, at, Some(now - 2)), Some(now - 1));
        let after = secret.code_at(now + 1);
        assert_eq!(verify(&secret, &after, at, used), Some(now + 1));
    }

    #[test]
    fn r11_recovery_codes_are_ten_distinct_grouped_codes() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 14, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 3);
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(
                code.bytes()
                    .all(|b| b == b'-' || crate::password::UNAMBIGUOUS.contains(&b))
            );
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert_ne!(recovery_codes(), codes);
    }

    #[test]
    fn r11_recovery_code_hash_normalises() {
        let hash = recovery_code_hash("k7qm-x3vd-9hpt");
        assert_eq!(hash.len(), 64);
        assert_eq!(recovery_code_hash("K7QM-X3VD-9HPT"), hash);
        assert_eq!(recovery_code_hash(" k7qm x3vd 9hpt "), hash);
        assert_eq!(recovery_code_hash("k7qmx3vd9hpt"), hash);
        assert_ne!(recovery_code_hash("k7qm-x3vd-9hpa"), hash);
        // SHA-256 of "abc".
        assert_eq!(
            recovery_code_hash("A-B-C"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
