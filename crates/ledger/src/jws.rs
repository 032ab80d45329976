//! Certificates as compact JWS with EdDSA (Ed25519) and their issuer keys as a JWKS.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The media type of a Verifiable Credential secured as a JWT.
pub const TYP: &str = "vc+jwt";

/// Why a JWS was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    #[error("the certificate is not a compact JWS: it must be three base64url parts separated by dots")]
    Malformed,
    #[error("the JWS header is not valid JSON")]
    BadHeader,
    #[error("the JWS uses algorithm {0:?}; Hoshi certificates use EdDSA")]
    WrongAlgorithm(String),
    #[error("the JWS type is {0:?}; Hoshi certificates are vc+jwt")]
    WrongType(String),
    #[error("no key with kid {0:?} in the issuer's key set (JWKS)")]
    UnknownKey(String),
    #[error("the signature does not match: the certificate was changed or not signed by this issuer")]
    BadSignature,
    #[error("the JWS payload is not valid JSON")]
    BadPayload,
    #[error("the key set (JWKS) is malformed: {0}")]
    BadJwks(String),
}

/// An issuer key: an Ed25519 signing key with its key id.
#[derive(Clone)]
pub struct IssuerKey {
    pub kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// A new random key; its kid is the RFC 7638 thumbprint of the public key.
    pub fn generate() -> IssuerKey {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        IssuerKey::from_signing_key(key)
    }

    fn from_signing_key(key: SigningKey) -> IssuerKey {
        let kid = thumbprint(&key.verifying_key());
        IssuerKey { kid, key }
    }

    /// Restores a key from its 32 secret bytes.
    pub fn from_secret(secret: &[u8]) -> Option<IssuerKey> {
        let bytes: [u8; 32] = secret.try_into().ok()?;
        Some(IssuerKey::from_signing_key(SigningKey::from_bytes(&bytes)))
    }

    /// The 32 secret bytes, for storage (with 0600 permissions).
    pub fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public(&self) -> Jwk {
        Jwk::from_verifying_key(&self.key.verifying_key())
    }

    /// Signs `payload` as a compact JWS with header `{"alg":"EdDSA","typ":"vc+jwt","kid":…}`.
    pub fn sign(&self, payload: &Value) -> String {
        let header = json!({"alg": "EdDSA", "typ": TYP, "kid": self.kid});
        let input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(payload.to_string()));
        let sig = self.key.sign(input.as_bytes());
        format!("{input}.{}", B64URL.encode(sig.to_bytes()))
    }
}

/// RFC 7638 JWK thumbprint of an Ed25519 key (base64url SHA-256 of the canonical JWK).
pub fn thumbprint(key: &VerifyingKey) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, B64URL.encode(key.to_bytes()));
    B64URL.encode(Sha256::digest(canonical.as_bytes()))
}

/// A public key in JWK form (RFC 8037 OKP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    pub fn from_verifying_key(key: &VerifyingKey) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: B64URL.encode(key.to_bytes()),
            kid: thumbprint(key),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }

    fn verifying_key(&self) -> Result<VerifyingKey, JwsError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(JwsError::BadJwks(format!("key {} is {} {}, not OKP Ed25519", self.kid, self.kty, self.crv)));
        }
        let raw = B64URL.decode(&self.x).map_err(|_| JwsError::BadJwks(format!("key {} has a malformed x", self.kid)))?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| JwsError::BadJwks(format!("key {} is not 32 bytes", self.kid)))?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| JwsError::BadJwks(format!("key {} is not a valid Ed25519 point", self.kid)))
    }
}

/// A JSON Web Key Set, as served at `/.well-known/jwks.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    pub fn parse(text: &str) -> Result<Jwks, JwsError> {
        serde_json::from_str(text).map_err(|e| JwsError::BadJwks(e.to_string()))
    }
}

/// A verified JWS: its header and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub kid: String,
    pub payload: Value,
}

/// Verifies a compact JWS against the key set; refuses anything but EdDSA / vc+jwt.
pub fn verify(token: &str, jwks: &Jwks) -> Result<Verified, JwsError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwsError::Malformed);
    };
    let header: Value = serde_json::from_slice(&B64URL.decode(h).map_err(|_| JwsError::Malformed)?).map_err(|_| JwsError::BadHeader)?;
    let alg = header["alg"].as_str().unwrap_or_default();
    if alg != "EdDSA" {
        return Err(JwsError::WrongAlgorithm(alg.to_owned()));
    }
    let typ = header["typ"].as_str().unwrap_or_default();
    if typ != TYP {
        return Err(JwsError::WrongType(typ.to_owned()));
    }
    let kid = header["kid"].as_str().unwrap_or_default().to_owned();
    let jwk = jwks.keys.iter().find(|k| k.kid == kid).ok_or_else(|| JwsError::UnknownKey(kid.clone()))?;
    let key = jwk.verifying_key()?;
    let sig_bytes: [u8; 64] = B64URL.decode(s).map_err(|_| JwsError::Malformed)?.try_into().map_err(|_| JwsError::BadSignature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &Signature::from_bytes(&sig_bytes)).map_err(|_| JwsError::BadSignature)?;
    let payload: Value = serde_json::from_slice(&B64URL.decode(p).map_err(|_| JwsError::Malformed)?).map_err(|_| JwsError::BadPayload)?;
    Ok(Verified { kid, payload })
}

/// SHA-256 of the JWS text, lower-case hex: how log entries refer to a certificate.
pub fn jws_sha256(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_any_changed_byte_fails() {
        let k = IssuerKey::generate();
        let jwks = Jwks { keys: vec![k.public()] };
        let payload = json!({"credentialSubject": {"id": "urn:x", "level": 3}});
        let jws = k.sign(&payload);
        let v = verify(&jws, &jwks).expect("verifies");
        assert_eq!(v.payload, payload);
        assert_eq!(v.kid, k.kid);
        for i in 0..jws.len() {
            let mut b = jws.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            if let Ok(t) = String::from_utf8(b) {
                if t != jws {
                    assert!(verify(&t, &jwks).is_err(), "changed byte {i} still verifies");
                }
            }
        }
    }

    #[test]
    fn retired_keys_still_verify_and_unknown_keys_do_not() {
        let old = IssuerKey::generate();
        let new = IssuerKey::generate();
        let jws = old.sign(&json!({"a": 1}));
        assert!(verify(&jws, &Jwks { keys: vec![new.public(), old.public()] }).is_ok());
        assert_eq!(verify(&jws, &Jwks { keys: vec![new.public()] }), Err(JwsError::UnknownKey(old.kid.clone())));
        let restored = IssuerKey::from_secret(&old.secret()).expect("32 bytes");
        assert_eq!(restored.kid, old.kid);
    }

    #[test]
    fn the_thumbprint_matches_rfc_8037_appendix_a() {
        // RFC 8037 A.3: the thumbprint of the example Ed25519 key.
        let x = B64URL.decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").expect("b64");
        let key = VerifyingKey::from_bytes(&x.try_into().expect("32")).expect("point");
        assert_eq!(thumbprint(&key), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }
}
