//! What the privacy portal's pages rest on and the rest of the server
//! configures (`serve --public-url`): where its links point, and the link
//! requests still being worked on after their answer went. Its rate limits
//! are the database's (`services::limits`).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The portal's own state: where its links point, and the link requests
/// still being worked on after their answer.
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
