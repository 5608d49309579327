//! Findings whose ID scheme changed carry the IDs earlier versions gave
//! them. A previous report written with an old ID then describes the same
//! finding: it takes the current ID, so `--fail-on-new` and the diff see an
//! unchanged finding rather than a resolved one and a new one.

use std::collections::HashMap;

use crate::findings::Finding;

/// Gives each earlier finding whose ID is a legacy ID of a current finding
/// that finding's current ID.
pub fn adopt_current_ids(earlier: &mut [Finding], current: &[Finding]) {
    let by_legacy: HashMap<&str, &str> =
        current.iter().flat_map(|f| f.legacy_ids.iter().map(move |old| (old.as_str(), f.id.as_str()))).collect();
    if by_legacy.is_empty() {
        return;
    }
    for f in earlier {
        if let Some(id) = by_legacy.get(f.id.as_str()) {
            f.id = id.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    #[test]
    fn an_old_id_takes_the_current_one() {
        let mut current = super::super::tests::finding(Severity::High);
        current.id = "new".into();
        current.legacy_ids = vec!["old".into()];
        let mut earlier =
            vec![Finding { id: "old".into(), ..current.clone() }, Finding { id: "other".into(), ..current.clone() }];
        adopt_current_ids(&mut earlier, std::slice::from_ref(&current));
        let ids: Vec<&str> = earlier.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["new", "other"]);
    }
}
