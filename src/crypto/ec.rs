//! The ECDSA checks that depend on no backend: a P-384 public key's point is
//! on the curve (checked once, at key-set load), and a signature's `r` and
//! `s` are in `[1, n-1]` (checked before any backend is asked; a verifier
//! that skipped it accepted `r = s = 0`, CVE-2022-21449).
//!
//! The P-384 point check is written here with general modular arithmetic
//! rather than through the `p384` crate, whose field arithmetic (tens of
//! kilobytes of wasm) would then be in every build, the Worker included,
//! although the Worker never computes on a point: WebCrypto verifies there.
//! The pure-Rust verifier builds `p384`'s key from the checked point when it
//! verifies.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::U384;

/// P-384's field prime `p` (FIPS 186-5 / NIST SP 800-186 §3.2.1.4).
const P384_P: U384 = U384::from_be_hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff");
/// P-384's coefficient `b` in `y² = x³ - 3x + b` (same section).
const P384_B: U384 = U384::from_be_hex("b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef");
/// P-384's group order `n` (same section), big-endian.
const P384_N: [u8; 48] = hex("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");
/// P-256's group order `n` (NIST SP 800-186 §3.2.1.3), big-endian.
const P256_N: [u8; 32] = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/// `N` bytes from `2·N` lower-case hex digits, at compile time.
const fn hex<const N: usize>(digits: &str) -> [u8; N] {
    let d = digits.as_bytes();
    assert!(d.len() == 2 * N);
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = nibble(d[2 * i]) << 4 | nibble(d[2 * i + 1]);
        i += 1;
    }
    out
}

/// A P-384 public key: the affine point, checked to be on the curve.
///
/// SEC 1 v2 §3.2.2.1 (public key validation): both coordinates are field
/// elements (below `p`) and satisfy the curve equation. The point at
/// infinity has no affine coordinates, and P-384's cofactor is 1, so such a
/// point is also of order `n`: the checks of §3.2.2.1 steps 1–3 are complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct P384Point {
    x: [u8; 48],
    y: [u8; 48],
}

impl P384Point {
    /// The point `(x, y)` (big-endian coordinates), if it is a valid public key.
    pub fn new(x: [u8; 48], y: [u8; 48]) -> Option<Self> {
        let (xi, yi) = (U384::from_be_slice(&x), U384::from_be_slice(&y));
        if xi >= P384_P || yi >= P384_P {
            return None;
        }
        let field = DynResidueParams::new(&P384_P);
        let element = |v: &U384| DynResidue::new(v, field);
        let (xr, yr) = (element(&xi), element(&yi));
        let right = xr.square() * xr - element(&U384::from_u8(3)) * xr + element(&P384_B);
        (yr.square().retrieve() == right.retrieve()).then_some(Self { x, y })
    }

    /// The `x` coordinate, big-endian (RFC 7518 §6.2.1.2).
    pub fn x(&self) -> &[u8; 48] {
        &self.x
    }

    /// The `y` coordinate, big-endian (RFC 7518 §6.2.1.3).
    pub fn y(&self) -> &[u8; 48] {
        &self.y
    }
}

/// True iff `signature` is a JWS ECDSA signature for a curve of order `n`
/// (big-endian, `W` bytes): `R‖S` of exactly `2·W` octets (RFC 7518 §3.4),
/// each in `[1, n-1]` (FIPS 186-5 §6.4.2 step 1).
fn scalars_in_range<const W: usize>(signature: &[u8], n: &[u8; W]) -> bool {
    signature.len() == 2 * W && signature.chunks_exact(W).all(|half| half.iter().any(|b| *b != 0) && half < &n[..])
}

/// [`scalars_in_range`] for ES256 (P-256).
pub fn es256_signature_ok(signature: &[u8]) -> bool {
    scalars_in_range(signature, &P256_N)
}

/// [`scalars_in_range`] for ES384 (P-384).
pub fn es384_signature_ok(signature: &[u8]) -> bool {
    scalars_in_range(signature, &P384_N)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::Encoding;
    use p384::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    use rand_chacha::rand_core::SeedableRng;

    /// Whether the `p384` crate takes `(x, y)` as a public key: the reference.
    fn p384_accepts(x: &[u8; 48], y: &[u8; 48]) -> bool {
        let point = p384::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
        p384::PublicKey::from_encoded_point(&point).is_some().into()
    }

    fn coordinates(key: &p384::PublicKey) -> ([u8; 48], [u8; 48]) {
        let p = key.to_encoded_point(false);
        (p.x().unwrap()[..].try_into().unwrap(), p.y().unwrap()[..].try_into().unwrap())
    }

    #[test]
    fn p384_points_are_judged_as_the_p384_crate_judges_them() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(384);
        for _ in 0..64 {
            let (x, y) = coordinates(&p384::SecretKey::random(&mut rng).public_key());
            assert!(P384Point::new(x, y).is_some());
            // Every one-bit change of a coordinate leaves the curve (or the field).
            for bit in [0, 7, 100, 383] {
                let (mut x2, mut y2) = (x, y);
                x2[47 - bit / 8] ^= 1 << (bit % 8);
                y2[47 - bit / 8] ^= 1 << (bit % 8);
                assert_eq!(P384Point::new(x2, y).is_some(), p384_accepts(&x2, &y));
                assert_eq!(P384Point::new(x, y2).is_some(), p384_accepts(&x, &y2));
                assert!(P384Point::new(x, y2).is_none());
            }
            // -y is the other point with this x.
            let neg = (P384_P.wrapping_sub(&U384::from_be_slice(&y))).to_be_bytes();
            assert!(P384Point::new(x, neg).is_some() && p384_accepts(&x, &neg));
        }
        // Coordinates at or above p are not field elements, even where they reduce onto the curve:
        // a point with a small x (y from the square root, p ≡ 3 mod 4), then x + p.
        let field = DynResidueParams::new(&P384_P);
        let element = |v: &U384| DynResidue::new(v, field);
        let root = P384_P.wrapping_add(&U384::ONE).shr_vartime(2);
        let small = (0u8..=255)
            .find_map(|x0| {
                let x = element(&U384::from_u8(x0));
                let right = x.square() * x - element(&U384::from_u8(3)) * x + element(&P384_B);
                let y = right.pow(&root);
                (y.square().retrieve() == right.retrieve()).then(|| (U384::from_u8(x0), y.retrieve().to_be_bytes()))
            })
            .expect("a small x on the curve");
        let (x0, y) = (small.0.to_be_bytes(), small.1);
        assert!(P384Point::new(x0, y).is_some() && p384_accepts(&x0, &y));
        let x_plus_p = small.0.wrapping_add(&P384_P).to_be_bytes();
        assert!(P384Point::new(x_plus_p, y).is_none() && !p384_accepts(&x_plus_p, &y));
        assert!(P384Point::new([0xff; 48], [0xff; 48]).is_none());
        assert!(P384Point::new([0; 48], [0; 48]).is_none());
    }

    #[test]
    fn signature_ranges_match_the_ecdsa_crates() {
        let n384 = U384::from_be_slice(&P384_N);
        let one = U384::ONE.to_be_bytes();
        for r in [[0u8; 48], one, n384.wrapping_sub(&U384::ONE).to_be_bytes(), P384_N, n384.wrapping_add(&U384::ONE).to_be_bytes(), [0xff; 48]] {
            for s in [one, [0u8; 48], P384_N] {
                let sig = [r, s].concat();
                assert_eq!(es384_signature_ok(&sig), p384::ecdsa::Signature::from_slice(&sig).is_ok(), "{r:02x?} {s:02x?}");
            }
        }
        let n256 = crypto_bigint::U256::from_be_slice(&P256_N);
        let one = crypto_bigint::U256::ONE.to_be_bytes();
        for r in [[0u8; 32], one, n256.wrapping_sub(&crypto_bigint::U256::ONE).to_be_bytes(), P256_N, [0xff; 32]] {
            for s in [one, [0u8; 32], P256_N] {
                let sig = [r, s].concat();
                assert_eq!(es256_signature_ok(&sig), p256::ecdsa::Signature::from_slice(&sig).is_ok(), "{r:02x?} {s:02x?}");
            }
        }
        assert!(!es256_signature_ok(&[1; 63]) && !es384_signature_ok(&[1; 97]));
    }
}
