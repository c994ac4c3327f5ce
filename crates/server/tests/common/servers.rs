//! Real `rekisteri serve` processes beside a test's database (issue 13):
//! started on a free port, killed with SIGKILL or at the end of the test,
//! spoken to over HTTP.

#![allow(dead_code)]

use crate::common::TestApp;
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;

/// A `rekisteri serve` process.
pub struct Server {
    pub base: String,
    child: tokio::process::Child,
    client: reqwest::Client,
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

impl Server {
    /// Starts `rekisteri serve` on `database_url` with `args` (such as
    /// `--no-jobs` or `--smtp-url …`) and waits until it answers.
    pub async fn start(app: &TestApp, args: &[&str]) -> Server {
        let database_url = app.database_url.as_str();
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
            .args(["--database-url", database_url, "serve", "--bind", &bind])
            .args(args)
            .env("RUST_LOG", "warn")
            .env("REKISTERI_DATA_DIR", app.data_dir())
            .env_remove("REKISTERI_SMTP_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("rekisteri serve starts");
        let server = Server {
            base: format!("http://{bind}"),
            child,
            client: reqwest::Client::new(),
        };
        for _ in 0..150 {
            if let Ok(reply) = server
                .client
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                && reply.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("rekisteri serve did not answer on {bind}");
    }

    /// The client the server is spoken to with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// SIGKILL: no shutdown, no flush — as a crash or `kill -9`.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("kill");
        let _ = self.child.wait().await;
    }

    /// A request with a bearer token; the status and the JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let reply = req.send().await.expect("request");
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Asks the privacy portal for a link to `email`, as a browser would
    /// (its CSRF cookie, our origin); the status.
    pub async fn ask_portal_link(&self, email: &str) -> u16 {
        let page = self
            .client
            .get(format!("{}/portal", self.base))
            .send()
            .await
            .expect("portal");
        let cookie = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("__Host-rekisteri-portal-csrf="))
            .and_then(|v| v.split(';').next())
            .expect("the portal's CSRF cookie")
            .to_string();
        let token = cookie
            .split_once('=')
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let form = serde_urlencoded::to_string([
            ("csrf", token.as_str()),
            ("email", email),
            ("wanted", "access"),
        ])
        .expect("form");
        self.client
            .post(format!("{}/portal", self.base))
            .header("Cookie", cookie)
            .header("Origin", &self.base)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("portal form")
            .status()
            .as_u16()
    }

    /// The body of a public page.
    pub async fn page(&self, path: &str) -> String {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .unwrap_or_default()
    }
}
