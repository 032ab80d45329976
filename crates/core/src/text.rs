//! Text that comes into Hoshi from people and leaves it for other programs.

use unicode_normalization::UnicodeNormalization;

/// Why a piece of text people will read (a name, an address) was refused: it holds a character
/// that cannot be seen or that changes how the text around it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenCharacter(pub char);

impl HiddenCharacter {
    pub fn message_ja(&self) -> String {
        format!("見えない文字や表示の向きを変える文字（U+{:04X}）は使えません。", u32::from(self.0))
    }
    pub fn message_en(&self) -> String {
        format!("Invisible or direction-changing characters (U+{:04X}) are not allowed.", u32::from(self.0))
    }
}

/// Whether `c` is a control character, a bidirectional override or isolate, or a zero-width
/// character: what lets `ACME\u{202E}moc.evil` read as another company's name.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{00AD}')
}

/// A name or other display text as Hoshi keeps it: trimmed, in Unicode NFC (so the same name
/// typed two ways is one name), and refused if it holds a hidden character ([`is_hidden`]).
pub fn display_text(value: &str) -> Result<String, HiddenCharacter> {
    let v: String = value.trim().nfc().collect();
    match v.chars().find(|c| is_hidden(*c)) {
        Some(c) => Err(HiddenCharacter(c)),
        None => Ok(v),
    }
}

/// A cell for a CSV file a person will open in a spreadsheet: a value that a spreadsheet would
/// read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, so Excel and LibreOffice show it as text instead of running it (OWASP's advice
/// against CSV injection). Every other value is unchanged.
pub fn spreadsheet_safe(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_is_nfc_and_refuses_what_cannot_be_seen() {
        assert_eq!(display_text("  カ\u{3099}ス株式会社 ").as_deref(), Ok("ガス株式会社"), "NFC joins a combining mark");
        assert_eq!(display_text("e\u{301}").as_deref(), Ok("é"));
        for bad in ["ACME\u{202E}moc.evil", "a\u{200B}b", "nul\u{0}", "tab\there", "x\u{2066}y\u{2069}", "\u{FEFF}bom"] {
            assert!(display_text(bad).is_err(), "{bad:?}");
        }
        assert!(display_text("株式会社 青空・工業（東京）").is_ok());
    }

    #[test]
    fn formulas_become_text_and_everything_else_is_kept() {
        for f in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_safe(f), format!("'{f}"));
        }
        for ok in ["", "株式会社=", "1000", "★3", "a=b", " =1"] {
            assert_eq!(spreadsheet_safe(ok), ok);
        }
    }
}
