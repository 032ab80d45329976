//! What an uploaded file is, judged from its bytes, and whether its name tells the truth about it.
//!
//! Evidence and registration documents are read later by experts, assessment bodies and the
//! operator, on their own machines: an upload must be a document they can open safely. So the type
//! comes from the content (never from the name or the browser's label), executables and active
//! content (programs, scripts, HTML, SVG, macro-enabled Office files) are refused whatever they are
//! called, and a name that promises one type for content of another (`report.pdf` holding a PNG) is
//! refused too, because the person downloading it trusts the name.

use std::io::Cursor;

/// The types accepted, as the content type they are served with.
pub const PDF: &str = "application/pdf";
pub const PNG: &str = "image/png";
pub const JPEG: &str = "image/jpeg";
pub const GIF: &str = "image/gif";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
pub const CSV: &str = "text/csv";
pub const TEXT: &str = "text/plain";

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The file is empty.")]
    Empty,
    #[error("This is a program or a script, which is never accepted whatever its name.")]
    Executable,
    #[error("This file holds active content (HTML, SVG, or Office macros), which is not accepted: save it as PDF.")]
    Active,
    #[error(
        "This type of file is not accepted: use PDF, PNG, JPEG, GIF, Word, Excel, PowerPoint, CSV or plain text \
         (the type is judged from the content, not the name)."
    )]
    Unknown,
    #[error("The name ends in .{extension} but the file is {actual}: rename it to match its content, or upload the right file.")]
    Mislabelled { extension: String, actual: &'static str },
}

impl Refusal {
    /// The same in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Refusal::Empty => "ファイルが空です。".into(),
            Refusal::Executable => "プログラムやスクリプトのファイルは、名前にかかわらず受け付けません。".into(),
            Refusal::Active => "HTML・SVG・マクロ付きOfficeファイルなど、動作する内容を含むファイルは受け付けません。PDFで保存してください。".into(),
            Refusal::Unknown => "この種類のファイルは受け付けません。PDF・PNG・JPEG・GIF・Word・Excel・PowerPoint・CSV・テキストを使ってください（種類はファイル名ではなく中身で判定します）。".into(),
            Refusal::Mislabelled { extension, actual } => format!(
                "ファイル名は .{extension} ですが、中身は{}です。中身に合った名前に変えるか、正しいファイルをアップロードしてください。",
                describe_ja(actual)
            ),
        }
    }
}

fn describe(content_type: &str) -> &'static str {
    match content_type {
        PDF => "a PDF document",
        PNG => "a PNG image",
        JPEG => "a JPEG image",
        GIF => "a GIF image",
        DOCX => "a Word document",
        XLSX => "an Excel workbook",
        PPTX => "a PowerPoint presentation",
        CSV | TEXT => "plain text",
        _ => "of another type",
    }
}

fn describe_ja(actual: &str) -> &'static str {
    match actual {
        "a PDF document" => "PDF文書",
        "a PNG image" => "PNG画像",
        "a JPEG image" => "JPEG画像",
        "a GIF image" => "GIF画像",
        "a Word document" => "Word文書",
        "an Excel workbook" => "Excelブック",
        "a PowerPoint presentation" => "PowerPointプレゼンテーション",
        "plain text" => "テキスト",
        _ => "別の種類のファイル",
    }
}

/// Names of programs and scripts: refused even when the content looks like text.
const EXECUTABLE_EXTENSIONS: &[&str] = &[
    "exe", "com", "scr", "pif", "cpl", "msi", "msp", "dll", "sys", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh",
    "hta", "jar", "sh", "bash", "zsh", "py", "pl", "rb", "php", "lnk", "reg", "app", "dmg", "pkg", "deb", "rpm", "apk", "elf", "bin",
    "run", "command", "iso", "img",
];
/// Names of active documents: refused for what a viewer might run.
const ACTIVE_EXTENSIONS: &[&str] = &["html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "docm", "xlsm", "xlsb", "pptm", "dotm", "xltm"];

/// What each accepted type may be called (lower-case extensions).
fn extensions(content_type: &str) -> &'static [&'static str] {
    match content_type {
        PDF => &["pdf"],
        PNG => &["png"],
        JPEG => &["jpg", "jpeg", "jpe", "jfif"],
        GIF => &["gif"],
        DOCX => &["docx"],
        XLSX => &["xlsx"],
        PPTX => &["pptx"],
        CSV => &["csv"],
        TEXT => &["txt", "text", "log", "md", "csv", "tsv"],
        _ => &[],
    }
}

/// The content type of an acceptable upload, or why it is refused.
pub fn check(bytes: &[u8], filename: &str) -> Result<&'static str, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let base = filename.rsplit(['/', '\\']).next().unwrap_or("");
    let extension = base.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase()).filter(|e| !e.is_empty());
    if is_executable(bytes) || extension.as_deref().is_some_and(|e| EXECUTABLE_EXTENSIONS.contains(&e)) {
        return Err(Refusal::Executable);
    }
    if extension.as_deref().is_some_and(|e| ACTIVE_EXTENSIONS.contains(&e)) {
        return Err(Refusal::Active);
    }
    let content_type = sniff(bytes)?;
    let content_type = if content_type == TEXT && extension.as_deref() == Some("csv") { CSV } else { content_type };
    if let Some(extension) = extension {
        // A name with a known document extension must match the content; other names (no
        // extension, "scan.2026") are served by content type and a safe name.
        let known = [PDF, PNG, JPEG, GIF, DOCX, XLSX, PPTX, TEXT].iter().any(|t| extensions(t).contains(&extension.as_str()));
        if known && !extensions(content_type).contains(&extension.as_str()) {
            return Err(Refusal::Mislabelled { extension, actual: describe(content_type) });
        }
    }
    Ok(content_type)
}

fn is_executable(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"MZ",                            // Windows PE, DOS
        b"\x7fELF",                       // Linux and most Unix
        b"\xfe\xed\xfa\xce",              // Mach-O 32
        b"\xfe\xed\xfa\xcf",              // Mach-O 64
        b"\xce\xfa\xed\xfe",              // Mach-O 32, little-endian
        b"\xcf\xfa\xed\xfe",              // Mach-O 64, little-endian
        b"\xca\xfe\xba\xbe",              // Mach-O universal, Java class
        b"#!",                            // a script for an interpreter
        b"\x00asm",                       // WebAssembly
        b"L\x00\x00\x00\x01\x14\x02\x00", // Windows shortcut (.lnk)
    ];
    MAGIC.iter().any(|m| bytes.starts_with(m))
}

fn sniff(bytes: &[u8]) -> Result<&'static str, Refusal> {
    if bytes.starts_with(b"%PDF-") {
        Ok(PDF)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Ok(PNG)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Ok(JPEG)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(GIF)
    } else if bytes.starts_with(b"PK\x03\x04") {
        office(bytes)
    } else if let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        if text.contains('\0') {
            return Err(Refusal::Unknown);
        }
        // Invisible characters before the markup (BOMs, zero-width spaces, soft hyphens) do not stop
        // a browser from reading it as HTML, so they do not hide it here either.
        let invisible = |c: char| {
            c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}')
        };
        let head: String = text.trim_start_matches(invisible).chars().take(256).collect::<String>().to_ascii_lowercase();
        if ["<!doctype html", "<html", "<svg", "<script", "<?xml", "<iframe", "<object", "<body", "<head"]
            .iter()
            .any(|t| head.starts_with(t))
        {
            return Err(Refusal::Active);
        }
        Ok(TEXT)
    } else {
        Err(Refusal::Unknown)
    }
}

/// An Office Open XML document, told apart by its parts (read from the archive's directory after
/// its limits are checked); macro projects and other archives are refused.
fn office(bytes: &[u8]) -> Result<&'static str, Refusal> {
    crate::archive::check(bytes).map_err(|_| Refusal::Unknown)?;
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Unknown)?;
    let names: Vec<String> = archive.file_names().map(str::to_ascii_lowercase).collect();
    if names.iter().any(|n| n.ends_with("vbaproject.bin") || n.contains("activex")) {
        return Err(Refusal::Active);
    }
    if !names.iter().any(|n| n == "[content_types].xml") {
        return Err(Refusal::Unknown);
    }
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    if has("word/") {
        Ok(DOCX)
    } else if has("xl/") {
        Ok(XLSX)
    } else if has("ppt/") {
        Ok(PPTX)
    } else {
        Err(Refusal::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(parts: &[&str]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for p in parts {
            out.start_file(*p, zip::write::SimpleFileOptions::default()).expect("entry");
            out.write_all(b"<x/>").expect("write");
        }
        out.finish().expect("zip").into_inner()
    }

    const PNG_BYTES: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0];

    #[test]
    fn documents_are_typed_by_content() {
        assert_eq!(check(b"%PDF-1.7 ...", "policy.pdf"), Ok(PDF));
        assert_eq!(check(b"%PDF-1.7 ...", "scan"), Ok(PDF), "no extension: the content decides");
        assert_eq!(check(PNG_BYTES, "screen.PNG"), Ok(PNG));
        assert_eq!(check(b"a,b\n1,2\n", "list.csv"), Ok(CSV));
        assert_eq!(check("手順書\n".as_bytes(), "手順.txt"), Ok(TEXT));
        assert_eq!(check(&zip(&["[Content_Types].xml", "word/document.xml"]), "規程.docx"), Ok(DOCX));
        assert_eq!(check(&zip(&["[Content_Types].xml", "xl/workbook.xml"]), "台帳.xlsx"), Ok(XLSX));
    }

    #[test]
    fn executables_are_refused_whatever_their_name() {
        assert_eq!(check(b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf"), Err(Refusal::Executable));
        assert_eq!(check(b"\x7fELF\x02\x01\x01", "notes.txt"), Err(Refusal::Executable));
        assert_eq!(check(b"#!/bin/sh\nrm -rf ~\n", "readme.txt"), Err(Refusal::Executable));
        assert_eq!(check(b"echo hello\n", "setup.bat"), Err(Refusal::Executable));
        assert_eq!(check(b"%PDF-1.7", "invoice.pdf.exe"), Err(Refusal::Executable));
    }

    #[test]
    fn active_content_is_refused() {
        assert_eq!(check(b"<!DOCTYPE html><script>alert(1)</script>", "notes.txt"), Err(Refusal::Active));
        assert_eq!(check(b"  <svg onload=alert(1)>", "logo"), Err(Refusal::Active));
        assert_eq!(check("\u{FEFF}\u{FEFF}<html><script>x</script>".as_bytes(), "notes.txt"), Err(Refusal::Active));
        assert_eq!(check("\u{200B}<svg onload=alert(1)>".as_bytes(), "notes.txt"), Err(Refusal::Active));
        assert_eq!(check(b"plain", "page.html"), Err(Refusal::Active));
        let macro_book = zip(&["[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"]);
        assert_eq!(check(&macro_book, "台帳.xlsx"), Err(Refusal::Active));
    }

    #[test]
    fn a_name_that_lies_about_the_content_is_refused() {
        let err = check(PNG_BYTES, "report.pdf").expect_err("a PNG called .pdf");
        assert_eq!(err, Refusal::Mislabelled { extension: "pdf".into(), actual: "a PNG image" });
        assert!(err.to_string().contains(".pdf") && err.to_string().contains("PNG"), "{err}");
        assert!(err.message_ja().contains("PNG画像"), "{}", err.message_ja());
        assert!(matches!(check(b"%PDF-1.4", "photo.jpg"), Err(Refusal::Mislabelled { .. })));
        assert!(matches!(check(b"just text", "policy.docx"), Err(Refusal::Mislabelled { .. })));
    }

    #[test]
    fn other_bytes_are_refused() {
        assert_eq!(check(&[0xff, 0xfe, 0x00, 0x00], "x.txt"), Err(Refusal::Unknown));
        assert_eq!(check(&zip(&["a.txt"]), "files.zip"), Err(Refusal::Unknown), "a plain archive can hide anything");
        assert_eq!(check(b"", "x.txt"), Err(Refusal::Empty));
    }
}
