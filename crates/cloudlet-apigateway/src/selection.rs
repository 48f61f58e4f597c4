//! A small regular-expression matcher for integration responses' `selectionPattern`
//! (Java regex, whole-string match): literals, `.`, `\d \w \s` and their negations,
//! classes `[a-z0-9]`/`[^…]`, groups, `|`, and `* + ? {n} {n,} {n,m}`. Pure.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, Option<usize>),
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn alt(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut out = vec![self.seq()?];
        while self.peek() == Some('|') {
            self.i += 1;
            out.push(self.seq()?);
        }
        Some(out)
    }

    fn seq(&mut self) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            out.push(self.quantified(atom)?);
        }
        Some(out)
    }

    fn number(&mut self) -> Option<usize> {
        let st = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.s[st..self.i].iter().collect::<String>().parse().ok()
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.i += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return None;
                }
                (min, max)
            }
            _ => return Some(atom),
        };
        self.i += 1;
        Some(Node::Repeat(Box::new(atom), min, max))
    }

    fn escape_class(c: char) -> Option<(Vec<(char, char)>, bool)> {
        let digits = vec![('0', '9')];
        let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
        let space = vec![
            (' ', ' '),
            ('\t', '\t'),
            ('\n', '\n'),
            ('\r', '\r'),
            ('\x0b', '\x0c'),
        ];
        Some(match c {
            'd' => (digits, false),
            'D' => (digits, true),
            'w' => (word, false),
            'W' => (word, true),
            's' => (space, false),
            'S' => (space, true),
            _ => return None,
        })
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            '.' => Node::Any,
            '(' => {
                if self.peek() == Some('?') && self.s.get(self.i + 1) == Some(&':') {
                    self.i += 2;
                }
                let alt = self.alt()?;
                if self.peek() != Some(')') {
                    return None;
                }
                self.i += 1;
                Node::Group(alt)
            }
            '[' => {
                let neg = self.peek() == Some('^');
                if neg {
                    self.i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = self.peek()?;
                    self.i += 1;
                    if c == ']' && !ranges.is_empty() {
                        break;
                    }
                    let lo = if c == '\\' {
                        let e = self.peek()?;
                        self.i += 1;
                        if let Some((r, false)) = Self::escape_class(e) {
                            ranges.extend(r);
                            continue;
                        }
                        e
                    } else {
                        c
                    };
                    if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&n| n != ']')
                    {
                        let hi = *self.s.get(self.i + 1)?;
                        self.i += 2;
                        ranges.push((lo, hi));
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                Node::Class(ranges, neg)
            }
            '\\' => {
                let e = self.peek()?;
                self.i += 1;
                match Self::escape_class(e) {
                    Some((r, neg)) => Node::Class(r, neg),
                    None => Node::Char(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    }),
                }
            }
            '^' | '$' => Node::Group(vec![vec![]]),
            other => Node::Char(other),
        })
    }
}

fn one(n: &Node, c: char) -> bool {
    match n {
        Node::Char(x) => *x == c,
        Node::Any => c != '\n',
        Node::Class(ranges, neg) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *neg,
        _ => false,
    }
}

fn m_seq(seq: &[Node], s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match seq.split_first() {
        None => k(i),
        Some((n, rest)) => m_node(n, s, i, &mut |j| m_seq(rest, s, j, k)),
    }
}

fn m_alt(alt: &[Vec<Node>], s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    for seq in alt {
        if m_seq(seq, s, i, k) {
            return true;
        }
    }
    false
}

fn m_node(n: &Node, s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match n {
        Node::Group(alt) => m_alt(alt, s, i, k),
        Node::Repeat(inner, min, max) => m_rep(inner, *min, *max, 0, s, i, k),
        _ => i < s.len() && one(n, s[i]) && k(i + 1),
    }
}

fn m_rep(
    inner: &Node,
    min: usize,
    max: Option<usize>,
    count: usize,
    s: &[char],
    i: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if max.is_none_or(|m| count < m)
        && m_node(inner, s, i, &mut |j| {
            (j != i || count < min) && m_rep(inner, min, max, count + 1, s, j, k)
        })
    {
        return true;
    }
    count >= min && k(i)
}

/// Whether `pattern` matches the whole of `text`; an invalid pattern matches nothing.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut parser = Parser { s: &p, i: 0 };
    let Some(ast) = parser.alt() else {
        return false;
    };
    if parser.i != p.len() {
        return false;
    }
    let s: Vec<char> = text.chars().collect();
    m_alt(&ast, &s, 0, &mut |j| j == s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let cases = [
            ("200", "200", true),
            ("200", "2000", false),
            ("2\\d{2}", "204", true),
            ("2\\d{2}", "404", false),
            ("4\\d{2}|5\\d{2}", "503", true),
            (".*Not Found.*", "Item Not Found here", true),
            (".*Not Found.*", "Found", false),
            ("[45]0[0-9]", "409", true),
            ("[^2].*", "200", false),
            ("(ab)+c", "ababc", true),
            ("a?b*", "", true),
            ("x{2,}", "x", false),
            ("x{2,}", "xxx", true),
            ("-", "-", true),
            ("(unclosed", "(unclosed", false),
        ];
        for (p, t, want) in cases {
            assert_eq!(matches(p, t), want, "{p} ~ {t}");
        }
    }
}
