//! The edition as JSON (Hoshi's own model, for programs) and CSV (for spreadsheets).

use crate::model::*;

/// The whole edition as pretty JSON in Hoshi's own model (both languages).
pub fn json(edition: &Edition) -> String {
    serde_json::to_string_pretty(edition).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The criteria as CSV, one row per criterion, text in `lang`. With `excel` a UTF-8 byte-order
/// mark is written first so that Excel in Japan opens it without garbling.
pub fn csv(edition: &Edition, lang: Lang, excel: bool) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::new();
    if excel {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::Writer::from_writer(out);
    let header: [&str; 16] = match lang {
        Lang::En => [
            "edition",
            "criterion_id",
            "level",
            "category",
            "category_name",
            "requirement_id",
            "requirement_title",
            "text",
            "guidance",
            "evidence_examples",
            "nist_csf_2_0",
            "iso27001_2022",
            "nist_sp800_171r3",
            "cost_one_off_yen",
            "cost_annual_yen",
            "cost_hours",
        ],
        Lang::Ja => [
            "版",
            "評価基準番号",
            "レベル",
            "分類",
            "分類名",
            "要求事項番号",
            "要求事項",
            "評価基準",
            "ガイダンス",
            "証跡の例",
            "NIST CSF 2.0",
            "ISO/IEC 27001:2022",
            "NIST SP 800-171 Rev.3",
            "初期費用（円）",
            "年間費用（円）",
            "工数（時間）",
        ],
    };
    w.write_record(header)?;
    for c in &edition.criteria {
        let cat = edition.category(&c.category);
        let req = edition.requirement(&c.requirement);
        let drivers = |kind: CostKind| {
            c.cost.iter().filter(|d| d.kind == kind).map(|d| format!("{} {}", d.amount, d.per.label(lang))).collect::<Vec<_>>().join("; ")
        };
        w.write_record([
            edition.id.as_str(),
            &c.id,
            &c.level.get().to_string(),
            &c.category,
            cat.map_or("", |x| x.name.get(lang)),
            &c.requirement,
            req.map_or("", |r| r.title.get(lang)),
            c.text.get(lang),
            c.guidance.get(lang),
            &c.evidence.iter().map(|e| e.get(lang)).collect::<Vec<_>>().join(" / "),
            &c.mappings.csf.join(" "),
            &c.mappings.iso27001.join(" "),
            &c.mappings.sp800_171.join(" "),
            &drivers(CostKind::OneOff),
            &drivers(CostKind::Annual),
            &drivers(CostKind::Hours),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_row_per_criterion_and_reads_back() {
        let e = crate::embedded_edition(None).expect("embedded");
        for lang in [Lang::Ja, Lang::En] {
            let bytes = csv(&e, lang, true).expect("csv");
            assert!(bytes.starts_with("\u{feff}".as_bytes()));
            let mut r = ::csv::Reader::from_reader(&bytes[3..]);
            let rows: Vec<_> = r.records().collect::<Result<_, _>>().expect("parse back");
            assert_eq!(rows.len(), e.criteria.len());
            assert_eq!(&rows[0][1], e.criteria[0].id.as_str());
            assert_eq!(&rows[0][7], e.criteria[0].text.get(lang));
        }
    }

    #[test]
    fn json_round_trips() {
        let e = crate::embedded_edition(None).expect("embedded");
        let back: Edition = serde_json::from_str(&json(&e)).expect("parse back");
        assert_eq!(back.criteria.len(), e.criteria.len());
        assert_eq!(back.criteria[10].text, e.criteria[10].text);
    }
}
