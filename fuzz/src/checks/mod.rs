//! One `check(&[u8])` per fuzz target: it feeds the bytes to a parser of outside input and
//! asserts what must hold of the answer. A panic (or a failed assertion) is a finding.
//!
//! Only the Hoshi crates and `serde_json` are used, so this module also compiles inside the
//! main workspace's tests (see `crates/cli/tests/fuzz_corpus.rs`).

pub mod allocate;
pub mod archive;
pub mod bundle;
pub mod catalog;
pub mod jws;
pub mod signed_note;
pub mod supplier_file;
pub mod upload;

/// A target's check: panics on a finding.
pub type Check = fn(&[u8]);

/// Every target: its name (the folder under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("supplier_file", supplier_file::check),
    ("archive", archive::check),
    ("catalog", catalog::check),
    ("bundle", bundle::check),
    ("signed_note", signed_note::check),
    ("jws", jws::check),
    ("allocate", allocate::check),
    ("upload", upload::check),
];
