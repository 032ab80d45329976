//! Text that leaves Hoshi for other programs.

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
    fn formulas_become_text_and_everything_else_is_kept() {
        for f in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_safe(f), format!("'{f}"));
        }
        for ok in ["", "株式会社=", "1000", "★3", "a=b", " =1"] {
            assert_eq!(spreadsheet_safe(ok), ok);
        }
    }
}
