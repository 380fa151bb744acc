//! Where a webhook may be delivered. A subscriber chooses the URL, and Vigie's server makes the
//! request: without a policy, anyone allowed to subscribe could make the server reach what only it
//! can reach (the database, the cloud's metadata service, an admin console on the loopback). The
//! URL is checked at subscription and again at each delivery, the name's addresses after DNS
//! resolution (by the worker's resolver, so that the address connected to is the one checked).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Why a webhook URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute http(s) URL of at most 2 000 characters.
    Malformed,
    /// It carries `user:password@`: credentials belong in the signature, not the URL.
    Credentials,
    /// It names, or its name resolves to, an address inside (loopback, private, link-local,
    /// metadata, unspecified, multicast, reserved).
    InternalAddress,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "invalid_url",
            Self::Credentials => "credentials_in_url",
            Self::InternalAddress => "target_not_allowed",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Malformed => "an absolute http:// or https:// URL of at most 2000 characters",
            Self::Credentials => {
                "a webhook URL cannot carry a user or password: receivers check the signature"
            }
            Self::InternalAddress => {
                "the URL names a loopback, private, link-local, metadata or reserved address"
            }
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Refusal {}

/// Checks a webhook URL as written: scheme, length, credentials, and its host when it is an
/// address (in any of the spellings a URL parser accepts: `2130706433`, `0x7f000001`, `127.1`,
/// `[::ffff:127.0.0.1]`...) or a name that can only be local. Names are checked again once
/// resolved, at delivery.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refusal> {
    if raw.len() > 2000 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refusal::Malformed);
    }
    let url = Url::parse(raw).map_err(|_| Refusal::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Malformed);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    match url.host() {
        None => Err(Refusal::Malformed),
        Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), allow_private).map(|()| url),
        Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), allow_private).map(|()| url),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let local = name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".internal")
                || name == "metadata.google.internal";
            if local && !allow_private {
                Err(Refusal::InternalAddress)
            } else {
                Ok(url)
            }
        }
    }
}

/// Whether a delivery may connect to `ip`.
pub fn check_ip(ip: IpAddr, allow_private: bool) -> Result<(), Refusal> {
    match classify(ip) {
        Class::Public => Ok(()),
        Class::Private if allow_private => Ok(()),
        Class::Private | Class::Never => Err(Refusal::InternalAddress),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Class {
    /// A global unicast address.
    Public,
    /// Inside, but a legitimate target on premises: loopback, RFC 1918, shared (RFC 6598),
    /// link-local, unique local.
    Private,
    /// Never a webhook receiver: unspecified, multicast, broadcast, reserved, documentation,
    /// cloud metadata services.
    Never,
}

fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn classify_v4(ip: Ipv4Addr) -> Class {
    const METADATA: [Ipv4Addr; 3] = [
        Ipv4Addr::new(169, 254, 169, 254), // AWS, GCP, Azure, OpenStack
        Ipv4Addr::new(169, 254, 170, 2),   // AWS ECS task metadata
        Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud
    ];
    if METADATA.contains(&ip) {
        return Class::Never;
    }
    let never: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network", 0.0.0.0 included
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast included
    ];
    if never.iter().any(|(net, p)| in_v4(ip, *net, *p)) {
        return Class::Never;
    }
    let private: &[([u8; 4], u32)] = &[
        ([10, 0, 0, 0], 8),
        ([100, 64, 0, 0], 10), // shared address space (carrier-grade NAT)
        ([127, 0, 0, 0], 8),
        ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12),
        ([192, 168, 0, 0], 16),
    ];
    if private.iter().any(|(net, p)| in_v4(ip, *net, *p)) {
        return Class::Private;
    }
    Class::Public
}

fn classify_v6(ip: Ipv6Addr) -> Class {
    // IPv4 written as IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:ab:cd::`)
    // is judged as the IPv4 address it reaches; the deprecated compatible form never is a target.
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b, c, d] = ip.octets()[12..] else {
            return Class::Never;
        };
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if seg[0] == 0x2002 {
        let [a, b] = seg[1].to_be_bytes();
        let [c, d] = seg[2].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254) {
        return Class::Never; // AWS metadata over IPv6
    }
    if ip.is_loopback() || ip.is_unique_local() || ip.is_unicast_link_local() {
        return Class::Private;
    }
    let never = ip.is_unspecified()
        || ip.is_multicast()
        || seg[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
        || seg[0] == 0x2001 && seg[1] == 0x0db8 // documentation
        || seg[0] == 0x2001 && seg[1] == 0 // Teredo: tunnels to anywhere
        || seg[..4] == [0x100, 0, 0, 0] // discard
        || seg[0] & 0xffc0 == 0xfec0; // site-local (deprecated)
    if never { Class::Never } else { Class::Public }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> Option<Refusal> {
        check_url(url, false).err()
    }

    #[test]
    fn public_https_urls_pass() {
        for url in [
            "https://erp.bailleur.example/vigie/webhook",
            "http://93.184.215.14:8443/hook",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook",
        ] {
            assert_eq!(refused(url), None, "{url}");
        }
    }

    #[test]
    fn internal_addresses_in_every_spelling_are_refused() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0.0.0.0:5432/",
            "http://10.1.2.3/",
            "http://172.20.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.1.1/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://[fc00::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://255.255.255.255/",
            "http://224.0.0.1/",
            "http://localhost:8080/",
            "http://api.localhost/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ] {
            assert_eq!(refused(url), Some(Refusal::InternalAddress), "{url}");
        }
    }

    #[test]
    fn credentials_and_other_schemes_are_refused() {
        assert_eq!(
            refused("https://user:pw@erp.example/"),
            Some(Refusal::Credentials)
        );
        assert_eq!(
            refused("https://user@erp.example/"),
            Some(Refusal::Credentials)
        );
        for url in [
            "ftp://erp.example/",
            "file:///etc/passwd",
            "gopher://erp.example/",
            "https://",
            "not a url",
            "https://erp.example/\u{0}",
        ] {
            assert_eq!(refused(url), Some(Refusal::Malformed), "{url}");
        }
    }

    #[test]
    fn the_operator_may_allow_private_targets_but_never_metadata_or_unspecified() {
        for url in [
            "http://127.0.0.1:9000/",
            "http://10.0.0.5/",
            "http://[fd12::1]/",
            "http://localhost/",
        ] {
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        for url in [
            "http://169.254.169.254/",
            "http://0.0.0.0/",
            "http://[fd00:ec2::254]/",
            "http://[::]/",
        ] {
            assert_eq!(
                check_url(url, true).err(),
                Some(Refusal::InternalAddress),
                "{url}"
            );
        }
    }

    proptest::proptest! {
        /// Any IPv4 address is judged the same written plainly, as one decimal number, in hex,
        /// and mapped into IPv6.
        #[test]
        fn every_spelling_of_an_address_gets_the_same_answer(n: u32) {
            let ip = Ipv4Addr::from(n);
            let plain = check_url(&format!("http://{ip}/"), false).is_ok();
            proptest::prop_assert_eq!(plain, check_url(&format!("http://{n}/"), false).is_ok());
            proptest::prop_assert_eq!(plain, check_url(&format!("http://0x{n:x}/"), false).is_ok());
            proptest::prop_assert_eq!(plain, check_url(&format!("http://[::ffff:{ip}]/"), false).is_ok());
        }
    }
}
