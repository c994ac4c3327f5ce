//! Mail (R14, R17, R19 Art. 19, B4): what the register sends — verification
//! links, reminders, notifications of rectification and erasure — goes out
//! by SMTP when one is configured (`serve --smtp-url`), otherwise into the
//! outbox folder, where the privacy officer reads it (`/outbox`). A letter
//! with no email address (a source known only by name) is always written to
//! the outbox, to be printed and posted.
//!
//! Outbox files are named `<µs>-<person id or "none">-<uuid>.eml`, so an
//! erasure can remove every message about the person (R21: derived data
//! kept on disk).

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::PersonId;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

/// One message: to an email address, or a printable letter.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Addressee,
    pub subject: String,
    pub body: String,
    /// The person the message is about, if any (so erasure can find it).
    pub about: Option<PersonId>,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    Email(String),
    /// Printed and posted: the name (and address) as the letter starts.
    Letter(String),
}

/// How a message left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the SMTP server.
    Smtp,
    /// Written to the outbox folder under this file name.
    Outbox(String),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The address itself stays out of the message: errors are logged.
    #[error("an address is not an email address")]
    Address(String),
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The server's reply stays out of the message (it may repeat the
    /// recipient's address): errors are logged.
    #[error("the SMTP server refused the message or could not be reached")]
    Smtp(String),
    #[error("the outbox could not be written: {0}")]
    Outbox(#[from] std::io::Error),
}

/// The register's mail: its From address, the outbox folder, and SMTP when
/// configured.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    outbox: Outbox,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

impl Mailer {
    /// Messages go to the outbox folder only.
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self, MailError> {
        Ok(Self {
            from: mailbox(from)?,
            outbox: Outbox { dir },
            smtp: None,
        })
    }

    /// Email goes by SMTP (`smtp://host:port`, `smtps://…` or
    /// `smtp://…?tls=required`); printable letters still go to the outbox.
    pub fn with_smtp(mut self, url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Smtp(e.to_string()))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        self.smtp = Some(transport);
        Ok(self)
    }

    pub fn outbox_folder(&self) -> &Outbox {
        &self.outbox
    }

    /// Sends `mail`, dated by the register's clock.
    pub async fn send(&self, mail: &Mail, at: Timestamp) -> Result<Delivery, MailError> {
        let message = self.message(mail, at)?;
        match (&mail.to, &self.smtp) {
            (Addressee::Email(_), Some(smtp)) => {
                smtp.send(message)
                    .await
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
                Ok(Delivery::Smtp)
            }
            _ => {
                let name = self
                    .outbox
                    .write(&message.formatted(), mail.about, at)
                    .await?;
                Ok(Delivery::Outbox(name))
            }
        }
    }

    fn message(&self, mail: &Mail, at: Timestamp) -> Result<Message, MailError> {
        let micros = u64::try_from(at.micros()).unwrap_or(0);
        let builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone())
            .date(UNIX_EPOCH + Duration::from_micros(micros));
        let builder = match &mail.to {
            Addressee::Email(address) => builder.to(mailbox(address)?),
            // A printed letter is addressed on paper; the file keeps a
            // header so the outbox shows whom it is for.
            Addressee::Letter(_) => builder.to(self.from.clone()),
        };
        let body = match &mail.to {
            Addressee::Letter(whom) => format!("{whom}\n\n{}", mail.body),
            Addressee::Email(_) => mail.body.clone(),
        };
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))
    }
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse::<Mailbox>()
        .map_err(|_| MailError::Address(address.to_string()))
}

/// The outbox folder: one `.eml` file per message.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// A message in the outbox, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub file: String,
    pub at: Timestamp,
    pub about: Option<PersonId>,
}

impl Outbox {
    /// The outbox in `dir` (created on the first message).
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn write(
        &self,
        bytes: &[u8],
        about: Option<PersonId>,
        at: Timestamp,
    ) -> std::io::Result<String> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let about = about.map_or_else(|| "none".to_string(), |p| p.to_string());
        let name = format!(
            "{:020}-{about}-{}.eml",
            at.micros().max(0),
            uuid::Uuid::new_v4().simple()
        );
        // Written beside, then renamed: a reader never sees half a message.
        let partial = self.dir.join(format!(".{name}.partial"));
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, self.dir.join(&name)).await?;
        Ok(name)
    }

    /// The person a message in the outbox is about, by its file name.
    pub fn about(file: &str) -> Option<PersonId> {
        parse_name(file).and_then(|e| e.about)
    }

    /// Every message, oldest first.
    pub async fn list(&self) -> std::io::Result<Vec<OutboxEntry>> {
        let mut entries = Vec::new();
        let mut dir = match tokio::fs::read_dir(&self.dir).await {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
            Err(e) => return Err(e),
        };
        while let Some(entry) = dir.next_entry().await? {
            if let Some(parsed) = entry.file_name().to_str().and_then(parse_name) {
                entries.push(parsed);
            }
        }
        entries.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(entries)
    }

    /// The raw message, if `file` names one in the outbox.
    pub async fn read(&self, file: &str) -> std::io::Result<Option<Vec<u8>>> {
        if parse_name(file).is_none() {
            return Ok(None);
        }
        match tokio::fs::read(self.dir.join(file)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes every message about `person` (R21); answers how many.
    pub async fn purge_person(&self, person: PersonId) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in self.list().await? {
            if entry.about == Some(person) {
                tokio::fs::remove_file(self.dir.join(&entry.file)).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// `<µs>-<person id|none>-<uuid>.eml`; anything else is not ours.
fn parse_name(name: &str) -> Option<OutboxEntry> {
    let stem = name.strip_suffix(".eml")?;
    let (micros, rest) = stem.split_once('-')?;
    let (about, id) = rest.rsplit_once('-')?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let about = match about {
        "none" => None,
        other => Some(other.parse::<PersonId>().ok()?),
    };
    Some(OutboxEntry {
        file: name.to_string(),
        at: Timestamp::from_micros(micros.parse().ok()?),
        about,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn r21_the_outbox_forgets_a_person_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::outbox(dir.path().to_path_buf(), "rekisteri@example.fi").unwrap();
        let at = Timestamp::from_micros(1_800_000_000_000_000);
        let erased = PersonId::new(at);
        let kept = PersonId::new(at);
        for about in [Some(erased), Some(kept), None, Some(erased)] {
            let mail = Mail {
                to: Addressee::Email("someone@example.fi".into()),
                subject: "Hei".into(),
                body: "Tämä on viesti.".into(),
                about,
            };
            assert!(matches!(
                mailer.send(&mail, at).await.unwrap(),
                Delivery::Outbox(_)
            ));
        }
        let outbox = mailer.outbox_folder();
        assert_eq!(outbox.list().await.unwrap().len(), 4);
        assert_eq!(outbox.purge_person(erased).await.unwrap(), 2);
        let left = outbox.list().await.unwrap();
        assert_eq!(left.len(), 2);
        assert!(left.iter().all(|e| e.about != Some(erased)));
        let first = outbox.read(&left[0].file).await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("Subject: Hei"));
        assert!(outbox.read("../../etc/passwd").await.unwrap().is_none());
    }

    #[test]
    fn a_bad_address_is_refused_and_kept_out_of_the_log() {
        let mailer = Mailer::outbox(PathBuf::from("/nonexistent"), "rekisteri@example.fi").unwrap();
        let mail = Mail {
            to: Addressee::Email("not an address".into()),
            subject: "x".into(),
            body: "y".into(),
            about: None,
        };
        let err = mailer
            .message(&mail, Timestamp::from_micros(0))
            .unwrap_err();
        assert!(matches!(&err, MailError::Address(a) if a == "not an address"));
        assert!(
            !err.to_string().contains("not an address"),
            "no address in what is logged"
        );
    }
}
