//! `upload`: an evidence or registration upload, its bytes and file name, through
//! `hoshi_core::upload::check`.
//!
//! The input is one byte `n`, then `n` bytes of file name (read as UTF-8, lossily), then the
//! file's bytes.
//!
//! Checked of every accepted upload: the type is one of the accepted ones and agrees with the
//! bytes (PDF, PNG, JPEG and GIF by their signatures; Word, Excel and PowerPoint only as a ZIP
//! within the archive limits; text only as UTF-8 without NUL that does not open like HTML, SVG,
//! XML or a script); the bytes do not start like a program and the name does not end like one
//! or like an active document; a name with a document extension names the type found; and the
//! name can only refuse a file, never make it acceptable: the same bytes without a name are
//! accepted as the same type (CSV being text named `.csv`), and with the canonical extension of
//! that type too. Folders in the name change nothing. Every refusal has both languages.

use hoshi_core::upload::{check as check_upload, Refusal, CSV, DOCX, GIF, JPEG, PDF, PNG, PPTX, TEXT, XLSX};

/// Extensions no accepted upload may end in (a sample of the programs, scripts and active
/// documents; the module's own lists are longer).
const DANGEROUS: &[&str] = &[
    "exe", "com", "scr", "msi", "dll", "bat", "cmd", "ps1", "vbs", "js", "jar", "sh", "py", "lnk", "hta", "html", "htm", "svg", "xml",
    "docm", "xlsm", "pptm",
];

/// Byte signatures of programs, which no accepted upload may start with.
const PROGRAMS: &[&[u8]] = &[b"MZ", b"\x7fELF", b"#!", b"\x00asm", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe"];

pub fn check(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else { return };
    let (name, bytes) = rest.split_at(usize::from(n).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    let result = check_upload(bytes, &name);

    assert_eq!(check_upload(bytes, &format!("uploads/2026\\{name}")), result, "a folder in the name changed the answer");
    let content_type = match result {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.to_string().is_empty() && !e.message_ja().is_empty());
            if bytes.is_empty() {
                assert_eq!(e, Refusal::Empty);
            }
            return;
        }
    };

    assert!([PDF, PNG, JPEG, GIF, DOCX, XLSX, PPTX, CSV, TEXT].contains(&content_type));
    assert!(!bytes.is_empty());
    assert!(!PROGRAMS.iter().any(|p| bytes.starts_with(p)), "a program was accepted as {content_type}");
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let extension = base.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase());
    if let Some(e) = &extension {
        assert!(!DANGEROUS.contains(&e.as_str()), "a file named .{e} was accepted as {content_type}");
    }

    match content_type {
        PDF => assert!(bytes.starts_with(b"%PDF-")),
        PNG => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
        JPEG => assert!(bytes.starts_with(b"\xff\xd8\xff")),
        GIF => assert!(bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")),
        DOCX | XLSX | PPTX => {
            assert!(bytes.starts_with(b"PK\x03\x04"));
            assert_eq!(hoshi_core::archive::check(bytes), Ok(()), "an Office document past the archive limits");
        }
        _ => {
            let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).expect("text is UTF-8");
            assert!(!text.contains('\0'));
            let head = text.trim_start().to_ascii_lowercase();
            for active in ["<!doctype html", "<html", "<svg", "<script", "<?xml"] {
                assert!(!head.starts_with(active), "text opening with {active} was accepted");
            }
            assert_eq!(content_type == CSV, extension.as_deref() == Some("csv"));
        }
    }

    let canonical = |t: &str| match t {
        PDF => "pdf",
        PNG => "png",
        JPEG => "jpg",
        GIF => "gif",
        DOCX => "docx",
        XLSX => "xlsx",
        PPTX => "pptx",
        CSV => "csv",
        _ => "txt",
    };
    for (ext, types) in [
        ("pdf", &[PDF][..]),
        ("png", &[PNG]),
        ("jpg", &[JPEG]),
        ("jpeg", &[JPEG]),
        ("gif", &[GIF]),
        ("docx", &[DOCX]),
        ("xlsx", &[XLSX]),
        ("pptx", &[PPTX]),
        ("txt", &[TEXT]),
        ("csv", &[CSV]),
    ] {
        if extension.as_deref() == Some(ext) {
            assert!(types.contains(&content_type), "a file named .{ext} was accepted as {content_type}");
        }
    }

    // The name can only refuse: without it the bytes are the same type, and so with the type's
    // own extension.
    let unnamed = if content_type == CSV { TEXT } else { content_type };
    assert_eq!(check_upload(bytes, "upload"), Ok(unnamed), "accepted only thanks to its name {name:?}");
    assert_eq!(check_upload(bytes, &format!("upload.{}", canonical(content_type))), Ok(content_type));
}
