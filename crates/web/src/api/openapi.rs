//! The OpenAPI 3 description of the API, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
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

/// The media type every error is served as (RFC 9457), which `body = Problem` alone would
/// document as `application/json`.
const PROBLEM_JSON: &str = "application/problem+json";

/// Makes the description say what the server answers, not only what each handler does: every
/// problem is `application/problem+json`, and the answers of the machinery every operation
/// goes through are documented on each operation it can reach — 400 from the path, query and
/// JSON extractors; 401 from a token that is not valid (on any operation) or no sign-in; 403
/// from token scopes, roles and a session's missing CSRF token; 413 and 415 from the body limit
/// and the JSON extractor; 429 from the registry's per-client limit. Found by schemathesis
/// (scripts/attack/fuzz, checks content_type_conformance and status_code_conformance): e.g.
/// `GET /api/v1/me` without a token answered 401 as `application/problem+json` where
/// `application/json` was documented, and `GET /api/v1/orgs/9223372036854775808` answered an
/// undocumented 400.
struct Problems;

impl Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let shared = item.parameters.clone().unwrap_or_default();
            let ops = [
                (true, &mut item.get),
                (false, &mut item.put),
                (false, &mut item.post),
                (false, &mut item.delete),
                (false, &mut item.patch),
            ];
            for (safe, op) in ops {
                let Some(op) = op else { continue };
                let has_params = op
                    .parameters
                    .iter()
                    .flatten()
                    .chain(shared.iter())
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query));
                let body = op.request_body.is_some();
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let r = &mut op.responses.responses;
                if has_params || body {
                    add(r, "400", "Malformed request: a path or query parameter of the wrong kind, a required query parameter missing, or a body that is not JSON");
                }
                if secured {
                    add(r, "401", "Not signed in: no session, or no valid API token");
                    add(r, "403", "Not allowed: the organisation's role, the person's role or the token's scope does not permit this, or a session sent no X-CSRF-Token");
                } else {
                    add(r, "401", "An Authorization header whose token is not valid (this operation needs none)");
                    if !safe {
                        add(r, "403", "A browser session sent no X-CSRF-Token (this operation needs no sign-in)");
                    }
                }
                if body {
                    add(r, "413", "The body is larger than this operation takes");
                    add(r, "415", "The body is not of the content type this operation takes");
                }
                if crate::ctx::is_registry_read(path) {
                    add(r, "429", "Too many requests from this client: the registry's per-client limit for anonymous callers; retry after Retry-After seconds");
                }
                for resp in r.values_mut() {
                    if let RefOr::T(resp) = resp {
                        let is_problem = resp
                            .content
                            .get("application/json")
                            .is_some_and(|c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
                        if is_problem {
                            if let Some(c) = resp.content.shift_remove("application/json") {
                                resp.content.insert(PROBLEM_JSON.to_owned(), c);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Documents `status` as a problem, unless the operation documents it already.
fn add(responses: &mut std::collections::BTreeMap<String, RefOr<Response>>, status: &str, description: &str) {
    responses.entry(status.to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, Content::new(Some(Ref::from_schema_name("Problem"))))
                .build(),
        )
    });
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
    modifiers(&Security, &Problems),
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This description")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
