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

/// The embedded edition with this id, or the newest one when `id` is `None`.
pub fn embedded_edition(id: Option<&str>) -> Result<Edition, UnknownEdition> {
    let all = embedded();
    let known: Vec<String> = all.iter().map(|e| e.id.clone()).collect();
    match id {
        None => all.into_iter().last().ok_or(UnknownEdition { asked: String::new(), known }),
        Some(want) => all.into_iter().find(|e| e.id == want).ok_or(UnknownEdition { asked: want.to_owned(), known }),
    }
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
    fn every_embedded_edition_loads_without_problems() {
        for (name, files) in generated::EMBEDDED {
            if let Err(p) = load_edition(files) {
                panic!("edition {name}:\n{p}");
            }
        }
        assert!(!embedded().is_empty());
    }
}
