//! One probe on the wire: connect, send a ClientHello, read the server's
//! records until the ServerHello (or, when the chain is wanted, the
//! Certificate message), and say what came back. Every step is under one
//! deadline and the bytes read are capped, so a tarpit or a server that
//! streams garbage costs a bounded time and memory.

use std::net::SocketAddr;
use std::time::Duration;

use tls_parser::{TlsMessage, TlsMessageHandshake};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest record a peer may send: 2^14 plaintext plus the expansion
/// RFC 5246 §6.2.3 allows.
const MAX_RECORD: usize = 16_384 + 2_048;
/// Bytes read before giving up on finding the Certificate message: a long
/// chain is a few tens of kilobytes.
const MAX_FLIGHT: usize = 256 * 1024;
/// Bytes asked for per read.
const READ_CHUNK: usize = 16 * 1024;

/// What the server answered a ClientHello with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello (or HelloRetryRequest) negotiating `version` with `suite`.
    Hello { version: u16, suite: u16 },
    /// A fatal alert, by name (`handshake_failure`, `protocol_version`...).
    Alert(String),
    /// The server closed the connection without a TLS answer.
    Closed,
    /// The connection was reset.
    Reset,
    /// Nothing within the deadline.
    Timeout,
}

impl Answer {
    pub fn describe(&self) -> String {
        match self {
            Answer::Hello { version, .. } => format!("server_hello {}", super::version::wire_name(*version)),
            Answer::Alert(name) => format!("alert {name}"),
            Answer::Closed => "closed".into(),
            Answer::Reset => "reset".into(),
            Answer::Timeout => "timeout".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub answer: Answer,
    /// DER certificates from the Certificate message (TLS 1.2 and earlier,
    /// when asked for).
    pub chain: Vec<Vec<u8>>,
}

/// Failures that are not an answer about the protocol: the endpoint cannot
/// be reached, or what it sends is not TLS.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WireError {
    #[error("cannot connect to {addr}: {message}")]
    Connect { addr: SocketAddr, message: String, kind: std::io::ErrorKind },
    #[error("no TCP connection to {0} within the timeout")]
    ConnectTimeout(SocketAddr),
    #[error("not TLS: the server answered with {0}")]
    NotTls(String),
    #[error("oversized TLS record: {0} bytes (at most {MAX_RECORD} allowed)")]
    Oversized(usize),
    #[error("malformed TLS answer: {0}")]
    Malformed(String),
}

/// Sends `hello` to `addr` and reads the answer. `want_chain` keeps reading
/// past the ServerHello up to the Certificate message.
pub async fn exchange(
    addr: SocketAddr,
    hello: &[u8],
    want_chain: bool,
    timeout: Duration,
) -> Result<Exchange, WireError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut stream = match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => return Err(WireError::ConnectTimeout(addr)),
        Ok(Err(e)) => return Err(WireError::Connect { addr, message: e.to_string(), kind: e.kind() }),
        Ok(Ok(s)) => s,
    };
    let _ = stream.set_nodelay(true);
    match tokio::time::timeout_at(deadline, read_answer(&mut stream, hello, want_chain)).await {
        Ok(result) => result,
        Err(_) => Ok(Exchange { answer: Answer::Timeout, chain: Vec::new() }),
    }
}

/// Generic over the stream so the parsing can be fuzzed on bytes in memory.
pub(crate) async fn read_answer<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    hello: &[u8],
    want_chain: bool,
) -> Result<Exchange, WireError> {
    if let Err(e) = stream.write_all(hello).await {
        return Ok(Exchange { answer: io_answer(&e), chain: Vec::new() });
    }
    let mut reader = Records::default();
    let mut hello_seen: Option<Answer> = None;
    loop {
        let record = match reader.next(stream).await? {
            Ok(Some(r)) => r,
            Ok(None) => {
                // Closed after the ServerHello but before the chain: the
                // protocol answer stands.
                return Ok(Exchange { answer: hello_seen.unwrap_or(Answer::Closed), chain: Vec::new() });
            }
            Err(e) => return Ok(Exchange { answer: hello_seen.unwrap_or_else(|| io_answer(&e)), chain: Vec::new() }),
        };
        match record.0 {
            21 => {
                let name = match record.1.as_slice() {
                    [_, code, ..] => alert_name(*code),
                    _ => return Err(WireError::Malformed("truncated alert".into())),
                };
                return Ok(Exchange { answer: hello_seen.unwrap_or(Answer::Alert(name)), chain: Vec::new() });
            }
            22 => {
                reader.handshake.extend_from_slice(&record.1);
                while let Some(msg) = reader.take_message()? {
                    match parse_message(&msg)? {
                        Parsed::Hello(answer) => {
                            let tls13 = matches!(answer, Answer::Hello { version: 0x0304, .. });
                            if !want_chain || tls13 {
                                return Ok(Exchange { answer, chain: Vec::new() });
                            }
                            hello_seen = Some(answer);
                        }
                        Parsed::Chain(chain) => {
                            let answer = hello_seen.ok_or_else(|| {
                                WireError::Malformed("Certificate message before the ServerHello".into())
                            })?;
                            return Ok(Exchange { answer, chain });
                        }
                        // ServerHelloDone without a Certificate: an
                        // anonymous suite.
                        Parsed::Done => {
                            let answer = hello_seen
                                .ok_or_else(|| WireError::Malformed("ServerHelloDone before the ServerHello".into()))?;
                            return Ok(Exchange { answer, chain: Vec::new() });
                        }
                        Parsed::Other => {}
                    }
                }
            }
            // ChangeCipherSpec (TLS 1.3 compatibility) and anything after the
            // hello: nothing to learn before the ServerHello.
            20 | 23 | 24 if hello_seen.is_some() => {}
            20 => {}
            kind => return Err(WireError::Malformed(format!("unexpected record type {kind} before the ServerHello"))),
        }
    }
}

fn io_answer(e: &std::io::Error) -> Answer {
    match e.kind() {
        std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => Answer::Reset,
        _ => Answer::Closed,
    }
}

enum Parsed {
    Hello(Answer),
    Chain(Vec<Vec<u8>>),
    Done,
    Other,
}

fn parse_message(msg: &[u8]) -> Result<Parsed, WireError> {
    let malformed = |what: &str| WireError::Malformed(format!("cannot parse the server's {what}"));
    match msg.first() {
        Some(2) => {
            let (_, parsed) = tls_parser::parse_tls_message_handshake(msg).map_err(|_| malformed("ServerHello"))?;
            let TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)) = parsed else {
                return Err(malformed("ServerHello"));
            };
            let mut version = sh.version.0;
            if let Some(ext) = sh.ext {
                let (_, exts) = tls_parser::parse_tls_server_hello_extensions(ext)
                    .map_err(|_| malformed("ServerHello extensions"))?;
                for e in exts {
                    if let tls_parser::TlsExtension::SupportedVersions(v) = e {
                        if let Some(first) = v.first() {
                            version = first.0;
                        }
                    }
                }
            }
            // A HelloRetryRequest (a ServerHello with a fixed random) also
            // means the version and suite are acceptable; only the key share
            // was not. Either way it counts as acceptance.
            Ok(Parsed::Hello(Answer::Hello { version, suite: sh.cipher.0 }))
        }
        Some(11) => {
            let (_, parsed) = tls_parser::parse_tls_message_handshake(msg).map_err(|_| malformed("Certificate"))?;
            let TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)) = parsed else {
                return Err(malformed("Certificate"));
            };
            Ok(Parsed::Chain(c.cert_chain.iter().map(|c| c.data.to_vec()).collect()))
        }
        Some(14) => Ok(Parsed::Done),
        _ => Ok(Parsed::Other),
    }
}

/// Splits the byte stream into records and handshake messages.
#[derive(Default)]
struct Records {
    buf: Vec<u8>,
    handshake: Vec<u8>,
    total: usize,
}

impl Records {
    /// The next record `(type, payload)`; `Ok(None)` on a clean close. The
    /// outer `Result` is a protocol violation, the inner one an I/O error.
    async fn next<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> Result<Result<Option<(u8, Vec<u8>)>, std::io::Error>, WireError> {
        loop {
            // Record header: type, version (major, minor), length (2 bytes).
            if let &[kind, major, _, hi, lo, ref body @ ..] = self.buf.as_slice() {
                if !(20..=24).contains(&kind) || major != 3 {
                    return Err(WireError::NotTls(preview(&self.buf)));
                }
                let len = u16::from_be_bytes([hi, lo]) as usize;
                if len > MAX_RECORD {
                    return Err(WireError::Oversized(len));
                }
                if let Some(payload) = body.get(..len) {
                    let payload = payload.to_vec();
                    self.buf.drain(..5 + len);
                    return Ok(Ok(Some((kind, payload))));
                }
            }
            if self.total > MAX_FLIGHT {
                return Err(WireError::Malformed(format!("more than {MAX_FLIGHT} bytes without a complete answer")));
            }
            // At most 16 KiB per read, straight into the buffer's spare room:
            // a zeroed 16 KiB array per read was a visible share of a
            // 100-endpoint run.
            self.buf.reserve(READ_CHUNK);
            match (&mut *stream).take(READ_CHUNK as u64).read_buf(&mut self.buf).await {
                Ok(0) if self.buf.is_empty() => return Ok(Ok(None)),
                Ok(0) if self.buf.first().is_some_and(|kind| !(20..=24).contains(kind)) => {
                    return Err(WireError::NotTls(preview(&self.buf)))
                }
                Ok(0) => return Err(WireError::Malformed("connection closed inside a record".into())),
                Ok(n) => self.total += n,
                Err(e) => return Ok(Err(e)),
            }
        }
    }

    /// A complete handshake message (header included) from the reassembly
    /// buffer, if there is one.
    fn take_message(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        // Handshake header: type (1 byte), length (3 bytes).
        let &[_, a, b, c, ..] = self.handshake.as_slice() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([0, a, b, c]) as usize;
        if len > MAX_FLIGHT {
            return Err(WireError::Oversized(len));
        }
        if self.handshake.len() < 4 + len {
            return Ok(None);
        }
        Ok(Some(self.handshake.drain(..4 + len).collect()))
    }
}

/// The first bytes of a non-TLS answer, printable, for the error message.
fn preview(bytes: &[u8]) -> String {
    let head = bytes.get(..16).unwrap_or(bytes);

    let text: String = head.iter().map(|b| if b.is_ascii_graphic() || *b == b' ' { *b as char } else { '.' }).collect();
    let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("bytes {} ({text:?})", hex.join(" "))
}

/// RFC 8446 §6 alert names (tls-parser's Debug prints only the number).
fn alert_name(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => return format!("alert_{code}"),
    };
    name.to_string()
}
