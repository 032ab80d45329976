//! `catalog`: an edition's TOML files through `hoshi_standard::load::load_edition`.
//!
//! The input is the set of files: chunks separated by NUL bytes, each `file name` + `\n` +
//! contents (see [`files`]); the seeds are the real `catalog/2026.03/` files and a small edition.
//!
//! Checked: every problem names one of the files (or `edition.toml`) at a line the file has,
//! problems come sorted by file and line, and an edition is refused only with at least one
//! problem. An edition that loads has its five levels in order, unique ids, every criterion
//! under an existing requirement of its category, every requirement at the lowest level of its
//! criteria, the declared ★3/★4 counts it was checked against, and exports (JSON, CSV, OSCAL)
//! without panicking; its JSON reads back to the same JSON.

use std::collections::HashSet;

use hoshi_standard::load::{load_edition, Problems, EDITION_FILE};
use hoshi_standard::{export, oscal, Edition, Lang, Level};

/// At most this many files are made of one input.
const MAX_FILES: usize = 16;

/// Splits the input into `(name, contents)`: NUL separates files, the first line is the name.
pub fn files(text: &str) -> Vec<(&str, &str)> {
    text.split('\0').take(MAX_FILES).map(|chunk| chunk.split_once('\n').unwrap_or((chunk, ""))).collect()
}

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let files = files(text);
    match load_edition(&files) {
        Ok(edition) => check_edition(&edition),
        Err(Problems(problems)) => {
            assert!(!problems.is_empty(), "refused without a problem");
            assert!(
                problems.windows(2).all(|w| (&w[0].file, w[0].line) <= (&w[1].file, w[1].line)),
                "problems not sorted by file and line"
            );
            for p in &problems {
                assert!(!p.message.is_empty());
                assert!(p.to_string().contains(&p.message));
                let lines = files.iter().filter(|(n, _)| *n == p.file).map(|(_, t)| t.matches('\n').count() + 1).max();
                match lines {
                    Some(n) => assert!(p.line <= n, "{}:{} but the file has {n} lines", p.file, p.line),
                    None => assert!(p.file == EDITION_FILE && p.line == 0, "problem in a file that was not given: {p}"),
                }
            }
        }
    }
}

fn check_edition(e: &Edition) {
    assert_eq!(e.levels.iter().map(|l| l.level.get()).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    let mut ids = HashSet::new();
    for r in &e.requirements {
        assert!(ids.insert(r.id.as_str()), "requirement {} twice", r.id);
        assert!(e.categories.iter().any(|c| c.key == r.category), "requirement {} in unknown category", r.id);
        let lowest = e.criteria.iter().filter(|c| c.requirement == r.id).map(|c| c.level).min();
        assert_eq!(lowest, Some(r.level), "requirement {} level", r.id);
    }
    let mut cids = HashSet::new();
    for c in &e.criteria {
        assert!(cids.insert(c.id.as_str()), "criterion {} twice", c.id);
        let r = e.requirements.iter().find(|r| r.id == c.requirement).expect("criterion under a known requirement");
        assert_eq!(c.category, r.category);
        assert!(c.id.starts_with(&format!("{}-", r.id)));
        assert!(!c.text.ja.is_empty() && !c.text.en.is_empty());
    }
    for lv in [Level::THREE, Level::FOUR] {
        let declared = e.declared.get(&lv.get()).expect("★3 and ★4 counts declared");
        let have = e.counts(lv);
        assert_eq!(declared.requirements, have.requirements);
        for c in &e.categories {
            assert_eq!(declared.criteria.get(&c.key).copied().unwrap_or(0), have.criteria.get(&c.key).copied().unwrap_or(0));
        }
    }
    let json = export::json(e);
    let back: Edition = serde_json::from_str(&json).expect("the JSON export reads back");
    assert_eq!(export::json(&back), json, "the JSON export does not round-trip");
    for lang in [Lang::Ja, Lang::En] {
        export::csv(e, lang, true).expect("CSV export");
        let cat = oscal::catalog(e, lang);
        assert!(cat.get("catalog").is_some());
    }
}
