//! Why a Docker host (or one container of it) could not be audited, as a
//! typed error that becomes a `ScanError` naming the host.

use crate::collect::error_chain::{chain, io_cause};
use crate::diagnostics::{ErrorKind, ScanError};

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{0}")]
    Config(String),
    #[error("{message}")]
    Api { kind: ErrorKind, message: String },
}

impl HostError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            HostError::Config(_) => ErrorKind::Config,
            HostError::Api { kind, .. } => *kind,
        }
    }

    /// The scan error for `target` (a host URI, or `host › container`).
    pub fn to_scan_error(&self, target: &str, doing: &str) -> ScanError {
        // A client error may quote the URI it used, credentials included.
        let message = format!("{doing}: {self}");
        ScanError::new("docker", target, self.kind(), crate::mask::redact_urls(&message).into_owned())
    }
}

impl From<bollard::errors::Error> for HostError {
    fn from(e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as E;
        let (kind, message) = match &e {
            E::SocketNotFoundError(path) => {
                (ErrorKind::Unreachable, format!("socket {path} does not exist (is the Docker daemon running?)"))
            }
            E::RequestTimeoutError => (ErrorKind::Timeout, "the daemon did not answer in time".to_string()),
            E::DockerResponseServerError { status_code, message } => {
                let kind = match status_code {
                    401 | 403 => ErrorKind::Denied,
                    404 => ErrorKind::Unsupported,
                    _ => ErrorKind::Io,
                };
                (kind, format!("the daemon answered {status_code}: {}", message.trim()))
            }
            E::JsonDataError { .. } | E::JsonSerdeError { .. } | E::APIVersionParseError {} => {
                (ErrorKind::Malformed, format!("unexpected answer from the daemon: {e}"))
            }
            E::UnsupportedURISchemeError { .. } | E::InvalidURIError { .. } | E::URLParseError { .. } => {
                (ErrorKind::Config, e.to_string())
            }
            _ => match io_cause(&e) {
                Some(io) => (ErrorKind::from_io(io), format!("cannot talk to the daemon: {}", chain(&e))),
                None => (ErrorKind::Unreachable, format!("cannot talk to the daemon: {}", chain(&e))),
            },
        };
        HostError::Api { kind, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_socket_is_unreachable_and_says_why() {
        let e = HostError::from(bollard::errors::Error::SocketNotFoundError("/nonexistent".into()));
        assert_eq!(e.kind(), ErrorKind::Unreachable);
        assert!(e.to_string().contains("/nonexistent"), "{e}");
    }

    #[test]
    fn forbidden_is_denied() {
        let e = HostError::from(bollard::errors::Error::DockerResponseServerError {
            status_code: 403,
            message: "authorization denied by plugin".into(),
        });
        assert_eq!(e.kind(), ErrorKind::Denied);
    }
}
