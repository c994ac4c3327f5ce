//! Marketing lists (R15, R18, R21) and the purposes of processing (R2).
//! `GET /marketing/audience` streams exactly the people who may be
//! contacted; the caller must name the purpose of the export (`X-Purpose`),
//! and the store audits the export before the first row leaves.

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Caller, JsonBody, Query};
use super::permissions::parse_channel_purpose;
use super::policy::{Access, Resource, allow};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rekisteri_domain::Timestamp;
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_domain::purpose::LegalBasis;
use rekisteri_domain::values::{Parse, parse_field};
use rekisteri_domain::{Purpose, audit::Actor};
use rekisteri_store::audience::AudienceMember;
use rekisteri_store::{PurposeSetting, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audience))
        .routes(routes!(purposes))
        .routes(routes!(set_purpose))
}

#[derive(Debug, Deserialize, IntoParams)]
struct AudienceQuery {
    /// `email`, `sms`, `phone` or `letter`.
    channel: Option<String>,
    /// The marketing purpose: `direct_marketing`, `distance_selling`,
    /// `market_research` or `targeted_content`.
    purpose: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

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

enum Format {
    Json,
    Csv,
}

/// The people who may be contacted by `channel` for `purpose`: permission
/// state, B2B/B2C defaults, prohibitions, restriction and erasure honoured
/// (R15, R18, R21). `X-Purpose` must name the purpose of the export (R2);
/// the export is audited with it.
#[utoipa::path(get, path = "/marketing/audience", tag = "marketing",
    params(AudienceQuery,
           ("X-Purpose" = String, Header, description = "Required: the purpose of processing the list is exported for (R2), one in use")),
    responses((status = 200, body = Audience, description = "JSON, or CSV with format=csv"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn audience(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<AudienceQuery>,
) -> Result<Response, ApiError> {
    allow(&caller, Resource::Audience, Access::Read)?;
    let (channel, purpose) = parse_channel_purpose(q.channel.as_deref(), q.purpose.as_deref())?;
    let format = match q.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    let Some(processing) = caller.purpose else {
        return Err(ApiError::field(
            "X-Purpose",
            "is required: name the purpose of processing this list is exported for (R2)",
        ));
    };
    let now = s.clock.now();
    let actor = caller.actor(processing);
    let (first, rx, task) = start_export(s.store.clone(), actor, now, channel, purpose).await?;
    let name = format!("audience-{channel}-{purpose}");
    let (content_type, file, body) = match format {
        Format::Json => (
            "application/json",
            format!("{name}.json"),
            json_body(channel, purpose, now, first, rx, task),
        ),
        Format::Csv => (
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
            csv_body(first, rx, task),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

type Chunk = Result<Bytes, std::io::Error>;

/// Streams `first` and the receiver's people in chunks of `encode`d
/// entries, then `tail(count)`; a failure of the export ends the stream
/// with an error (the client sees a cut answer, never a short list).
fn stream_body(
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

fn json_body(
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
pub(crate) fn csv_body(
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

/// A purpose of processing and its legal basis (R2).
#[derive(Debug, Serialize, ToSchema)]
pub struct PurposeView {
    pub code: Purpose,
    pub legal_basis: LegalBasis,
    /// A purpose not in use cannot be named (`X-Purpose`).
    pub in_use: bool,
    pub updated_at: Option<Timestamp>,
}

impl From<PurposeSetting> for PurposeView {
    fn from(p: PurposeSetting) -> Self {
        Self {
            code: p.purpose,
            legal_basis: p.legal_basis,
            in_use: p.in_use,
            updated_at: p.updated_at,
        }
    }
}

/// The purposes of processing, each with its legal basis (R2). The
/// notice's list is the default.
#[utoipa::path(get, path = "/purposes", tag = "purposes",
    responses((status = 200, body = Vec<PurposeView>)), security(("bearer" = [])))]
async fn purposes(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PurposeView>>, ApiError> {
    allow(&caller, Resource::Purposes, Access::Read)?;
    Ok(Json(
        s.store
            .purposes()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A purpose's configuration as a client sends it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PurposeDraft {
    /// `consent`, `contract`, `legal_obligation`, `vital_interests`,
    /// `public_task` or `legitimate_interests`.
    pub legal_basis: Option<String>,
    pub in_use: Option<bool>,
}

/// Set a purpose's legal basis and whether it is in use (admin).
#[utoipa::path(put, path = "/purposes/{code}", tag = "purposes", params(("code" = String, Path)),
    request_body = PurposeDraft,
    responses((status = 200, body = PurposeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_purpose(
    State(s): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(draft): JsonBody<PurposeDraft>,
) -> Result<Json<PurposeView>, ApiError> {
    allow(&caller, Resource::Purposes, Access::Write)?;
    let purpose = Purpose::parse(&code).map_err(|_| ApiError::NotFound)?;
    let legal_basis =
        parse_field::<LegalBasis>("legal_basis", draft.legal_basis.as_deref().unwrap_or(""))?;
    let in_use = draft
        .in_use
        .ok_or_else(|| ApiError::field("in_use", "is required: true or false"))?;
    let setting = s
        .store
        .set_purpose(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            purpose,
            legal_basis,
            in_use,
        )
        .await?;
    Ok(Json(setting.into()))
}

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
