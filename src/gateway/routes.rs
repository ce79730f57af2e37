//! What a request to the gateway is, by its method and path, once its `Host`
//! and `Origin` passed: the route table, decided here and tested natively;
//! the Worker only answers each route.

use crate::config::Policy;
use crate::responses;

/// What a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A CORS preflight (`OPTIONS`, Fetch Standard §3.2.2), anywhere.
    Preflight,
    /// One of the URLs the RFC 9728 document is answered at (§3.1, and the
    /// root-relative forms clients also probe).
    Metadata,
    /// The resource's path or under it: a token is needed, then the origin answers.
    Protected,
    /// Anything else.
    NotFound,
}

/// The route table of one resource.
#[derive(Clone, Debug)]
pub struct Routes {
    /// The resource's path without a trailing `/` (`""` for a bare origin).
    resource_path: String,
    metadata_paths: Vec<String>,
}

impl Routes {
    /// The routes of `policy`'s resource.
    pub fn new(policy: &Policy) -> Self {
        Self { resource_path: responses::resource_path(policy), metadata_paths: responses::metadata_paths(policy) }
    }

    /// The origin URL for a protected request to `path` with `search`, under `upstream` ([`super::target`]).
    pub fn target(&self, upstream: &str, path: &str, search: &str) -> String {
        super::target(upstream, &self.resource_path, path, search)
    }

    /// The route of a request with `method` to `path`.
    pub fn route(&self, method: &str, path: &str) -> Route {
        if method == "OPTIONS" {
            Route::Preflight
        } else if self.metadata_paths.iter().any(|p| p == path) {
            Route::Metadata
        } else if responses::is_protected(&self.resource_path, path) {
            Route::Protected
        } else {
            Route::NotFound
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(resource: &str) -> Routes {
        Routes::new(&Policy::from_json(&format!(r#"{{"resource":"{resource}","issuers":[{{"issuer":"https://a.example"}}]}}"#)).unwrap())
    }

    #[test]
    fn every_request_has_one_route() {
        let r = routes("https://mcp.example.com/mcp");
        assert_eq!(r.route("OPTIONS", "/mcp"), Route::Preflight);
        assert_eq!(r.route("OPTIONS", "/anything"), Route::Preflight);
        assert_eq!(r.route("GET", "/.well-known/oauth-protected-resource/mcp"), Route::Metadata);
        assert_eq!(r.route("GET", "/mcp/.well-known/oauth-protected-resource"), Route::Metadata);
        assert_eq!(r.route("POST", "/mcp"), Route::Protected);
        assert_eq!(r.route("GET", "/mcp/sub"), Route::Protected);
        // A prefix is not the path: /mcpx is another resource.
        assert_eq!(r.route("POST", "/mcpx"), Route::NotFound);
        assert_eq!(r.route("GET", "/"), Route::NotFound);
    }

    #[test]
    fn a_bare_origin_protects_every_path_but_the_metadata() {
        let r = routes("https://mcp.example.com");
        assert_eq!(r.route("GET", "/.well-known/oauth-protected-resource"), Route::Metadata);
        assert_eq!(r.route("POST", "/"), Route::Protected);
        assert_eq!(r.route("POST", "/anything"), Route::Protected);
    }
}
