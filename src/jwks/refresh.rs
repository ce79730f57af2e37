//! When to fetch an issuer's key set again.

/// Freshness of a key set when the key server sends no `Cache-Control`.
pub const DEFAULT_JWKS_TTL_SECONDS: u64 = 300;

/// Seconds a fetched key set stays fresh: `max-age` from `Cache-Control`
/// (none for `no-store`/`no-cache`), else the default, within `[min, max]`.
pub fn freshness_seconds(cache_control: Option<&str>, min: u64, max: u64) -> u64 {
    let mut ttl = DEFAULT_JWKS_TTL_SECONDS;
    if let Some(cc) = cache_control {
        for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-store" || directive == "no-cache" {
                ttl = 0;
                break;
            }
            if let Some(age) = directive.strip_prefix("max-age=") {
                if let Ok(n) = age.trim_matches('"').parse::<u64>() {
                    ttl = n;
                }
            }
        }
    }
    ttl.clamp(min, max.max(min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_follows_cache_control_within_bounds() {
        assert_eq!(freshness_seconds(Some("public, max-age=600"), 60, 86400), 600);
        assert_eq!(freshness_seconds(Some("max-age=5"), 60, 86400), 60);
        assert_eq!(freshness_seconds(Some("max-age=999999"), 60, 86400), 86400);
        assert_eq!(freshness_seconds(Some("no-store"), 60, 86400), 60);
        assert_eq!(freshness_seconds(None, 60, 86400), 300);
        assert_eq!(freshness_seconds(Some("max-age=junk"), 60, 86400), 300);
    }
}
