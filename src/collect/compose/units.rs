//! Compose's size and CPU notations.

/// `2g`, `512m`, `1.5gb`, `1024k`, `2048` (bytes) → bytes.
pub fn memory_bytes(text: &str) -> Option<i64> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "ki" | "kib" => 1024.0,
        "m" | "mb" | "mi" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "ti" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0 && bytes < i64::MAX as f64).then_some(bytes as i64)
}

/// `"1.5"`, `2`, `0.50` → CPUs. Zero means "no limit" to Docker.
pub fn cpus(text: &str) -> Option<f64> {
    let v: f64 = text.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(memory_bytes("2g"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(memory_bytes("512M"), Some(512 * 1024 * 1024));
        assert_eq!(memory_bytes("1.5gb"), Some(1_610_612_736));
        assert_eq!(memory_bytes("2048"), Some(2048));
        assert_eq!(memory_bytes("lots"), None);
        assert_eq!(cpus("1.5"), Some(1.5));
        assert_eq!(cpus("two"), None);
    }
}
