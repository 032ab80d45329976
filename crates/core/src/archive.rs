//! Limits on what a ZIP container (an XLSX workbook) may unpack to, checked before a spreadsheet
//! reader sees it.
//!
//! A workbook is a ZIP archive, and DEFLATE packs repetitive XML about a thousand to one: a 1 MB
//! upload can hold a gigabyte of sheet XML, which a spreadsheet reader would buffer. So every entry
//! is inflated here once, into nothing, counting bytes as they come and stopping at the first byte
//! over the limit: the sizes an archive *declares* are not trusted. Memory stays at the inflater's
//! window whatever the archive holds, and the spreadsheet reader afterwards inflates at most
//! [`MAX_UNPACKED_BYTES`].

use std::io::{Cursor, Read};

/// At most this many entries (a workbook written by Excel has 10 to 30).
pub const MAX_ENTRIES: usize = 1_000;
/// At most this many bytes unpacked over all entries: 200 MiB, about ten times the sheet XML of a
/// 300,000-row supplier list.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// At most this many non-empty cells read from a sheet (a 300,000-row list of ten columns).
pub const MAX_CELLS: usize = 3_000_000;

/// Which limit a workbook passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Limit {
    #[error("it holds more than {MAX_ENTRIES} parts")]
    Entries,
    #[error("it unpacks to more than {} MiB", MAX_UNPACKED_BYTES / (1024 * 1024))]
    UnpackedBytes,
    #[error("its sheet has more than {MAX_CELLS} filled cells")]
    Cells,
}

impl Limit {
    /// The same in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Limit::Entries => format!("{MAX_ENTRIES}個を超える部品を含んでいます"),
            Limit::UnpackedBytes => format!("展開すると{} MiBを超えます", MAX_UNPACKED_BYTES / (1024 * 1024)),
            Limit::Cells => format!("シートに値の入ったセルが{MAX_CELLS}個を超えてあります"),
        }
    }
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a readable ZIP container ({0})")]
    Broken(String),
    #[error(transparent)]
    Over(Limit),
}

/// Inflates every entry of `bytes` into a sink, refusing the archive as soon as it passes a limit.
pub fn check(bytes: &[u8]) -> Result<(), ArchiveError> {
    if has_empty_extended_timestamp(bytes) {
        return Err(ArchiveError::Broken("an extended timestamp field is empty".into()));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ArchiveError::Broken(e.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ArchiveError::Over(Limit::Entries));
    }
    let mut left = MAX_UNPACKED_BYTES;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| ArchiveError::Broken(e.to_string()))?;
        // A declared size over the limit is refused without inflating anything.
        if entry.size() > left {
            return Err(ArchiveError::Over(Limit::UnpackedBytes));
        }
        loop {
            let n = match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ArchiveError::Broken(e.to_string())),
            };
            left = left.checked_sub(n).ok_or(ArchiveError::Over(Limit::UnpackedBytes))?;
        }
    }
    Ok(())
}

/// Whether a central directory header's extra field holds an extended timestamp (`0x5455`) of
/// length 0. The zip crate (4.6.1, calamine's too) then subtracts below zero: a panic wherever
/// overflow checks are on (debug builds, tests), zip-rs/zip2#404, fixed only in zip 5. Such a
/// field is malformed (it must hold at least its flags byte), so the archive is refused before
/// zip reads it. Every `PK\x01\x02` is looked at, not just the directory zip would find, and
/// the field anywhere in the extra data, so nothing zip could reach is missed.
fn has_empty_extended_timestamp(bytes: &[u8]) -> bool {
    let le16 = |b: &[u8], at: usize| b.get(at..at + 2).map(|x| usize::from(u16::from_le_bytes([x[0], x[1]])));
    bytes.windows(4).enumerate().filter(|(_, w)| w == b"PK\x01\x02").any(|(at, _)| {
        let header = &bytes[at..];
        let (Some(name), Some(extra)) = (le16(header, 28), le16(header, 30)) else { return false };
        let rest = header.get(46 + name..).unwrap_or_default();
        rest[..extra.min(rest.len())].windows(4).any(|w| w == [0x55, 0x54, 0, 0])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).compression_level(Some(1));
        for (name, data) in entries {
            out.start_file(*name, options).expect("entry");
            out.write_all(data).expect("write");
        }
        out.finish().expect("finish").into_inner()
    }

    #[test]
    fn an_ordinary_archive_passes() {
        assert_eq!(check(&deflated(&[("a.xml", b"<a/>"), ("b.xml", &[b'x'; 10_000])])), Ok(()));
    }

    #[test]
    fn a_bomb_is_refused_while_inflating() {
        // 201 MiB of one byte packs into about 2 MB at the fastest level (the upload limit is 20 MB).
        let big = vec![b'<'; (MAX_UNPACKED_BYTES + 1024 * 1024) as usize];
        let bomb = deflated(&[("xl/worksheets/sheet1.xml", &big)]);
        drop(big);
        assert!(bomb.len() < 4 * 1024 * 1024, "{}", bomb.len());
        assert_eq!(check(&bomb), Err(ArchiveError::Over(Limit::UnpackedBytes)));
        // Split over entries, the total still counts.
        let half = vec![b'<'; (MAX_UNPACKED_BYTES / 2 + 1) as usize];
        assert_eq!(check(&deflated(&[("a", &half), ("b", &half)])), Err(ArchiveError::Over(Limit::UnpackedBytes)));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("e{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        assert_eq!(check(&deflated(&entries)), Err(ArchiveError::Over(Limit::Entries)));
    }

    #[test]
    fn an_empty_extended_timestamp_is_broken_not_a_panic() {
        // Found by fuzzing (fuzz/corpus/archive/crash-87623c04…): a central directory header whose
        // extra field is an extended timestamp of length 0 made zip::ZipArchive::new panic with
        // "attempt to subtract with overflow" in debug builds.
        let good = deflated(&[("a.xml", b"<a/>")]);
        let at = good.windows(4).position(|w| w == b"PK\x01\x02").expect("a central header");
        let name = usize::from(u16::from_le_bytes([good[at + 28], good[at + 29]]));
        let field = [0x55, 0x54, 0, 0, 0];
        let mut bad = good[..at + 46 + name].to_vec();
        bad.extend(field);
        bad.extend(&good[at + 46 + name..]);
        bad[at + 30..at + 32].copy_from_slice(&(field.len() as u16).to_le_bytes());
        // The end record's size of the central directory grows by the field.
        let end = bad.len() - 22;
        let size = u32::from_le_bytes(bad[end + 12..end + 16].try_into().expect("4 bytes")) + field.len() as u32;
        bad[end + 12..end + 16].copy_from_slice(&size.to_le_bytes());
        assert!(matches!(check(&bad), Err(ArchiveError::Broken(_))), "{:?}", check(&bad));
        assert_eq!(check(&good), Ok(()));
    }

    #[test]
    fn garbage_is_broken() {
        assert!(matches!(check(b"PK\x03\x04 not a zip"), Err(ArchiveError::Broken(_))));
    }
}
