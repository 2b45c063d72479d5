//! Who the client is: the verified account of an access token, else the client address (the peer, or the
//! right-most `X-Forwarded-For` hop that is not a configured trusted proxy).

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpMessage as _;
use actix_web::dev::ServiceRequest;
use ipnet::IpNet;
use seeg_application::identity::TokenKind;

use super::{Class, Limits};

/// The client address: the peer, or, when the peer is a trusted proxy, the right-most `X-Forwarded-For` hop that
/// is not one (hops left of it are the client's own words). IPv6 clients count by /64, the block one subscriber
/// usually holds.
fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if is_trusted(&client) {
        let hops = forwarded_for.iter().flat_map(|v| v.split(',')).collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !is_trusted(&ip) {
                break;
            }
        }
    }
    Some(match client {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        }
        v4 @ IpAddr::V4(_) => v4,
    })
}

/// A trusted proxy from configuration: an address (`10.0.0.1`, one host) or a CIDR block (`10.0.0.0/8`).
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("« {text} » n'est ni une adresse IP ni un bloc CIDR"))
}

/// One hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// The counter key of a request: the verified account for the default and upload classes, else the address.
pub(super) fn client_key(req: &ServiceRequest, state: &impl Limits, class: Class) -> String {
    if matches!(class, Class::Default | Class::Upload)
        && let Some(token) = crate::params::bearer_token(req.headers())
        && let Ok(verified) = state.tokens().verify(token, TokenKind::Access, state.clock().now())
    {
        return format!("user:{}", verified.user_id);
    }
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    let peer = req.peer_addr().map(|a| a.ip());
    match client_address(peer, &forwarded, &state.rate_limiter().config.trusted_proxies) {
        Some(ip) => format!("ip:{ip}"),
        None => "ip:unknown".to_owned(),
    }
}

/// The client address the limiter counted a request for, kept in the request for the routes that count per
/// account as well (login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub(super) String);

impl ClientAddress {
    /// The address of a request the limiter did not see (limits off): every such request is one client.
    pub(super) fn of(req: &actix_web::HttpRequest) -> Self {
        req.extensions().get::<Self>().cloned().unwrap_or_else(|| Self("ip:unknown".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_right_most_untrusted_hop_behind_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let nets: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let peer = Some(ip("127.0.0.1"));
        assert_eq!(client_address(peer, &["1.1.1.1, 2.2.2.2, 10.0.0.5"], &nets), Some(ip("2.2.2.2")));
        assert_eq!(client_address(peer, &["1.1.1.1", "2.2.2.2:4242"], &nets), Some(ip("2.2.2.2")));
        assert_eq!(client_address(peer, &[], &nets), Some(ip("127.0.0.1")), "no header: the proxy itself");
        assert_eq!(client_address(peer, &["10.0.0.7, 10.0.0.5"], &nets), Some(ip("10.0.0.7")), "all trusted");
        assert_eq!(client_address(peer, &["nonsense, 10.0.0.5"], &nets), Some(ip("10.0.0.5")), "stops at junk");
        let stranger = Some(ip("203.0.113.9"));
        assert_eq!(client_address(stranger, &["1.1.1.1"], &nets), stranger, "an untrusted peer is the client");
        assert_eq!(client_address(peer, &["1.1.1.1"], &[]), peer, "no trusted proxy: the peer");
        assert_eq!(
            client_address(Some(ip("2001:db8:1:2:3:4:5:6")), &[], &[]),
            Some(ip("2001:db8:1:2::")),
            "IPv6 by /64"
        );
        assert_eq!(client_address(None, &["1.1.1.1"], &nets), None);
    }
}
