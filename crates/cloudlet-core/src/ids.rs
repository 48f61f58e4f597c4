//! Identifiers: 12-digit account ids, region names, ARNs and request ids.

use std::fmt;

/// The account every request belongs to unless its access key names another.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The region used when a request carries none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit account id.
    pub fn parse(s: &str) -> Option<AccountId> {
        (s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())).then(|| AccountId(s.to_string()))
    }
    /// The account named by an access key id: a 12-digit key *is* the account, anything
    /// else belongs to the default account.
    pub fn from_access_key(key: &str) -> AccountId {
        AccountId::parse(key).unwrap_or_default()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for AccountId {
    fn default() -> Self {
        AccountId(DEFAULT_ACCOUNT.to_string())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name such as `ap-northeast-2`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    /// Accepts names made of lowercase letters, digits and dashes (`us-east-1`, `local`).
    pub fn parse(s: &str) -> Option<Region> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Region(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Region {
    fn default() -> Self {
        Region(DEFAULT_REGION.to_string())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Amazon Resource Name: `arn:partition:service:region:account:resource`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    pub fn new(service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn {
            partition: "aws".into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        }
    }
    /// Parses `arn:…`; the resource part may itself contain colons.
    pub fn parse(s: &str) -> Option<Arn> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let partition = it.next()?.to_string();
        let service = it.next()?.to_string();
        let region = it.next()?.to_string();
        let account = it.next()?.to_string();
        let resource = it.next()?.to_string();
        if partition.is_empty() || service.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The id AWS gives every request (`x-amzn-RequestId`, `x-amz-request-id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh id in UUID v4 form. Request ids need to be unique, not unpredictable: they
    /// come from a per-thread generator seeded once from the OS, so a request costs no
    /// system call for its id.
    pub fn new() -> RequestId {
        RequestId(uuid_form(unique_bytes()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source only fails on broken systems; a zeroed id is still unique enough
    // combined with the time-based parts callers add, and never a safety problem.
    let _ = getrandom::fill(&mut b);
    b
}

/// A random UUID v4 in its usual hyphenated lowercase form.
pub fn uuid_v4() -> String {
    uuid_form(random_bytes::<16>())
}

/// `b` as a UUID v4: the version and variant bits set, hyphenated lowercase hex, written
/// straight into one string (every request makes one; [`hex`] and `format!` would make three).
fn uuid_form(mut b: [u8; 16]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(D[(byte >> 4) as usize] as char);
        s.push(D[(byte & 15) as usize] as char);
    }
    s
}

/// 16 bytes no earlier call on this thread returned (for 2^64 calls), and that collide
/// with another thread's only by chance: the SplitMix64 mix (a bijection) of a per-thread
/// counter that starts at a random point, keyed by a per-thread random key.
fn unique_bytes() -> [u8; 16] {
    use std::cell::Cell;
    thread_local! {
        /// (key, counter), both random at the thread's first id.
        static STATE: Cell<(u64, u64)> = Cell::new({
            let seed = random_bytes::<16>();
            let (key, counter) = seed.split_at(8);
            let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or_default());
            (word(key), word(counter))
        });
    }
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let (key, counter) = STATE.with(|s| {
        let (key, counter) = s.get();
        s.set((key, counter.wrapping_add(1)));
        (key, counter)
    });
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&mix(counter ^ key).to_le_bytes());
    out[8..].copy_from_slice(&mix(counter.wrapping_add(key.rotate_left(32))).to_le_bytes());
    out
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// A random id of uppercase letters and digits, as AWS uses for role ids and access keys.
pub fn random_upper_id(prefix: &str, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes = random_bytes::<32>();
    let mut s = String::from(prefix);
    for b in bytes.iter().take(len.saturating_sub(prefix.len())) {
        s.push(A[(*b as usize) % A.len()] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_from_access_key() {
        let cases = [
            ("test", "000000000000"),
            ("123456789012", "123456789012"),
            ("12345678901", "000000000000"),
            ("AKIAIOSFODNN7EXAMPLE", "000000000000"),
        ];
        for (key, want) in cases {
            assert_eq!(AccountId::from_access_key(key).as_str(), want, "{key}");
        }
    }

    #[test]
    fn arn_round_trip() {
        let cases = [
            "arn:aws:iam::000000000000:role/my-lambda-role",
            "arn:aws:lambda:ap-northeast-2:000000000000:function:api-service-create",
            "arn:aws:s3:::bucket/key:with:colons",
        ];
        for s in cases {
            assert_eq!(Arn::parse(s).map(|a| a.to_string()).as_deref(), Some(s));
        }
        for bad in ["", "arn", "arn:aws", "nope:aws:s3:::b", "arn::s3:::b"] {
            assert!(Arn::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn uuid_shape() {
        for u in [uuid_v4(), RequestId::new().0] {
            assert_eq!(u.len(), 36, "{u}");
            let groups: Vec<usize> = u.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
            assert_eq!(&u[14..15], "4", "{u}");
            assert!("89ab".contains(&u[19..20]), "{u}");
            assert!(
                u.bytes()
                    .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
        }
        assert_ne!(uuid_v4(), uuid_v4());
    }

    #[test]
    fn request_ids_are_unique_within_and_across_threads() {
        let ids = |n| (0..n).map(|_| RequestId::new().0).collect::<Vec<_>>();
        let mut all = ids(10_000);
        let other = std::thread::spawn(move || ids(10_000)).join().unwrap();
        all.extend(other);
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
    }
}
