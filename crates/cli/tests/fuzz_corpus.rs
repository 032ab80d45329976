//! Replays every fuzz corpus (`fuzz/corpus/<target>/`) through the same checks the fuzz targets
//! run (`fuzz/src/checks/`), on the stable toolchain: an input that once crashed a parser, or any
//! input the fuzzer kept, fails `cargo test` if it breaks again. The fuzzing itself is
//! `scripts/fuzz` (nightly, cargo-fuzz); see `fuzz/README.md`.

#[path = "../../../fuzz/src/checks/mod.rs"]
#[allow(dead_code)]
mod checks;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} is missing: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    files
}

fn replay(target: &str) {
    let (_, check) = checks::TARGETS.iter().find(|(name, _)| *name == target).expect("a known target");
    let files = corpus(target);
    for path in &files {
        let data = std::fs::read(path).expect("a readable corpus file");
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let message = panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied()).unwrap_or("");
            panic!("{target}: {} fails: {message}", path.display());
        }
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn the_corpus_folders_are_the_targets() {
    let mut names: Vec<&str> = checks::TARGETS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let mut dirs: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus"))
        .expect("fuzz/corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort_unstable();
    assert_eq!(names, dirs, "every corpus folder is a target and every target has a corpus");
}

#[test]
fn supplier_file() {
    replay("supplier_file");
}

#[test]
fn archive() {
    replay("archive");
}

#[test]
fn catalog() {
    replay("catalog");
}

#[test]
fn bundle() {
    replay("bundle");
}

#[test]
fn signed_note() {
    replay("signed_note");
}

#[test]
fn jws() {
    replay("jws");
}

#[test]
fn allocate() {
    replay("allocate");
}

#[test]
fn upload() {
    replay("upload");
}
