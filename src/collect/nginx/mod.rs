//! nginx collector.
pub mod ciphers;

use super::files::Discovery;
use super::{CollectContext, Collected};

pub fn collect(_discovery: &Discovery, _ctx: &CollectContext<'_>) -> Collected {
    Collected::default()
}
