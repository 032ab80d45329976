//! Tenant isolation, walked over `routes::table()`: for every route whose path names something
//! by id, each organisation (its administrator's session with a valid CSRF token, and its
//! read-write API token) asks for the things of the other, with the route's own method and a
//! valid body. Every answer is a refusal (403 or 404), never a success, and shows nothing of the
//! other organisation: not its name, not its private fields. On routes with two ids, each id is
//! also swapped alone, the other being the caller's own (the caller's assessment with the other's
//! evidence file). Afterwards every owner still sees exactly what it saw before.
//!
//! A new route with an id parameter is walked automatically; a parameter this test cannot fill
//! with another organisation's real id fails the test until a source is added to `owned_ids`.

mod common;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use common::calls::call;
use common::*;
use hoshi_web::routes::{table, Access, RouteDef};

/// Parameters that name nothing an organisation owns, so there is nothing to isolate.
const NOT_IDS: &[(&str, &str)] = &[
    ("lang", "a language (ja, en)"),
    ("criterion_id", "a criterion of the public ★ standard"),
    ("*path", "a tile of the public transparency log"),
    ("token", "an invitation's secret: whoever holds the link is meant to open it"),
    ("version", "a version number within the library item the path names"),
];

/// Public routes that show public data by id: the national registry is open to anyone.
const PUBLIC_BY_ID: &[(&str, &str)] = &[
    ("/registry/companies/{corporate_number}", "a company's public registry page"),
    ("/api/v1/registry/companies/{corporate_number}", "a company's public registry status"),
    ("/registry/certificates/{serial}", "a certificate's public page"),
    ("/api/v1/certificates/{serial}/bundle", "a certificate's public, offline-verifiable bundle"),
];

/// The path's parameters, without braces.
fn params(path: &str) -> Vec<&str> {
    path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect()
}

fn id_params(def: &RouteDef) -> Vec<&'static str> {
    params(def.path).into_iter().filter(|p| !NOT_IDS.iter().any(|(n, _)| n == p)).collect()
}

/// One organisation in the walk: who it is, what it owns, and what would give its data away.
struct Tenant<'a> {
    label: &'static str,
    side: &'a Side,
    /// Each id parameter, filled with a real id of something this organisation owns.
    ids: BTreeMap<&'static str, String>,
    /// Text that only this organisation may see (names are public in the registry, but no
    /// refusal has a reason to show the other organisation's).
    private: Vec<String>,
}

/// The real ids of what `side` owns, by parameter. A parameter missing from both tenants'
/// maps fails the walk: add where a real id of it comes from.
fn owned_ids(side: &Side, only_supplier: &str, application_id: Option<i64>) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::from([
        ("assessment_id", side.assessment_id.to_string()),
        ("engagement_id", side.engagement_id.to_string()),
        ("negotiation_id", side.negotiation_id.to_string()),
        ("share_id", side.share_id.to_string()),
        ("draft_id", side.draft_id.to_string()),
        ("org_id", side.org_id.to_string()),
        ("token_id", side.token_id.to_string()),
        // Its evidence file, which is also its verification document (the same bytes).
        ("sha256", side.evidence_sha.clone()),
        // A supplier in its list only (the other lists the shared supplier C, not this one).
        ("supplier", only_supplier.to_owned()),
        // The registry's queue of ownership claims is the operator's: claim 1 is on C's number.
        ("claim_id", "1".to_owned()),
        ("task_id", side.task_id.to_string()),
        ("item_id", side.item_id.to_string()),
        ("request_id", side.request_id.to_string()),
        ("programme_id", side.programme_id.to_string()),
    ]);
    if let Some(id) = application_id {
        m.insert("application_id", id.to_string());
    }
    m
}

/// The path with every parameter filled: ids from `ids`, the rest with harmless values.
fn fill(def: &RouteDef, ids: &BTreeMap<&str, String>, fallback: &BTreeMap<&str, String>) -> String {
    let mut path = def.path.to_owned();
    for p in params(def.path) {
        let value = match p {
            "lang" => "en".to_owned(),
            "criterion_id" => "4-1-3-2".to_owned(),
            "*path" => "0/000.p/1".to_owned(),
            "token" => "no-such-invitation".to_owned(),
            "version" => "1".to_owned(),
            _ => ids.get(p).or_else(|| fallback.get(p)).cloned().unwrap_or_else(|| panic!("no id for {{{p}}} in {}", def.path)),
        };
        path = path.replace(&format!("{{{p}}}"), &value);
    }
    path
}

/// Every variant of the route that asks for something of `owner`: all ids the owner's, and, on
/// routes with two or more ids, each id the owner's alone with the others the caller's own.
fn variants(def: &RouteDef, caller: &Tenant, owner: &Tenant) -> Vec<String> {
    let ids = id_params(def);
    if !ids.iter().all(|p| owner.ids.contains_key(p)) {
        return Vec::new();
    }
    let mut out = vec![fill(def, &owner.ids, &caller.ids)];
    if ids.len() > 1 {
        for p in &ids {
            if !caller.ids.contains_key(p) {
                continue;
            }
            let mut mixed: BTreeMap<&str, String> = caller.ids.clone();
            mixed.insert(p, owner.ids[p].clone());
            out.push(fill(def, &mixed, &caller.ids));
        }
    }
    out.dedup();
    out
}

/// What `owner` itself sees on every signed-in GET route (its ids filled in).
async fn snapshot(w: &World, owner: &Tenant<'_>, other: &Tenant<'_>) -> Vec<(String, StatusCode, String)> {
    let mut out = Vec::new();
    for (def, _) in table() {
        if def.method != Method::GET || def.access == Access::Public {
            continue;
        }
        let path = fill(&def, &owner.ids, &other.ids);
        let r = call(w, &def, &path, Auth::Session(&owner.side.admin)).await;
        out.push((path, r.status, r.body));
    }
    out
}

#[tokio::test]
async fn no_route_gives_one_organisation_another_organisations_things_by_id() {
    let w = world().await;
    // A supplier that only A lists and one that only B lists, each under a private name.
    let mut only = Vec::new();
    for (side, base) in [(&w.a, "100000000011"), (&w.b, "100000000012")] {
        let actor = w.app.session_actor(&side.admin.cookie).await.expect("actor");
        let list = format!(
            "corporate_number,name,supplies\n{},private-{} 仕入先,private-{}\n{},private-{} 専用,private-{}\n",
            w.c_cn,
            side.cn,
            side.cn,
            cn(base),
            side.cn,
            side.cn
        );
        let r = w
            .app
            .import_suppliers(&actor, "list.csv", list.as_bytes(), hoshi_app::suppliers::ImportMode::AllOrNothing, false)
            .await
            .expect("import");
        assert!(r.imported, "{r:?}");
        only.push(cn(base).to_string());
    }
    // Each asks to be renamed (verified organisations wait for the operator): a name change id.
    let mut renames = Vec::new();
    for side in [&w.a, &w.b] {
        let actor = w.app.session_actor(&side.admin.cookie).await.expect("actor");
        let input = hoshi_app::accounts::OrgInput {
            corporate_number: String::new(),
            name_ja: format!("改名{}", side.name_ja),
            name_en: "Renamed K.K.".into(),
            prefecture: "東京都".into(),
            address: side.secret[0].clone(),
            industry: "manufacturing".into(),
            employees: "10".into(),
            capital_yen: String::new(),
        };
        w.app.update_org(&actor, side.org_id, &input).await.expect("rename");
        let change = w.app.pending_name_change(&actor).await.expect("pending").expect("a name change waits");
        renames.push((change.id, input.name_ja));
    }
    let tenant = |label, side: &'static Side, only: &str, application_id, (rename_id, new_name): (i64, String)| {
        let mut ids = owned_ids(side, only, application_id);
        ids.insert("name_change_id", rename_id.to_string());
        Tenant {
            label,
            side,
            ids,
            private: side
                .secret
                .iter()
                .cloned()
                .chain([side.name_ja.clone(), side.name_ja.replace("株式会社", " K.K."), new_name])
                .collect(),
        }
    };
    // The world lives for the whole test: borrow its sides for 'static through a leak.
    let w: &'static World = Box::leak(Box::new(w));
    let b_rename = renames.pop().expect("B's");
    let a = tenant("A", &w.a, &only[0], Some(w.application_id), renames.pop().expect("A's"));
    let b = tenant("B", &w.b, &only[1], None, b_rename);
    // Each token used once first, so that its "last used" is the same before and after.
    for t in [&a, &b] {
        let r = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer(&t.side.token_rw), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let before = [snapshot(w, &a, &b).await, snapshot(w, &b, &a).await];

    // Which routes the walk covers, and that every id parameter has a source.
    let exempt = |def: &RouteDef| PUBLIC_BY_ID.iter().any(|(p, _)| *p == def.path);
    for (p, why) in PUBLIC_BY_ID {
        let def = table().into_iter().map(|(d, _)| d).find(|d| d.path == *p);
        assert!(def.is_some_and(|d| d.access == Access::Public), "{p} is listed as public by id ({why}) but is not a public route");
    }
    let mut walked = 0;
    let mut requests = 0;
    let mut failures = Vec::new();
    for (def, _) in table() {
        let ids = id_params(&def);
        if ids.is_empty() || exempt(&def) {
            continue;
        }
        for p in &ids {
            assert!(
                a.ids.contains_key(p) || b.ids.contains_key(p),
                "{} {}: no organisation's real id for {{{p}}}: add its source to owned_ids in tests/tenant_isolation.rs \
                 (or, if it names nothing an organisation owns, to NOT_IDS with the reason)",
                def.method,
                def.path
            );
        }
        let mut covered = false;
        for (caller, owner) in [(&a, &b), (&b, &a)] {
            for path in variants(&def, caller, owner) {
                covered = true;
                for auth in [Auth::Session(&caller.side.admin), Auth::Bearer(&caller.side.token_rw)] {
                    let how = if matches!(auth, Auth::Session(_)) { "session" } else { "token" };
                    let r = call(w, &def, &path, auth).await;
                    requests += 1;
                    if !matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                        failures.push(format!(
                            "{} {} ({} asking for {}'s, by {how}) answered {}: {}",
                            def.method,
                            path,
                            caller.label,
                            owner.label,
                            r.status,
                            r.body.chars().take(300).collect::<String>()
                        ));
                    }
                    if let Some(s) = owner.private.iter().find(|s| r.body.contains(s.as_str())) {
                        failures
                            .push(format!("{} {} ({} asking for {}'s, by {how}) shows {s:?}", def.method, path, caller.label, owner.label));
                    }
                }
            }
        }
        assert!(covered, "{} {}: neither organisation owns every id it names", def.method, def.path);
        walked += 1;
    }
    assert!(failures.is_empty(), "{} leaks or wrong answers:\n{}", failures.len(), failures.join("\n"));
    assert!(walked >= 50, "the walk covered {walked} routes with ids ({requests} requests)");

    // Nothing the refused requests asked for happened: each owner sees what it saw before.
    let after = [snapshot(w, &a, &b).await, snapshot(w, &b, &a).await];
    for (t, (x, y)) in [&a, &b].iter().zip(before.iter().zip(after.iter())) {
        for ((path, s1, b1), (_, s2, b2)) in x.iter().zip(y.iter()) {
            if b1 != b2 {
                let d: Vec<(&str, &str)> = b1.lines().zip(b2.lines()).filter(|(l1, l2)| l1 != l2).take(3).collect();
                panic!("{}'s own GET {path} changed during the walk: {s1} → {s2}: {d:?}", t.label);
            }
            assert!(s1 == s2, "{}'s own GET {path} changed during the walk: {s1} → {s2}", t.label);
        }
    }
    let r = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer(&b.side.token_rw), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "B's token was not revoked by A");
    println!("tenant isolation: {walked} routes with ids, {requests} requests, no leak");
}
