//! `archive`: the ZIP limits checked before a workbook is read, `hoshi_core::archive::check`,
//! on arbitrary bytes (seeded with small workbooks and archives).
//!
//! Checked: the answer is the same when asked twice (nothing depends on state), and the
//! supplier-file reader refuses a workbook for exactly the reason the archive check gives
//! (a broken archive is `BrokenXlsx`, a passed limit is `TooLarge` with the same limit).

use hoshi_core::archive::{check as check_archive, ArchiveError};
use hoshi_core::supplier_file::{parse, FileError};

pub fn check(data: &[u8]) {
    let first = check_archive(data);
    assert_eq!(first, check_archive(data), "archive::check is not deterministic");
    if let Err(e) = &first {
        assert!(!e.to_string().is_empty());
        // The supplier-file reader runs the same check first on anything that starts like a ZIP.
        if data.starts_with(b"PK\x03\x04") {
            match (e, parse(data)) {
                (ArchiveError::Broken(_), Err(FileError::BrokenXlsx { .. })) => {}
                (ArchiveError::Over(limit), Err(FileError::TooLarge(l))) => assert_eq!(*limit, l),
                (e, other) => panic!("archive::check says {e:?} but the supplier file reader says {other:?}"),
            }
        }
    }
}
