//! The vocabulary every other Hoshi crate speaks: [`CorporateNumber`] (法人番号), [`Yen`],
//! [`Level`] (★1–★5) and [`FiscalYear`] (年度).
//!
//! Each is a newtype that can only be built by parsing ("parse, don't validate"): once a value
//! exists it is valid, and nothing inside Hoshi checks it again. Errors say what to fix in the
//! words of the person who typed the value. This crate does no I/O and has no clock.

mod corporate_number;
mod fiscal_year;
mod level;
mod yen;

pub use corporate_number::{CorporateNumber, CorporateNumberError};
pub use fiscal_year::{FiscalYear, FiscalYearError};
pub use level::{Level, LevelError};
pub use yen::{Yen, YenError};
