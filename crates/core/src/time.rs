//! Calendar arithmetic on Unix seconds, in Japan Standard Time (UTC+9, no daylight saving):
//! certificate validity is counted in calendar months from the day of issue.

const JST: i64 = 9 * 3600;

/// (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day number of a date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The JST date of a moment.
pub fn jst_date(ts: i64) -> (i64, u32, u32) {
    civil_from_days((ts + JST).div_euclid(86_400))
}

/// `YYYY-MM-DD` in JST.
pub fn jst_date_string(ts: i64) -> String {
    let (y, m, d) = jst_date(ts);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The JST date `days` days after the moment `ts`, as `YYYY-MM-DD`.
pub fn jst_date_plus_days(ts: i64, days: i64) -> String {
    let (y, m, d) = jst_date(ts);
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A calendar date written `YYYY-MM-DD` (years 2000–2100), normalised to zero-padded form, or
/// `None` when it is not a real date (2027-02-30, 2027-13-01, text).
pub fn parse_date(s: &str) -> Option<String> {
    let mut parts = s.trim().split('-');
    let (y, m, d) = (parts.next()?.parse::<i64>().ok()?, parts.next()?.parse::<u32>().ok()?, parts.next()?.parse::<u32>().ok()?);
    if parts.next().is_some() || !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// RFC 3339 in UTC, e.g. `2026-11-26T04:50:00Z`.
pub fn rfc3339(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, (s % 3600) / 60, s % 60)
}

/// The end of validity for something issued at `ts` and valid `months` calendar months: the end
/// of the JST day before the same day-of-month `months` later (clamped to the month's last day).
/// Issued 2026-11-26 for 12 months → valid through 2027-11-25 23:59:59 JST.
pub fn valid_until(ts: i64, months: u32) -> i64 {
    let (y, m, d) = jst_date(ts);
    let total = y * 12 + i64::from(m - 1) + i64::from(months);
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * 86_400 - JST - 1
}

/// The annual self-assessment due dates within a validity of `months` (★4): each anniversary
/// of the issue date before the validity ends, as the end of the JST day before it.
pub fn annual_due_dates(issued: i64, months: u32) -> Vec<i64> {
    (1..).map(|year| year * 12).take_while(|m| *m < months).map(|m| valid_until(issued, m)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_parsed_only_when_real() {
        assert_eq!(parse_date(" 2027-4-1 ").as_deref(), Some("2027-04-01"));
        assert_eq!(parse_date("2028-02-29").as_deref(), Some("2028-02-29"));
        for bad in ["2027-02-29", "2027-02-30", "2027-13-01", "2027-00-10", "2027-01-00", "1999-01-01", "2027-01", "2027-01-01-01", "x"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(jst_date_plus_days(1_795_651_200, 30), "2026-12-26");
    }

    #[test]
    fn days_round_trip() {
        for z in [-1_000_000, -1, 0, 1, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn validity_counts_calendar_months_in_japan_time() {
        // 2026-11-26 09:00 JST
        let issued = 1_795_651_200;
        assert_eq!(jst_date_string(issued), "2026-11-26");
        assert_eq!(jst_date_string(valid_until(issued, 12)), "2027-11-25");
        assert_eq!(rfc3339(valid_until(issued, 12) + 1), "2027-11-25T15:00:00Z");
        assert_eq!(jst_date_string(valid_until(issued, 36)), "2029-11-25");
        // 31 January + 1 month clamps to the end of February.
        let jan31 = days_from_civil(2027, 1, 31) * 86_400 - JST + 3600;
        assert_eq!(jst_date_string(valid_until(jan31, 1)), "2027-02-27");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let due: Vec<String> = annual_due_dates(issued, 36).into_iter().map(jst_date_string).collect();
        assert_eq!(due, ["2027-11-25", "2028-11-25"]);
        assert!(annual_due_dates(issued, 12).is_empty());
    }
}
