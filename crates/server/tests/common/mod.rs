//! Boots the real application on port 0 with its own database — SQLite in a
//! temporary directory, or a fresh PostgreSQL database when
//! `REKISTERI_TEST_POSTGRES` names a server — and speaks HTTP to it.

#![allow(dead_code)]

use rekisteri::app::app;
use rekisteri::mail::Mailer;
use rekisteri::state::{AppState, Firewall};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, ManualClock, Role, Timestamp};
use rekisteri_store::{DatabaseUrl, Store};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::Row;
use std::sync::Arc;

/// The command line, as the actor of set-up done outside the API.
pub fn cli() -> rekisteri_domain::audit::Actor {
    rekisteri_domain::audit::Actor::command_line(rekisteri_domain::Purpose::RegisterMaintenance)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    /// A staff user's bearer token.
    pub token: String,
    pub db: Db,
    /// The database's URL, for the command line run beside the app.
    pub database_url: String,
    /// The app's letters (no SMTP configured: kept in the outbox).
    pub outbox: Outbox,
    /// The running app's state, for its background jobs.
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// A response: status, headers and the JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self.body
    }
}

/// The PostgreSQL server for tests, if configured. Under CI it must be.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("REKISTERI_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but REKISTERI_TEST_POSTGRES is not set: the PostgreSQL half of the suite must run"
            )
        }
        _ => None,
    }
}

/// A new empty database on the test server (its URL); none without one.
/// Its name carries this process's id; the first call of a process drops
/// the databases that processes no longer running left behind (each test
/// binary is a process, and a full run would otherwise leave hundreds).
pub async fn empty_postgres_database() -> Option<String> {
    let admin = postgres_admin_url()?;
    sqlx::any::install_default_drivers();
    let name = format!(
        "rk_test_p{}_{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    );
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("connect to REKISTERI_TEST_POSTGRES");
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        drop_leftover_databases(&mut conn).await;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    Some(with_database(&admin, &name))
}

/// Drops the test databases whose process has ended (or that carry no
/// process id: an older run's). One still in use is left; errors are
/// ignored: this only saves disk.
async fn drop_leftover_databases(conn: &mut sqlx::AnyConnection) {
    use sqlx::Row;
    let Ok(rows) = sqlx::query(
        "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'rk_test_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String, _>("datname") else {
            continue;
        };
        let alive = name
            .strip_prefix("rk_test_p")
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok())
            .is_some_and(|pid| {
                pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
        if !alive {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

/// `postgres://u:p@h:port/db?x` with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

pub const STAFF_TOKEN: &str = "rk_test_staff_token_0123456789abcdef";

impl TestApp {
    /// The app on a fresh database, or `None` when PostgreSQL is asked for
    /// but not configured (outside CI).
    pub async fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, Firewall::default()).await
    }

    /// The app behind the given firewall.
    pub async fn spawn_with(db: Db, firewall: Firewall) -> Option<TestApp> {
        Self::spawn_inner(db, firewall, false).await
    }

    /// The app on the real clock (the browser tests: TOTP codes computed
    /// outside the process use the real time). `clock` then only dates
    /// the set-up done through the store; it starts at the real now.
    pub async fn spawn_with_system_clock(db: Db) -> Option<TestApp> {
        Self::spawn_inner(db, Firewall::default(), true).await
    }

    async fn spawn_inner(db: Db, firewall: Firewall, system_clock: bool) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match db {
            Db::Sqlite => DatabaseUrl::sqlite_in(dir.path()),
            Db::Postgres => {
                DatabaseUrl::parse(&empty_postgres_database().await?).expect("postgres url")
            }
        };
        let audit_files = rekisteri::audit_files::AuditFiles::of(dir.path(), None);
        let store = audit_files.open(&url).await.expect("open store");
        let database_url = url.as_str().to_string();
        let clock = Arc::new(ManualClock::at(if system_clock {
            rekisteri::SystemClock.now()
        } else {
            Timestamp::parse("2026-11-24T10:00:00Z").expect("time")
        }));
        let staff = store
            .add_user(&cli(), clock.now(), "staff", Role::Staff, None)
            .await
            .expect("user");
        let today = clock.now().date();
        store
            .record_commitment(&cli(), clock.now(), staff.id, today, "1")
            .await
            .expect("commitment");
        store
            .add_token(&cli(), clock.now(), staff.id, STAFF_TOKEN, None, None)
            .await
            .expect("token");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app_clock: Arc<dyn Clock> = if system_clock {
            Arc::new(rekisteri::SystemClock)
        } else {
            clock.clone()
        };
        let mailer = Mailer::new("rekisteri@example.fi").expect("mailer");
        let mut state = AppState::new(store.clone(), app_clock, mailer);
        state.firewall = Arc::new(firewall);
        state.audit_files = Some(Arc::new(audit_files));
        state.journal = Some(Arc::new(rekisteri::journal::ErasureJournal::in_data_dir(
            dir.path(),
        )));
        state.portal = Arc::new(rekisteri::state::Portal::new(&base));
        let router = app(state.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        Some(TestApp {
            base,
            client: reqwest::Client::new(),
            store,
            clock,
            token: STAFF_TOKEN.into(),
            db,
            database_url,
            outbox: Outbox {
                state: state.clone(),
            },
            state,
            _dir: dir,
        })
    }

    /// A user of the role, with a signed commitment and a token; returns the token.
    pub async fn user(&self, name: &str, role: Role) -> String {
        let token = self.user_without_commitment(name, role).await;
        self.commit(name).await;
        token
    }

    /// Records the named user's confidentiality commitment, signed today.
    pub async fn commit(&self, name: &str) {
        let user = self.store.user_by_name(name).await.expect("user");
        let today = self.clock.now().date();
        self.store
            .record_commitment(&cli(), self.clock.now(), user.id, today, "1")
            .await
            .expect("commitment");
    }

    /// A user of the role with a password of their own and a signed
    /// commitment, ready to log in.
    pub async fn user_with_password(&self, name: &str, role: Role, password: &str) {
        let user = self
            .store
            .add_user(&cli(), self.clock.now(), name, role, None)
            .await
            .expect("user");
        let raw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || {
            let p = rekisteri_domain::password::NewPassword::parse(&raw, &[]).expect("password");
            rekisteri_domain::password::hash_password(&p).expect("hash")
        })
        .await
        .expect("hash task");
        self.store
            .set_password(&cli(), self.clock.now(), user.id, &hash, false, None)
            .await
            .expect("password");
        self.commit(name).await;
    }

    /// A user of the role with a token but no commitment yet; returns the token.
    pub async fn user_without_commitment(&self, name: &str, role: Role) -> String {
        let user = self
            .store
            .add_user(&cli(), self.clock.now(), name, role, None)
            .await
            .expect("user");
        let token = format!("rk_test_{name}_token_0123456789");
        self.store
            .add_token(&cli(), self.clock.now(), user.id, &token, None, None)
            .await
            .expect("token");
        token
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(e) = if_match {
            req = req.header("If-Match", e);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply_of(req).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(&self.token), None, None)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            path,
            Some(&self.token),
            None,
            Some(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, etag: &str, body: Value) -> Reply {
        self.send(
            reqwest::Method::PUT,
            path,
            Some(&self.token),
            Some(etag),
            Some(body),
        )
        .await
    }

    pub async fn delete(&self, path: &str, etag: &str) -> Reply {
        self.send(
            reqwest::Method::DELETE,
            path,
            Some(&self.token),
            Some(etag),
            None,
        )
        .await
    }

    /// Rows of the audit log: (action, record_type, record_id, person_id, purpose, actor).
    pub async fn audit(
        &self,
    ) -> Vec<(
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
    )> {
        self.store.flush_audit().await.expect("flush");
        sqlx::query("SELECT action, record_type, record_id, person_id, purpose, actor_user_id FROM audit_log ORDER BY seq")
            .fetch_all(self.store.read_pool())
            .await
            .expect("audit rows")
            .iter()
            .map(|r| {
                (
                    r.get::<String, _>("action"),
                    r.get::<String, _>("record_type"),
                    r.get::<String, _>("record_id"),
                    r.get::<Option<String>, _>("person_id"),
                    r.get::<String, _>("purpose"),
                    r.get::<Option<String>, _>("actor_user_id"),
                )
            })
            .collect()
    }

    /// The erasure journal's file of this app (for the command line beside it).
    /// The app's data directory: its journal, its audit key and head file
    /// (and its SQLite database). Commands run on the app's register are
    /// given it (`REKISTERI_DATA_DIR`).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A second store on the app's database, as another server opens it.
    pub async fn other_store(&self) -> Store {
        let url = DatabaseUrl::parse(&self.database_url).expect("url");
        Store::open(&url, self.store.audit_key().clone())
            .await
            .expect("the other store")
    }

    pub fn journal_path(&self) -> std::path::PathBuf {
        self.state
            .journal
            .as_ref()
            .expect("the test app has a journal")
            .path()
            .to_path_buf()
    }

    /// The `rekisteri` command on the app's database, journal and data
    /// directory (its audit key), output captured, killed if dropped.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"));
        cmd.args(["--database-url", &self.database_url, "--erasure-journal"])
            .arg(self.journal_path())
            .env("REKISTERI_DATA_DIR", self.data_dir())
            .env_remove("REKISTERI_AUDIT_KEY")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs the `rekisteri` command to its end; its output.
    pub async fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().await.expect("rekisteri runs")
    }

    /// The first column of the first row of `sql`, a number.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(self.store.read_pool())
            .await
            .expect("a number")
            .get::<i64, _>(0)
    }

    /// People whose record is there but broken, as a crash midway would
    /// leave them: no search row, or no contact value.
    pub async fn half_stored_people(&self) -> i64 {
        self.scalar(
            "SELECT COUNT(*) AS n FROM people p WHERE \
             NOT EXISTS (SELECT 1 FROM search_index s WHERE s.person_id = p.id) \
             OR NOT EXISTS (SELECT 1 FROM person_contacts c WHERE c.person_id = p.id)",
        )
        .await
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(self.store.read_pool())
        .await
        .expect("count")
        .get::<i64, _>("n")
    }
}

/// Runs each named test on SQLite and on PostgreSQL (when configured).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Db::Sqlite).await.expect("sqlite app");
                    super::$name(app).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match $crate::common::TestApp::spawn($crate::common::Db::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped: set REKISTERI_TEST_POSTGRES to run on PostgreSQL"),
                    }
                }
            )*
        }
    };
}

/// A valid person for requests.
pub fn person_json(first: &str, last: &str) -> Value {
    serde_json::json!({
        "first_name": first,
        "last_name": last,
        "title": "myyntipäällikkö",
        "emails": [format!("{}.{}@esimerkki.fi", first.to_lowercase(), last.to_lowercase())],
        "phones": ["040 123 4567"],
        "addresses": [{"street": "Kauppakatu 12", "postal_code": "70100", "city": "Kuopio"}],
        "source": "registration"
    })
}

/// Creates a person; returns their id and ETag.
pub async fn create_person(app: &TestApp, first: &str, last: &str) -> (String, String) {
    let reply = app.post("/api/v1/people", person_json(first, last)).await;
    let etag = reply.etag();
    let body = reply.expect(201);
    (body["id"].as_str().expect("id").to_string(), etag)
}

/// A logged-in browser: its session cookie and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// The session cookie's `name=value` from a reply's `Set-Cookie`.
pub fn session_cookie(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-rekisteri-session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl TestApp {
    /// `POST /api/v1/session`, as a browser holding `cookie` (if any).
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut body = serde_json::json!({"name": name, "password": password});
        if let Some(code) = code {
            body["code"] = code.into();
        }
        let mut req = self
            .client
            .post(format!("{}/api/v1/session", self.base))
            .json(&body);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        reply_of(req).await
    }

    /// Logs in and returns the browser's session; panics unless it works.
    pub async fn browser(&self, name: &str, password: &str) -> Browser {
        let reply = self.login(name, password, None, None).await;
        let cookie = session_cookie(&reply).expect("a session cookie");
        let body = reply.expect(200);
        Browser {
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf").to_string(),
        }
    }

    /// A request from a logged-in browser: the cookie and the CSRF token.
    pub async fn send_in(
        &self,
        browser: &Browser,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Cookie", &browser.cookie)
            .header("X-CSRF-Token", &browser.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply_of(req).await
    }
}

/// Sends a request and reads the reply.
pub async fn reply_of(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("request");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// The app's outbox as a test reads it: the jobs due now run first (as the
/// server's runner would), then the letters are read from the database.
#[derive(Clone)]
pub struct Outbox {
    state: AppState,
}

/// A letter of the outbox: its id (`file`, as the page links it) and the
/// person it is about.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub file: String,
    pub at: Timestamp,
    pub about: Option<rekisteri_domain::ids::PersonId>,
    pub state: rekisteri_domain::mail::MailState,
}

impl Outbox {
    /// Runs the jobs due now, as the server's runner does.
    pub async fn run_jobs(&self) -> rekisteri::services::jobs::Ran {
        rekisteri::services::jobs::run_due(&self.state, "test-runner")
            .await
            .expect("the jobs run")
    }

    /// Every letter, oldest first, once the due jobs have run.
    pub async fn list(&self) -> Result<Vec<OutboxEntry>, rekisteri_store::StoreError> {
        self.run_jobs().await;
        let mut entries = Vec::new();
        let mut page = rekisteri_store::PageRequest {
            after: None,
            limit: rekisteri_store::PageRequest::MAX,
            bulk: false,
        };
        loop {
            let listed = self
                .state
                .store
                .outbox(&cli(), self.state.clock.now(), None, &page)
                .await?;
            entries.extend(listed.items.into_iter().map(|m| OutboxEntry {
                file: m.id.to_string(),
                at: m.created_at,
                about: m.about,
                state: m.state,
            }));
            match listed.next_cursor {
                Some(next) => page.after = Some(next),
                None => break,
            }
        }
        entries.reverse();
        Ok(entries)
    }

    /// The letter as it is sent (RFC 5322), if `file` names one.
    pub async fn read(&self, file: &str) -> Result<Option<Vec<u8>>, rekisteri_store::StoreError> {
        let Ok(id) = file.parse() else {
            return Ok(None);
        };
        match self
            .state
            .store
            .mail(&cli(), self.state.clock.now(), id)
            .await
        {
            Ok(mail) => Ok(self.state.mailer.formatted(&mail).ok()),
            Err(rekisteri_store::StoreError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }
}
