//! The JSON API under `/api/v1`, by resource. Errors are RFC 9457 problems ([`crate::problem`]).

pub mod assessments;
pub mod catalog;
pub mod health;
pub mod negotiations;
pub mod openapi;
pub mod orgs;
pub mod registry;
pub mod sharing;
pub mod suppliers;
