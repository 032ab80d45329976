//! Who the client is, for the rate limits and the sign-in limiter: the socket's peer, or — behind
//! a reverse proxy the operator names — the address that proxy saw.
//!
//! A header such as `X-Forwarded-For` is only believed when the request came from a trusted proxy
//! (by default none: the header is ignored, so a client cannot pick its own address). The proxy
//! appends the address it saw on the right; a client may have put anything on the left. So the
//! list is read from the right, skipping trusted proxies, and the first untrusted address is the
//! client. IPv6 clients are counted per /64, the block one household or office gets, so that a
//! client cannot escape a limit by walking its own addresses.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

/// A block of addresses, `10.0.0.0/8` or `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an IP address or block such as 10.0.0.0/8"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    a[..whole] == b[..whole] && (rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0)
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// How to find the client's address.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressing {
    /// The header a trusted proxy puts the client's address in (`X-Forwarded-For`, `X-Real-IP`).
    pub header: Option<HeaderName>,
    /// The proxies whose header is believed.
    pub trusted: Vec<Cidr>,
}

impl ClientAddressing {
    /// From the server's options: the header's name and the trusted proxies' addresses or blocks.
    pub fn new(header: Option<&str>, trusted: &[String]) -> Result<ClientAddressing, String> {
        let header = match header.map(str::trim).filter(|h| !h.is_empty()) {
            Some(h) => Some(
                HeaderName::from_bytes(h.as_bytes())
                    .map_err(|_| format!("--client-ip-header {h:?} is not a header name (e.g. X-Forwarded-For)"))?,
            ),
            None => None,
        };
        let trusted = trusted
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Cidr::parse(t).map_err(|e| format!("--trusted-proxy: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if header.is_some() && trusted.is_empty() {
            return Err("--client-ip-header needs --trusted-proxy: the addresses of the proxies whose header may be believed".into());
        }
        Ok(ClientAddressing { header, trusted })
    }

    /// The key the limits count this request under: the client's address (IPv6 by /64).
    pub fn client_key(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
        let Some(peer) = peer.map(|p| canonical(p.ip())) else { return "unknown".to_owned() };
        key(self.client_ip(peer, headers))
    }

    fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let Some(name) = &self.header else { return peer };
        if !self.is_trusted(peer) {
            return peer;
        }
        // Every occurrence of the header, in order, as one comma-separated list.
        let hops: Vec<&str> =
            headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

fn key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(s.parse().expect("ip"), 40000))
    }

    #[test]
    fn cidr_blocks() {
        let net = Cidr::parse("10.1.0.0/16").expect("cidr");
        assert!(net.contains("10.1.200.3".parse().expect("ip")));
        assert!(!net.contains("10.2.0.1".parse().expect("ip")));
        assert!(Cidr::parse("::1").expect("one").contains("::1".parse().expect("ip")));
        assert!(Cidr::parse("192.0.2.0/25").expect("odd").contains("192.0.2.127".parse().expect("ip")));
        assert!(!Cidr::parse("192.0.2.0/25").expect("odd").contains("192.0.2.128".parse().expect("ip")));
        assert!(Cidr::parse("127.0.0.1").expect("v4").contains("::ffff:127.0.0.1".parse().expect("mapped")));
        assert!(Cidr::parse("10.0.0.0/33").is_err() && Cidr::parse("proxy").is_err());
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        let none = ClientAddressing::default();
        assert_eq!(none.client_key(peer("198.51.100.7"), &headers(&["203.0.113.9"])), "198.51.100.7");
        let untrusted_peer = ClientAddressing {
            header: Some(HeaderName::from_static("x-forwarded-for")),
            trusted: vec![Cidr::parse("10.0.0.0/8").expect("c")],
        };
        assert_eq!(untrusted_peer.client_key(peer("198.51.100.7"), &headers(&["203.0.113.9"])), "198.51.100.7");
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let a = ClientAddressing {
            header: Some(HeaderName::from_static("x-forwarded-for")),
            trusted: vec![Cidr::parse("10.0.0.0/8").expect("c"), Cidr::parse("127.0.0.1").expect("c")],
        };
        assert_eq!(a.client_key(peer("127.0.0.1"), &headers(&["203.0.113.9"])), "203.0.113.9");
        // The client wrote a fake address on the left: it is never reached.
        assert_eq!(a.client_key(peer("127.0.0.1"), &headers(&["1.2.3.4, 203.0.113.9, 10.0.0.5"])), "203.0.113.9");
        assert_eq!(a.client_key(peer("127.0.0.1"), &headers(&["1.2.3.4", "203.0.113.9:5555"])), "203.0.113.9");
        // No header, or garbage: the proxy itself (so a misconfigured proxy is one client, not none).
        assert_eq!(a.client_key(peer("127.0.0.1"), &HeaderMap::new()), "127.0.0.1");
        assert_eq!(a.client_key(peer("127.0.0.1"), &headers(&["not-an-ip"])), "127.0.0.1");
        assert_eq!(a.client_key(peer("127.0.0.1"), &headers(&["[2001:db8:1:2::7]:443"])), "2001:db8:1:2::/64");
    }

    #[test]
    fn options_are_checked() {
        assert!(ClientAddressing::new(Some("X-Forwarded-For"), &[]).is_err(), "a header without a trusted proxy");
        assert!(ClientAddressing::new(Some("bad header"), &["127.0.0.1".into()]).is_err());
        assert!(ClientAddressing::new(Some("X-Real-IP"), &["10.0.0.0/8".into(), "::1".into()]).is_ok());
        assert!(ClientAddressing::new(None, &[]).is_ok_and(|a| a.header.is_none()));
    }

    #[test]
    fn ipv6_counts_by_64_and_mapped_ipv4_is_ipv4() {
        let a = ClientAddressing::default();
        assert_eq!(a.client_key(peer("2001:db8:1:2:3:4:5:6"), &HeaderMap::new()), "2001:db8:1:2::/64");
        assert_eq!(a.client_key(peer("::ffff:192.0.2.1"), &HeaderMap::new()), "192.0.2.1");
        assert_eq!(a.client_key(None, &HeaderMap::new()), "unknown");
    }
}
