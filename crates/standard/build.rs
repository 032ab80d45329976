//! Embeds every catalog edition under `catalog/` (one folder per edition, TOML files inside)
//! into the library, so the `hoshi` binary carries the standard with it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not baked in with env!(): clones that share one target folder reuse the
    // compiled build script, and a baked-in path would point at whichever clone built it first.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../catalog");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut editions: Vec<_> = std::fs::read_dir(&root)
        .expect("catalog/ folder beside crates/")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    editions.sort();
    let mut out = String::from("pub(crate) static EMBEDDED: &[(&str, &[(&str, &str)])] = &[\n");
    for dir in editions {
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("edition folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let name = dir.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
        let _ = writeln!(out, "    ({name:?}, &[");
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let file = f.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
            let abs = f.canonicalize().expect("path");
            let _ = writeln!(out, "        ({file:?}, include_str!({:?})),", abs.display().to_string());
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
}
