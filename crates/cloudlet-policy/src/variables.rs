//! Policy variables (`Version` `2012-10-17` only): `${aws:username}` in `Resource` and in
//! the values of string and ARN conditions is replaced by the request's single value for
//! that key; `${key, 'default'}` supplies a value when the key is absent; `${*}`, `${?}`
//! and `${$}` stand for the literal characters. A variable with no value and no default
//! makes the element it is in match nothing.

use crate::condition::Context;
use crate::glob::Token;

/// `pattern` with its variables replaced from `ctx`, as wildcard tokens (text substituted
/// for a variable matches literally); `None` when a variable has no value.
pub fn expand(pattern: &str, ctx: &Context) -> Option<Vec<Token>> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find("${") {
        out.extend(crate::glob::tokens(&rest[..at]));
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            out.extend(crate::glob::tokens(&rest[at..]));
            return Some(out);
        };
        out.extend(value(&after[..end], ctx)?.chars().map(Token::Char));
        rest = &after[end + 1..];
    }
    out.extend(crate::glob::tokens(rest));
    Some(out)
}

/// The text a pattern stands for once expanded, with wildcards written back as `*`/`?`
/// (for the operators that compare exactly).
pub fn expand_text(pattern: &str, ctx: &Context) -> Option<String> {
    Some(
        expand(pattern, ctx)?
            .into_iter()
            .map(|t| match t {
                Token::Char(c) => c,
                Token::AnyRun => '*',
                Token::AnyOne => '?',
            })
            .collect(),
    )
}

/// The value of the variable written `inner` (between `${` and `}`).
fn value(inner: &str, ctx: &Context) -> Option<String> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (k.trim(), Some(d.replace("''", "'")))
        }
        None => (inner.trim(), None),
    };
    if matches!(key, "*" | "?" | "$") && default.is_none() {
        return Some(key.to_string());
    }
    match ctx.get(key) {
        Some([one]) => Some(one.clone()),
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion() {
        let mut ctx = Context::new();
        ctx.set("aws:username", "alice")
            .set("aws:PrincipalTag/team", "a*b")
            .set_all("aws:TagKeys", vec!["x".into(), "y".into()]);
        let cases: &[(&str, Option<&str>)] = &[
            (
                "arn:aws:s3:::b/${aws:username}/*",
                Some("arn:aws:s3:::b/alice/*"),
            ),
            ("home/${AWS:UserName}", Some("home/alice")),
            ("${aws:userid}", None),
            ("${aws:userid, 'nobody'}", Some("nobody")),
            ("${ aws:userid , 'it''s' }", Some("it's")),
            ("${aws:userid, nobody}", None),
            ("${aws:TagKeys}", None),
            ("a${*}b${?}c${$}", Some("a*b?c$")),
            ("${aws:PrincipalTag/team}", Some("a*b")),
            ("no variable", Some("no variable")),
            (
                "unterminated ${aws:username",
                Some("unterminated ${aws:username"),
            ),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                expand_text(pattern, &ctx).as_deref(),
                *expected,
                "{pattern}"
            );
        }
        // Substituted text and `${*}` match literally; the policy's own `*` is a wildcard.
        let m = |p: &str, t: &str| crate::glob::matches_tokens(&expand(p, &ctx).unwrap(), t);
        assert!(m("${aws:PrincipalTag/team}", "a*b"));
        assert!(!m("${aws:PrincipalTag/team}", "axxb"));
        assert!(m("x${*}", "x*"));
        assert!(!m("x${*}", "xy"));
        assert!(m("${aws:username}/*", "alice/docs/a.txt"));
    }
}
