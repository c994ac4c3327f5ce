//! What every edge can reach: the store, the clock, the mailer, the
//! register's details and the server's settings ([`AppState`]), the
//! portal's and the imports' state in this process ([`Portal`],
//! [`LiveImports`]), and the facts the firewall found about a request
//! ([`ClientIp`], [`Https`]). It imports no service: services read it.

use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::ImportId;
use rekisteri_domain::login::SessionTimeouts;
use rekisteri_domain::network::Network;
use rekisteri_domain::{Clock, Timestamp};
use rekisteri_store::Store;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub firewall: Arc<Firewall>,
    /// How long web sessions live.
    pub sessions: SessionTimeouts,
    /// The organisation keeping the register: no password may be built on
    /// its name.
    pub organisation_name: Arc<str>,
    /// The zone the web interface shows times in and reads them from.
    pub time_zone: Arc<jiff::tz::TimeZone>,
    /// The web's CSV imports this server is running now.
    pub imports: Arc<LiveImports>,
    /// How letters leave: SMTP when configured, else they are kept in the
    /// outbox (the database's `mail` table).
    pub mailer: crate::mail::Mailer,
    /// The controller, the register's contact person and the supervisory
    /// authority (R1, R20), as stored: read through [`AppState::register`].
    pub register: Arc<RegisterCache>,
    /// How long a data-subject request may wait for its answer (R14).
    pub answer_period: rekisteri_domain::request::AnswerPeriod,
    /// The public privacy portal: its address, rate limits and link work.
    pub portal: Arc<Portal>,
    /// The erasure journal's file (B2), appended by the `append_journal`
    /// job; `serve` always sets it. Without it the entries wait in the
    /// database for a process that has one.
    pub journal: Option<Arc<crate::journal::ErasureJournal>>,
    /// The audit chain's key and head files (B1); `serve` sets it, and
    /// verification then also checks the head file.
    pub audit_files: Option<Arc<crate::audit_files::AuditFiles>>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, mailer: crate::mail::Mailer) -> Self {
        Self {
            mailer,
            register: Arc::default(),
            answer_period: Default::default(),
            portal: Arc::new(Portal::new(DEFAULT_PUBLIC_URL)),
            store,
            clock,
            firewall: Arc::new(Firewall::default()),
            sessions: SessionTimeouts::default(),
            organisation_name: Arc::from(DEFAULT_ORGANISATION),
            time_zone: Arc::new(default_time_zone()),
            imports: Arc::default(),
            journal: None,
            audit_files: None,
        }
    }
}

/// How long a server uses the register's details it read before reading
/// them again: a change made on another server shows within this (R1), as
/// a revoked token stops within the token cache's.
pub const REGISTER_CACHE_MICROS: i64 = 10 * 1_000_000;

/// The register's details last read, and when.
#[derive(Default)]
pub struct RegisterCache {
    held: std::sync::Mutex<Option<(Timestamp, Arc<RegisterDetails>)>>,
}

impl AppState {
    /// The register's details in force (R1): the stored version, read at
    /// most every [`REGISTER_CACHE_MICROS`]. If the store cannot be read,
    /// the details last read (or the seed notice's) serve, and it is logged.
    pub async fn register(&self) -> Arc<RegisterDetails> {
        let now = self.clock.now();
        let held = self.register.held.lock().ok().and_then(|h| h.clone());
        if let Some((at, details)) = &held
            && now.micros() >= at.micros()
            && now.micros() - at.micros() < REGISTER_CACHE_MICROS
        {
            return details.clone();
        }
        match self.store.register_details().await {
            Ok(version) => {
                let details = Arc::new(version.details);
                if let Ok(mut slot) = self.register.held.lock() {
                    *slot = Some((now, details.clone()));
                }
                details
            }
            Err(error) => {
                tracing::error!(%error, "the register's details could not be read");
                held.map(|(_, d)| d).unwrap_or_default()
            }
        }
    }

    /// Forgets the details read: a change made here shows at once.
    pub fn forget_register(&self) {
        if let Ok(mut slot) = self.register.held.lock() {
            *slot = None;
        }
    }
}

/// Europe/Helsinki, from the zone database compiled into the binary.
pub fn default_time_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC)
}

pub const DEFAULT_TIME_ZONE: &str = "Europe/Helsinki";

/// Where people reach the portal unless `serve --public-url` says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The organisation of the privacy notice this register was built for.
pub const DEFAULT_ORGANISATION: &str = "MT Mediateko Oy";

/// Who may reach the register over the network (R11).
#[derive(Debug, Clone)]
pub struct Firewall {
    /// Networks whose clients may use the API; default loopback only.
    pub allowed: Vec<Network>,
    /// Proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<Network>,
}

impl Default for Firewall {
    fn default() -> Self {
        Self {
            allowed: Network::loopback(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The client's address, as the firewall decided it; audited with each entry.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

/// Whether the client reached us over TLS: a trusted proxy said so with
/// `X-Forwarded-Proto: https`. Decides HSTS and the origin CSRF expects.
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// The public privacy portal's own state (`serve --public-url`): where its
/// links point, and the link requests still being worked on after their
/// answer went. Its rate limits are the database's (`services::limits`).
pub struct Portal {
    /// The address people reach the portal at (`serve --public-url`): the
    /// links in mail start with it, never with a request's `Host`.
    pub public_url: String,
    in_flight: AtomicUsize,
    settled: tokio::sync::Notify,
}

impl Portal {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_string(),
            in_flight: AtomicUsize::new(0),
            settled: tokio::sync::Notify::new(),
        }
    }

    /// Runs a link request's work after its answer has gone.
    pub fn spawn(self: &Arc<Self>, work: impl Future<Output = ()> + Send + 'static) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let portal = self.clone();
        tokio::spawn(async move {
            work.await;
            portal.in_flight.fetch_sub(1, Ordering::SeqCst);
            portal.settled.notify_waiters();
        });
    }

    /// Waits until every link request answered so far has been worked on
    /// (tests, and a server shutting down).
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), notified).await;
        }
    }
}

/// The web's CSV imports this server is running now, and how far each is
/// (`services::import_jobs` records them in the database).
#[derive(Default)]
pub struct LiveImports {
    pub(crate) running: std::sync::Mutex<std::collections::HashMap<ImportId, Arc<AtomicUsize>>>,
}

impl LiveImports {
    /// How many people the import has added so far, if it runs here.
    pub fn progress(&self, id: ImportId) -> Option<usize> {
        let running = self.running.lock().ok()?;
        running.get(&id).map(|n| n.load(Ordering::SeqCst))
    }
}
