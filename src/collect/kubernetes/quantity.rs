//! Kubernetes resource quantities (`2Gi`, `512M`, `1e9`, `500m`), as the API
//! server reads them: a decimal number with an optional binary (`Ki`..`Ei`),
//! decimal (`n`, `u`, `m`, `k`, `M`..`E`) or exponent (`e6`) suffix.

/// The quantity as a number of base units (bytes for memory, cores for cpu).
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number == "+" || number == "-" {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let multiplier = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp.get(1..)?.parse::<i32>().ok()?),

        _ => return None,
    };
    let result = value * multiplier;
    result.is_finite().then_some(result)
}

/// Memory in bytes, rounded up as the API server does for fractional bytes.
pub fn memory_bytes(text: &str) -> Option<i64> {
    let v = parse(text)?;
    (v >= 0.0 && v < i64::MAX as f64).then(|| v.ceil() as i64)
}

/// CPU in cores.
pub fn cpus(text: &str) -> Option<f64> {
    parse(text).filter(|v| *v >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_suffixes() {
        assert_eq!(memory_bytes("2Gi"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(memory_bytes("512M"), Some(512_000_000));
        assert_eq!(memory_bytes("1e9"), Some(1_000_000_000));
        assert_eq!(memory_bytes("1.5Gi"), Some(1_610_612_736));
        assert_eq!(memory_bytes("128974848"), Some(128_974_848));
        assert_eq!(memory_bytes("129e6"), Some(129_000_000));
        assert_eq!(memory_bytes("100Ki"), Some(102_400));
        assert_eq!(memory_bytes("lots"), None);
        assert_eq!(memory_bytes("2GB"), None);
        assert_eq!(memory_bytes(""), None);
    }

    #[test]
    fn cpu_units() {
        assert_eq!(cpus("500m"), Some(0.5));
        assert_eq!(cpus("2"), Some(2.0));
        assert_eq!(cpus("0.25"), Some(0.25));
        assert_eq!(cpus("1000m"), Some(1.0));
        assert_eq!(cpus("-1"), None);
    }
}
