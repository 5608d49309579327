//! Why a cluster (or one list of it) could not be read, as a scan error
//! naming the cluster and, where it applies, the namespace.

use crate::collect::error_chain::{chain, io_cause};
use crate::diagnostics::{ErrorKind, ScanError};

pub const SOURCE: &str = "kubernetes-api";

/// The scan error for a failed API call.
pub fn api_error(target: &str, doing: &str, e: &kube::Error) -> ScanError {
    let (kind, detail) = classify(e);
    ScanError::new(SOURCE, target, kind, format!("{doing}: {detail}"))
}

/// HTTP status of an API error answer, if the server answered.
pub fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

fn classify(e: &kube::Error) -> (ErrorKind, String) {
    match e {
        kube::Error::Api(status) => {
            let kind = match status.code {
                401 | 403 => ErrorKind::Denied,
                404 => ErrorKind::Unsupported,
                410 => ErrorKind::Io,
                _ => ErrorKind::Io,
            };
            let message = if status.message.is_empty() { status.reason.clone() } else { status.message.clone() };
            (kind, format!("the API server answered {}: {}", status.code, message.trim()))
        }
        kube::Error::SerdeError(err) => (ErrorKind::Malformed, format!("unexpected answer from the API server: {err}")),
        kube::Error::InferKubeconfig(err) => (ErrorKind::Config, err.to_string()),
        kube::Error::Auth(err) => (ErrorKind::Config, format!("cannot get credentials: {err}")),
        other => {
            let text = chain(other);
            let lower = text.to_ascii_lowercase();
            let kind = if lower.contains("length limit exceeded") {
                ErrorKind::Unsupported
            } else if lower.contains("timed out") || lower.contains("deadline") || lower.contains("elapsed") {
                ErrorKind::Timeout
            } else if let Some(io) = io_cause(other) {
                ErrorKind::from_io(io)
            } else {
                ErrorKind::Unreachable
            };
            (kind, format!("cannot talk to the API server: {text}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_is_denied_with_the_servers_message() {
        let status = kube::core::Status::failure("pods is forbidden: User \"x\" cannot list resource", "Forbidden")
            .with_code(403);
        let e = api_error("prod", "cannot list pods in namespace payments", &kube::Error::Api(status.boxed()));
        assert_eq!(e.kind, ErrorKind::Denied);
        assert!(e.message.contains("payments") && e.message.contains("forbidden"), "{}", e.message);
    }
}
