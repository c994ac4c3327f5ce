//! Full-text search terms (B6), Finnish and English. Rust fills one
//! `search_text` per record with the words and their stems; the database's own
//! index (SQLite FTS5, PostgreSQL tsvector) matches a query's terms as
//! prefixes, so `Virtane` finds `Virtanen` and `asiakas` finds `asiakkaalle`.

use crate::ids::PersonId;
use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use utoipa::ToSchema;

static FINNISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Finnish));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Lower-case words of letters and digits; everything else separates.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Finnish consonant gradation makes the stem of an inflected form shorter
/// than the base word (`asiakkaalle` → `asiakkaal`, `asiakas` → `asiaka`):
/// the shared part is what a prefix match needs. We keep each stem and, for
/// words of six letters or more, their first five letters too.
fn stems(word: &str) -> impl Iterator<Item = String> {
    let fi = FINNISH.stem(word).into_owned();
    let en = ENGLISH.stem(word).into_owned();
    let short: String = word.chars().take(5).collect();
    let short = (word.chars().count() >= 6).then_some(short);
    [Some(fi), Some(en), short].into_iter().flatten()
}

/// The text to index for a record made of `parts` (names, emails, notes).
pub fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut terms = BTreeSet::new();
    for part in parts {
        for word in words(part) {
            for stem in stems(&word) {
                terms.insert(stem);
            }
            terms.insert(word);
        }
    }
    terms.into_iter().collect::<Vec<_>>().join(" ")
}

/// The terms of a query, each to be matched as a prefix; all must match.
/// A word is cut to its Finnish stem, and a stem of six letters or more to
/// its first five: consonant gradation and inflection leave the forms of a
/// word only their first letters in common (`asiakas`, `asiakkaalle` →
/// `asiak`; `tarjouksesta` → `tarjo`, which `tarjous` starts with). Recall
/// over precision, as a search box for names wants. At most eight terms.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words(query).take(8) {
        let fi = FINNISH.stem(&word).into_owned();
        let stem = if fi.chars().count() >= 3 && fi.len() < word.len() {
            fi
        } else {
            word
        };
        let term = if stem.chars().count() >= 6 {
            stem.chars().take(5).collect()
        } else {
            stem
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchHitKind {
    Person,
    Organisation,
    Note,
}

impl SearchHitKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organisation => "organisation",
            Self::Note => "note",
        }
    }
}

/// One record that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SearchHit {
    pub kind: SearchHitKind,
    pub id: String,
    /// The person the record is about, for notes and people.
    pub person_id: Option<PersonId>,
    /// What to show: a name, or the start of a note.
    pub title: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(indexed: &str, query: &str) -> bool {
        let text = search_text([indexed]);
        let indexed: Vec<&str> = text.split(' ').collect();
        let terms = query_terms(query);
        !terms.is_empty()
            && terms
                .iter()
                .all(|t| indexed.iter().any(|w| w.starts_with(t.as_str())))
    }

    #[test]
    fn b6_prefix_of_surname_finds_person() {
        assert!(finds("Matti Virtanen", "Virtane"));
        assert!(finds("Matti Virtanen", "virt"));
        assert!(finds("Matti Virtanen", "matti virtanen"));
        assert!(!finds("Matti Virtanen", "Korhonen"));
    }

    #[test]
    fn b6_finnish_inflections_meet() {
        assert!(finds("Soitettiin asiakkaalle tarjouksesta", "asiakas"));
        assert!(finds("Tarjous lähetetty asiakkaille", "tarjouksesta"));
        assert!(finds(
            "Meeting with customers about offers",
            "customer offer"
        ));
    }

    #[test]
    fn b6_emails_are_searchable_by_parts() {
        assert!(finds("annika.kettunen@mediateko.fi", "kettunen"));
        assert!(finds("annika.kettunen@mediateko.fi", "mediateko"));
    }
}
