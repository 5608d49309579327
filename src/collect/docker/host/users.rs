//! User and group names from `/etc/passwd` and `/etc/group`, so findings say
//! `root:docker` rather than `0:998`.

use std::collections::HashMap;

use super::HostRoot;

#[derive(Debug, Default)]
pub struct Names {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Names {
    pub fn load(root: &HostRoot) -> Self {
        Self {
            users: root.read("/etc/passwd").map(|t| parse(&t)).unwrap_or_default(),
            groups: root.read("/etc/group").map(|t| parse(&t)).unwrap_or_default(),
        }
    }

    pub fn user(&self, uid: u32) -> String {
        self.users.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
    }

    pub fn group(&self, gid: u32) -> String {
        self.groups.get(&gid).cloned().unwrap_or_else(|| gid.to_string())
    }
}

/// `name:x:id:...` lines; the first name of an ID wins, as for `stat`.
fn parse(text: &str) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else { continue };
        if let Ok(id) = id.trim().parse::<u32>() {
            out.entry(id).or_insert_with(|| name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_name_wins_and_unknown_ids_stay_numeric() {
        let map = parse("root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n# comment\nbroken\ndocker:x:998:\n");
        assert_eq!(map.get(&0).map(String::as_str), Some("root"));
        assert_eq!(map.get(&998).map(String::as_str), Some("docker"));
        let names = Names { users: map, groups: HashMap::new() };
        assert_eq!(names.user(1234), "1234");
    }
}
