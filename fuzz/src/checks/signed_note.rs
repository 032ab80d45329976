//! `signed_note`: what a verifier reads from the log's static files: a checkpoint
//! (`hoshi_ledger::log::open_checkpoint` with the demo log's real key), entry bundles
//! (`parse_entry_bundle`), tile paths (`parse_tile_path`) and proof hashes (`hash_from_base64`);
//! and, with the same bytes read as numbers and hashes, the inclusion and consistency proof
//! checks a bundle's proof goes to.
//!
//! The input is all of these at once: the whole input as a note, an entry bundle, a path and a
//! hash; text after a NUL byte is also tried as the verifier key for the text before it.
//!
//! Checked: a checkpoint that opens with the real key is the real checkpoint (size, root and
//! origin: nothing else carries the log's signature); one that opens with another key has that
//! key's name as origin; an entry bundle that parses writes back to the same bytes; a tile path
//! that parses gives a canonical path that parses to the same tile; a hash that parses is the
//! canonical base64 of its 32 bytes; the proof checks answer without panicking, whatever the
//! sizes and indexes.

use std::sync::OnceLock;

use hoshi_ledger::log::{
    check_consistency, check_inclusion, entry_bundle, hash_from_base64, hash_to_base64, open_checkpoint, parse_entry_bundle,
    parse_tile_path, tile_path, Checkpoint, Hash, LogError,
};

pub const LOG_KEY: &str = include_str!("../../fixtures/log-key");
pub const CHECKPOINT: &str = include_str!("../../fixtures/checkpoint");

fn genuine() -> &'static Checkpoint {
    static C: OnceLock<Checkpoint> = OnceLock::new();
    C.get_or_init(|| open_checkpoint(CHECKPOINT, LOG_KEY).expect("the fixture checkpoint opens"))
}

pub fn check(data: &[u8]) {
    if let Some(entries) = parse_entry_bundle(data) {
        assert_eq!(entry_bundle(entries.iter().map(Vec::as_slice)), data, "an entry bundle does not write back to its bytes");
    }
    proofs(data);
    let Ok(text) = std::str::from_utf8(data) else { return };

    match open_checkpoint(text, LOG_KEY) {
        Ok(cp) => assert_eq!(&cp, genuine(), "a checkpoint other than the log's opened with its key"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if let Some((note, key)) = text.split_once('\0') {
        if let Ok(cp) = open_checkpoint(note, key) {
            let name = key.trim().split('+').next().unwrap_or_default();
            assert_eq!(cp.origin(), name, "a checkpoint opened under a key of another name");
        }
    }

    if let Some((level, index, width)) = parse_tile_path(text) {
        assert!(level.is_none_or(|l| l < 64) && (1..=256).contains(&width), "{text:?} parsed to {level:?} {index} {width}");
        let canonical = tile_path(level, index, width);
        assert_eq!(parse_tile_path(&canonical), Some((level, index, width)), "{canonical:?} does not parse back");
    }

    if let Ok(h) = hash_from_base64(text) {
        assert_eq!(hash_to_base64(&h), text.trim(), "a non-canonical hash encoding was accepted");
    }
}

/// The bytes as `size`, `index`, then 32-byte hashes (root, old root, proof…), checked both
/// as an inclusion proof and as a consistency proof.
fn proofs(data: &[u8]) {
    let Some((head, rest)) = data.split_at_checked(16) else { return };
    let size = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
    let index = u64::from_be_bytes(head[8..].try_into().expect("8 bytes"));
    let hashes: Vec<Hash> = rest.chunks_exact(32).map(|c| Hash(c.try_into().expect("32 bytes"))).collect();
    let Some((root, proof)) = hashes.split_first() else { return };
    let entry = &rest[rest.len() - rest.len() % 32..];
    let inclusion = check_inclusion(proof, size, root, index, entry);
    if index >= size {
        assert_eq!(inclusion, Err(LogError::OutOfRange { index, size }));
    }
    if let Some((old_root, proof)) = proof.split_first() {
        let _ = check_consistency(proof, size, root, index, old_root);
    }
}
