//! Port lists as reported (`1-21,23-79`); the config parses them as
//! written (`crate::config::ports`).

/// Compresses sorted ports into `1-21,23,25-79`.
pub fn ranges(ports: &[u16]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut iter = ports.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end.wrapping_add(1))) && end < u16::MAX {
            end = iter.next().unwrap_or(end);
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress_sorted_ports() {
        assert_eq!(ranges(&[1, 2, 3, 22, 80]), "1-3,22,80");
        assert_eq!(ranges(&[65534, 65535]), "65534-65535");
        assert_eq!(ranges(&[]), "");
    }
}
