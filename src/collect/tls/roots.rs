//! Trust anchors for the chain check: the system's roots, plus a CA bundle
//! a target names in the config (a private CA).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// The system roots; Mozilla's list (webpki-roots) when the system has none
/// readable, so the check still means "publicly trusted".
pub fn system() -> RootCertStore {
    let mut store = RootCertStore::empty();
    let mut certs = rustls_native_certs::load_native_certs().certs;
    // The bundle file and the folder (Debian's /etc/ssl/certs) hold each
    // root: parse each once.
    let mut seen = std::collections::HashSet::new();
    certs.retain(|c| seen.insert(blake3::hash(c.as_ref())));
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    store
}

/// The system roots plus every certificate of the PEM file at `path`.
pub fn with_bundle(system: &RootCertStore, path: &Path) -> Result<Arc<RootCertStore>, String> {
    let mut store = system.clone();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("CA bundle {} is not PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("CA bundle {} holds no certificate", path.display()));
    }
    let (added, ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("none of the {ignored} certificates of CA bundle {} can be used", path.display()));
    }
    Ok(Arc::new(store))
}
