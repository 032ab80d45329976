//! Every route, once, with the access it needs. The router is built from this table and the
//! authorization tests walk it, so nothing can be added without being tested for access.

use std::sync::OnceLock;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{delete, get, post, put, MethodRouter};

use crate::{api, pages, AppState};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person or API token of the organisation.
    SignedIn,
    /// An administrator of the organisation, signed in as a person.
    Admin,
    /// The registry operator (a person or read-write token of that organisation).
    Operator,
    /// The regulator (the Fair Trade Commission's people).
    Regulator,
}

/// A route's declaration.
#[derive(Debug, Clone)]
pub struct RouteDef {
    pub method: Method,
    /// axum path syntax: `{param}` for a parameter.
    pub path: &'static str,
    pub access: Access,
}

impl RouteDef {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }
}

/// The methods a declared path takes, in table order (for the readable 405: axum adds its `Allow`
/// header only after every layer has run).
pub fn methods_of(path: &str) -> Vec<Method> {
    static METHODS: OnceLock<Vec<(Method, &'static str)>> = OnceLock::new();
    let all = METHODS.get_or_init(|| table().into_iter().map(|(d, _)| (d.method, d.path)).collect());
    all.iter().filter(|(_, p)| *p == path).map(|(m, _)| m.clone()).collect()
}

fn r(method: Method, path: &'static str, access: Access, h: MethodRouter<AppState>) -> (RouteDef, MethodRouter<AppState>) {
    (RouteDef { method, path, access }, h)
}

/// The routes, in the order a reader would look for them.
pub fn table() -> Vec<(RouteDef, MethodRouter<AppState>)> {
    use Access::*;
    vec![
        // health, description, assets
        r(Method::GET, "/healthz", Public, get(api::health::healthz)),
        r(Method::GET, "/readyz", Public, get(api::health::readyz)),
        r(Method::GET, "/api/openapi.json", Public, get(api::openapi::openapi_json)),
        r(Method::GET, "/static/app.css", Public, get(pages::assets::css)),
        r(Method::GET, "/favicon.ico", Public, get(pages::assets::favicon)),
        r(Method::GET, "/static/import.js", Public, get(pages::assets::import_js)),
        r(Method::GET, "/static/questionnaire.js", Public, get(pages::assets::questionnaire_js)),
        // pages: anyone
        r(Method::GET, "/", Public, get(pages::home)),
        r(Method::GET, "/lang/{lang}", Public, get(pages::switch_language)),
        r(Method::GET, "/login", Public, get(pages::auth::login_form)),
        r(Method::POST, "/login", Public, post(pages::auth::login)),
        r(Method::GET, "/register", Public, get(pages::auth::register_form)),
        r(Method::POST, "/register", Public, post(pages::auth::register)),
        r(Method::GET, "/invitations/{token}", Public, get(pages::auth::invitation_form)),
        r(Method::POST, "/invitations/{token}", Public, post(pages::auth::accept_invitation)),
        r(Method::GET, "/catalog", Public, get(pages::catalog::index)),
        r(Method::GET, "/providers", Public, get(pages::trust::providers)),
        r(Method::GET, "/providers.csv", Public, get(pages::trust::providers_csv)),
        r(Method::GET, "/claim", Public, get(pages::trust::claim_form)),
        r(Method::POST, "/claim", Public, post(pages::trust::claim)),
        // pages: signed in
        r(Method::POST, "/logout", SignedIn, post(pages::auth::logout)),
        r(Method::GET, "/dashboard", SignedIn, get(pages::dashboard::show)),
        r(Method::GET, "/org", SignedIn, get(pages::org::show)),
        r(Method::POST, "/org", Admin, post(pages::org::update)),
        r(Method::POST, "/org/invitations", Admin, post(pages::org::invite)),
        r(
            Method::POST,
            "/org/verification",
            Admin,
            post(pages::trust::upload_document).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::GET, "/registry/documents/{org_id}/{sha256}", SignedIn, get(pages::trust::document)),
        r(Method::POST, "/org/accreditation", Admin, post(pages::trust::apply_accreditation)),
        r(Method::GET, "/org/tokens", Admin, get(pages::org::tokens)),
        r(Method::POST, "/org/tokens", Admin, post(pages::org::create_token)),
        r(Method::POST, "/org/tokens/{token_id}/revoke", Admin, post(pages::org::revoke_token)),
        r(Method::GET, "/assessments", SignedIn, get(pages::assessment::list)),
        r(Method::POST, "/assessments", SignedIn, post(pages::assessment::start)),
        r(Method::GET, "/assessments/{assessment_id}", SignedIn, get(pages::assessment::show)),
        r(Method::GET, "/assessments/{assessment_id}/answer", SignedIn, get(pages::assessment::answer_form)),
        r(Method::POST, "/assessments/{assessment_id}/answers", SignedIn, post(pages::assessment::save_answers)),
        r(Method::POST, "/assessments/{assessment_id}/settings", SignedIn, post(pages::assessment::settings)),
        r(Method::GET, "/assessments/{assessment_id}/criteria/{criterion_id}", SignedIn, get(pages::assessment::criterion)),
        r(
            Method::POST,
            "/assessments/{assessment_id}/evidence",
            SignedIn,
            post(pages::assessment::upload).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::GET, "/assessments/{assessment_id}/evidence/{sha256}", SignedIn, get(pages::assessment::download)),
        r(Method::POST, "/assessments/{assessment_id}/quotes", SignedIn, post(pages::assessment::quote)),
        r(Method::GET, "/assessments/{assessment_id}/gaps", SignedIn, get(pages::assessment::gaps)),
        r(Method::GET, "/assessments/{assessment_id}/gaps.csv", SignedIn, get(pages::assessment::gaps_csv)),
        r(Method::GET, "/assessments/{assessment_id}/oscal.json", SignedIn, get(pages::assessment::oscal)),
        // the official self-assessment workbook: upload, preview, import; XLSX downloads
        r(Method::GET, "/assessments/{assessment_id}/workbook", SignedIn, get(pages::workbook::form)),
        r(
            Method::POST,
            "/assessments/{assessment_id}/workbook/preview",
            SignedIn,
            post(pages::workbook::preview).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::POST, "/assessments/{assessment_id}/workbook/import", SignedIn, post(pages::workbook::import)),
        r(Method::GET, "/assessments/{assessment_id}/workbook.xlsx", SignedIn, get(pages::workbook::workbook_xlsx)),
        r(Method::GET, "/assessments/{assessment_id}/gaps.xlsx", SignedIn, get(pages::workbook::gaps_xlsx)),
        r(Method::POST, "/assessments/{assessment_id}/engagements", SignedIn, post(pages::assessment::engage)),
        r(Method::POST, "/assessments/{assessment_id}/pledge", Admin, post(pages::assessment::pledge)),
        r(Method::POST, "/assessments/{assessment_id}/versions", SignedIn, post(pages::assessment::new_version)),
        r(Method::POST, "/assessments/{assessment_id}/renewal", SignedIn, post(pages::assessment::renewal)),
        r(Method::GET, "/assessments/{assessment_id}/plan", SignedIn, get(pages::plan::show)),
        r(Method::POST, "/assessments/{assessment_id}/plan", SignedIn, post(pages::plan::create)),
        r(Method::POST, "/assessments/{assessment_id}/plan/tasks/{task_id}", SignedIn, post(pages::plan::update_task)),
        r(
            Method::POST,
            "/assessments/{assessment_id}/plan/tasks/{task_id}/close",
            SignedIn,
            post(pages::plan::close_task).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::GET, "/assessments/{assessment_id}/plan/poam.json", SignedIn, get(pages::plan::poam)),
        r(Method::GET, "/assessments/{assessment_id}/plan.csv", SignedIn, get(pages::plan::csv)),
        r(Method::GET, "/assessments/{assessment_id}/plan.xlsx", SignedIn, get(pages::plan::xlsx)),
        r(Method::POST, "/assessments/{assessment_id}/evidence/link", SignedIn, post(pages::plan::link)),
        r(Method::GET, "/evidence", SignedIn, get(pages::plan::library)),
        r(
            Method::POST,
            "/evidence",
            SignedIn,
            post(pages::plan::add).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::GET, "/evidence/{item_id}", SignedIn, get(pages::plan::item)),
        r(Method::GET, "/evidence/{item_id}/versions/{version}", SignedIn, get(pages::plan::download)),
        r(
            Method::POST,
            "/evidence/{item_id}/versions",
            SignedIn,
            post(pages::plan::new_version).layer(DefaultBodyLimit::max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024)),
        ),
        r(Method::POST, "/evidence/{item_id}/delete", SignedIn, post(pages::plan::delete)),
        r(Method::GET, "/support", SignedIn, get(pages::support::list)),
        r(Method::POST, "/support/requests", SignedIn, post(pages::support::create)),
        r(Method::GET, "/support/requests/{request_id}", SignedIn, get(pages::support::show)),
        r(Method::POST, "/support/requests/{request_id}/match", SignedIn, post(pages::support::match_expert)),
        r(Method::POST, "/support/requests/{request_id}/sessions", SignedIn, post(pages::support::session)),
        r(Method::POST, "/support/requests/{request_id}/outcome", SignedIn, post(pages::support::outcome)),
        r(Method::POST, "/support/requests/{request_id}/withdraw", SignedIn, post(pages::support::withdraw)),
        r(Method::GET, "/support/figures", SignedIn, get(pages::support::figures)),
        r(Method::POST, "/registry/support-programmes", Operator, post(pages::support::grant)),
        r(Method::POST, "/registry/support-programmes/{programme_id}/revoke", Operator, post(pages::support::revoke)),
        r(Method::POST, "/assessments/{assessment_id}/shares", SignedIn, post(pages::assessment::share)),
        r(Method::POST, "/shares/{share_id}/revoke", SignedIn, post(pages::assessment::revoke_share)),
        r(Method::GET, "/shared", SignedIn, get(pages::assessment::shared)),
        r(Method::GET, "/experts", SignedIn, get(pages::assessment::experts)),
        r(Method::POST, "/experts/profile", Admin, post(pages::assessment::expert_profile)),
        r(Method::GET, "/engagements", SignedIn, get(pages::review::inbox)),
        r(Method::GET, "/engagements/{engagement_id}", SignedIn, get(pages::review::show)),
        r(Method::POST, "/engagements/{engagement_id}/reviews", SignedIn, post(pages::review::save)),
        r(Method::POST, "/engagements/{engagement_id}/confirm", SignedIn, post(pages::review::confirm)),
        r(Method::POST, "/engagements/{engagement_id}/return", SignedIn, post(pages::review::return_it)),
        r(Method::POST, "/engagements/{engagement_id}/findings", SignedIn, post(pages::trust::resolve)),
        r(Method::POST, "/engagements/{engagement_id}/technical", SignedIn, post(pages::trust::technical)),
        r(Method::POST, "/engagements/{engagement_id}/agree-unchanged", SignedIn, post(pages::trust::agree_unchanged)),
        r(Method::POST, "/assessments/{assessment_id}/findings", SignedIn, post(pages::trust::reply)),
        r(Method::GET, "/suppliers", SignedIn, get(pages::suppliers::list)),
        r(Method::GET, "/suppliers.csv", SignedIn, get(pages::suppliers::csv)),
        r(Method::GET, "/suppliers/dashboard", SignedIn, get(pages::suppliers::dashboard)),
        r(Method::GET, "/suppliers/import", SignedIn, get(pages::suppliers::import_form)),
        r(
            Method::POST,
            "/suppliers/import",
            SignedIn,
            post(pages::suppliers::upload).layer(DefaultBodyLimit::max(hoshi_app::suppliers::MAX_IMPORT_BYTES + 64 * 1024)),
        ),
        r(Method::GET, "/suppliers/import/{draft_id}", SignedIn, get(pages::suppliers::preview_page)),
        r(Method::POST, "/suppliers/import/{draft_id}", SignedIn, post(pages::suppliers::confirm)),
        r(Method::GET, "/suppliers/{supplier}", SignedIn, get(pages::suppliers::show)),
        r(Method::POST, "/suppliers/{supplier}/requirement", SignedIn, post(pages::suppliers::set_requirement)),
        r(Method::GET, "/network", SignedIn, get(pages::suppliers::network)),
        r(Method::GET, "/requirements", SignedIn, get(pages::suppliers::requirements)),
        r(Method::POST, "/requirements/tiers", SignedIn, post(pages::suppliers::share_tiers)),
        r(Method::GET, "/negotiations", SignedIn, get(pages::negotiation::list)),
        r(Method::POST, "/negotiations", SignedIn, post(pages::negotiation::open)),
        r(Method::GET, "/negotiations/new", SignedIn, get(pages::negotiation::new_form)),
        r(Method::GET, "/negotiations/{negotiation_id}", SignedIn, get(pages::negotiation::show)),
        r(Method::POST, "/negotiations/{negotiation_id}/steps", SignedIn, post(pages::negotiation::step)),
        r(Method::POST, "/negotiations/{negotiation_id}/escalate", SignedIn, post(pages::negotiation::escalate)),
        r(Method::GET, "/negotiations/{negotiation_id}/escalation", SignedIn, get(pages::negotiation::escalation)),
        r(Method::GET, "/negotiations/{negotiation_id}/escalation.json", SignedIn, get(pages::negotiation::escalation_json)),
        r(Method::GET, "/negotiations/{negotiation_id}/record.json", SignedIn, get(pages::negotiation::record)),
        r(Method::GET, "/negotiations/{negotiation_id}/evidence/{sha256}", SignedIn, get(pages::negotiation::evidence)),
        r(Method::GET, "/regulator", Regulator, get(pages::negotiation::regulator)),
        r(Method::GET, "/registry", Public, get(pages::registry::search)),
        r(Method::GET, "/registry.csv", Public, get(pages::registry::csv)),
        r(Method::GET, "/registry/companies/{corporate_number}", Public, get(pages::registry::company)),
        r(Method::GET, "/registry/certificates/{serial}", Public, get(pages::registry::certificate)),
        r(Method::POST, "/assessments/{assessment_id}/apply", SignedIn, post(pages::registry::apply)),
        r(Method::GET, "/registry/console", Operator, get(pages::registry::console)),
        r(Method::POST, "/registry/applications/{application_id}/decide", Operator, post(pages::registry::decide)),
        r(Method::POST, "/registry/changes", Operator, post(pages::registry::change)),
        r(Method::GET, "/registry/applications/{application_id}", Operator, get(pages::trust::dossier)),
        r(Method::POST, "/registry/applications/{application_id}/check", Operator, post(pages::trust::check)),
        r(Method::GET, "/registry/trust", Operator, get(pages::trust::console)),
        r(Method::GET, "/registry/audit", Operator, get(pages::trust::audit)),
        r(Method::POST, "/registry/verifications", Operator, post(pages::trust::verify)),
        r(Method::POST, "/registry/claims/{claim_id}/resolve", Operator, post(pages::trust::resolve_claim)),
        r(Method::POST, "/registry/name-changes/{name_change_id}/decide", Operator, post(pages::trust::decide_name_change)),
        r(Method::POST, "/registry/providers", Operator, post(pages::trust::decide_provider)),
        r(Method::GET, "/.well-known/jwks.json", Public, get(api::registry::jwks)),
        r(Method::GET, "/log/checkpoint", Public, get(api::registry::checkpoint)),
        r(Method::GET, "/log/key", Public, get(api::registry::key)),
        r(Method::GET, "/log/tile/{*path}", Public, get(api::registry::tile)),
        r(Method::GET, "/api/v1/registry/companies", Public, get(api::registry::companies)),
        r(Method::GET, "/api/v1/registry/companies/{corporate_number}", Public, get(api::registry::company)),
        r(Method::POST, "/api/v1/registry/verify", Public, post(api::registry::verify).layer(DefaultBodyLimit::max(4 * 1024 * 1024))),
        r(Method::GET, "/api/v1/certificates/{serial}/bundle", Public, get(api::registry::bundle)),
        r(Method::GET, "/api/v1/providers", Public, get(pages::trust::providers_api)),
        r(Method::GET, "/api/v1/log/proof", Public, get(api::registry::proof)),
        r(Method::GET, "/api/v1/log/consistency", Public, get(api::registry::consistency)),
        // JSON API
        r(Method::GET, "/api/v1/catalog", Public, get(api::catalog::summary)),
        r(Method::GET, "/api/v1/catalog/criteria/{criterion_id}", Public, get(api::catalog::criterion)),
        r(Method::POST, "/api/v1/sharing/allocate", Public, post(api::sharing::allocate)),
        r(Method::GET, "/api/v1/me", SignedIn, get(api::orgs::me)),
        r(Method::GET, "/api/v1/assessments", SignedIn, get(api::assessments::list)),
        r(Method::GET, "/api/v1/assessments/{assessment_id}", SignedIn, get(api::assessments::get_one)),
        r(Method::PUT, "/api/v1/assessments/{assessment_id}/answers/{criterion_id}", SignedIn, put(api::assessments::put_answer)),
        r(Method::GET, "/api/v1/assessments/{assessment_id}/oscal", SignedIn, get(api::assessments::oscal)),
        r(Method::GET, "/api/v1/orgs/{org_id}", SignedIn, get(api::orgs::get_org)),
        r(Method::PUT, "/api/v1/orgs/{org_id}", Admin, put(api::orgs::update_org)),
        r(Method::GET, "/api/v1/orgs/{org_id}/members", SignedIn, get(api::orgs::members)),
        r(Method::POST, "/api/v1/orgs/{org_id}/invitations", Admin, post(api::orgs::invite)),
        r(Method::GET, "/api/v1/orgs/{org_id}/tokens", Admin, get(api::orgs::tokens)),
        r(Method::POST, "/api/v1/orgs/{org_id}/tokens", Admin, post(api::orgs::create_token)),
        r(Method::DELETE, "/api/v1/orgs/{org_id}/tokens/{token_id}", Admin, delete(api::orgs::revoke_token)),
        r(
            Method::POST,
            "/api/v1/suppliers/import",
            SignedIn,
            post(api::suppliers::import).layer(DefaultBodyLimit::max(hoshi_app::suppliers::MAX_IMPORT_BYTES)),
        ),
        r(Method::GET, "/api/v1/suppliers", SignedIn, get(api::suppliers::list)),
        r(Method::GET, "/api/v1/suppliers/{supplier}", SignedIn, get(api::suppliers::get_one)),
        r(Method::PUT, "/api/v1/suppliers/{supplier}/requirement", SignedIn, put(api::suppliers::put_requirement)),
        r(Method::GET, "/api/v1/requirements", SignedIn, get(api::suppliers::requirements)),
        r(Method::GET, "/api/v1/network", SignedIn, get(api::suppliers::network)),
        r(Method::GET, "/api/v1/network/what-if/{supplier}", SignedIn, get(api::suppliers::what_if)),
        r(Method::GET, "/api/v1/negotiations", SignedIn, get(api::negotiations::list)),
        r(Method::GET, "/api/v1/negotiations/{negotiation_id}", SignedIn, get(api::negotiations::get_one)),
        r(Method::POST, "/api/v1/negotiations/{negotiation_id}/steps", SignedIn, post(api::negotiations::step)),
        r(Method::GET, "/api/v1/negotiations/{negotiation_id}/record", SignedIn, get(api::negotiations::record)),
        r(Method::GET, "/api/v1/regulator/figures", Regulator, get(api::negotiations::figures)),
    ]
}
