//! A test world: two organisations (A and B), each with an admin, a member and tokens, and
//! helpers to send requests to the router in-process.

#![allow(dead_code)]

pub mod calls;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use hoshi_app::accounts::OrgInput;
use hoshi_app::{App, FixedClock};
use hoshi_core::org::{Industry, MemberRole, OrgRole, Prefecture};
use hoshi_core::CorporateNumber;
use hoshi_store::orgs::NewOrg;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "a-long-enough-password";

#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Side {
    /// Data that only this side may see contains `private-<base or corporate number>`.
    pub secret: Vec<String>,
    pub org_id: i64,
    pub cn: String,
    pub name_ja: String,
    pub admin: Session,
    pub member: Session,
    pub token_rw: String,
    pub token_ro: String,
    pub token_id: i64,
    /// The side's own assessment (target ★4), with one evidence file, shared with C.
    pub assessment_id: i64,
    pub evidence_sha: String,
    pub share_id: i64,
    /// An engagement where this side is the assessment body (on C's assessment).
    pub engagement_id: i64,
    /// A supplier in this side's list (C, under a private name), and an uploaded import draft.
    pub supplier_cn: String,
    pub draft_id: i64,
    /// A price negotiation this side opened with C (its evidence attached).
    pub negotiation_id: i64,
    /// A task of its assessment's remediation plan, its evidence file's library item, and a
    /// support request it made (in its own programme, matched to itself as the expert).
    pub task_id: i64,
    pub item_id: i64,
    pub request_id: i64,
    pub programme_id: i64,
}

pub struct World {
    pub app: App,
    pub router: Router,
    pub a: Side,
    pub b: Side,
    /// A third organisation (supplier and buyer) that both sides deal with.
    pub c_cn: String,
    /// The registry operator's administrator.
    pub operator: Session,
    /// The regulator's administrator.
    pub regulator: Session,
    /// A's application (already decided) and the certificate it got.
    pub application_id: i64,
    pub serial: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|r| r.split(';').next().unwrap_or("").to_owned()))
    }
}

pub fn cn(base: &str) -> CorporateNumber {
    let mut b = [0u8; 12];
    for (s, c) in b.iter_mut().zip(base.bytes()) {
        *s = c - b'0';
    }
    CorporateNumber::from_base(&b).expect("digits")
}

async fn side(app: &App, base: &str, name: &str, roles: Vec<OrgRole>) -> Side {
    let cnum = cn(base);
    let org = app
        .admin_create_org(&NewOrg {
            corporate_number: cnum,
            name_ja: format!("{name}株式会社"),
            name_en: format!("{name} K.K."),
            prefecture: Prefecture::parse("東京都").expect("p"),
            address: format!("private-{base}"),
            industry: Industry::Manufacturing,
            employees: Some(10),
            capital_yen: None,
            roles,
        })
        .await
        .expect("org");
    let admin_email = format!("admin@{base}.example");
    let member_email = format!("member@{base}.example");
    app.admin_add_user(&admin_email, "Admin", PASSWORD, &cnum, MemberRole::Admin).await.expect("admin");
    app.admin_add_user(&member_email, "Member", PASSWORD, &cnum, MemberRole::Member).await.expect("member");
    let a = app.sign_in(&admin_email, PASSWORD, "test").await.expect("sign in");
    let m = app.sign_in(&member_email, PASSWORD, "test").await.expect("sign in");
    let (t, token_rw) = app.create_token(&a.actor, "rw", "read_write").await.expect("token");
    let (_, token_ro) = app.create_token(&a.actor, "ro", "read").await.expect("token");
    Side {
        secret: vec![format!("private-{base}"), format!("private-{cnum}")],
        assessment_id: 0,
        evidence_sha: String::new(),
        share_id: 0,
        engagement_id: 0,
        supplier_cn: String::new(),
        draft_id: 0,
        negotiation_id: 0,
        task_id: 0,
        item_id: 0,
        request_id: 0,
        programme_id: 0,
        org_id: org.id,
        cn: cnum.to_string(),
        name_ja: org.name_ja,
        admin: Session { cookie: a.session_token, csrf: a.actor.csrf_token().expect("csrf").to_owned() },
        member: Session { cookie: m.session_token, csrf: m.actor.csrf_token().expect("csrf").to_owned() },
        token_rw,
        token_ro,
        token_id: t.id,
    }
}

fn cn_of(s: &str) -> CorporateNumber {
    CorporateNumber::parse(s).expect("cn")
}

pub async fn world_on(store: hoshi_store::Store) -> World {
    let app = App::new(store, Arc::new(FixedClock::new(1_790_000_000)));
    let all = vec![OrgRole::Supplier, OrgRole::Buyer, OrgRole::Expert, OrgRole::AssessmentBody];
    let mut a = side(&app, "100000000001", "青空", all.clone()).await;
    let mut b = side(&app, "100000000002", "夕焼", all).await;
    let c = side(&app, "100000000003", "曇天", vec![OrgRole::Supplier, OrgRole::Buyer]).await;
    let c_actor = app.session_actor(&c.admin.cookie).await.expect("c");
    let d = side(&app, "100000000004", "登録", vec![OrgRole::RegistryOperator]).await;
    let op_actor = app.session_actor(&d.admin.cookie).await.expect("operator");
    // Every organisation verified; A and B approved as experts and assessment bodies.
    for x in [&a, &b, &c, &d] {
        app.verify_org(Some(&op_actor), &cn_of(&x.cn), true, "test documents", None).await.expect("verify");
    }
    for x in [&a, &b] {
        let actor = app.session_actor(&x.admin.cookie).await.expect("actor");
        for kind in ["expert", "assessment_body"] {
            let input = hoshi_app::trust::AccreditationInput {
                kind: kind.into(),
                qualification: "test".into(),
                number: format!("REG-{}", x.cn),
                training_completed_on: "2026-01-01".into(),
                technical_verification: Some("on".into()),
                ..Default::default()
            };
            app.apply_accreditation(&actor, &input).await.expect("apply");
            let k = hoshi_core::accreditation::Kind::parse(kind);
            app.decide_accreditation(Some(&op_actor), &cn_of(&x.cn), k, "approve", "", "").await.expect("approve");
        }
        // Its verification document (the same bytes as its evidence file, so one sha fills both paths).
        app.upload_verification_document(&actor, "registry.pdf", format!("%PDF-1.4 {}", x.cn).as_bytes()).await.expect("document");
    }
    app.file_claim(&c.cn, "Claimant", "claimant@example.com", "ours", None).await.expect("claim");
    let a_cn = a.cn.clone();
    for x in [&mut a, &mut b] {
        let actor = app.session_actor(&x.admin.cookie).await.expect("actor");
        let asmt = app.start_assessment(&actor, "4", "company", &format!("private-{}", x.cn)).await.expect("assessment");
        x.assessment_id = asmt.id;
        x.evidence_sha = app
            .add_evidence(&actor, asmt.id, "4-4-5-1", &format!("private-{}.pdf", x.cn), format!("%PDF-1.4 {}", x.cn).as_bytes())
            .await
            .expect("evidence");
        x.share_id = app.share(&actor, asmt.id, &c.cn, hoshi_app::assessment::ShareLevel::Answers).await.expect("share").id;
        let c_asmt = app.start_assessment(&c_actor, "4", "company", "").await.expect("c assessment");
        x.engagement_id = app.engage(&c_actor, c_asmt.id, &x.cn, hoshi_app::assessment::THIRD_PARTY, "").await.expect("engage").id;
        // The side's supplier list names C privately; its draft upload holds another private name.
        let list = format!("corporate_number,name,supplies\n{},private-{} 仕入先,private-{}\n", c.cn, x.cn, x.cn);
        let mode = hoshi_app::suppliers::ImportMode::AllOrNothing;
        let r = app.import_suppliers(&actor, "list.csv", list.as_bytes(), mode, false).await.expect("import");
        assert!(r.imported, "{r:?}");
        x.supplier_cn = c.cn.clone();
        x.draft_id = app.upload_draft(&actor, "draft.csv", list.as_bytes()).await.expect("draft");
        let plan = hoshi_app::negotiation::PlanInput {
            assessment_id: asmt.id,
            buyers: vec![hoshi_app::negotiation::BuyerInput { buyer: c.cn.clone(), weight_yen: 1_000_000, ..Default::default() }],
            ..Default::default()
        };
        let message = format!("private-{}", x.cn);
        let ids = app.open_negotiations(&actor, &plan, &message, "", std::slice::from_ref(&x.evidence_sha)).await.expect("negotiation");
        x.negotiation_id = ids[0];
        app.create_plan(&actor, asmt.id, "2027-03-31", "criterion").await.expect("plan");
        x.task_id = app.plan(&actor, asmt.id).await.expect("plan").expect("a plan").tasks[0].task.id;
        x.item_id = app.evidence_library(&actor).await.expect("library")[0].item.id;
        // Each side runs the programme of its own region (A Tokyo, B Kanagawa, which B's expert profile serves).
        let region = if x.cn == a_cn { "東京都" } else { "神奈川県" };
        if region != "東京都" {
            let profile =
                hoshi_app::assessment::ExpertProfileInput { qualification: "test".into(), regions: region.into(), ..Default::default() };
            app.update_expert_profile(&actor, &profile).await.expect("profile");
        }
        x.programme_id =
            app.grant_programme(&op_actor, &x.cn, &format!("{}の支援事業", x.cn), region, "2026", "100").await.expect("programme").id;
        let ask = hoshi_app::support::RequestInput { needs: format!("private-{}", x.cn), prefecture: region.into(), ..Default::default() };
        let req = app.request_support(&actor, &ask).await.expect("support request");
        assert_eq!(req.programme_id, Some(x.programme_id), "{req:?}");
        x.request_id = req.id;
        app.match_support(&actor, x.request_id, &x.cn).await.expect("match");
    }
    let router =
        hoshi_web::router(app.clone(), hoshi_web::WebConfig { secure_cookies: false, max_body_bytes: 64 * 1024, ..Default::default() });
    let a_actor = app.session_actor(&a.admin.cookie).await.expect("a");
    let b_actor = app.session_actor(&b.admin.cookie).await.expect("b");
    let asmt = app.start_assessment(&a_actor, "3", "company", "").await.expect("assessment");
    let v = app.assessment(&a_actor, asmt.id).await.expect("view");
    for c in v.edition.criteria_up_to(hoshi_core::Level::THREE) {
        app.answer(&a_actor, asmt.id, &c.id, "met", "", "").await.expect("answer");
    }
    let e = app.engage(&a_actor, asmt.id, &b.cn, hoshi_app::assessment::CONFIRMATION, "").await.expect("engage");
    for c in v.edition.criteria_up_to(hoshi_core::Level::THREE) {
        app.review(&b_actor, e.id, &c.id, "agree", "", false).await.expect("review");
    }
    app.sign_pledge(&a_actor, asmt.id, "代表", "代表取締役").await.expect("pledge");
    app.confirm(&b_actor, e.id, "").await.expect("confirm");
    let application = app.apply(&a_actor, asmt.id).await.expect("apply");
    let serial = app.decide(&op_actor, application.id, true, "checked").await.expect("issue").serial.expect("serial");
    app.sequence().await.expect("sequence");
    let r = side(&app, "100000000005", "公取", vec![OrgRole::Regulator]).await;
    World { app, router, a, b, c_cn: c.cn, operator: d.admin, regulator: r.admin, application_id: application.id, serial }
}

pub async fn world() -> World {
    world_on(hoshi_store::testing::sqlite().await).await
}

/// How to authenticate a request.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    Bearer(&'a str),
}

pub async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    auth: Auth<'_>,
    body: Option<(&str, String)>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    match auth {
        Auth::None => {}
        Auth::Session(s) => req = req.header(header::COOKIE, format!("hoshi_session={}", s.cookie)),
        Auth::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some((ct, b)) => req.header(header::CONTENT_TYPE, ct).body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub fn form(pairs: &[(&str, &str)]) -> Option<(&'static str, String)> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    Some(("application/x-www-form-urlencoded", s.finish()))
}

pub fn json_body(v: serde_json::Value) -> Option<(&'static str, String)> {
    Some(("application/json", v.to_string()))
}

/// Profile input that passes validation.
pub fn good_org_input() -> OrgInput {
    OrgInput {
        corporate_number: String::new(),
        name_ja: "新しい名前株式会社".into(),
        name_en: "New Name K.K.".into(),
        prefecture: "大阪府".into(),
        address: "大阪市".into(),
        industry: "manufacturing".into(),
        employees: "20".into(),
        capital_yen: "10,000,000".into(),
    }
}
