//! The fuzz targets' checks, one module per target. The same files are compiled into the stable
//! corpus replay test (`crates/cli/tests/fuzz_corpus.rs`), so a corpus entry that once broke a
//! parser breaks `cargo test --workspace` too.

pub mod checks;
