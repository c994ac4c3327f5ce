//! Networks allowed to reach the staff interface and API (R11: "behind a
//! firewall"), and where a request really came from behind a proxy.

use crate::values::Parse;
use std::net::IpAddr;

/// An IP network in CIDR form (`10.0.0.0/8`, `::1/128`); a bare address is
/// the network of that one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    /// Loopback only: the default, so a fresh install answers nobody else.
    pub fn loopback() -> Vec<Network> {
        vec![
            Network {
                base: IpAddr::from([127, 0, 0, 0]),
                prefix: 8,
            },
            Network {
                base: IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
                prefix: 128,
            },
        ]
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl Parse for Network {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw, None),
        };
        let base: IpAddr = addr
            .parse()
            .map_err(|_| format!("{raw:?} is not an IP network such as 10.0.0.0/8"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{raw:?} has a prefix length outside 0–{max}"))?,
        };
        Ok(Network { base, prefix })
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy,
/// in which case the nearest address in `X-Forwarded-For` that is not itself
/// a trusted proxy. A client cannot forge its way in by sending the header.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted_proxies: &[Network]) -> IpAddr {
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|n| n.contains(ip));
    if !trusted(peer) {
        return peer;
    }
    let hops = forwarded_for
        .unwrap_or("")
        .split(',')
        .rev()
        .map(str::trim)
        .filter_map(|h| h.parse::<IpAddr>().ok());
    let mut client = peer;
    for hop in hops {
        client = hop;
        if !trusted(hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Network {
        Network::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn r11_networks_contain_their_addresses_only() {
        assert!(net("10.0.0.0/8").contains(ip("10.1.2.3")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(net("192.168.1.7").contains(ip("192.168.1.7")));
        assert!(!net("192.168.1.7").contains(ip("192.168.1.8")));
        assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(net("2001:db8::/32").contains(ip("2001:db8::1")));
        assert!(
            Network::loopback()
                .iter()
                .any(|n| n.contains(ip("::ffff:127.0.0.1")))
        );
        assert!(Network::loopback().iter().any(|n| n.contains(ip("::1"))));
        assert!(
            !Network::loopback()
                .iter()
                .any(|n| n.contains(ip("192.0.2.1")))
        );
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("intranet").is_err());
    }

    #[test]
    fn r11_forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxies = [net("10.0.0.5")];
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("127.0.0.1"), &proxies),
            ip("203.0.113.9")
        );
        // Behind the trusted proxy, the last untrusted hop is the client.
        assert_eq!(
            client_ip(ip("10.0.0.5"), Some("127.0.0.1, 198.51.100.7"), &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(ip("10.0.0.5"), None, &proxies), ip("10.0.0.5"));
    }
}
