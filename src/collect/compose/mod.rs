//! compose collector (to be filled in).

use super::files::Discovery;
use super::{CollectContext, Collected};

pub fn collect(_discovery: &Discovery, _ctx: &CollectContext<'_>) -> Collected {
    Collected::default()
}
