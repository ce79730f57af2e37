//! Canonical unpadded base64url (RFC 4648 §5, as RFC 7515 §2 requires).
//!
//! Strict on purpose: only the URL-safe alphabet, no padding, no whitespace,
//! and the unused low bits of the last character must be zero. Each byte
//! string therefore has exactly one accepted encoding, so a token cannot be
//! altered without changing what it decodes to (RFC 8725 §3.1 spirit).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why a string is not canonical base64url.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotCanonical;

/// Each byte's value in the alphabet, or `INVALID`: one lookup per character.
const INVALID: u8 = 0xff;
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value(c: u8) -> Result<u32, NotCanonical> {
    match VALUES[c as usize] {
        INVALID => Err(NotCanonical),
        v => Ok(v as u32),
    }
}

/// Decodes canonical unpadded base64url.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, NotCanonical> {
    // A single leftover character carries only 6 bits: never a whole byte.
    if input.len() % 4 == 1 {
        return Err(NotCanonical);
    }
    // Written in place, three bytes per four characters, with no capacity
    // check per chunk: tokens are decoded on every new request.
    let mut out = vec![0u8; input.len() * 3 / 4];
    let mut chunks = input.chunks_exact(4);
    for (chunk, bytes) in (&mut chunks).zip(out.chunks_exact_mut(3)) {
        let [a, b, c, d] = [chunk[0], chunk[1], chunk[2], chunk[3]].map(|x| VALUES[x as usize]);
        // One test for the four: any invalid character has the high bit set.
        if (a | b | c | d) & 0x80 != 0 {
            return Err(NotCanonical);
        }
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
        bytes.copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let len = out.len();
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let n = (value(a)? << 6) | value(b)?;
            if n & 0xf != 0 {
                return Err(NotCanonical);
            }
            out[len - 1] = (n >> 4) as u8;
        }
        [a, b, c] => {
            let n = (value(a)? << 12) | (value(b)? << 6) | value(c)?;
            if n & 0x3 != 0 {
                return Err(NotCanonical);
            }
            out[len - 2..].copy_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]);
        }
        _ => return Err(NotCanonical),
    }
    Ok(out)
}

/// Encodes bytes as unpadded base64url.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..64 {
            let enc = encode(&data[..len]);
            assert!(!enc.contains('='));
            assert_eq!(decode(enc.as_bytes()).unwrap(), &data[..len]);
        }
    }

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn refuses_non_canonical_forms() {
        for bad in ["Zg==", "Zm8=", "Zh", "Zm9", "Z", "Zm9v Yg", "Zm9v\nYg", "+/8", "Zm9v+", "Zm9v/w", "Zg.", "Zm9vY"] {
            assert_eq!(decode(bad.as_bytes()), Err(NotCanonical), "{bad:?}");
        }
    }
}
