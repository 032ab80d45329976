//! Hoshi's pure domain decisions. No I/O, no clock, no database, no async: time and randomness
//! come in as arguments, so every decision is a deterministic function that tests can pin down.
//!
//! The catalog (`hoshi-standard`) is data the decisions read; it too does no I/O.
//!
//! The vocabulary types (Corporate Number, yen, ★ level, fiscal year) live in `hoshi-ids`, so
//! that the catalog crate can use them too; they are re-exported here as [`ids`].

pub use hoshi_ids as ids;
pub use hoshi_ids::{CorporateNumber, FiscalYear, Level, Yen};

pub mod accreditation;
pub mod archive;
pub mod assessment;
pub mod audit;
pub mod cost;
pub mod graph;
pub mod negotiation;
pub mod org;
pub mod plan;
pub mod required_level;
pub mod risk;
pub mod sharing;
pub mod supplier_file;
pub mod text;
pub mod time;
pub mod upload;
pub mod workbook;
