//! Marketing lists (R15, R18, R21), for the API, the staff page's download
//! and `rekisteri export audience` alike: the export started (audited by
//! the store with its purpose before the first row leaves), each person as
//! JSON or as a CSV record a spreadsheet will not run as a formula.

use axum::body::{Body, Bytes};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_store::audience::AudienceMember;
use rekisteri_store::{Store, StoreError};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use utoipa::ToSchema;

/// One person of a marketing list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceEntry {
    pub person_id: String,
    pub first_name: String,
    pub last_name: String,
    /// The email, phone number or street line the channel reaches.
    pub address: String,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// `granted` (they agreed) or `not_objected` (opt-out applies).
    pub basis: &'static str,
}

impl From<AudienceMember> for AudienceEntry {
    fn from(m: AudienceMember) -> Self {
        Self {
            person_id: m.person_id.to_string(),
            first_name: m.first_name,
            last_name: m.last_name,
            address: m.address,
            postal_code: m.postal_code,
            city: m.city,
            country: m.country,
            basis: m.decision.code(),
        }
    }
}

/// The list as JSON: `people` in id order, then their `count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Audience {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    pub exported_at: Timestamp,
    pub people: Vec<AudienceEntry>,
    pub count: u64,
}

/// The columns of the CSV list.
pub const CSV_HEADER: [&str; 8] = [
    "person_id",
    "first_name",
    "last_name",
    "address",
    "postal_code",
    "city",
    "country",
    "basis",
];

/// A cell a spreadsheet will not run as a formula: anything starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` — except a
/// plain number such as a phone number (`+358401234567`).
pub fn safe_cell(value: &str) -> String {
    let plain_number = value
        .strip_prefix('+')
        .unwrap_or(value)
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ');
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number;
    if risky {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// One person as a CSV record.
pub fn csv_record(m: &AudienceEntry) -> [String; 8] {
    let opt = |v: &Option<String>| safe_cell(v.as_deref().unwrap_or(""));
    [
        m.person_id.clone(),
        safe_cell(&m.first_name),
        safe_cell(&m.last_name),
        safe_cell(&m.address),
        opt(&m.postal_code),
        opt(&m.city),
        opt(&m.country),
        m.basis.to_string(),
    ]
}

/// Runs the export in its own task. Answers the first person (or `None` for
/// an empty list) once the export is audited, then the rest through the
/// receiver; the task's result is the count or the error.
pub async fn start_export(
    store: Store,
    actor: Actor,
    at: Timestamp,
    channel: Channel,
    purpose: MarketingPurpose,
) -> Result<
    (
        Option<AudienceMember>,
        mpsc::Receiver<AudienceMember>,
        JoinHandle<Result<u64, StoreError>>,
    ),
    StoreError,
> {
    let (tx, mut rx) = mpsc::channel(4096);
    let task = tokio::spawn(async move { store.audience(&actor, at, channel, purpose, tx).await });
    let first = rx.recv().await;
    if first.is_none() {
        // Finished: empty, or failed before the first person.
        let count = task
            .await
            .map_err(|e| StoreError::Config(e.to_string()))??;
        let (_, empty) = mpsc::channel(1);
        return Ok((None, empty, tokio::spawn(async move { Ok(count) })));
    }
    Ok((first, rx, task))
}

/// Streams `first` and the receiver's people in chunks of `encode`d
/// entries, then `tail(count)`; a failure of the export ends the stream
/// with an error (the client sees a cut answer, never a short list).
pub fn stream_body(
    first: Option<AudienceMember>,
    rx: mpsc::Receiver<AudienceMember>,
    task: JoinHandle<Result<u64, StoreError>>,
    head: Vec<u8>,
    encode: impl Fn(&mut Vec<u8>, AudienceEntry, bool) + Send + 'static,
    tail: impl Fn(u64) -> Vec<u8> + Send + 'static,
) -> Body {
    struct State<E, T> {
        first: Option<AudienceMember>,
        rx: mpsc::Receiver<AudienceMember>,
        task: Option<JoinHandle<Result<u64, StoreError>>>,
        head: Option<Vec<u8>>,
        sent: u64,
        encode: E,
        tail: T,
    }
    let state = State {
        first,
        rx,
        task: Some(task),
        head: Some(head),
        sent: 0,
        encode,
        tail,
    };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        let mut buf = st.head.take().unwrap_or_default();
        if let Some(m) = st.first.take() {
            (st.encode)(&mut buf, m.into(), st.sent == 0);
            st.sent += 1;
        }
        while buf.len() < 64 * 1024 {
            match st.rx.try_recv() {
                Ok(m) => {
                    (st.encode)(&mut buf, m.into(), st.sent == 0);
                    st.sent += 1;
                }
                Err(mpsc::error::TryRecvError::Empty) if buf.is_empty() => match st.rx.recv().await
                {
                    Some(m) => {
                        (st.encode)(&mut buf, m.into(), st.sent == 0);
                        st.sent += 1;
                    }
                    None => break,
                },
                Err(_) => break,
            }
        }
        if !buf.is_empty() {
            return Some((Ok::<_, std::io::Error>(Bytes::from(buf)), st));
        }
        let task = st.task.take()?;
        let chunk: Chunk = match task.await {
            Ok(Ok(_)) => Ok(Bytes::from((st.tail)(st.sent))),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "marketing list export failed");
                Err(std::io::Error::other("the export failed"))
            }
            Err(e) => {
                tracing::error!(error = %e, "marketing list export task failed");
                Err(std::io::Error::other("the export failed"))
            }
        };
        Some((chunk, st))
    });
    Body::from_stream(stream)
}

/// The JSON list's opening, up to the first person.
pub fn json_head(channel: Channel, purpose: MarketingPurpose, at: Timestamp) -> String {
    let at = serde_json::to_string(&at).unwrap_or_default();
    format!(
        "{{\"channel\":\"{channel}\",\"purpose\":\"{purpose}\",\"exported_at\":{at},\"people\":["
    )
}

/// Appends one person to the JSON list (`first`: no comma before it).
pub fn json_entry(buf: &mut Vec<u8>, entry: &AudienceEntry, first: bool) {
    if !first {
        buf.push(b',');
    }
    // An entry of strings always serialises.
    let _ = serde_json::to_writer(&mut *buf, entry);
}

/// The JSON list's end, with the count.
pub fn json_tail(count: u64) -> String {
    format!("],\"count\":{count}}}")
}

pub fn json_body(
    channel: Channel,
    purpose: MarketingPurpose,
    at: Timestamp,
    first: Option<AudienceMember>,
    rx: mpsc::Receiver<AudienceMember>,
    task: JoinHandle<Result<u64, StoreError>>,
) -> Body {
    stream_body(
        first,
        rx,
        task,
        json_head(channel, purpose, at).into_bytes(),
        |buf, entry, first| json_entry(buf, &entry, first),
        |count| json_tail(count).into_bytes(),
    )
}

/// The CSV list as a streamed body: the header, then one record per
/// person (the API's `format=csv` and the web page's download).
pub fn csv_body(
    first: Option<AudienceMember>,
    rx: mpsc::Receiver<AudienceMember>,
    task: JoinHandle<Result<u64, StoreError>>,
) -> Body {
    let mut head = Vec::new();
    write_csv(&mut head, &CSV_HEADER.map(String::from));
    stream_body(
        first,
        rx,
        task,
        head,
        |buf, entry, _| write_csv(buf, &csv_record(&entry)),
        |_| Vec::new(),
    )
}

/// Appends one CSV record (quoted as needed) to `buf`.
pub fn write_csv(buf: &mut Vec<u8>, record: &[String; 8]) {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory does not fail.
    let _ = w.write_record(record);
    if let Ok(bytes) = w.into_inner() {
        buf.extend_from_slice(&bytes);
    }
}

type Chunk = Result<Bytes, std::io::Error>;

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn r15_list_cells_never_run_as_formulas() {
        assert_eq!(safe_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(
            safe_cell("-1+1+cmd|' /C calc'!A0"),
            "'-1+1+cmd|' /C calc'!A0"
        );
        assert_eq!(safe_cell("+1+cmd"), "'+1+cmd");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("+358401234567"), "+358401234567");
        assert_eq!(safe_cell("Virtanen"), "Virtanen");
    }
}
