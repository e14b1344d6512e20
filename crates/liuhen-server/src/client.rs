//! Where a request comes from: the peer address, or — only when the peer is
//! a configured reverse proxy — the address it forwarded for.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

/// The client's address; `None` when the connection's address is unknown
/// (a router driven in process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(peer.map(|p| client_addr(p, forwarded, &state.config.trusted_proxies))))
    }
}

/// The client behind `peer`. A forwarded-for header is anyone's to write, so
/// it is read only when `peer` is a trusted proxy, and then from the right:
/// the nearest address that is not itself a trusted proxy is the client
/// (addresses further left were written by the client and prove nothing).
/// A header that cannot be read leaves the proxy as the client.
pub fn client_addr<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |a: &IpAddr| trusted.contains(&a.to_canonical());
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(a) if is_trusted(&a) => client = a,
            Ok(a) => return a,
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        // Not a proxy: the header is the client's own words.
        assert_eq!(client_addr(ip("198.51.100.9"), ["1.2.3.4"].into_iter(), &trusted), ip("198.51.100.9"));
        assert_eq!(client_addr(ip("198.51.100.9"), ["1.2.3.4"].into_iter(), &[]), ip("198.51.100.9"));
        // Through the proxy: the nearest untrusted hop, not what the client prepended.
        assert_eq!(client_addr(proxy, ["6.6.6.6, 203.0.113.5"].into_iter(), &trusted), ip("203.0.113.5"));
        assert_eq!(
            client_addr(proxy, ["6.6.6.6", "203.0.113.5, 10.0.0.2"].into_iter(), &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(client_addr(proxy, ["garbage"].into_iter(), &trusted), proxy);
        assert_eq!(client_addr(proxy, std::iter::empty(), &trusted), proxy);
        assert_eq!(
            client_addr(ip("::ffff:10.0.0.1"), ["203.0.113.5"].into_iter(), &trusted),
            ip("203.0.113.5")
        );
    }
}
