//! The edition as an OSCAL 1.1 catalog (NIST's JSON model), for other compliance tools.
//!
//! Category → `group`, requirement → `control`, criterion → `part` named `item` inside the
//! control's `statement` part. Each item carries a `level` prop (the ★ it applies from), its
//! official number as `label`, its mappings, cost drivers, guidance and evidence, and the text in
//! the other language as a `translation` part. Hoshi's own props and parts use the
//! [`NS`] namespace so that NIST's allowed-value rules for its own names are not touched.
//! The output is deterministic: UUIDs are name-based (v5) and dates come from the edition.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::model::*;

/// Namespace of Hoshi's OSCAL props and parts.
pub const NS: &str = "https://hoshi.example.jp/ns/oscal";
/// The OSCAL version the export follows.
pub const OSCAL_VERSION: &str = "1.1.2";

/// A name-based UUID, stable across exports of the same edition.
pub fn stable_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("urn:hoshi:{name}").as_bytes())
}

/// An OSCAL token for an id: official ids get the prefix `scs-`, our own ones are lower-cased.
pub fn token(id: &str) -> String {
    if id.starts_with('L') {
        id.to_ascii_lowercase()
    } else {
        format!("scs-{id}")
    }
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "ns": NS, "value": value.into()})
}

fn prop_class(name: &str, class: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "ns": NS, "class": class, "value": value.into()})
}

/// The catalog as an OSCAL JSON document (`{"catalog": …}`), main text in `lang`.
pub fn catalog(edition: &Edition, lang: Lang) -> Value {
    let other = lang.other();
    let mut meta_props = vec![prop("edition", edition.id.clone()), prop("language", lang.code())];
    for l in &edition.levels {
        let validity = match l.validity_months {
            Some(m) => format!("{m}"),
            None => "none".into(),
        };
        meta_props.push(prop_class("level-name", &format!("level-{}", l.level.get()), l.name.get(lang).to_owned()));
        meta_props.push(prop_class("level-validity-months", &format!("level-{}", l.level.get()), validity));
    }
    let groups: Vec<Value> = edition
        .categories
        .iter()
        .map(|cat| {
            let controls: Vec<Value> =
                edition.requirements.iter().filter(|r| r.category == cat.key).map(|r| control(edition, r, lang, other)).collect();
            json!({
                "id": cat.key,
                "class": "category",
                "title": cat.name.get(lang),
                "props": [
                    {"name": "label", "value": cat.number.to_string()},
                    prop_class("title", other.code(), cat.name.get(other)),
                    prop("csf-function", cat.csf_function.clone()),
                ],
                "controls": controls,
            })
        })
        .collect();
    json!({
        "catalog": {
            "uuid": stable_uuid(&format!("catalog:{}:{}", edition.id, lang.code())).to_string(),
            "metadata": {
                "title": edition.title.get(lang),
                "published": format!("{}T00:00:00+09:00", edition.published),
                "last-modified": format!("{}T00:00:00+09:00", edition.published),
                "version": edition.id,
                "oscal-version": OSCAL_VERSION,
                "props": meta_props,
                "remarks": edition.rule.get(lang),
            },
            "groups": groups,
        }
    })
}

fn control(edition: &Edition, r: &Requirement, lang: Lang, other: Lang) -> Value {
    let cid = token(&r.id);
    let items: Vec<Value> = edition.criteria_of(&r.id).map(|c| item(c, lang, other)).collect();
    json!({
        "id": cid,
        "class": "requirement",
        "title": r.title.get(lang),
        "props": [
            {"name": "label", "value": r.id},
            prop("level", r.level.get().to_string()),
            prop_class("title", other.code(), r.title.get(other)),
        ],
        "parts": [{
            "id": format!("{cid}_smt"),
            "name": "statement",
            "parts": items,
        }],
    })
}

fn item(c: &Criterion, lang: Lang, other: Lang) -> Value {
    let id = token(&c.id);
    let mut props = vec![json!({"name": "label", "value": c.id}), prop("level", c.level.get().to_string())];
    for (class, list) in [
        ("nist-csf-2.0", &c.mappings.csf),
        ("iso-iec-27001-2022-annex-a", &c.mappings.iso27001),
        ("nist-sp-800-171r3", &c.mappings.sp800_171),
    ] {
        for m in list {
            props.push(prop_class("mapping", class, m.clone()));
        }
    }
    for d in &c.cost {
        props.push(prop_class("cost-driver", d.kind.key(), format!("{} {}", d.amount, d.per.key())));
    }
    let mut parts = vec![
        json!({
            "id": format!("{id}_gdn"),
            "name": "guidance",
            "prose": c.guidance.get(lang),
        }),
        json!({
            "id": format!("{id}_tr"),
            "name": "translation",
            "ns": NS,
            "class": other.code(),
            "prose": c.text.get(other),
        }),
    ];
    if !c.evidence.is_empty() {
        parts.push(json!({
            "id": format!("{id}_evd"),
            "name": "evidence-examples",
            "ns": NS,
            "prose": c.evidence.iter().map(|e| format!("- {}", e.get(lang))).collect::<Vec<_>>().join("\n"),
        }));
    }
    json!({
        "id": id,
        "name": "item",
        "props": props,
        "prose": c.text.get(lang),
        "parts": parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn items(doc: &Value) -> Vec<&Value> {
        let mut out = Vec::new();
        for g in doc["catalog"]["groups"].as_array().into_iter().flatten() {
            for c in g["controls"].as_array().into_iter().flatten() {
                for p in c["parts"].as_array().into_iter().flatten() {
                    out.extend(p["parts"].as_array().into_iter().flatten());
                }
            }
        }
        out
    }

    #[test]
    fn every_criterion_is_an_item_with_its_level_and_a_valid_unique_id() {
        let e = crate::embedded_edition(None).expect("embedded");
        for lang in [Lang::En, Lang::Ja] {
            let doc = catalog(&e, lang);
            let items = items(&doc);
            assert_eq!(items.len(), e.criteria.len());
            let mut ids = HashSet::new();
            for (item, c) in items.iter().zip(&e.criteria) {
                assert_eq!(item["name"], "item");
                assert_eq!(item["prose"], c.text.get(lang));
                let level = item["props"]
                    .as_array()
                    .and_then(|ps| ps.iter().find(|p| p["name"] == "level"))
                    .and_then(|p| p["value"].as_str())
                    .expect("level prop");
                assert_eq!(level, c.level.get().to_string());
                let id = item["id"].as_str().expect("id");
                assert!(id.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic()), "{id}");
                assert!(id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'), "{id}");
                assert!(ids.insert(id.to_owned()), "duplicate {id}");
            }
        }
    }

    #[test]
    fn export_is_deterministic_and_languages_differ() {
        let e = crate::embedded_edition(None).expect("embedded");
        assert_eq!(catalog(&e, Lang::En), catalog(&e, Lang::En));
        assert_ne!(catalog(&e, Lang::En)["catalog"]["uuid"], catalog(&e, Lang::Ja)["catalog"]["uuid"]);
    }
}
