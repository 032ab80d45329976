//! `supplier_file`: a buyer's supplier list as uploaded (CSV in UTF-8 or Shift_JIS, or XLSX),
//! through `hoshi_core::supplier_file::parse` and `parse_with_mapping`.
//!
//! Checked of every file that can be read:
//! - the format is XLSX exactly when the bytes start like a ZIP, Shift_JIS only for a CSV that
//!   is not UTF-8;
//! - good rows have spreadsheet row numbers ≥ 2 (the header is row 1 or later), strictly
//!   increasing, a non-empty trimmed name, a unique corporate number, and no error of their own;
//! - errors and warnings are sorted by row, name a real column key, have both languages, and
//!   are bounded: at most one per field and row (plus one per extra header column), so the
//!   report cannot blow up beyond the file (the import report then keeps `REPORT_LIMIT`);
//! - when the header is good, every data row is either good or has an error;
//! - giving the mapping the parser chose back to `parse_with_mapping` reads the same file;
//!   a mapping of the wrong length is refused; any other mapping still gives sorted, bounded
//!   problems.

use hoshi_core::supplier_file::{parse, parse_with_mapping, Field, FileError, FileFormat, ParsedFile};

pub fn check(data: &[u8]) {
    let parsed = match parse(data) {
        Ok(p) => p,
        Err(e) => {
            check_error(data, &e);
            return;
        }
    };
    check_parsed(data, &parsed);

    // The parser's own mapping, given back, reads the file the same way.
    let again = parse_with_mapping(data, &parsed.mapping).expect("the same bytes read with their own mapping");
    assert_eq!(again, parsed, "parse_with_mapping(own mapping) differs from parse");

    // A mapping one entry short is refused, not read against the wrong columns.
    if let Some((_, short)) = parsed.mapping.split_last() {
        assert_eq!(
            parse_with_mapping(data, short),
            Err(FileError::MappingMismatch { columns: parsed.headers.len(), mapping: short.len() })
        );
    }

    // Another mapping, chosen from the headers' bytes so the fuzzer can steer it.
    let other: Vec<Option<Field>> = parsed
        .headers
        .iter()
        .map(|h| Field::ALL.get(h.bytes().fold(0usize, |a, b| a.wrapping_add(usize::from(b))) % 11).copied())
        .collect();
    let remapped = parse_with_mapping(data, &other).expect("readable with any mapping of the right length");
    assert_eq!(remapped.mapping, other);
    check_parsed(data, &remapped);
}

fn check_error(data: &[u8], e: &FileError) {
    assert!(!e.to_string().is_empty() && !e.message_ja().is_empty());
    let zip = data.starts_with(b"PK\x03\x04");
    match e {
        FileError::BrokenXlsx { .. } | FileError::TooLarge(_) => assert!(zip, "an XLSX error for a file that is not a ZIP: {e:?}"),
        FileError::Undecodable | FileError::Csv { .. } => assert!(!zip, "a CSV error for a ZIP: {e:?}"),
        FileError::MappingMismatch { .. } => panic!("MappingMismatch without a mapping"),
        FileError::LegacyOrEncryptedExcel | FileError::Empty => {}
    }
}

fn check_parsed(data: &[u8], p: &ParsedFile) {
    let zip = data.starts_with(b"PK\x03\x04");
    assert_eq!(p.format == FileFormat::Xlsx, zip);
    if p.converted_from_shift_jis {
        assert!(p.format == FileFormat::Csv && std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)).is_err());
    }
    assert_eq!(p.headers.len(), p.mapping.len());
    assert!(p.rows.len() <= p.rows_total);

    let mut previous = 1u32;
    let mut numbers = std::collections::HashSet::new();
    let bad = p.bad_rows();
    for r in &p.rows {
        assert!(r.row >= 2 && r.row > previous, "row numbers {previous} then {}", r.row);
        previous = r.row;
        assert!(!r.name.is_empty() && r.name.trim() == r.name, "name {:?}", r.name);
        assert!(numbers.insert(r.corporate_number), "corporate number {} twice", r.corporate_number);
        assert!(!bad.contains(&r.row), "row {} is good and has an error", r.row);
    }
    if !p.rows.is_empty() {
        // A good header: every data row is good or has an error of its own.
        assert_eq!(p.rows.len() + bad.len(), p.rows_total, "good {} + bad {bad:?} != {} rows", p.rows.len(), p.rows_total);
    }

    let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
    for list in [&p.errors, &p.warnings] {
        assert!(list.windows(2).all(|w| w[0].row <= w[1].row), "problems not sorted by row");
        for e in list.iter() {
            assert!(e.row >= 1);
            assert!(keys.contains(&e.column.as_str()), "column {:?}", e.column);
            assert!(!e.message_en.is_empty() && !e.message_ja.is_empty());
        }
        // At most one problem per field on each data row, and on the header one per column
        // plus one per field.
        let per_file = Field::ALL.len() * (p.rows_total + 1) + p.headers.len();
        assert!(list.len() <= per_file, "{} problems for {} rows and {} columns", list.len(), p.rows_total, p.headers.len());
    }
    assert!(p.warnings_to_accept().len() <= p.warnings.len());
}
