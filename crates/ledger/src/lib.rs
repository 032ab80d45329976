//! Signatures and the transparency log, usable on their own: someone who only wants to verify a
//! Hoshi certificate can depend on this crate alone (or use any JOSE library plus RFC 6962 code).
//!
//! - [`jws`]: certificates as compact JWS (`alg: EdDSA`, `typ: vc+jwt`) over a W3C Verifiable
//!   Credential 2.0 payload; issuer keys with `kid`; JWKS.
//! - [`log`]: the RFC 6962 / RFC 9162 Merkle tree as Go's `sumdb/tlog` stores it (ported in the
//!   `tlog_tiles` crate), C2SP `tlog-checkpoint` signed notes (`signed_note`), C2SP `tlog-tiles`
//!   paths and entry bundles, inclusion and consistency proofs.
//! - [`bundle`]: a certificate with its log index, leaf, inclusion proof and checkpoint, and its
//!   offline verification.
//!
//! No I/O, no clock, no database: storage hands this crate hashes through [`log::HashReader`].

pub mod bundle;
pub mod jws;
pub mod log;
