//! What every edge can reach: the store, the clock, the mailer, the
//! register's details and the server's settings ([`AppState`]), and the
//! facts the firewall found about a request ([`ClientIp`], [`Https`]).

use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::login::SessionTimeouts;
use rekisteri_domain::network::Network;
use rekisteri_domain::{Clock, Timestamp};
use rekisteri_store::Store;
use std::sync::Arc;

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
    pub imports: Arc<crate::services::import_jobs::LiveImports>,
    /// How letters leave: SMTP when configured, else they are kept in the
    /// outbox (the database's `mail` table).
    pub mailer: crate::mail::Mailer,
    /// The controller, the register's contact person and the supervisory
    /// authority (R1, R20), as stored: read through [`AppState::register`].
    pub register: Arc<RegisterCache>,
    /// How long a data-subject request may wait for its answer (R14).
    pub answer_period: rekisteri_domain::request::AnswerPeriod,
    /// The public privacy portal: its address, rate limits and link work.
    pub portal: Arc<crate::services::portal::Portal>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, mailer: crate::mail::Mailer) -> Self {
        Self {
            mailer,
            register: Arc::default(),
            answer_period: Default::default(),
            portal: Arc::new(crate::services::portal::Portal::new(DEFAULT_PUBLIC_URL)),
            store,
            clock,
            firewall: Arc::new(Firewall::default()),
            sessions: SessionTimeouts::default(),
            organisation_name: Arc::from(DEFAULT_ORGANISATION),
            time_zone: Arc::new(default_time_zone()),
            imports: Arc::default(),
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
