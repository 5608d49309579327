//! Reading a client library's error chain: the top-level message of a
//! hyper-based client ("client error (Connect)") says nothing useful, the
//! causes underneath do.

/// The first I/O error in the chain, if any (refused, permission denied, ...).
pub fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = err.source();
    }
    None
}

/// The error and its causes on one line, each cause once (libraries often
/// repeat their source's text in their own message).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut current = e.source();
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_io_cause_and_says_each_cause_once() {
        let no_io = std::fmt::Error;
        assert!(io_cause(&no_io).is_none());
        let outer = Outer(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"));
        assert_eq!(io_cause(&outer).map(std::io::Error::kind), Some(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(chain(&outer), "client error (Connect): connection refused");
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
