//! What the gateway needs beyond the validation policy, with no I/O: its own
//! settings and transport checks ([`settings`]), the parts of a request URL
//! it reads ([`request_url`]), which request fields it never forwards
//! ([`forwarding`]), and the identity headers it signs for the origin
//! ([`identity`]). Used by the Worker; natively tested here.

pub mod forwarding;
pub mod identity;
pub mod request_url;
pub mod settings;

pub use forwarding::{cgi_name, connection_options, dropped_prefixes};
pub use identity::{
    canonical_string, canonical_string_v2, header_value, identity_headers, sign, SignedRequest, CLIENT_ID, IDENTITY_PREFIX, ISSUER, REQUEST_ID, SCOPES,
    SIGNATURE, SUBJECT, TIMESTAMP,
};
pub use request_url::{authority, path_and_search};
pub use settings::{check_transport, split_config, DecisionLog, GatewaySettings, SignatureVersion, TransportRefusal, GATEWAY_FIELDS};
