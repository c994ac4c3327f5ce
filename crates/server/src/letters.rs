//! The texts of the register's letters to people, sources, recipients and
//! the privacy officer (R14, R17, R20, B4). Each is written in Finnish and
//! English, one after the other, since a case does not know the person's
//! language; refusals always carry the supervisory authority (R20).

use rekisteri_domain::Provenance;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::erasure::Hold;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::job::Forgotten;
use rekisteri_domain::mail::{Addressee, Letter, MailKind};
use rekisteri_domain::rectification::Correction;
use rekisteri_domain::request::{Reminder, RequestCase};
use rekisteri_store::{RecipientNotice, Rectified};

/// Where a letter to the requester goes: their email, else a printable
/// letter to their name and address.
pub fn to_requester(case: &RequestCase) -> Addressee {
    match &case.requester_email {
        Some(email) => Addressee::Email(email.clone()),
        None => Addressee::Letter(
            [
                case.requester_name.as_deref(),
                case.requester_address.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
        ),
    }
}

fn signature(register: &RegisterDetails) -> String {
    format!(
        "{}\n{} ({})\n{} · {}",
        register.controller.name,
        register.contact.name,
        register.controller.business_id,
        register.contact.email,
        register.contact.phone
    )
}

/// GDPR 12(3): the deadline is extended, and why (told within the first month).
pub fn extension(register: &RegisterDetails, case: &RequestCase) -> Letter {
    let to = case.deadline();
    let reason = case.extension_reason.as_deref().unwrap_or_default();
    Letter {
        kind: MailKind::RequestExtension,
        to: to_requester(case),
        subject: format!(
            "Pyyntönne käsittelyaikaa on jatkettu / Your request: more time needed ({})",
            case.id
        ),
        body: format!(
            "Pyyntönne ({kind}, vastaanotettu {received}) käsittely vaatii lisäaikaa. Vastaamme viimeistään {to}.\n\
             Syy: {reason}\n\n\
             Your request ({kind}, received {received}) needs more time. We will answer by {to} at the latest.\n\
             Reason: {reason}\n\n{sig}",
            kind = case.kind,
            received = case.received_at.date(),
            sig = signature(register),
        ),
        about: case.person_id,
    }
}

/// The written answer to a request; a refusal gives its reasons and the
/// right to complain to the supervisory authority (R17, R20).
pub fn answer(register: &RegisterDetails, case: &RequestCase) -> Letter {
    let refused = case.outcome == Some(rekisteri_domain::request::Outcome::Refused);
    let text = case.answer.as_deref().unwrap_or_default();
    let complaint = if refused {
        format!(
            "\n\nTeillä on oikeus saattaa asia valvontaviranomaisen käsiteltäväksi:\n{}\n\n\
             You have the right to lodge a complaint with the supervisory authority:\n{}",
            register.authority.as_text(true),
            register.authority.as_text(false)
        )
    } else {
        String::new()
    };
    let (fi, en) = if refused {
        ("Pyyntönne on evätty", "Your request is refused")
    } else {
        ("Vastaus pyyntöönne", "The answer to your request")
    };
    Letter {
        kind: MailKind::RequestAnswer,
        to: to_requester(case),
        subject: format!("{fi} / {en} ({})", case.id),
        body: format!(
            "{fi} ({kind}, vastaanotettu {received}).\n{en} ({kind}, received {received}).\n\n{text}{complaint}\n\n{sig}",
            kind = case.kind,
            received = case.received_at.date(),
            sig = signature(register),
        ),
        about: case.person_id,
    }
}

/// B4: the privacy officer is reminded 7 and 2 days before a deadline. The
/// reminder names the case, never the person's data.
pub fn reminder(register: &RegisterDetails, case: &RequestCase, reminder: Reminder) -> Letter {
    Letter {
        kind: MailKind::DeadlineReminder,
        to: Addressee::Email(register.contact.email.clone()),
        subject: format!(
            "Muistutus: {} päivää määräaikaan / Reminder: {} days to the deadline ({})",
            reminder.days(),
            reminder.days(),
            case.id
        ),
        body: format!(
            "Rekisteröidyn pyyntö {id} ({kind}, {channel}) on vastattava viimeistään {due}.\n\
             The data-subject request {id} ({kind}, {channel}) must be answered by {due}.\n",
            id = case.id,
            kind = case.kind,
            channel = case.channel,
            due = case.deadline(),
        ),
        about: None,
    }
}

/// The lines of the corrections chosen: what, the wrong value, the right one.
fn corrections_text<'a>(corrections: impl Iterator<Item = &'a Correction>) -> String {
    corrections
        .map(|c| {
            format!(
                "- {}: {} → {}",
                c.field.code(),
                c.from.as_deref().unwrap_or("–"),
                c.to.as_deref().unwrap_or("(poistettu / deleted)")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a notice to a source goes: an email address in the source's
/// details, else a printable letter naming the source.
pub fn to_source(source: &Provenance) -> Addressee {
    let detail = source.source_detail.as_deref().unwrap_or_default();
    match detail.parse::<lettre::Address>() {
        Ok(address) => Addressee::Email(address.to_string()),
        Err(_) => Addressee::Letter(format!("{} {}", source.source, detail).trim().to_string()),
    }
}

/// R17: the source of wrong values is told of their corrections — of
/// those values only.
pub fn rectification_to_source(
    register: &RegisterDetails,
    rectified: &Rectified,
    source: &Provenance,
    corrections: &[usize],
) -> Letter {
    let own = corrections
        .iter()
        .filter_map(|i| rectified.corrections.get(*i));
    Letter {
        kind: MailKind::Rectification,
        to: to_source(source),
        subject: format!(
            "Tietojen oikaisu / Rectification of data ({})",
            rectified.case.id
        ),
        body: format!(
            "Meille toimittamianne henkilötietoja on oikaistu rekisteröidyn pyynnöstä (EU 2016/679, 16 art.). \
             Pyydämme korjaamaan tiedot myös omiin rekistereihinne.\n\
             Personal data you supplied to us has been rectified at the data subject's request (GDPR Art. 16). \
             Please correct your own records too.\n\n{}\n\n{}",
            corrections_text(own),
            signature(register)
        ),
        about: Some(rectified.person_id),
    }
}

/// R17, Art. 19: a recipient of the person's data is told of the
/// corrections of what it received; `None` when it received none of it.
pub fn rectification_to_recipient(
    register: &RegisterDetails,
    rectified: &Rectified,
    recipient: &RecipientNotice,
) -> Option<Letter> {
    let received = |c: &&Correction| {
        let category = c.field.category();
        recipient
            .disclosures
            .iter()
            .any(|d| d.categories.contains(&category))
    };
    if !rectified.corrections.iter().any(|c| received(&c)) {
        return None;
    }
    let theirs = rectified.corrections.iter().filter(received);
    let disclosures = recipient
        .disclosures
        .iter()
        .map(|d| format!("- {} ({})", d.disclosure_id, d.disclosed_at.date()))
        .collect::<Vec<_>>()
        .join("\n");
    Some(Letter {
        kind: MailKind::Rectification,
        to: match &recipient.notice_email {
            Some(email) => Addressee::Email(email.clone()),
            None => Addressee::Letter(recipient.recipient_name.clone()),
        },
        subject: format!(
            "Luovutettujen tietojen oikaisu / Rectification of disclosed data ({})",
            rectified.case.id
        ),
        body: format!(
            "Teille luovutettuja henkilötietoja on oikaistu (EU 2016/679, 16 ja 19 art.). Luovutukset:\n\
             Personal data disclosed to you has been rectified (GDPR Art. 16 and 19). Disclosures:\n{disclosures}\n\n{}\n\n{}",
            corrections_text(theirs),
            signature(register)
        ),
        about: Some(rectified.person_id),
    })
}

/// GDPR Art. 19: the erasure or anonymisation told to a recipient, in
/// Finnish and English. It names the disclosures
/// (id, date, categories) and the person's id as the recipient received it
/// in that disclosure — a reference it already holds — and nothing else
/// about the person: no name, no contact value.
pub fn erasure_notice(
    register: &RegisterDetails,
    person: PersonId,
    notice: &RecipientNotice,
    forgotten: Forgotten,
) -> Letter {
    let controller = &register.controller.name;
    let (done_fi, done_en) = match forgotten {
        Forgotten::Erased => ("poistanut", "erased"),
        Forgotten::Anonymised => ("anonymisoinut", "anonymised"),
    };
    let list = |finnish: bool| {
        notice
            .disclosures
            .iter()
            .map(|d| {
                let categories = d
                    .categories
                    .iter()
                    .map(|c| c.code())
                    .collect::<Vec<_>>()
                    .join(", ");
                if finnish {
                    format!(
                        "- luovutus {} ({}), tietoryhmät: {categories}",
                        d.disclosure_id,
                        d.disclosed_at.date()
                    )
                } else {
                    format!(
                        "- disclosure {} ({}), categories: {categories}",
                        d.disclosure_id,
                        d.disclosed_at.date()
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let subject = match forgotten {
        Forgotten::Erased => "Ilmoitus henkilötietojen poistamisesta / Notice of erasure (GDPR 19)",
        Forgotten::Anonymised => {
            "Ilmoitus henkilötietojen anonymisoinnista / Notice of anonymisation (GDPR 19)"
        }
    };
    let body = format!(
        "{recipient}\n\n\
         {controller} on {done_fi} rekisteröidyn henkilötiedot rekisteröidyn pyynnöstä \
         (EU:n tietosuoja-asetus 17 ja 19 artikla). Olemme luovuttaneet teille tämän henkilön \
         tietoja; henkilön tunniste luovutuksessa oli {person}.\n{fi_list}\n\
         Pyydämme teitä poistamaan henkilön tiedot myös omista rekistereistänne, ellei laki \
         velvoita teitä säilyttämään niitä.\n\n\
         {controller} has {done_en} a data subject's personal data at their request (GDPR \
         Articles 17 and 19). We disclosed this person's data to you; the person's identifier in \
         the disclosure was {person}.\n{en_list}\n\
         Please erase the person's data from your own records too, unless the law obliges you to \
         keep them.\n\n\
         {contact}, {contact_email}\n",
        recipient = notice.recipient_name,
        fi_list = list(true),
        en_list = list(false),
        contact = register.contact.name,
        contact_email = register.contact.email,
    );
    // `about: None`: the notice is about the disclosures, and stays when
    // the person's own mail goes.
    Letter {
        kind: MailKind::ErasureNotice,
        to: match &notice.notice_email {
            Some(email) => Addressee::Email(email.clone()),
            None => Addressee::Letter(notice.recipient_name.clone()),
        },
        subject: subject.into(),
        body,
        about: None,
    }
}

/// When a hold lets the erasure run, in words (`fi` or English).
fn hold_words(hold: &Hold, fi: bool) -> String {
    match (hold, fi) {
        (Hold::OpenInvoice { number, due_on, .. }, true) => format!(
            "Laskunne {number} (eräpäivä {due_on}) on maksamatta. Tiedot poistetaan, kun lasku on maksettu tai hyvitetty."
        ),
        (Hold::OpenInvoice { number, due_on, .. }, false) => format!(
            "Your invoice {number} (due {due_on}) is unpaid. The data is erased once it is paid or credited."
        ),
        (Hold::DebtCollection { number, .. }, true) => format!(
            "Laskunne {number} on perinnässä. Tiedot poistetaan, kun saatava on selvitetty."
        ),
        (Hold::DebtCollection { number, .. }, false) => format!(
            "Your invoice {number} is in debt collection. The data is erased once the debt is settled."
        ),
        (
            Hold::OrganisationContact {
                organisation_name,
                until,
                ..
            },
            true,
        ) => match until {
            Some(until) => format!(
                "Olette yrityksen {organisation_name} yhteyshenkilö {until} asti. Tiedot poistetaan tehtävän päätyttyä."
            ),
            None => format!(
                "Olette yrityksen {organisation_name} yhteyshenkilö. Tiedot poistetaan, kun tehtävä päättyy."
            ),
        },
        (
            Hold::OrganisationContact {
                organisation_name,
                until,
                ..
            },
            false,
        ) => match until {
            Some(until) => format!(
                "You are the contact person of {organisation_name} until {until}. The data is erased when the role ends."
            ),
            None => format!(
                "You are the contact person of {organisation_name}. The data is erased when the role ends."
            ),
        },
        (
            Hold::LegalHold {
                reason,
                reference,
                until,
                ..
            },
            true,
        ) => match until {
            Some(until) => format!(
                "Laki velvoittaa säilyttämään tiedot: {reason} (viite {reference}), {until} asti. Tiedot poistetaan sen jälkeen."
            ),
            None => format!(
                "Laki velvoittaa säilyttämään tiedot: {reason} (viite {reference}). Tiedot poistetaan, kun velvoite päättyy."
            ),
        },
        (
            Hold::LegalHold {
                reason,
                reference,
                until,
                ..
            },
            false,
        ) => match until {
            Some(until) => format!(
                "The law obliges us to keep the data: {reason} (reference {reference}), until {until}. It is erased after that."
            ),
            None => format!(
                "The law obliges us to keep the data: {reason} (reference {reference}). It is erased when that duty ends."
            ),
        },
    }
}

/// R8, R20: an erasure request that holds keep waiting, answered to the
/// requester — each hold's reason in plain words, what is kept and why,
/// when the erasure runs, and the supervisory authority.
pub fn erasure_held(register: &RegisterDetails, case: &RequestCase, holds: &[Hold]) -> Letter {
    let list = |fi: bool| {
        holds
            .iter()
            .map(|h| format!("- {}", hold_words(h, fi)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Letter {
        kind: MailKind::ErasureHeld,
        to: to_requester(case),
        subject: format!(
            "Poistopyyntönne odottaa / Your erasure request is waiting ({})",
            case.id
        ),
        body: format!(
            "Olemme vastaanottaneet pyyntönne poistaa henkilötietonne ({received}). Emme voi vielä poistaa niitä:\n\
             {fi_list}\n\
             Siihen asti säilytämme tietonne, mutta käytämme niitä vain tähän tarkoitukseen. Poisto tehdään \
             itsestään heti, kun mikään edellä mainituista ei enää estä sitä, ja ilmoitamme siitä teille. \
             Kirjanpitolaki velvoittaa säilyttämään laskut ja tilaukset myös sen jälkeen, mutta ilman nimeänne \
             ja yhteystietojanne.\n\n\
             Teillä on oikeus saattaa asia valvontaviranomaisen käsiteltäväksi:\n{authority_fi}\n\n\
             We have received your request to erase your personal data ({received}). We cannot erase it yet:\n\
             {en_list}\n\
             Until then we keep your data and use it for this purpose only. The erasure runs by itself as soon \
             as none of the above prevents it, and we will tell you. The Accounting Act keeps invoices and \
             orders after that too, but without your name and contact details.\n\n\
             You have the right to lodge a complaint with the supervisory authority:\n{authority_en}\n\n{sig}",
            received = case.received_at.date(),
            fi_list = list(true),
            en_list = list(false),
            authority_fi = register.authority.as_text(true),
            authority_en = register.authority.as_text(false),
            sig = signature(register),
        ),
        about: case.person_id,
    }
}

/// R8, R21: a held erasure has run; the requester is told (the letter goes
/// from the register once sent).
pub fn erasure_done(register: &RegisterDetails, case: &RequestCase) -> Letter {
    Letter {
        kind: MailKind::ErasureDone,
        to: to_requester(case),
        subject: format!(
            "Henkilötietonne on poistettu / Your personal data is erased ({})",
            case.id
        ),
        body: format!(
            "Pyytämänne poisto ({received}) on nyt tehty: henkilötietonne on poistettu rekisteristämme. \
             Laskut ja tilaukset säilyvät kirjanpidossa ilman nimeänne ja yhteystietojanne \
             (kirjanpitolaki), ja olemme ilmoittaneet poistosta niille, joille tietojanne luovutettiin.\n\n\
             The erasure you asked for ({received}) is done: your personal data is erased from our register. \
             Invoices and orders stay in the books without your name and contact details (Accounting Act), \
             and we have told those your data was disclosed to.\n\n{sig}",
            received = case.received_at.date(),
            sig = signature(register),
        ),
        about: None,
    }
}
