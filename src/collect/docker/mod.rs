//! docker collector (to be filled in).

use super::{CollectContext, Collected};

pub async fn collect(_ctx: &CollectContext<'_>) -> Collected {
    Collected::default()
}
