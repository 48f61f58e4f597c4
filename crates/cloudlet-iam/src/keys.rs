//! Fresh credential material: access key ids (`AKIA…` long-term, `ASIA…` temporary),
//! 40-character secret keys and session tokens, from the OS random source.

use cloudlet_core::ids::{random_bytes, random_upper_id};

const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_text(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<32>() {
            if out.len() == len {
                break;
            }
            out.push(char::from(SECRET_ALPHABET[usize::from(b) % 64]));
        }
    }
    out
}

/// A long-term (IAM user or root) access key id.
pub fn user_key_id() -> String {
    random_upper_id("AKIA", 20)
}

/// A temporary (STS) access key id.
pub fn session_key_id() -> String {
    random_upper_id("ASIA", 20)
}

/// A secret access key.
pub fn secret() -> String {
    random_text(40)
}

/// A session token (opaque to clients; cloudlet looks sessions up by access key id).
pub fn session_token() -> String {
    format!("FwoGZXIvYXdzE{}", random_text(343))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let cases = [
            (user_key_id(), "AKIA", 20),
            (session_key_id(), "ASIA", 20),
            (secret(), "", 40),
            (session_token(), "FwoGZXIvYXdzE", 356),
        ];
        for (value, prefix, len) in cases {
            assert!(value.starts_with(prefix), "{value}");
            assert_eq!(value.len(), len, "{value}");
        }
        assert_ne!(secret(), secret());
    }
}
