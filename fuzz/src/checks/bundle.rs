//! `bundle`: a certificate bundle as someone hands it to `hoshi verify`, through
//! `hoshi_ledger::bundle::Bundle::parse` and `verify` with a fixed issuer key set and log key
//! (`fuzz/fixtures/`, from a demo registry: `hoshi demo --seed-only`, `hoshi registry bundle`,
//! `jwks`, `export-tiles`).
//!
//! Checked: a parsed bundle serialises and parses back to the same bundle, and verifies (or
//! not) the same way after that round trip. Nothing can be forged: a bundle that verifies is
//! one of the four genuine bundles in every part that counts (the same certificate, index,
//! origin, entry, proof hashes and signed tree head); only what the signatures and the proof do
//! not cover may differ (JSON layout, unknown fields, whitespace around the certificate, extra
//! signature lines on the checkpoint from other keys).

use std::sync::OnceLock;

use hoshi_ledger::bundle::{verify, Bundle, Proven};
use hoshi_ledger::jws::Jwks;
use hoshi_ledger::log::{hash_from_base64, open_checkpoint};

pub const JWKS: &str = include_str!("../../fixtures/jwks.json");
pub const LOG_KEY: &str = include_str!("../../fixtures/log-key");
/// The demo registry's first four certificate bundles.
pub const GENUINE: [&str; 4] = [
    include_str!("../../fixtures/bundle-1.json"),
    include_str!("../../fixtures/bundle-2.json"),
    include_str!("../../fixtures/bundle-3.json"),
    include_str!("../../fixtures/bundle-4.json"),
];

pub fn jwks() -> &'static Jwks {
    static J: OnceLock<Jwks> = OnceLock::new();
    J.get_or_init(|| Jwks::parse(JWKS).expect("fixture JWKS"))
}

fn genuine() -> &'static [(Bundle, Proven)] {
    static G: OnceLock<Vec<(Bundle, Proven)>> = OnceLock::new();
    G.get_or_init(|| {
        GENUINE
            .iter()
            .map(|t| {
                let b = Bundle::parse(t).expect("fixture bundle");
                let p = verify(&b, jwks(), LOG_KEY).expect("the fixture bundles verify");
                (b, p)
            })
            .collect()
    })
}

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(b) = Bundle::parse(text) else { return };
    let serialised = serde_json::to_string(&b).expect("a bundle serialises");
    let back = Bundle::parse(&serialised).expect("a serialised bundle parses");
    assert_eq!(back, b, "parse(serialise(bundle)) differs");

    let result = verify(&b, jwks(), LOG_KEY);
    assert_eq!(verify(&back, jwks(), LOG_KEY), result, "verify differs after a round trip");
    let Ok(proven) = result else { return };

    let Some((g, gp)) = genuine().iter().find(|(g, _)| g.certificate.trim() == b.certificate.trim()) else {
        panic!("a bundle with a certificate that is not genuine verified: {:?}", b.certificate);
    };
    assert_eq!(&proven, gp, "what the bundle proves differs from the genuine bundle");
    assert_eq!(b.log.index, g.log.index);
    assert_eq!(b.log.origin, g.log.origin);
    assert_eq!(b.log.entry.trim(), g.log.entry.trim(), "a different encoding of the entry verified");
    let hashes = |x: &Bundle| x.log.inclusion_proof.iter().map(|h| hash_from_base64(h).expect("verified")).collect::<Vec<_>>();
    assert!(hashes(&b) == hashes(g), "a different inclusion proof verified");
    assert_eq!(
        open_checkpoint(&b.log.checkpoint, LOG_KEY).expect("verified"),
        open_checkpoint(&g.log.checkpoint, LOG_KEY).expect("genuine"),
        "a different tree head verified"
    );
}
