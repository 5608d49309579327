//! The transport for every Docker host (Unix socket, plain TCP, TLS with
//! client certificates, and ssh through the system's `ssh` running
//! `docker system dial-stdio`, as the docker CLI does): bollard's own
//! clients read a response body into memory without limit and time only the
//! headers, so an endpoint that streams an endless body (chunked or not)
//! fills memory at loopback speed. Here a connection refuses to deliver more
//! than [`MAX_RESPONSE_BYTES`] per response; the host's overall deadline
//! bounds a slow one. Connections are kept alive and reused (one `connect`
//! and one daemon-side accept per connection, not per request): an HTTP/1.1
//! client writes its next request only once the previous response has been
//! read to its end, so the budget restarts on the first write after a read.
//! A connection is never used by two requests at once.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::process::{ChildStdin, ChildStdout};

/// The largest response accepted from a Docker host. The biggest real ones
/// (`/containers/json?all=1` on a host with thousands of containers, a
/// Swarm's `/tasks`) are a few MiB.
pub const MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// Idle connections kept per host: above the containers audited at once.
const MAX_IDLE: usize = 64;

/// Where a capped connection goes.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, as `tcp://host:port` gives it.
    Tcp(String),
    /// `host:port` spoken to over TLS with the host's client certificate.
    Tls {
        authority: String,
        server_name: ServerName<'static>,
        config: Arc<rustls::ClientConfig>,
    },
    /// The argument list of `ssh` (options, `--`, destination and the
    /// remote `docker system dial-stdio`): ssh carries the bytes.
    Ssh(Vec<String>),
}

/// A bollard client whose every response is capped at `cap` bytes.
pub fn client(endpoint: Endpoint, timeout_secs: u64, cap: u64) -> Result<Docker, bollard::errors::Error> {
    let addr = match &endpoint {
        // As bollard's own Unix client does: a missing socket is told apart
        // from one nobody answers on.
        Endpoint::Unix(path) if !path.exists() => {
            return Err(bollard::errors::Error::SocketNotFoundError(path.display().to_string()))
        }
        Endpoint::Unix(_) | Endpoint::Ssh(_) => "http://localhost".to_string(),
        Endpoint::Tcp(authority) | Endpoint::Tls { authority, .. } => format!("http://{authority}"),
    };
    let http =
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(MAX_IDLE).build(Connector { endpoint, cap });
    Docker::connect_with_custom_transport(
        move |req: BollardRequest| {
            let http = http.clone();
            Box::pin(async move { http.request(req).await.map_err(bollard::errors::Error::from) })
        },
        Some(addr),
        timeout_secs,
        API_DEFAULT_VERSION,
    )
}

#[derive(Clone)]
struct Connector {
    endpoint: Endpoint,
    cap: u64,
}

type Connecting = Pin<Box<dyn Future<Output = io::Result<TokioIo<Capped>>> + Send>>;

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Capped>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Connecting {
        let endpoint = self.endpoint.clone();
        let left = self.cap;
        Box::pin(async move {
            let stream: Stream = match endpoint {
                Endpoint::Unix(path) => Box::pin(UnixStream::connect(path).await?),
                Endpoint::Tcp(authority) => Box::pin(TcpStream::connect(authority).await?),
                Endpoint::Tls { authority, server_name, config } => {
                    let tcp = TcpStream::connect(authority).await?;
                    Box::pin(tokio_rustls::TlsConnector::from(config).connect(server_name, tcp).await?)
                }
                Endpoint::Ssh(args) => Box::pin(SshPipe::spawn(&args)?),
            };
            Ok(TokioIo::new(Capped { stream, left, cap: left, read_since_write: false }))
        })
    }
}

trait ReadWrite: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> ReadWrite for T {}
type Stream = Pin<Box<dyn ReadWrite>>;

/// One `ssh ... docker system dial-stdio` process: its stdout is what the
/// daemon sends, its stdin what it receives. The process ends with the
/// connection (killed on drop), and never prompts (`BatchMode`).
struct SshPipe {
    _child: tokio::process::Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

impl SshPipe {
    fn spawn(args: &[String]) -> io::Result<Self> {
        let mut child = tokio::process::Command::new("ssh")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run ssh: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        Ok(Self { _child: child, stdin, stdout })
    }
}

impl AsyncRead for SshPipe {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshPipe {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stdin).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}

/// A connection that fails a read once `left` bytes of one response have
/// come through.
pub struct Capped {
    stream: Stream,
    left: u64,
    cap: u64,
    /// Bytes came in since the last write: the next write starts a new
    /// request, whose response gets the whole budget again.
    read_since_write: bool,
}

impl Connection for Capped {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Capped {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = this.stream.as_mut().poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = buf.filled().len().saturating_sub(before) as u64;
            this.read_since_write |= read > 0;
            match this.left.checked_sub(read) {
                Some(left) => this.left = left,
                None => {
                    return Poll::Ready(Err(io::Error::other(format!(
                        "the response is larger than {} bytes, the limit for one Docker API response",
                        this.cap
                    ))))
                }
            }
        }
        polled
    }
}

impl AsyncWrite for Capped {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if self.read_since_write {
            self.read_since_write = false;
            self.left = self.cap;
        }
        self.stream.as_mut().poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.as_mut().poll_shutdown(cx)
    }
}
