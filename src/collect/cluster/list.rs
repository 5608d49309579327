//! Paginated lists (`limit` and `continue`), a page at a time so memory is
//! bounded by a page, not by the cluster. Namespaced resources are listed
//! cluster-wide when the account may; otherwise (or when the config names
//! namespaces) namespace by namespace, `concurrency` at a time, and a
//! namespace the account may not read is recorded by name.

use std::fmt::Debug;
use std::sync::Mutex;

use futures::stream::{self, StreamExt};
use kube::api::{Api, ListParams};
use kube::core::NamespaceResourceScope;
use kube::Resource;
use serde::de::DeserializeOwned;

use super::errors::{api_error, status_code};
use crate::diagnostics::ScanError;

/// How many times an expired `continue` token is recovered from before the
/// list is given up.
const MAX_EXPIRED: usize = 3;

/// Where namespaced lists look.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The namespaces the config names; `None` = every namespace.
    pub only: Option<Vec<String>>,
    /// Every namespace the cluster has (when they could be listed), for the
    /// namespace-by-namespace fallback.
    pub known: Vec<String>,
}

/// A namespace whose objects could not be listed.
#[derive(Debug)]
pub struct Denied {
    pub namespace: String,
    pub resource: &'static str,
    pub error: ScanError,
}

/// What a list could not read.
#[derive(Debug, Default)]
pub struct Outcome {
    pub errors: Vec<ScanError>,
    pub denied: Vec<Denied>,
}

pub struct Lister<'a> {
    pub client: &'a kube::Client,
    pub cluster: &'a str,
    pub page_size: u32,
    pub concurrency: usize,
}

impl Lister<'_> {
    /// Every object of a cluster-scoped kind, page by page.
    pub async fn cluster_scoped<K>(
        &self,
        resource: &'static str,
        mut on_page: impl FnMut(Vec<K>, Option<i64>),
    ) -> Outcome
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
    {
        let api: Api<K> = Api::all(self.client.clone());
        let mut out = Outcome::default();
        if let Err(e) = pages(&api, self.page_size, &mut on_page).await {
            out.errors.push(api_error(self.cluster, &format!("cannot list {resource}"), &e));
        }
        out
    }

    /// Every object of a namespaced kind in `scope`, page by page.
    pub async fn namespaced<K>(
        &self,
        resource: &'static str,
        scope: &Scope,
        on_page: impl FnMut(Vec<K>, Option<i64>),
    ) -> Outcome
    where
        K: Resource<DynamicType = (), Scope = NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
    {
        let on_page = Mutex::new(on_page);
        let deliver = |items: Vec<K>, remaining: Option<i64>| {
            if let Ok(mut f) = on_page.lock() {
                f(items, remaining)
            }
        };
        let mut out = Outcome::default();
        let namespaces = match &scope.only {
            Some(only) => only.clone(),
            None => {
                let api: Api<K> = Api::all(self.client.clone());
                let mut f = |items, remaining| deliver(items, remaining);
                match pages(&api, self.page_size, &mut f).await {
                    Ok(()) => return out,
                    // Not allowed cluster-wide: try each namespace.
                    Err(e) if status_code(&e) == Some(403) && !scope.known.is_empty() => scope.known.clone(),
                    Err(e) => {
                        out.errors.push(api_error(
                            self.cluster,
                            &format!("cannot list {resource} in any namespace"),
                            &e,
                        ));
                        return out;
                    }
                }
            }
        };
        let results: Vec<(String, Result<(), kube::Error>)> = stream::iter(namespaces)
            .map(|ns| {
                let api: Api<K> = Api::namespaced(self.client.clone(), &ns);
                let deliver = &deliver;
                async move {
                    let mut f = |items, remaining| deliver(items, remaining);
                    let r = pages(&api, self.page_size, &mut f).await;
                    (ns, r)
                }
            })
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        for (namespace, result) in results {
            if let Err(e) = result {
                let doing = format!("cannot list {resource} in namespace {namespace}");
                let error = api_error(self.cluster, &doing, &e);
                if status_code(&e).is_some_and(|c| c == 401 || c == 403) {
                    out.denied.push(Denied { namespace, resource, error });
                } else {
                    out.errors.push(error);
                }
            }
        }
        out
    }
}

/// One list, page by page. An expired `continue` token (410) is answered
/// the way the API server suggests: with the fresh token it sends along
/// (the rest of the list, from a newer snapshot), or by starting over when
/// it sends none; objects seen twice are the caller's to deduplicate.
async fn pages<K>(
    api: &Api<K>,
    page_size: u32,
    on_page: &mut impl FnMut(Vec<K>, Option<i64>),
) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut token: Option<String> = None;
    let mut expired = 0;
    loop {
        let params = ListParams { limit: Some(page_size.max(1)), continue_token: token.clone(), ..Default::default() };
        match api.list(&params).await {
            Ok(list) => {
                let next = list.metadata.continue_.filter(|t| !t.is_empty());
                on_page(list.items, list.metadata.remaining_item_count);
                match next {
                    Some(t) => token = Some(t),
                    None => return Ok(()),
                }
            }
            Err(kube::Error::Api(status)) if status.code == 410 && token.is_some() && expired < MAX_EXPIRED => {
                expired += 1;
                token = status.metadata.as_ref().and_then(|m| m.continue_.clone()).filter(|t| !t.is_empty());
            }
            Err(e) => return Err(e),
        }
    }
}
