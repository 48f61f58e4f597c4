//! IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
//! Used for actions (case-insensitive), resources and `StringLike`/`ArnLike` (case-sensitive).

/// Whether `text` matches `pattern`, comparing characters exactly.
pub fn matches(pattern: &str, text: &str) -> bool {
    matches_by(pattern, text, |a, b| a == b)
}

/// Whether `text` matches `pattern`, ignoring ASCII case.
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_by(pattern, text, |a, b| a.eq_ignore_ascii_case(&b))
}

/// Iterative matcher with single-star backtracking: linear in practice, never recursive,
/// so hostile patterns cannot blow the stack.
fn matches_by(pattern: &str, text: &str, eq: impl Fn(char, char) -> bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || t.get(ti).is_some_and(|&x| eq(c, x)) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Whether `s` contains a wildcard character.
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expected: bool) {
        assert_eq!(matches(pattern, text), expected, "{pattern} vs {text}");
    }

    #[test]
    fn wildcards() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("s3:Get*", "s3:GetObject", true),
            ("s3:Get*", "s3:PutObject", false),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("abc", "abcd", false),
            ("**", "x", true),
            ("*a", "bbba", true),
            ("*a", "bbab", false),
        ];
        for (p, t, e) in cases {
            check(p, t, e);
        }
        assert!(matches_ignore_case("S3:getobject", "s3:GetObject"));
        assert!(!matches("S3:getobject", "s3:GetObject"));
    }
}
