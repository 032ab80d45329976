//! The ★ standard as data: the level catalog of the supply-chain security evaluation scheme
//! (SCS評価制度), loaded from versioned, bilingual TOML files (`catalog/<edition>/`).
//!
//! - [`Edition`] is one validated edition: levels, categories, requirements, criteria with their
//!   guidance, evidence examples, mappings and cost drivers. It can only be built by
//!   [`load::load_edition`], which refuses a broken edition with every problem, file and line.
//! - [`embedded`] gives the editions compiled into the binary.
//! - [`oscal`] exports an edition as an OSCAL 1.1 catalog; [`export`] as JSON or CSV.
//!
//! The crate does no I/O of its own beyond what the caller hands it as text, and knows nothing
//! of companies, assessments or money beyond the catalog's cost drivers.

pub mod export;
pub mod load;
mod model;
pub mod oscal;
pub mod oscal_ar;
pub mod oscal_poam;

pub use hoshi_ids::Level;
pub use load::{load_edition, Problem, Problems};
pub use model::*;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The editions compiled into the binary, oldest first.
///
/// # Panics
/// Never in a released binary: a test loads every embedded edition and fails on any problem.
pub fn embedded() -> Vec<Edition> {
    generated::EMBEDDED
        .iter()
        .map(|(name, files)| match load_edition(files) {
            Ok(e) => e,
            Err(p) => panic!("embedded catalog edition {name} is broken:\n{p}"),
        })
        .collect()
}

/// The source files of each embedded edition: `(edition folder, [(file name, contents)])`.
pub fn embedded_sources() -> &'static [(&'static str, &'static [(&'static str, &'static str)])] {
    generated::EMBEDDED
}

/// The embedded editions, parsed and checked once per process (a page view must not parse the
/// catalog again).
fn parsed() -> &'static [std::sync::Arc<Edition>] {
    static PARSED: std::sync::OnceLock<Vec<std::sync::Arc<Edition>>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| embedded().into_iter().map(std::sync::Arc::new).collect())
}

/// The embedded edition with this id, or the newest one when `id` is `None`, shared (parsed once).
pub fn shared_edition(id: Option<&str>) -> Result<std::sync::Arc<Edition>, UnknownEdition> {
    let all = parsed();
    let found = match id {
        None => all.last(),
        Some(want) => all.iter().find(|e| e.id == want),
    };
    found
        .cloned()
        .ok_or_else(|| UnknownEdition { asked: id.unwrap_or_default().to_owned(), known: all.iter().map(|e| e.id.clone()).collect() })
}

/// The embedded edition with this id, or the newest one when `id` is `None` (an owned copy of
/// the edition parsed once; see [`shared_edition`]).
pub fn embedded_edition(id: Option<&str>) -> Result<Edition, UnknownEdition> {
    shared_edition(id).map(|e| (*e).clone())
}

/// An edition that is not among the embedded ones.
#[derive(Debug, thiserror::Error)]
#[error("there is no catalog edition {asked:?}; the editions are: {}", known.join(", "))]
pub struct UnknownEdition {
    pub asked: String,
    pub known: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_parsed_once_and_shared() {
        let a = shared_edition(None).expect("newest");
        let b = shared_edition(Some(&a.id)).expect("by id");
        assert!(std::sync::Arc::ptr_eq(&a, &b), "the same parsed edition, not a second parse");
        let e = shared_edition(Some("1999.01")).expect_err("unknown");
        assert!(e.known.contains(&a.id), "{e}");
    }

    #[test]
    fn every_embedded_edition_loads_without_problems() {
        for (name, files) in generated::EMBEDDED {
            if let Err(p) = load_edition(files) {
                panic!("edition {name}:\n{p}");
            }
        }
        assert!(!embedded().is_empty());
    }
}
