//! CloudWatch Logs filter patterns for unstructured events: space-separated terms that must
//! all appear, `"quoted phrases"`, `?term` alternatives (any one must appear) and `-term`
//! exclusions. Matching is case-sensitive, as in CloudWatch. JSON (`{ … }`) and
//! space-delimited (`[ … ]`) patterns are not understood; [`Pattern::parse`] refuses them.

/// A parsed filter pattern.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl Pattern {
    /// Parses a pattern; `None` for the structured forms this module does not know.
    pub fn parse(text: &str) -> Option<Pattern> {
        let t = text.trim();
        if t.starts_with('{') || t.starts_with('[') {
            return None;
        }
        let mut p = Pattern::default();
        let mut chars = t.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&first) = chars.peek() else { break };
            let mut kind = 0; // 0 all, 1 any, 2 none
            if first == '?' || first == '-' {
                kind = if first == '?' { 1 } else { 2 };
                chars.next();
            }
            let mut term = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                term.push(n);
                            }
                        }
                        c => term.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    term.push(c);
                    chars.next();
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                1 => p.any.push(term),
                2 => p.none.push(term),
                _ => p.all.push(term),
            }
        }
        Some(p)
    }

    /// Whether `message` matches.
    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, message: &str, want: bool) {
        let p = Pattern::parse(pattern).expect(pattern);
        assert_eq!(p.matches(message), want, "{pattern:?} on {message:?}");
    }

    #[test]
    fn patterns() {
        let cases = [
            ("", "anything", true),
            ("ERROR", "[ERROR] boom", true),
            ("ERROR", "error boom", false),
            ("ERROR boom", "[ERROR] boom", true),
            ("ERROR boom", "[ERROR] bang", false),
            (
                "\"Task timed out\"",
                "x Task timed out after 3.00 seconds",
                true,
            ),
            ("\"Task timed out\"", "Task  timed out", false),
            ("?ERROR ?WARN", "WARN disk", true),
            ("?ERROR ?WARN", "INFO disk", false),
            ("START -REPORT", "START RequestId: 1", true),
            ("START -REPORT", "START REPORT", false),
            ("RequestId ?END ?START", "END RequestId: 1", true),
        ];
        for (p, m, want) in cases {
            check(p, m, want);
        }
        assert_eq!(Pattern::parse("{ $.level = \"ERROR\" }"), None);
        assert_eq!(Pattern::parse("[ip, user]"), None);
    }
}
