//! The OpenAPI 3 description of the API, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{assessments, catalog, health, negotiations, orgs, registry, sharing, suppliers};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("An API token of the organisation (hoshi_…)")).build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::SESSION_COOKIE,
                "A browser session; state-changing calls also need the X-CSRF-Token header",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Hoshi API", description = "The ★-level supply-chain security scheme: catalog, organisations and (in later versions) assessments, certificates, registry and cost sharing. Errors are RFC 9457 problem details."),
    paths(
        health::healthz, health::readyz,
        catalog::summary, catalog::criterion,
        orgs::me, orgs::get_org, orgs::update_org, orgs::members, orgs::invite,
        orgs::tokens, orgs::create_token, orgs::revoke_token,
        assessments::list, assessments::get_one, assessments::oscal, assessments::put_answer,
        registry::companies, registry::company, registry::verify, registry::bundle, registry::proof, registry::consistency,
        registry::jwks, registry::checkpoint, registry::key, registry::tile,
        suppliers::import, suppliers::list, suppliers::get_one, suppliers::put_requirement, suppliers::requirements,
        suppliers::network, suppliers::what_if,
        negotiations::list, negotiations::get_one, negotiations::step, negotiations::record, negotiations::figures,
        sharing::allocate,
        crate::pages::trust::providers_api,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Security),
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This description")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
