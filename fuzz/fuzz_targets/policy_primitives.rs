//! The condition primitives and the wildcard matcher on arbitrary strings:
//! `pattern \0 text`. CIDR matching, date parsing and globbing never panic, and the
//! case-insensitive matcher agrees with the exact one on lowercased input.

#![no_main]

use cloudlet_policy::{glob, in_cidr, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = text.split_once('\0').unwrap_or((text, ""));
    let _ = in_cidr(a, b);
    let _ = parse_date(a);
    let _ = parse_date(b);
    let _ = glob::has_wildcard(a);
    let exact = glob::matches(a, b);
    let folded = glob::matches_ignore_case(a, b);
    if exact {
        assert!(folded, "{a:?} matches {b:?} exactly but not ignoring case");
    }
    if a.is_ascii() && b.is_ascii() {
        assert_eq!(
            folded,
            glob::matches(&a.to_ascii_lowercase(), &b.to_ascii_lowercase()),
            "{a:?} {b:?}"
        );
    }
});
