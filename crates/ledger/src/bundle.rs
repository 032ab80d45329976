//! A certificate bundle — the JWS with its place in the log — and its offline verification.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::jws::{self, Jwks};
use crate::log::{self, hash_from_base64};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// `GET /api/v1/certificates/{serial}/bundle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub certificate: String,
    pub log: LogPart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPart {
    pub origin: String,
    pub index: u64,
    /// Base64 of the exact leaf bytes.
    pub entry: String,
    pub inclusion_proof: Vec<String>,
    /// The signed note text.
    pub checkpoint: String,
}

/// What a bundle proved.
#[derive(Debug, Clone, PartialEq)]
pub struct Proven {
    pub payload: Value,
    pub kid: String,
    pub index: u64,
    pub tree_size: u64,
    pub origin: String,
}

/// Why a bundle was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("the bundle is not valid JSON in the expected shape: {0}")]
    Shape(String),
    #[error("certificate signature: {0}")]
    Jws(#[from] jws::JwsError),
    #[error("log: {0}")]
    Log(#[from] log::LogError),
    #[error("the log entry is not base64")]
    EntryEncoding,
    #[error("the log entry does not name this certificate (neither the JWS nor its SHA-256 is in it)")]
    EntryMismatch,
    #[error("the bundle says origin {bundle:?} but the checkpoint is from {checkpoint:?}")]
    OriginMismatch { bundle: String, checkpoint: String },
}

impl Bundle {
    pub fn parse(text: &str) -> Result<Bundle, BundleError> {
        serde_json::from_str(text).map_err(|e| BundleError::Shape(e.to_string()))
    }
}

/// Verifies everything offline: the JWS against the issuer's JWKS, the log entry against the JWS,
/// the inclusion proof against the checkpoint, and the checkpoint against the log key.
pub fn verify(b: &Bundle, jwks: &Jwks, log_key: &str) -> Result<Proven, BundleError> {
    let v = jws::verify(&b.certificate, jwks)?;
    let entry = B64.decode(b.log.entry.trim()).map_err(|_| BundleError::EntryEncoding)?;
    let text = String::from_utf8_lossy(&entry);
    let digest = jws::jws_sha256(&b.certificate);
    if !(text.contains(&digest) || text.contains(b.certificate.trim())) {
        return Err(BundleError::EntryMismatch);
    }
    let cp = log::open_checkpoint(&b.log.checkpoint, log_key)?;
    if cp.origin() != b.log.origin {
        return Err(BundleError::OriginMismatch { bundle: b.log.origin.clone(), checkpoint: cp.origin().to_owned() });
    }
    let proof = b.log.inclusion_proof.iter().map(|h| hash_from_base64(h)).collect::<Result<Vec<_>, _>>()?;
    log::check_inclusion(&proof, cp.size(), cp.hash(), b.log.index, &entry)?;
    Ok(Proven { payload: v.payload, kid: v.kid, index: b.log.index, tree_size: cp.size(), origin: cp.origin().to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::IssuerKey;
    use crate::log::{hash_to_base64, prove_inclusion, LogSigner, MemoryLog};
    use serde_json::json;

    fn make() -> (Bundle, Jwks, String) {
        let key = IssuerKey::generate();
        let signer = LogSigner::generate("registry.example/log").expect("log key");
        let jws = key.sign(&json!({"credentialSubject": {"level": 3}}));
        let mut l = MemoryLog::default();
        l.append(b"{\"event\":\"other\"}").expect("append");
        let entry = format!("{{\"event\":\"issued\",\"jws_sha256\":\"{}\"}}", jws::jws_sha256(&jws));
        let index = l.append(entry.as_bytes()).expect("append");
        l.append(b"{\"event\":\"later\"}").expect("append");
        let proof = prove_inclusion(l.size(), index, &l).expect("proof");
        let b = Bundle {
            certificate: jws,
            log: LogPart {
                origin: signer.origin().to_owned(),
                index,
                entry: B64.encode(entry),
                inclusion_proof: proof.iter().map(hash_to_base64).collect(),
                checkpoint: signer.sign_checkpoint(l.size(), &l.root().expect("root")).expect("cp"),
            },
        };
        (b, Jwks { keys: vec![key.public()] }, signer.verifier_key().to_owned())
    }

    #[test]
    fn a_good_bundle_verifies_and_each_kind_of_tampering_is_named() {
        let (b, jwks, key) = make();
        let p = verify(&b, &jwks, &key).expect("verifies");
        assert_eq!((p.index, p.tree_size), (1, 3));
        let mut x = b.clone();
        x.log.index = 0;
        assert!(matches!(verify(&x, &jwks, &key), Err(BundleError::Log(log::LogError::InclusionFailed))));
        let mut x = b.clone();
        x.log.entry = B64.encode("{\"event\":\"issued\"}");
        assert_eq!(verify(&x, &jwks, &key), Err(BundleError::EntryMismatch));
        let mut x = b.clone();
        x.log.checkpoint = x.log.checkpoint.replacen("\n3\n", "\n4\n", 1);
        assert!(matches!(verify(&x, &jwks, &key), Err(BundleError::Log(log::LogError::BadCheckpointSignature))));
        let mut x = b.clone();
        x.log.inclusion_proof.pop();
        assert!(verify(&x, &jwks, &key).is_err());
        let mut x = b;
        x.certificate.push('A');
        assert!(matches!(verify(&x, &jwks, &key), Err(BundleError::Jws(_))));
    }
}
