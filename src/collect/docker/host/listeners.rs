//! Which local addresses listen on a TCP port, from the kernel's socket
//! tables (`/proc/net/tcp`, `/proc/net/tcp6`): what `ss -lnt` shows, without
//! running it.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::HostRoot;

/// `0A` in the `st` column: the socket is listening.
const LISTEN: &str = "0A";

/// The addresses listening on `port` (`0.0.0.0`, `127.0.0.1`, `::`), or
/// `None` when the tables cannot be read.
pub fn listening_on(root: &HostRoot, port: u16) -> Option<Vec<String>> {
    let v4 = root.read("/proc/net/tcp");
    let v6 = root.read("/proc/net/tcp6");
    if v4.is_none() && v6.is_none() {
        return None;
    }
    let mut out = Vec::new();
    for (text, v6) in [(v4, false), (v6, true)] {
        for line in text.as_deref().unwrap_or_default().lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else { continue };
            if *state != LISTEN {
                continue;
            }
            let Some((addr, hex_port)) = local.split_once(':') else { continue };
            if u16::from_str_radix(hex_port, 16).ok() != Some(port) {
                continue;
            }
            if let Some(addr) = if v6 { ipv6(addr) } else { ipv4(addr) } {
                if !out.contains(&addr) {
                    out.push(addr);
                }
            }
        }
    }
    Some(out)
}

/// The kernel prints an IPv4 address as one host-order (little-endian) word.
fn ipv4(hex: &str) -> Option<String> {
    let word = u32::from_str_radix(hex, 16).ok()?;
    Some(Ipv4Addr::from(word.swap_bytes()).to_string())
}

/// ... and an IPv6 address as four such words.
fn ipv6(hex: &str) -> Option<String> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (word, chunk) in bytes.chunks_exact_mut(4).enumerate() {
        let value = u32::from_str_radix(hex.get(word * 8..word * 8 + 8)?, 16).ok()?;
        chunk.copy_from_slice(&value.swap_bytes().to_be_bytes());
    }

    Some(Ipv6Addr::from(bytes).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_listeners_of_both_families() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/net")).unwrap();
        let header =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        // 0.0.0.0:2377 listening, 127.0.0.1:2377 established (not listening),
        // 127.0.0.1:8080 listening.
        std::fs::write(
            dir.path().join("proc/net/tcp"),
            format!(
                "{header}   0: 00000000:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n   1: 0100007F:0949 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2\n   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("proc/net/tcp6"),
            format!("{header}   0: 00000000000000000000000001000000:0949 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4\n"),
        )
        .unwrap();
        let root = HostRoot::at(dir.path());
        assert_eq!(listening_on(&root, 2377).unwrap(), ["0.0.0.0", "::1"]);
        assert_eq!(listening_on(&root, 8080).unwrap(), ["127.0.0.1"]);
        assert!(listening_on(&HostRoot::at(dir.path().join("none")), 2377).is_none());
    }
}
