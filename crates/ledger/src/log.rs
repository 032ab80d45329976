//! The registry's transparency log: an RFC 6962 Merkle tree stored the way Go's `sumdb/tlog`
//! stores it (every "stored hash" once, addressed by [`stored_hash_index`]), C2SP `tlog-checkpoint`
//! signed notes, and C2SP `tlog-tiles` paths and entry bundles.
//!
//! The tree arithmetic is the `tlog_tiles` crate (Cloudflare's port of Go's code, which gives the
//! same roots and proofs); signed notes are the `signed_note` crate. This module adds the
//! checkpoint signing and opening, tile paths in C2SP's form, entry bundles, and proofs with
//! errors in plain words.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use signed_note::{Note, Signer as _, StandardSigner, StandardVerifier, VerifierList};
/// The tree library's error type, for `HashReader` implementations.
pub use tlog_tiles::Error as TlogError;
pub use tlog_tiles::{
    record_hash, stored_hash_index, stored_hashes, sub_tree_index, tree_hash, Checkpoint, Hash, HashReader, Tile, EMPTY_HASH,
};

/// Tiles are 2^8 = 256 hashes wide (C2SP tlog-tiles).
pub const TILE_HEIGHT: u8 = 8;
/// Entries per full entry bundle.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// Why a log artefact was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogError {
    #[error("the log key is malformed: write it as <name>+<hex key id>+<base64 key>")]
    BadVerifierKey,
    #[error("the log's signing key is malformed")]
    BadSignerKey,
    #[error("the checkpoint is not a signed note: {0}")]
    BadNote(String),
    #[error("the checkpoint is not signed by the log key {0}")]
    NotSignedByLog(String),
    #[error("the checkpoint's signature does not match its text: it was changed")]
    BadCheckpointSignature,
    #[error("the checkpoint text is malformed (C2SP tlog-checkpoint: origin, size, base64 root hash)")]
    BadCheckpoint,
    #[error("the checkpoint is for log {found:?}, not {expected:?}")]
    WrongOrigin { expected: String, found: String },
    #[error("index {index} is outside a tree of size {size}")]
    OutOfRange { index: u64, size: u64 },
    #[error("the inclusion proof does not lead to the checkpoint's root: the entry is not in the log at that position, or something was changed")]
    InclusionFailed,
    #[error("the consistency proof does not hold: the log forked or was rewritten")]
    ConsistencyFailed,
    #[error("a proof hash is not 32 bytes of base64")]
    BadProofHash,
    #[error("the tree is missing hashes: {0}")]
    Storage(String),
}

/// The log's Ed25519 note-signing key.
#[derive(Clone)]
pub struct LogSigner {
    signer: StandardSigner,
    skey: String,
    vkey: String,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner").field("vkey", &self.vkey).finish_non_exhaustive()
    }
}

impl LogSigner {
    /// A new key for the log named `origin` (e.g. `hoshi.example.jp/registry`).
    pub fn generate(origin: &str) -> Result<LogSigner, LogError> {
        let (skey, vkey) = signed_note::generate_key(&mut rand::rngs::OsRng, origin);
        Self::from_keys(&skey, &vkey)
    }

    /// Restores a key from its `PRIVATE+KEY+…` text and verifier key line.
    pub fn from_keys(skey: &str, vkey: &str) -> Result<LogSigner, LogError> {
        let signer = StandardSigner::new(skey.trim()).map_err(|_| LogError::BadSignerKey)?;
        StandardVerifier::new(vkey.trim()).map_err(|_| LogError::BadVerifierKey)?;
        Ok(LogSigner { signer, skey: skey.trim().to_owned(), vkey: vkey.trim().to_owned() })
    }

    /// The log's origin (the key's name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The secret key text, for storage with 0600 permissions.
    pub fn secret(&self) -> &str {
        &self.skey
    }

    /// The verifier key line `<name>+<hex key id>+<base64 key>`, published at `/log/key`.
    pub fn verifier_key(&self) -> &str {
        &self.vkey
    }

    /// Signs a checkpoint for a tree of `size` entries with root `root`.
    pub fn sign_checkpoint(&self, size: u64, root: &Hash) -> Result<String, LogError> {
        let cp = Checkpoint::new(self.origin(), size, *root, "").map_err(|_| LogError::BadCheckpoint)?;
        let mut note = Note::new(&cp.to_bytes(), &[]).map_err(|e| LogError::BadNote(e.to_string()))?;
        note.add_sigs(&[&self.signer]).map_err(|e| LogError::BadNote(e.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|e| LogError::BadNote(e.to_string()))
    }
}

/// Opens a signed checkpoint: checks the log's signature and parses the tree head.
pub fn open_checkpoint(note_text: &str, verifier_key: &str) -> Result<Checkpoint, LogError> {
    let verifier = StandardVerifier::new(verifier_key.trim()).map_err(|_| LogError::BadVerifierKey)?;
    let name = signed_note::Verifier::name(&verifier).to_owned();
    let note = Note::from_bytes(note_text.as_bytes()).map_err(|e| LogError::BadNote(e.to_string()))?;
    let list = VerifierList::new(vec![Box::new(verifier)]);
    match note.verify(&list) {
        Ok(_) => {}
        Err(signed_note::NoteError::InvalidSignature { .. }) => return Err(LogError::BadCheckpointSignature),
        Err(signed_note::NoteError::UnverifiedNote) => return Err(LogError::NotSignedByLog(verifier_key.trim().to_owned())),
        Err(e) => return Err(LogError::BadNote(e.to_string())),
    }
    let cp = Checkpoint::from_bytes(note.text()).map_err(|_| LogError::BadCheckpoint)?;
    if cp.origin() != name {
        return Err(LogError::WrongOrigin { expected: name, found: cp.origin().to_owned() });
    }
    Ok(cp)
}

/// The C2SP `tlog-tiles` path of a hash tile, `tile/<L>/<N>[.p/<W>]`, or of an entry bundle,
/// `tile/entries/<N>[.p/<W>]`, with N written in groups of three digits (`x001/234`).
pub fn tile_path(level_or_entries: Option<u8>, index: u64, width: u64) -> String {
    let mut n = index;
    let mut s = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        s = format!("x{:03}/{s}", n % 1000);
    }
    let l = level_or_entries.map_or_else(|| "entries".to_owned(), |l| l.to_string());
    let partial = if width < TILE_WIDTH { format!(".p/{width}") } else { String::new() };
    format!("tile/{l}/{s}{partial}")
}

/// Parses a C2SP tile path back into (level or `None` for entries, index, width).
pub fn parse_tile_path(path: &str) -> Option<(Option<u8>, u64, u64)> {
    let rest = path.strip_prefix("tile/")?;
    let (l, rest) = rest.split_once('/')?;
    let level = if l == "entries" { None } else { Some(l.parse::<u8>().ok().filter(|v| *v < 64)?) };
    let (n_part, width) = match rest.split_once(".p/") {
        Some((n, w_text)) => {
            let w: u64 = w_text.parse().ok()?;
            if w == 0 || w >= TILE_WIDTH || w.to_string() != w_text {
                return None;
            }
            (n, w)
        }
        None => (rest, TILE_WIDTH),
    };
    let groups: Vec<&str> = n_part.split('/').collect();
    let mut index: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        let digits = if last { *g } else { g.strip_prefix('x')? };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
    }
    Some((level, index, width))
}

/// The hashes of a hash tile: `width` consecutive hashes at level `8 × level` of a tree of
/// `tree_size` entries, starting at `index × 256`.
pub fn tile_data<R: HashReader>(level: u8, index: u64, width: u64, r: &R) -> Result<Vec<u8>, LogError> {
    let w = u32::try_from(width).map_err(|_| LogError::Storage("tile width".into()))?;
    let tile = Tile::new(TILE_HEIGHT, level, index, w, false);
    tile.read_data(r).map_err(|e| LogError::Storage(e.to_string()))
}

/// An entry bundle: each entry as a big-endian 16-bit length and its bytes (C2SP tlog-tiles).
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&e[..usize::from(len)]);
    }
    out
}

/// Splits an entry bundle into its entries.
pub fn parse_entry_bundle(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        out.push(bytes.get(i + 2..i + 2 + len)?.to_vec());
        i += 2 + len;
    }
    Some(out)
}

/// The RFC 6962 inclusion proof (audit path, leaf to root) of entry `index` in a tree of `size`.
pub fn prove_inclusion<R: HashReader>(size: u64, index: u64, r: &R) -> Result<Vec<Hash>, LogError> {
    if index >= size {
        return Err(LogError::OutOfRange { index, size });
    }
    tlog_tiles::prove_record(size, index, r).map_err(|e| LogError::Storage(e.to_string()))
}

/// Checks that `entry` is at `index` in the tree of `size` with root `root`.
pub fn check_inclusion(proof: &[Hash], size: u64, root: &Hash, index: u64, entry: &[u8]) -> Result<(), LogError> {
    if index >= size {
        return Err(LogError::OutOfRange { index, size });
    }
    tlog_tiles::check_record(&proof.to_vec(), size, *root, index, record_hash(entry)).map_err(|_| LogError::InclusionFailed)
}

/// The RFC 6962 consistency proof from a tree of `old` entries to one of `new`.
pub fn prove_consistency<R: HashReader>(new: u64, old: u64, r: &R) -> Result<Vec<Hash>, LogError> {
    if old > new {
        return Err(LogError::OutOfRange { index: old, size: new });
    }
    tlog_tiles::prove_tree(new, old, r).map_err(|e| LogError::Storage(e.to_string()))
}

/// Checks that the tree of `old` entries with root `old_root` is a prefix of the tree of `new`.
pub fn check_consistency(proof: &[Hash], new: u64, new_root: &Hash, old: u64, old_root: &Hash) -> Result<(), LogError> {
    tlog_tiles::check_tree(&proof.to_vec(), new, *new_root, old, *old_root).map_err(|_| LogError::ConsistencyFailed)
}

pub fn hash_to_base64(h: &Hash) -> String {
    B64.encode(h.0)
}

pub fn hash_from_base64(s: &str) -> Result<Hash, LogError> {
    let v = B64.decode(s.trim()).map_err(|_| LogError::BadProofHash)?;
    let a: [u8; 32] = v.try_into().map_err(|_| LogError::BadProofHash)?;
    Ok(Hash(a))
}

/// Every file of the C2SP tlog-tiles read API for a tree of `size` entries: each hash tile at
/// every level and each entry bundle, as `(path, bytes)`, full tiles plus the partial tile at the
/// right edge. `entry(i)` gives entry `i`'s bytes.
pub fn static_tiles<R: HashReader>(size: u64, r: &R, entry: impl Fn(u64) -> Option<Vec<u8>>) -> Result<Vec<(String, Vec<u8>)>, LogError> {
    let mut out = Vec::new();
    let mut level: u8 = 0;
    loop {
        // Hashes at tree level 8·level: there are size >> (8·level) of them.
        let count = size.checked_shr(u32::from(level) * u32::from(TILE_HEIGHT)).unwrap_or(0);
        if count == 0 {
            break;
        }
        let mut index = 0;
        while index * TILE_WIDTH < count {
            let width = (count - index * TILE_WIDTH).min(TILE_WIDTH);
            out.push((tile_path(Some(level), index, width), tile_data(level, index, width, r)?));
            index += 1;
        }
        level += 1;
    }
    let mut start = 0;
    while start < size {
        let width = (size - start).min(TILE_WIDTH);
        let entries: Vec<Vec<u8>> = (start..start + width)
            .map(|i| entry(i).ok_or_else(|| LogError::Storage(format!("entry {i} is missing"))))
            .collect::<Result<_, _>>()?;
        out.push((tile_path(None, start / TILE_WIDTH, width), entry_bundle(entries.iter().map(Vec::as_slice))));
        start += width;
    }
    Ok(out)
}

/// An in-memory tree, for tests, tools and building static tiles.
#[derive(Debug, Default, Clone)]
pub struct MemoryLog {
    pub entries: Vec<Vec<u8>>,
    pub hashes: Vec<Hash>,
}

impl HashReader for MemoryLog {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| usize::try_from(*i).ok().and_then(|i| self.hashes.get(i).copied()).ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

impl MemoryLog {
    /// Appends an entry and stores the hashes it adds; returns its index.
    pub fn append(&mut self, entry: &[u8]) -> Result<u64, LogError> {
        let n = self.entries.len() as u64;
        let new = stored_hashes(n, entry, self).map_err(|e| LogError::Storage(e.to_string()))?;
        self.hashes.extend(new);
        self.entries.push(entry.to_vec());
        Ok(n)
    }
    pub fn size(&self) -> u64 {
        self.entries.len() as u64
    }
    pub fn root(&self) -> Result<Hash, LogError> {
        tree_hash(self.size(), self).map_err(|e| LogError::Storage(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> MemoryLog {
        let mut l = MemoryLog::default();
        for i in 0..n {
            l.append(format!("entry {i}").as_bytes()).expect("append");
        }
        l
    }

    #[test]
    fn rfc6962_hashes() {
        // RFC 6962 §2.1: leaf hash = SHA-256(0x00 || data); the empty tree is SHA-256("").
        let l = log(0);
        assert_eq!(l.root().expect("root"), EMPTY_HASH);
        let one = log(1);
        assert_eq!(one.root().expect("root"), record_hash(b"entry 0"));
    }

    #[test]
    fn every_inclusion_and_consistency_proof_checks_and_a_changed_entry_fails() {
        let l = log(300);
        for size in [1u64, 2, 3, 7, 8, 255, 256, 257, 300] {
            let root = tree_hash(size, &l).expect("root");
            for index in [0, size / 2, size - 1] {
                let p = prove_inclusion(size, index, &l).expect("proof");
                check_inclusion(&p, size, &root, index, &l.entries[index as usize]).expect("checks");
                assert_eq!(check_inclusion(&p, size, &root, index, b"forged"), Err(LogError::InclusionFailed));
            }
            for old in [1u64, size / 2, size] {
                if old == 0 {
                    continue;
                }
                let old_root = tree_hash(old, &l).expect("root");
                let p = prove_consistency(size, old, &l).expect("proof");
                check_consistency(&p, size, &root, old, &old_root).expect("consistent");
            }
        }
        assert!(prove_inclusion(3, 3, &l).is_err());
    }

    #[test]
    fn checkpoints_sign_open_and_refuse_changes() {
        let s = LogSigner::generate("hoshi.example/registry").expect("key");
        let l = log(10);
        let note = s.sign_checkpoint(10, &l.root().expect("root")).expect("sign");
        assert!(note.starts_with("hoshi.example/registry\n10\n"), "{note}");
        let cp = open_checkpoint(&note, s.verifier_key()).expect("opens");
        assert_eq!((cp.size(), *cp.hash()), (10, l.root().expect("root")));
        let forged = note.replacen("\n10\n", "\n11\n", 1);
        assert_eq!(open_checkpoint(&forged, s.verifier_key()), Err(LogError::BadCheckpointSignature));
        let other = LogSigner::generate("hoshi.example/registry").expect("key");
        assert!(matches!(open_checkpoint(&note, other.verifier_key()), Err(LogError::NotSignedByLog(_))));
        let back = LogSigner::from_keys(s.secret(), s.verifier_key()).expect("restore");
        assert_eq!(back.verifier_key(), s.verifier_key());
    }

    #[test]
    fn tile_paths_follow_c2sp_and_parse_back() {
        assert_eq!(tile_path(Some(0), 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(Some(1), 5, 17), "tile/1/005.p/17");
        assert_eq!(tile_path(None, 0, 3), "tile/entries/000.p/3");
        for (l, n, w) in [(Some(0u8), 1_234_067u64, 256u64), (Some(2), 0, 1), (None, 999, 255), (None, 1000, 256)] {
            assert_eq!(parse_tile_path(&tile_path(l, n, w)), Some((l, n, w)));
        }
        for bad in ["tile/0/1", "tile/0/x1/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/000.p/01", "tiles/0/000", "tile/x/000"] {
            assert_eq!(parse_tile_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn tiles_hold_the_level_hashes_and_bundles_round_trip() {
        let l = log(300);
        let t0 = tile_data(0, 0, 256, &l).expect("full tile");
        assert_eq!(t0.len(), 256 * 32);
        assert_eq!(&t0[..32], &record_hash(b"entry 0").0);
        let t1 = tile_data(0, 1, 44, &l).expect("partial tile");
        assert_eq!(&t1[..32], &record_hash(b"entry 256").0);
        let b = entry_bundle(l.entries[..3].iter().map(Vec::as_slice));
        assert_eq!(parse_entry_bundle(&b).expect("parse"), l.entries[..3].to_vec());
        assert_eq!(parse_entry_bundle(&[0, 5, 1]), None);
    }
}
