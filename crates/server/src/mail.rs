//! Mail (R14, R17, R19 Art. 19, B4): the letters the register writes are
//! rows of the store's `mail` table, each queued with its delivery job in
//! the transaction of the change that wrote it. The job hands a letter to
//! [`Mailer::deliver`]: email goes by SMTP when one is configured
//! (`serve --smtp-url`); without one — and a printable letter always — it
//! is kept in the outbox, where the privacy officer reads it (`/outbox`) on
//! any server. [`Mailer::formatted`] gives the message as it is sent.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rekisteri_domain::mail::{Addressee, MailState};
use rekisteri_store::MailRecord;
use std::time::{Duration, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The address itself stays out of the message: errors are logged and
    /// kept on the job.
    #[error("an address is not an email address")]
    Address,
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The server's reply stays out of the message (it may repeat the
    /// recipient's address).
    #[error("the SMTP server refused the message or could not be reached")]
    Smtp,
    #[error("the SMTP address is not understood")]
    SmtpUrl,
    /// A letter whose body was cleared after it was sent cannot be shown.
    #[error("the letter's text is no longer kept")]
    Cleared,
}

/// The register's mail: its From address, and SMTP when configured.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

impl Mailer {
    /// Letters are kept in the outbox (no SMTP server).
    pub fn new(from: &str) -> Result<Self, MailError> {
        Ok(Self {
            from: mailbox(from)?,
            smtp: None,
        })
    }

    /// Email goes by SMTP (`smtp://host:port`, `smtps://…` or
    /// `smtp://…?tls=required`); printable letters are still kept.
    pub fn with_smtp(mut self, url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| MailError::SmtpUrl)?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        self.smtp = Some(transport);
        Ok(self)
    }

    /// Delivers a queued letter: by SMTP (`Sent`) when it is email and a
    /// server is configured, else it stays in the outbox (`Kept`).
    pub async fn deliver(&self, mail: &MailRecord) -> Result<MailState, MailError> {
        match (mail.to(), &self.smtp) {
            (Addressee::Email(_), Some(smtp)) => {
                let message = self.message(mail)?;
                smtp.send(message).await.map_err(|error| {
                    // The reply may name the recipient: only its kind is logged.
                    tracing::warn!(permanent = error.is_permanent(), "SMTP refused a letter");
                    MailError::Smtp
                })?;
                Ok(MailState::Sent)
            }
            _ => Ok(MailState::Kept),
        }
    }

    /// The letter as an RFC 5322 message, as SMTP carries it and the
    /// outbox shows it.
    pub fn formatted(&self, mail: &MailRecord) -> Result<Vec<u8>, MailError> {
        Ok(self.message(mail)?.formatted())
    }

    fn message(&self, mail: &MailRecord) -> Result<Message, MailError> {
        let body = mail.body.as_deref().ok_or(MailError::Cleared)?;
        let micros = u64::try_from(mail.created_at.micros()).unwrap_or(0);
        let builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone())
            .date(UNIX_EPOCH + Duration::from_micros(micros));
        let (builder, body) = match mail.to() {
            Addressee::Email(address) => (builder.to(mailbox(&address)?), body.to_string()),
            // A printed letter is addressed on paper; the message keeps a
            // header so the outbox shows whom it is for.
            Addressee::Letter(whom) => (builder.to(self.from.clone()), format!("{whom}\n\n{body}")),
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
        .map_err(|_| MailError::Address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekisteri_domain::Timestamp;
    use rekisteri_domain::ids::MailId;
    use rekisteri_domain::mail::MailKind;

    fn record(to_email: Option<&str>, to_name: Option<&str>) -> MailRecord {
        let at = Timestamp::from_micros(1_800_000_000_000_000);
        MailRecord {
            id: MailId::new(at),
            kind: MailKind::RequestAnswer,
            to_email: to_email.map(str::to_string),
            to_name: to_name.map(str::to_string),
            subject: "Hei".into(),
            body: Some("Tämä on viesti.".into()),
            about: None,
            state: MailState::Queued,
            created_at: at,
            sent_at: None,
        }
    }

    #[tokio::test]
    async fn r14_without_smtp_a_letter_is_kept_for_the_outbox() {
        let mailer = Mailer::new("rekisteri@example.fi").unwrap();
        let email = record(Some("someone@example.fi"), None);
        assert_eq!(mailer.deliver(&email).await.unwrap(), MailState::Kept);
        let text = String::from_utf8(mailer.formatted(&email).unwrap()).unwrap();
        assert!(text.contains("Subject: Hei"), "{text}");
        assert!(text.contains("To: someone@example.fi"), "{text}");
        let letter = record(None, Some("Maija Meikäläinen\nKatu 1"));
        let text = String::from_utf8(mailer.formatted(&letter).unwrap()).unwrap();
        assert!(text.contains("To: rekisteri@example.fi"), "{text}");
    }

    #[test]
    fn a_bad_address_is_refused_and_kept_out_of_the_log() {
        let mailer = Mailer::new("rekisteri@example.fi").unwrap();
        let err = mailer
            .formatted(&record(Some("not an address"), None))
            .unwrap_err();
        assert!(matches!(err, MailError::Address));
        assert!(!err.to_string().contains("not an address"));
        let mut cleared = record(Some("someone@example.fi"), None);
        cleared.body = None;
        assert!(matches!(
            mailer.formatted(&cleared),
            Err(MailError::Cleared)
        ));
    }
}
