//! `jws`: certificates and issuer key sets as a verifier receives them,
//! `hoshi_ledger::jws::Jwks::parse` and `verify`.
//!
//! The input is a token, optionally followed by a newline and a JWKS. The token is verified
//! against the demo registry's real JWKS, and against the given one if it parses.
//!
//! Checked: against the real keys, only the four genuine certificates verify (whitespace
//! around them aside), with their payloads; against any key set, a verified token names a key
//! of that set and verifies the same way again; a key set that parses serialises and parses
//! back to the same set.

use std::sync::OnceLock;

use hoshi_ledger::jws::{verify, Jwks, Verified};

use super::bundle::{jwks, GENUINE};

/// The genuine certificates and what they verify to.
fn genuine() -> &'static [(String, Verified)] {
    static G: OnceLock<Vec<(String, Verified)>> = OnceLock::new();
    G.get_or_init(|| {
        GENUINE
            .iter()
            .map(|b| {
                let b = hoshi_ledger::bundle::Bundle::parse(b).expect("fixture bundle");
                let v = verify(&b.certificate, jwks()).expect("fixture certificate verifies");
                (b.certificate.trim().to_owned(), v)
            })
            .collect()
    })
}

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (token, keys) = text.split_once('\n').unwrap_or((text, ""));

    if let Ok(v) = verify(token, jwks()) {
        let Some((_, g)) = genuine().iter().find(|(t, _)| t == token.trim()) else {
            panic!("a token that is not a genuine certificate verified: {token:?}");
        };
        assert_eq!(&v, g);
    }

    let Ok(set) = Jwks::parse(keys) else { return };
    let back = Jwks::parse(&serde_json::to_string(&set).expect("a JWKS serialises")).expect("a serialised JWKS parses");
    assert_eq!(back, set, "parse(serialise(jwks)) differs");
    let result = verify(token, &set);
    assert_eq!(verify(token, &back), result);
    if let Ok(v) = result {
        assert!(set.keys.iter().any(|k| k.kid == v.kid), "verified under kid {:?} that is not in the set", v.kid);
    }
}
