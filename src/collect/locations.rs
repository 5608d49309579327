//! Where each setting of a fact is, for findings to point at: the node that
//! sets it, or its owner (the service, container or server block) when the
//! setting is absent, since that is where one would add it. One recorder for
//! the compose, Kubernetes and nginx mappers, each with its own way to turn
//! a node into a location.

use std::collections::BTreeMap;

use crate::facts::Location;

pub struct Settings<'a, N: ?Sized> {
    locate: &'a dyn Fn(&N) -> Location,
    owner: &'a N,
    pub map: BTreeMap<String, Location>,
}

impl<'a, N: ?Sized> Settings<'a, N> {
    pub fn new(locate: &'a dyn Fn(&N) -> Location, owner: &'a N) -> Self {
        Self { locate, owner, map: BTreeMap::new() }
    }

    /// Records the node that sets `key`.
    pub fn set(&mut self, key: &str, node: &N) {
        self.map.insert(key.to_string(), (self.locate)(node));
    }

    /// Records `node`, or the owner when the setting is absent.
    pub fn at(&mut self, key: impl Into<String>, node: Option<&N>) {
        let location = (self.locate)(node.unwrap_or(self.owner));
        self.map.insert(key.into(), location);
    }

    /// Where the owner is.
    pub fn owner(&self) -> Location {
        (self.locate)(self.owner)
    }
}
