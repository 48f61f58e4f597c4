//! Parsed policy documents, kept by their text so that a bucket policy or an identity
//! policy is parsed once, not on every permission check. An entry is found only by a text
//! equal to the one it was parsed from, so a changed policy never meets an old parse. A
//! document that does not parse is remembered too (as granting nothing). Each kind keeps
//! at most [`CAPACITY`] documents; the one used least recently gives way to a new one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cloudlet_policy::{Policy, PolicyKind};

/// Documents kept per kind (bucket policies, identity policies).
pub const CAPACITY: usize = 256;

/// A parse shared by every request that brings the same text (`None`: it does not parse).
pub type Parsed = Option<Arc<Policy>>;

#[derive(Default)]
pub struct PolicyCache {
    resource: Mutex<Shelf>,
    identity: Mutex<Shelf>,
}

/// The documents of one kind, each with the tick it was last used at.
#[derive(Default)]
struct Shelf {
    entries: HashMap<Box<str>, (Parsed, u64)>,
    tick: u64,
}

impl PolicyCache {
    pub fn new() -> PolicyCache {
        PolicyCache::default()
    }

    /// The parse of `text` as a policy of `kind`.
    pub fn get(&self, text: &str, kind: PolicyKind) -> Parsed {
        let shelf = match kind {
            PolicyKind::Resource => &self.resource,
            PolicyKind::Identity => &self.identity,
        };
        if let Some(found) = lock(shelf).lookup(text) {
            return found;
        }
        // Parsed outside the lock; two requests racing on a new text may both parse it.
        let parsed = cloudlet_policy::parse(text, kind).ok().map(Arc::new);
        lock(shelf).insert(text, parsed.clone());
        parsed
    }

    /// How many documents of `kind` are kept.
    #[cfg(test)]
    fn len(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::Resource => lock(&self.resource).entries.len(),
            PolicyKind::Identity => lock(&self.identity).entries.len(),
        }
    }
}

/// The shelf, even if a thread panicked while holding it (its map stays consistent).
fn lock(shelf: &Mutex<Shelf>) -> std::sync::MutexGuard<'_, Shelf> {
    shelf.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shelf {
    fn lookup(&mut self, text: &str) -> Option<Parsed> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(text).map(|(parsed, used)| {
            *used = tick;
            parsed.clone()
        })
    }

    fn insert(&mut self, text: &str, parsed: Parsed) {
        if !self.entries.contains_key(text) && self.entries.len() >= CAPACITY {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.tick += 1;
        self.entries.insert(text.into(), (parsed, self.tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(sid: usize, principal: bool) -> String {
        let p = if principal { r#""Principal":"*","# } else { "" };
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"s{sid}","Effect":"Allow",{p}"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}]}}"#
        )
    }

    #[test]
    fn one_parse_per_text_and_kind() {
        let cache = PolicyCache::new();
        let text = doc(1, true);
        let a = cache.get(&text, PolicyKind::Resource).unwrap();
        let b = cache.get(&text.clone(), PolicyKind::Resource).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.len(PolicyKind::Resource), 1);
        // The same text is a different document as an identity policy (no Principal there).
        assert!(cache.get(&text, PolicyKind::Identity).is_none());
        assert!(cache.get(&doc(1, false), PolicyKind::Identity).is_some());
        assert_eq!(cache.len(PolicyKind::Identity), 2);
    }

    #[test]
    fn a_changed_text_is_parsed_anew() {
        let cache = PolicyCache::new();
        let first = cache.get(&doc(1, true), PolicyKind::Resource).unwrap();
        let second = cache.get(&doc(2, true), PolicyKind::Resource).unwrap();
        assert_eq!(first.statements[0].sid.as_deref(), Some("s1"));
        assert_eq!(second.statements[0].sid.as_deref(), Some("s2"));
        // A text that does not parse is remembered as such.
        assert!(cache.get("{not json", PolicyKind::Resource).is_none());
        assert!(cache.get("{not json", PolicyKind::Resource).is_none());
        assert_eq!(cache.len(PolicyKind::Resource), 3);
    }

    #[test]
    fn bounded_least_recently_used_first() {
        let cache = PolicyCache::new();
        let kept = cache.get(&doc(0, true), PolicyKind::Resource).unwrap();
        for i in 1..CAPACITY + 10 {
            cache.get(&doc(i, true), PolicyKind::Resource);
            // Document 0 stays in use, so it is never the one to go.
            let again = cache.get(&doc(0, true), PolicyKind::Resource).unwrap();
            assert!(Arc::ptr_eq(&kept, &again), "evicted at {i}");
        }
        assert_eq!(cache.len(PolicyKind::Resource), CAPACITY);
        // Document 1, unused since, was evicted: a new parse.
        let mut shelf = lock(&cache.resource);
        assert!(shelf.lookup(&doc(1, true)).is_none());
        assert!(shelf.lookup(&doc(CAPACITY + 9, true)).is_some());
    }
}
