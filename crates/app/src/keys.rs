//! The registry's signing keys: the certificate issuer key (JWS) and the log's note key.
//!
//! Kept as files in the data folder's `keys/` with 0600 permissions, created on first start.
//! Their public halves go into the database, so every replica publishes the same JWKS and
//! retired issuer keys keep verifying old certificates.
//!
//! Beside them, `published-head` holds the newest checkpoint this server signed and published:
//! the log's head kept outside the database, so that a server started on a database restored
//! from an old backup (or swapped for another) notices it is behind what the world has already
//! seen, instead of signing checkpoints that fork the published log.

use std::path::{Path, PathBuf};

use hoshi_ledger::jws::IssuerKey;
use hoshi_ledger::log::LogSigner;

/// The keys the registry signs with.
#[derive(Clone, Debug)]
pub struct KeyRing {
    pub issuer: IssuerKey,
    pub log: LogSigner,
    /// The folder the keys were loaded from (`None`: in memory only, nothing published there).
    pub dir: Option<PathBuf>,
}

/// The file beside the keys holding the newest published checkpoint.
pub const PUBLISHED_HEAD: &str = "published-head";

/// The default log origin (the first line of every checkpoint).
pub const DEFAULT_ORIGIN: &str = "hoshi.localhost/registry";

impl KeyRing {
    /// Keys that live only in memory (tests, commands that never sign).
    pub fn ephemeral(origin: &str) -> KeyRing {
        KeyRing {
            issuer: IssuerKey::generate(),
            log: LogSigner::generate(origin).unwrap_or_else(|_| unreachable!("valid origin")),
            dir: None,
        }
    }

    /// Loads the keys from `dir`, creating any that is missing (files with mode 0600).
    pub fn load_or_create(dir: &Path, origin: &str) -> std::io::Result<KeyRing> {
        std::fs::create_dir_all(dir)?;
        let issuer_path = dir.join("issuer.key");
        let issuer = match std::fs::read_to_string(&issuer_path) {
            Ok(hex) => decode_hex(hex.trim()).and_then(|b| IssuerKey::from_secret(&b)).ok_or_else(|| bad(&issuer_path))?,
            Err(_) => {
                let k = IssuerKey::generate();
                write_secret(&issuer_path, &encode_hex(&k.secret()))?;
                k
            }
        };
        let log_path = dir.join("log.key");
        let log = match std::fs::read_to_string(&log_path) {
            Ok(text) => {
                let mut lines = text.lines();
                let (s, v) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
                LogSigner::from_keys(s, v).map_err(|_| bad(&log_path))?
            }
            Err(_) => {
                let l = LogSigner::generate(origin).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
                write_secret(&log_path, &format!("{}\n{}\n", l.secret(), l.verifier_key()))?;
                l
            }
        };
        Ok(KeyRing { issuer, log, dir: Some(dir.to_path_buf()) })
    }

    /// The newest checkpoint recorded as published (the signed note), if any.
    pub fn published_head(&self) -> std::io::Result<Option<String>> {
        let Some(dir) = &self.dir else { return Ok(None) };
        match std::fs::read_to_string(dir.join(PUBLISHED_HEAD)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records `note` as the newest published checkpoint, durably: a new file written and synced,
    /// renamed over the old one, and the folder synced, so a crash leaves the old head or the
    /// new one, never a torn file.
    pub fn record_published_head(&self, note: &str) -> std::io::Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let tmp = dir.join(format!("{PUBLISHED_HEAD}.tmp"));
        write_secret(&tmp, note)?;
        std::fs::rename(&tmp, dir.join(PUBLISHED_HEAD))?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }

    /// Replaces the issuer key with a new one; the old file is kept as `issuer-<kid>.retired`.
    pub fn rotate_issuer(dir: &Path, current: &IssuerKey) -> std::io::Result<IssuerKey> {
        let retired = dir.join(format!("issuer-{}.retired", current.kid));
        write_secret(&retired, &encode_hex(&current.secret()))?;
        let k = IssuerKey::generate();
        write_secret(&dir.join("issuer.key"), &encode_hex(&k.secret()))?;
        Ok(k)
    }
}

fn bad(p: &Path) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is not a valid key file", p.display()))
}

fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    f.sync_all()
}

fn encode_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_with_owner_only_permissions() {
        let dir = std::env::temp_dir().join(format!("hoshi-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = KeyRing::load_or_create(&dir, "test.example/log").expect("create");
        let b = KeyRing::load_or_create(&dir, "test.example/log").expect("load");
        assert_eq!(a.issuer.kid, b.issuer.kid);
        assert_eq!(a.log.verifier_key(), b.log.verifier_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in ["issuer.key", "log.key"] {
                let mode = std::fs::metadata(dir.join(f)).expect("meta").permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{f}");
            }
        }
        let rotated = KeyRing::rotate_issuer(&dir, &a.issuer).expect("rotate");
        assert_ne!(rotated.kid, a.issuer.kid);
        assert_eq!(KeyRing::load_or_create(&dir, "x").expect("load").issuer.kid, rotated.kid);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
