//! Unix seconds shown as Japan Standard Time (UTC+9, no daylight saving).

use hoshi_core::time::civil_from_days;

/// `2026-11-26 12:34` in JST.
pub fn jst(ts: i64) -> String {
    let t = ts + 9 * 3600;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_japan_time() {
        assert_eq!(super::jst(0), "1970-01-01 09:00");
        assert_eq!(super::jst(1_795_651_200), "2026-11-26 09:00");
        assert_eq!(super::jst(951_782_400), "2000-02-29 09:00");
    }
}
