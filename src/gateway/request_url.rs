//! The parts of a request URL the gateway reads, off the string the platform
//! serialized (WHATWG URL Standard §4.5), without parsing it again.

/// The authority (`host[:port]`) of an absolute URL as the platform
/// serialized it (no user info: request URLs carry none). `None` without one.
pub fn authority(url: &str) -> Option<&str> {
    let after_scheme = &url[url.find("://")? + 3..];
    Some(after_scheme.split(['/', '?', '#']).next().unwrap_or(""))
}

/// The path and the search (`""` or `"?…"`) of an absolute URL as the
/// platform serialized it (WHATWG URL Standard §4.5, "URL serializing"):
/// `scheme://authority` then the path, in which `?` and `#` are always
/// percent-encoded, then the query. Reading them off the string saves parsing
/// the request URL again on every request. `None` if `url` has no authority.
pub fn path_and_search(url: &str) -> Option<(&str, &str)> {
    let after_scheme = &url[url.find("://")? + 3..];
    let rest = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let rest = rest.split('#').next().unwrap_or("");
    let (path, search) = rest.find('?').map_or((rest, ""), |i| rest.split_at(i));
    // An empty query serializes as "?", which `URL.search` reports as "".
    let search = if search == "?" { "" } else { search };
    Some((if path.is_empty() { "/" } else { path }, search))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_search_read_off_a_serialized_url() {
        assert_eq!(path_and_search("http://127.0.0.1:8787/mcp"), Some(("/mcp", "")));
        assert_eq!(path_and_search("https://h.example/mcp/x?a=1&b=%3F"), Some(("/mcp/x", "?a=1&b=%3F")));
        assert_eq!(path_and_search("https://h.example/mcp?"), Some(("/mcp", "")));
        assert_eq!(path_and_search("https://h.example/a%3Fb?q#frag"), Some(("/a%3Fb", "?q")));
        assert_eq!(path_and_search("https://user:p%2Fw@h.example:8443/p"), Some(("/p", "")));
        assert_eq!(path_and_search("https://h.example"), Some(("/", "")));
        assert_eq!(path_and_search("/relative"), None);
    }
}
