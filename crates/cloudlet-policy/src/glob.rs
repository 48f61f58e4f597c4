//! IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
//! Used for actions (case-insensitive), resources and `StringLike`/`ArnLike` (case-sensitive).

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// A character matched literally.
    Char(char),
    /// `*`: any run of characters.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// The tokens of `pattern`, in which `*` and `?` are wildcards.
pub fn tokens(pattern: &str) -> Vec<Token> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Token::AnyRun,
            '?' => Token::AnyOne,
            c => Token::Char(c),
        })
        .collect()
}

/// Whether `text` matches `pattern`, comparing characters exactly.
pub fn matches(pattern: &str, text: &str) -> bool {
    matches_tokens(&tokens(pattern), text)
}

/// Whether `text` matches `pattern`, ignoring ASCII case.
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_by(&tokens(pattern), text, |a, b| a.eq_ignore_ascii_case(&b))
}

/// Whether `text` matches the compiled pattern, comparing characters exactly.
pub fn matches_tokens(pattern: &[Token], text: &str) -> bool {
    matches_by(pattern, text, |a, b| a == b)
}

/// Iterative matcher with single-star backtracking: linear in practice, never recursive,
/// so hostile patterns cannot blow the stack.
fn matches_by(p: &[Token], text: &str, eq: impl Fn(char, char) -> bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let one = match p.get(pi) {
            Some(Token::AnyRun) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Token::AnyOne) => true,
            Some(&Token::Char(c)) => eq(c, t[ti]),
            None => false,
        };
        if one {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == Token::AnyRun)
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
