//! What the gateway needs beyond the validation policy, with no I/O: its own
//! settings and transport checks ([`settings`]), the parts of a request URL
//! it reads ([`request_url`]), which request fields it never forwards
//! ([`forwarding`]), the identity headers it signs for the origin
//! ([`identity`]), whose sessions belong to whom ([`sessions`]) and how
//! requests are counted per user ([`rate_limits`]), and what each request
//! is ([`routes`]). Used by the Worker;
//! natively tested here.

pub mod forwarding;
pub mod identity;
pub mod rate_limits;
pub mod request_url;
pub mod routes;
pub mod sessions;
pub mod settings;

pub use forwarding::{cgi_name, connection_options, dropped_fields, dropped_prefixes, is_list_field, target};
pub use identity::{
    canonical_string, canonical_string_v2, header_value, identity_headers, sign, SignedRequest, CLIENT_ID, IDENTITY_PREFIX, ISSUER, REQUEST_ID, SCOPES,
    SIGNATURE, SUBJECT, TIMESTAMP,
};
pub use request_url::{authority, path_and_search};
pub use routes::{Route, Routes};
pub use settings::{check_transport, split_config, DecisionLog, GatewaySettings, RequestRefusal, SignatureVersion, TransportRefusal, GATEWAY_FIELDS};
