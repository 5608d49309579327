//! Asking name servers one question at a time, and telling the answers
//! apart: NOERROR, NODATA, NXDOMAIN, SERVFAIL, REFUSED, timeout.
//!
//! hickory-resolver's `Resolver` caches, follows CNAMEs, strips DNSSEC
//! records and folds negative answers into one error, all of which would hide
//! what a check needs to see. So queries go through its `NameServerPool`
//! directly: the same name server selection, UDP with a TCP retry for
//! truncated answers and per-query deadline, but one raw response per
//! question and no cache.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverOpts, ServerOrderingStrategy};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::xfer::{DnsHandle, FirstAnswer};
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::op::{DnsRequest, DnsRequestOptions, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, Record, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use tokio::sync::Semaphore;

use crate::facts::dns::DnsStatus;

/// A response, reduced to what the checks read.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub status: DnsStatus,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    /// The AD flag.
    pub authenticated: bool,
    pub error: Option<String>,
}

impl Answer {
    fn failed(status: DnsStatus, error: impl Into<String>) -> Self {
        Self { status, error: Some(error.into()), ..Self::default() }
    }

    /// Records of `rtype` in the answer section, whoever owns them.
    pub fn records_of(&self, rtype: RecordType) -> impl Iterator<Item = &Record> {
        self.answers.iter().filter(move |r| r.record_type() == rtype)
    }

    /// RRSIG records came with the response.
    pub fn signed(&self) -> bool {
        self.answers.iter().chain(&self.authorities).any(|r| r.record_type() == RecordType::RRSIG)
    }
}

/// Where queries go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Servers {
    /// The system's resolvers (`/etc/resolv.conf`).
    System,
    Explicit(Vec<SocketAddr>),
}

/// Parses `ip`, `ip:port` or `[ipv6]:port`; port 53 when none is given.
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    let trimmed = text.trim();
    if let Ok(addr) = trimmed.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = trimmed.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!("name server {trimmed:?} is not an IP address with an optional port (IP, IP:PORT or [IPv6]:PORT)"))
}

/// One set of name servers, shared by every domain that uses it.
pub struct Querier {
    pool: NameServerPool<TokioRuntimeProvider>,
    /// The servers, for facts and messages.
    pub servers: Vec<String>,
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl Querier {
    pub fn new(servers: &Servers, timeout: Duration, permits: Arc<Semaphore>) -> Result<Self, String> {
        let addrs: Vec<SocketAddr> = match servers {
            Servers::Explicit(addrs) => addrs.clone(),
            Servers::System => system_servers()?,
        };
        if addrs.is_empty() {
            return Err("no name servers configured (the system resolver configuration lists none)".into());
        }
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        // TCP connections multiplex queries; let them carry as many as the
        // collector ever has in flight instead of failing with "busy".
        options.max_active_requests = permits.available_permits().max(32);
        options.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
        let tls = TlsConfig::new().map_err(|e| format!("cannot set up the resolver: {e}"))?;
        let context = Arc::new(PoolContext::new(options, tls));
        let configs = addrs.iter().map(|addr| {
            let mut config = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut config.connections {
                connection.port = addr.port();
            }
            config
        });
        let pool = NameServerPool::from_config(configs, context, TokioRuntimeProvider::default());
        Ok(Self { pool, servers: addrs.iter().map(SocketAddr::to_string).collect(), permits, timeout })
    }

    /// Asks one question. Never fails and never takes (much) longer than the
    /// timeout once a permit is held: failures are statuses.
    pub async fn ask(&self, name: &Name, rtype: RecordType, dnssec_ok: bool) -> Answer {
        let Ok(_permit) = self.permits.acquire().await else {
            return Answer::failed(DnsStatus::Failed, "the query limiter was closed");
        };
        let mut options = DnsRequestOptions::default();
        options.use_edns = true;
        options.edns_set_dnssec_ok = dnssec_ok;
        options.recursion_desired = true;
        let request = DnsRequest::from_query(Query::query(name.clone(), rtype), options);
        // The pool enforces the deadline itself; this guard only makes sure
        // no code path (a stuck TCP connect, a runtime stall) hangs a scan.
        let guard = self.timeout + Duration::from_millis(500);
        match tokio::time::timeout(guard, self.pool.send(request).first_answer()).await {
            Err(_) => Answer::failed(DnsStatus::Timeout, format!("no answer within {} ms", self.timeout.as_millis())),
            Ok(result) => from_result(result, self.timeout),
        }
    }
}

fn system_servers() -> Result<Vec<SocketAddr>, String> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|e| format!("cannot read the system resolver configuration: {e}"))?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for server in config.name_servers() {
        for connection in &server.connections {
            let addr = SocketAddr::new(server.ip, connection.port);
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
    }
    Ok(addrs)
}

fn from_result(result: Result<hickory_resolver::proto::op::DnsResponse, NetError>, timeout: Duration) -> Answer {
    match result {
        Ok(response) => {
            let message = response.into_message();
            let status = match message.metadata.response_code {
                // RFC 6604: with a CNAME chain in the answer, the code
                // describes the last name of the chain.
                ResponseCode::NXDomain => DnsStatus::NxDomain,
                ResponseCode::NoError if message.answers.is_empty() => DnsStatus::NoData,
                ResponseCode::NoError => DnsStatus::NoError,
                ResponseCode::ServFail => DnsStatus::ServFail,
                ResponseCode::Refused => DnsStatus::Refused,
                other => return Answer::failed(DnsStatus::Failed, format!("response code {other}")),
            };
            Answer {
                status,
                authenticated: message.metadata.authentic_data,
                answers: message.answers,
                authorities: message.authorities,
                error: None,
            }
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(NoRecords { response_code, authorities, soa, .. }))) => {
            let status = match response_code {
                ResponseCode::NXDomain => DnsStatus::NxDomain,
                ResponseCode::NoError => DnsStatus::NoData,
                ResponseCode::ServFail => DnsStatus::ServFail,
                ResponseCode::Refused => DnsStatus::Refused,
                other => return Answer::failed(DnsStatus::Failed, format!("response code {other}")),
            };
            let mut authorities: Vec<Record> = authorities.map(|a| a.to_vec()).unwrap_or_default();
            if authorities.is_empty() {
                if let Some(soa) = soa {
                    authorities.push(soa.into_record_of_rdata());
                }
            }
            Answer { status, authorities, ..Answer::default() }
        }
        Err(NetError::Dns(DnsError::ResponseCode(code))) => match code {
            ResponseCode::ServFail => Answer::failed(DnsStatus::ServFail, "the server answered SERVFAIL"),
            ResponseCode::Refused => Answer::failed(DnsStatus::Refused, "the server answered REFUSED"),
            other => Answer::failed(DnsStatus::Failed, format!("the server answered {other}")),
        },
        Err(NetError::Timeout) => {
            Answer::failed(DnsStatus::Timeout, format!("no answer within {} ms", timeout.as_millis()))
        }
        Err(NetError::Io(e)) => {
            use std::io::ErrorKind as K;
            let status = match e.kind() {
                K::TimedOut => DnsStatus::Timeout,
                K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::NotConnected
                | K::HostUnreachable
                | K::NetworkUnreachable
                | K::AddrNotAvailable => DnsStatus::Unreachable,
                _ => DnsStatus::Failed,
            };
            Answer::failed(status, e.to_string())
        }
        Err(NetError::NoConnections) => Answer::failed(DnsStatus::Unreachable, "no connection to any name server"),
        Err(e) => Answer::failed(DnsStatus::Failed, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse_with_and_without_port() {
        assert_eq!(parse_server("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
        assert_eq!(parse_server("10.0.0.1").unwrap(), "10.0.0.1:53".parse().unwrap());
        assert_eq!(parse_server("[::1]:5353").unwrap(), "[::1]:5353".parse().unwrap());
        assert_eq!(parse_server("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert!(parse_server("ns1.example.com").unwrap_err().contains("not an IP address"));
    }

    /// The default: the servers of /etc/resolv.conf, read (not queried).
    #[test]
    fn the_system_resolver_is_read_from_resolv_conf() {
        // A resolv.conf is a few lines; the cap only bounds a hostile one.
        let Ok(text) = crate::collect::text::read_text(std::path::Path::new("/etc/resolv.conf"), 1024 * 1024) else {
            return;
        };
        let listed: Vec<SocketAddr> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
            .collect();
        let found = system_servers().unwrap();
        for addr in listed {
            assert!(found.contains(&addr), "{addr} missing from {found:?}");
        }
    }
}
