//! A broken edition is refused with every problem, each with its file and line.

use hoshi_standard::{embedded_sources, load_edition, Level, Problem};

/// The embedded 2026.03 files, with one file replaced or added.
fn with_file(name: &str, text: &str) -> Vec<(String, String)> {
    let (_, files) = embedded_sources().iter().find(|(n, _)| *n == "2026.03").expect("edition 2026.03 is embedded");
    let mut out: Vec<(String, String)> = files.iter().filter(|(n, _)| *n != name).map(|(n, t)| (n.to_string(), t.to_string())).collect();
    out.push((name.to_owned(), text.to_owned()));
    out
}

fn source(name: &str) -> String {
    embedded_sources().iter().flat_map(|(_, f)| f.iter()).find(|(n, _)| *n == name).map(|(_, t)| t.to_string()).expect("file exists")
}

fn problems(files: &[(String, String)]) -> Vec<Problem> {
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    match load_edition(&refs) {
        Ok(_) => Vec::new(),
        Err(p) => p.0,
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).expect("needle present")
}

const EXTRA: &str = r#"
[[requirement]]
id = "3-9-1"
category = "identify"
title.ja = "試験用"
title.en = "Test"

[[criterion]]
id = "3-9-1-1"
requirement = "3-9-1"
level = 5
text.ja = "試験"
text.en = "Test"
guidance.ja = "試験"
guidance.en = "Test"
csf = ["ID.AM-01"]
"#;

#[test]
fn the_shipped_edition_has_the_published_counts() {
    let (_, files) = embedded_sources()[0];
    let e = load_edition(files).expect("valid");
    assert_eq!(e.levels.len(), 5);
    assert_eq!(e.categories.len(), 7);
    assert_eq!(e.published_total(Level::THREE), 81);
    let four = e.published_total(Level::FOUR);
    assert!((153..=157).contains(&four), "★4 in all: {four}");
    assert_eq!(e.requirements.iter().filter(|r| r.level == Level::THREE).count(), 26);
    assert_eq!(e.requirements.iter().filter(|r| r.level <= Level::FOUR && r.level >= Level::THREE).count(), 43);
    let per_cat: Vec<u32> = e.categories.iter().map(|c| e.counts(Level::THREE).criteria.get(&c.key).copied().unwrap_or(0)).collect();
    assert_eq!(per_cat, [8, 4, 11, 48, 3, 6, 1]);
    assert!(e.criteria.iter().any(|c| c.level == Level::ONE));
    assert!(e.criteria.iter().any(|c| c.level == Level::TWO));
    assert!(e.criteria.iter().any(|c| c.level == Level::FIVE));
    for c in e.criteria.iter().filter(|c| c.level == Level::THREE || c.level == Level::FOUR) {
        assert!(!c.cost.is_empty(), "{} has no cost drivers", c.id);
        assert!(!c.mappings.is_empty(), "{} has no mapping", c.id);
    }
    assert!(e.criterion("4-1-3-2").is_some());
    assert_eq!(e.level(Level::THREE).validity_months, Some(12));
    assert_eq!(e.level(Level::FOUR).validity_months, Some(36));
    assert!(e.level(Level::FOUR).annual_self_assessment);
    assert!(e.level(Level::FIVE).provisional);
}

#[test]
fn a_valid_extra_file_loads_and_is_counted() {
    // A ★5 criterion added in a new file only changes the ★5 count, which is then off.
    let p = problems(&with_file("zz-extra.toml", EXTRA));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p.iter().all(|x| x.file == "edition.toml"));
    assert!(p.iter().any(|x| x.message.contains("★5 declares 10 new requirements but the data has 11")), "{p:?}");
    assert!(p.iter().any(|x| x.message.contains("★5 declares 4 criteria in identify") && x.message.contains("has 5")), "{p:?}");
}

#[test]
fn duplicate_ids_are_reported_where_they_repeat() {
    let text = source("7-recover.toml");
    let dup = format!("{text}\n{}", &text[text.find("[[criterion]]").expect("a criterion")..]);
    let p = problems(&with_file("7-recover.toml", &dup));
    let d: Vec<_> = p.iter().filter(|x| x.message.contains("duplicate criterion id 7-1-1-1")).collect();
    assert_eq!(d.len(), 1, "{p:?}");
    assert_eq!(d[0].file, "7-recover.toml");
    assert!(d[0].line > line_of(&text, "id = \"7-1-1-1\""));
    assert!(d[0].message.contains("first defined at 7-recover.toml:"), "{}", d[0].message);
}

#[test]
fn unknown_category_and_requirement_are_named_with_their_line() {
    let text =
        EXTRA.replace("category = \"identify\"", "category = \"identity\"").replace("requirement = \"3-9-1\"", "requirement = \"3-9-2\"");
    let p = problems(&with_file("zz-extra.toml", &text));
    let cat = p.iter().find(|x| x.message.contains("unknown category \"identity\"")).expect("category problem");
    assert_eq!((cat.file.as_str(), cat.line), ("zz-extra.toml", line_of(&text, "category = \"identity\"")));
    let req = p.iter().find(|x| x.message.contains("unknown requirement \"3-9-2\"")).expect("requirement problem");
    assert_eq!(req.line, line_of(&text, "requirement = \"3-9-2\""));
}

#[test]
fn missing_language_and_level_out_of_range_are_each_reported() {
    let text = EXTRA.replace("text.en = \"Test\"\n", "").replace("level = 5", "level = 6");
    let p = problems(&with_file("zz-extra.toml", &text));
    assert!(
        p.iter().any(|x| x.message.contains("criterion 3-9-1-1's text is missing its English (en) text") && x.file == "zz-extra.toml"),
        "{p:?}"
    );
    let lv = p.iter().find(|x| x.message.contains("level 6, outside 1–5")).expect("level problem");
    assert_eq!(lv.line, line_of(&text, "level = 6"));
}

#[test]
fn a_star_three_count_that_does_not_match_the_declaration_is_refused() {
    let text = source("7-recover.toml").replace("level = 3", "level = 4");
    let p = problems(&with_file("7-recover.toml", &text));
    assert!(
        p.iter().any(|x| x.file == "edition.toml"
            && x.line > 0
            && x.message.contains("★3 declares 1 criteria in recover (Recover) but the data has 0")),
        "{p:?}"
    );
}

#[test]
fn syntax_errors_and_unknown_fields_point_at_the_line() {
    let text = format!("{EXTRA}\ncolour = \"blue\"\n");
    let p = problems(&with_file("zz-extra.toml", &text));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("colour"), "{p:?}");
    assert_eq!(p[0].line, line_of(&text, "colour"));

    let p = problems(&with_file("zz-bad.toml", "[[criterion]]\nid = \"1-1-1-1\nlevel = 3\n"));
    assert_eq!(p[0].file, "zz-bad.toml");
    assert_eq!(p[0].line, 2);
}

#[test]
fn a_key_without_a_value_at_the_end_of_a_file_is_explained() {
    // Found by fuzzing (fuzz/corpus/catalog/crash-8f3db55f…): toml gives no message for `level = `
    // at the very end of a file, and the problem read "edition.toml:9: " with nothing after it.
    let edition = source("edition.toml");
    let cut = format!("{}level = ", &edition[..edition.find("level = 1").expect("a level")]);
    let p = problems(&with_file("edition.toml", &cut));
    assert_eq!((p.len(), p[0].file.as_str(), p[0].line), (1, "edition.toml", cut.lines().count()), "{p:?}");
    assert!(p[0].message.contains("value"), "{p:?}");
    let p = problems(&with_file("zz-extra.toml", "[[criterion]]\nid = "));
    assert_eq!((p.len(), p[0].file.as_str(), p[0].line), (1, "zz-extra.toml", 2), "{p:?}");
    assert!(p[0].message.contains("value"), "{p:?}");
}

#[test]
fn star_three_criterion_without_cost_or_mapping_is_refused() {
    let text = EXTRA.replace("level = 5", "level = 3").replace("csf = [\"ID.AM-01\"]\n", "csf = [\"ID.AM-1\"]\n");
    let p = problems(&with_file("zz-extra.toml", &text));
    assert!(p.iter().any(|x| x.message.contains("without cost drivers")), "{p:?}");
    assert!(p.iter().any(|x| x.message.contains("\"ID.AM-1\" is not a NIST CSF 2.0 subcategory")), "{p:?}");
}

#[test]
fn a_mapping_with_a_multi_byte_character_is_a_problem_not_a_panic() {
    // "日12345" is 8 bytes like "GV.RR-02", and the CSF check sliced its first two bytes, inside 日.
    let text = EXTRA.replace("csf = [\"ID.AM-01\"]", "csf = [\"日12345\"]");
    let p = problems(&with_file("zz-extra.toml", &text));
    assert!(p.iter().any(|x| x.message.contains("\"日12345\" is not a NIST CSF 2.0 subcategory")), "{p:?}");
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let text = EXTRA
        .replace("category = \"identify\"", "category = \"nope\"")
        .replace("text.ja = \"試験\"\n", "")
        .replace("level = 5", "level = 0");
    let p = problems(&with_file("zz-extra.toml", &text));
    assert!(p.len() >= 3, "{p:?}");
}
