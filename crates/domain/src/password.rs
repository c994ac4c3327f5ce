//! Passwords (R11: personal user names and passwords): the rules of OWASP
//! ASVS 5.0 level 2 (6.2.x) for a new password, and Argon2id hashing with the
//! OWASP parameters. A password is only ever hashed, never stored or logged.
//!
//! The rules: 12–128 characters counted as Unicode characters, any printable
//! character (spaces and non-ASCII too), no composition rules, nothing
//! normalised. Refused: control characters, one character repeated, a plain
//! sequence (`123456789012`, `abcdefghijkl`), a commonly used password (the
//! list in `data/common-passwords.txt`, shipped in the binary) and a password
//! built on the user's, the organisation's or this product's name.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Words every password is checked against besides the user's own name.
pub const PRODUCT_WORDS: &[&str] = &["rekisteri", "register"];

/// Context words shorter than this are not looked for in a password.
const MIN_CONTEXT_WORD: usize = 4;
/// What must remain of a password once the context words are taken out.
const MIN_CHARS_BESIDES_CONTEXT: usize = 8;

/// Argon2id parameters recommended by OWASP: 19 MiB, 2 passes, 1 lane.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// Letters and digits that cannot be mistaken for one another (no i, l, o, 0, 1).
pub(crate) const UNAMBIGUOUS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// A valid Argon2id hash (same parameters) of a secret nobody knows; used by
/// [`dummy_hash`] only if hashing a fresh random secret ever fails.
const FALLBACK_DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$6GRqbgXHH5t2BUaXJlNUfw$oDGgB+dWijmonnt7nfrzXp5HYS0nmKj5w4wAWEj+CMs";

/// A password that meets the rules; only ever hashed, never stored or logged.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    /// Checks `raw` against the rules. `context` = words the password must not
    /// be built on (company name, product name, user name); [`PRODUCT_WORDS`]
    /// are always checked too. Each context entry is looked for whole and
    /// split into its words (so "Matti Meikäläinen" or "matti@acme.fi" count).
    /// The error is a message in English naming the problem.
    pub fn parse(raw: &str, context: &[&str]) -> Result<NewPassword, String> {
        if raw.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(format!("must be at least {MIN_CHARS} characters"));
        }
        if chars > MAX_CHARS {
            return Err(format!("must be at most {MAX_CHARS} characters"));
        }
        let lower = raw.to_lowercase();
        if is_one_character_repeated(&lower) {
            return Err("must not be one character repeated".into());
        }
        if is_plain_sequence(&lower) {
            return Err("must not be a plain sequence such as 123456789012 or abcdefghijkl".into());
        }
        if common_passwords().contains(lower.as_str()) {
            return Err("is a commonly used password; choose another".into());
        }
        if is_built_on_context(&lower, context) {
            return Err(
                "must not be built on your name, the organisation's name or the name of this service"
                    .into(),
            );
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

fn is_one_character_repeated(lower: &str) -> bool {
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}

/// Ascending or descending by one at every step, digits wrapping 9→0 and
/// letters z→a (so `123456789012` and `210987654321` are sequences).
fn is_plain_sequence(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let next = |c: char| match c {
        '9' => Some('0'),
        'z' => Some('a'),
        c => char::from_u32(u32::from(c) + 1),
    };
    let prev = |c: char| match c {
        '0' => Some('9'),
        'a' => Some('z'),
        c => u32::from(c).checked_sub(1).and_then(char::from_u32),
    };
    let up = chars.windows(2).all(|w| next(w[0]) == Some(w[1]));
    let down = chars.windows(2).all(|w| prev(w[0]) == Some(w[1]));
    chars.len() > 1 && (up || down)
}

/// True when fewer than [`MIN_CHARS_BESIDES_CONTEXT`] characters remain after
/// taking out every occurrence of every context word (lowercased, 4+ chars).
fn is_built_on_context(lower: &str, context: &[&str]) -> bool {
    let mut words: Vec<String> = Vec::new();
    for entry in context.iter().chain(PRODUCT_WORDS) {
        let entry = entry.trim().to_lowercase();
        words.push(entry.clone());
        words.extend(
            entry
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_string),
        );
    }
    words.retain(|w| w.chars().count() >= MIN_CONTEXT_WORD);
    // Longest first, so a whole name goes before its parts.
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.dedup();
    let mut rest = lower.to_string();
    for word in &words {
        rest = rest.replace(word.as_str(), "");
    }
    rest.chars().count() < MIN_CHARS_BESIDES_CONTEXT
}

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| format!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_bytes(secret: &[u8]) -> Result<String, String> {
    let salt: [u8; 16] = rand::random();
    hasher()?
        .hash_password_with_salt(secret, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("argon2 hashing failed: {e}"))
}

/// Argon2id PHC string (OWASP parameters: m=19456 KiB, t=2, p=1), random salt.
pub fn hash_password(p: &NewPassword) -> Result<String, String> {
    hash_bytes(p.0.as_bytes())
}

/// Constant-time-ish verification against a PHC string (the comparison of the
/// outputs is constant time); false on any malformed hash or on a hash that
/// is not Argon2id.
pub fn verify_password(raw: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    match hasher() {
        Ok(argon) => argon.verify_password(raw.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// A valid PHC hash (same parameters) of a random secret, computed once, so
/// that a login for an unknown user spends the same time verifying against it.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret: [u8; 32] = rand::random();
        hash_bytes(&secret).unwrap_or_else(|_| FALLBACK_DUMMY_HASH.to_string())
    })
}

/// `groups` groups of `len` random characters of [`UNAMBIGUOUS`], joined by '-'.
pub(crate) fn random_groups(groups: usize, len: usize) -> String {
    (0..groups)
        .map(|_| {
            (0..len)
                .map(|_| char::from(UNAMBIGUOUS[rand::random_range(0..UNAMBIGUOUS.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A random one-time password that passes the rules: 4 groups of 5 lowercase
/// letters and digits without ambiguous characters, separated by '-', for the
/// first admin's set-up (about 99 bits).
pub fn one_time_password() -> String {
    loop {
        let candidate = random_groups(4, 5);
        if NewPassword::parse(&candidate, &[]).is_ok() {
            return candidate;
        }
    }
}

/// A one-time password and its Argon2id hash, for a user an administrator
/// adds or resets: the user must choose their own at first login. CPU-heavy:
/// call it off the async threads.
pub fn one_time_credentials() -> Result<(String, String), String> {
    let raw = one_time_password();
    let hash = hash_password(&NewPassword::parse(&raw, &[])?)?;
    Ok((raw, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: &str, context: &[&str]) -> String {
        NewPassword::parse(raw, context).expect_err(raw)
    }

    #[test]
    fn r11_length_is_counted_in_characters_between_12_and_128() {
        assert!(refused("short", &[]).contains("at least 12"));
        assert!(refused("elevenchars", &[]).contains("at least 12"));
        assert!(NewPassword::parse("twelve chars", &[]).is_ok());
        assert!(NewPassword::parse(&"ab".repeat(64), &[]).is_ok());
        assert!(
            NewPassword::parse(&"x7".repeat(32), &[]).is_ok(),
            "64 allowed"
        );
        let too_long = format!("{}q", "ab".repeat(64));
        assert!(refused(&too_long, &[]).contains("at most 128"));
        // 12 characters but 24 bytes: counted as characters.
        assert!(NewPassword::parse("äöåäöåäöåäöz", &[]).is_ok());
        assert!(refused("äöåäöåäöåäö", &[]).contains("at least 12"));
    }

    #[test]
    fn r11_spaces_and_non_ascii_are_allowed_and_nothing_is_normalised() {
        let raw = "  kesä on lyhyt ja 🌞 paistaa  ";
        let p = NewPassword::parse(raw, &[]).expect("passes");
        assert_eq!(p.as_str(), raw);
        assert!(NewPassword::parse("correct horse battery staple", &[]).is_ok());
        assert!(NewPassword::parse("жёлтый кот спит", &[]).is_ok());
    }

    #[test]
    fn r11_no_composition_rules() {
        assert!(NewPassword::parse("onlylowercaseletters", &[]).is_ok());
        assert!(NewPassword::parse("837261945038", &[]).is_ok());
    }

    #[test]
    fn r11_control_characters_are_refused() {
        assert!(refused("tab\there is bad", &[]).contains("control"));
        assert!(refused("new\nline password", &[]).contains("control"));
    }

    #[test]
    fn r11_common_passwords_are_refused_case_insensitively() {
        assert!(common_passwords().len() > 1000);
        assert!(!common_passwords().iter().any(|p| p.starts_with('#')));
        assert!(refused("qazwsxedcrfv", &[]).contains("commonly used"));
        assert!(refused("PasswordPassword", &[]).contains("commonly used"));
        assert!(refused("1qaz2wsx3edc", &[]).contains("commonly used"));
    }

    #[test]
    fn r11_passwords_built_on_context_words_are_refused() {
        let ctx = ["Acme Oy", "matti.meikalainen@acme.fi"];
        assert!(refused("Rekisteri2024!", &[]).contains("built on"));
        assert!(refused("myREGISTER123", &[]).contains("built on"));
        assert!(refused("AcmeAcme2025!", &ctx).contains("built on"));
        assert!(refused("meikalainen99", &ctx).contains("built on"));
        assert!(refused("Matti-Meikalainen", &ctx).contains("built on"));
        // Enough else besides the word: allowed.
        assert!(NewPassword::parse("acme of strange gods", &ctx).is_ok());
        // Words shorter than 4 characters are not looked for.
        assert!(NewPassword::parse("oyoyoyoy hahaha", &["Oy"]).is_ok());
    }

    #[test]
    fn r11_repeated_characters_and_plain_sequences_are_refused() {
        assert!(refused("aaaaaaaaaaaa", &[]).contains("repeated"));
        assert!(refused("            ", &[]).contains("repeated"));
        assert!(refused("123456789012", &[]).contains("sequence"));
        assert!(refused("abcdefghijkl", &[]).contains("sequence"));
        assert!(refused("ABCDEFGHIJKL", &[]).contains("sequence"));
        assert!(refused("210987654321", &[]).contains("sequence"));
        assert!(NewPassword::parse("123456789013", &[]).is_ok());
    }

    #[test]
    fn r11_debug_hides_the_password() {
        let p = NewPassword::parse("a secret phrase", &[]).expect("passes");
        assert_eq!(format!("{p:?}"), "NewPassword(***)");
        assert!(!format!("{:?}", Some(&p)).contains("secret"));
    }

    #[test]
    fn r11_hash_and_verify_round_trip() {
        let p = NewPassword::parse("a secret phrase", &[]).expect("passes");
        let phc = hash_password(&p).expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("a secret phrase", &phc));
        assert!(!verify_password("a secret phrasE", &phc));
        assert!(!verify_password("", &phc));
        let again = hash_password(&p).expect("hashes");
        assert_ne!(phc, again, "salt is random");
    }

    #[test]
    fn r11_malformed_or_foreign_hashes_verify_false() {
        for phc in [
            "",
            "plain text",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
            "$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE",
        ] {
            assert!(!verify_password("whatever it is", phc), "{phc}");
        }
        let p = NewPassword::parse("a secret phrase", &[]).expect("passes");
        let phc = hash_password(&p).expect("hashes");
        let argon2i = phc.replacen("$argon2id$", "$argon2i$", 1);
        assert!(!verify_password("a secret phrase", &argon2i));
    }

    #[test]
    fn r11_dummy_hash_is_a_valid_argon2id_hash() {
        let dummy = dummy_hash();
        assert!(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(PasswordHash::new(dummy).is_ok());
        assert!(!verify_password("a secret phrase", dummy));
        assert_eq!(dummy_hash(), dummy, "computed once");
        let fallback = PasswordHash::new(FALLBACK_DUMMY_HASH).expect("valid PHC");
        assert_eq!(fallback.algorithm, Algorithm::Argon2id.ident());
        assert!(FALLBACK_DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn r11_one_time_password_passes_the_rules() {
        for _ in 0..50 {
            let otp = one_time_password();
            assert_eq!(otp.len(), 23, "{otp}");
            assert_eq!(otp.split('-').count(), 4);
            assert!(otp.bytes().all(|b| b == b'-' || UNAMBIGUOUS.contains(&b)));
            assert!(NewPassword::parse(&otp, &[]).is_ok());
        }
        assert_ne!(one_time_password(), one_time_password());
    }
}
