//! The expression lexer: identifiers, `#name` and `:value` placeholders, list indexes and
//! punctuation, each with its byte span for DynamoDB's "token: …, near: …" messages.

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Name(String),
    Value(String),
    Int(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Eof,
}

/// A token with its span in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// A character that cannot start any token, at a byte offset.
#[derive(Debug, PartialEq)]
pub struct BadChar {
    pub text: String,
    pub start: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `src` into tokens, ending with `Eof`.
pub fn lex(src: &str) -> Result<Vec<Token>, BadChar> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut i = 0;
    let end_of = |j: usize| chars.get(j).map(|c| c.0).unwrap_or(src.len());
    while i < chars.len() {
        let (start, c) = chars[i];
        // DynamoDB's whitespace is ASCII: space, tab, carriage return, line feed.
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
            continue;
        }
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            '.' => Some(Tok::Dot),
            '=' => Some(Tok::Eq),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            _ => None,
        };
        if let Some(t) = simple {
            out.push(Token {
                tok: t,
                start,
                end: end_of(i + 1),
            });
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).map(|c| c.1);
        match c {
            '<' | '>' => {
                let (tok, len) = match (c, next) {
                    ('<', Some('>')) => (Tok::Ne, 2),
                    ('<', Some('=')) => (Tok::Le, 2),
                    ('>', Some('=')) => (Tok::Ge, 2),
                    ('<', _) => (Tok::Lt, 1),
                    _ => (Tok::Gt, 1),
                };
                out.push(Token {
                    tok,
                    start,
                    end: end_of(i + len),
                });
                i += len;
            }
            '#' | ':' => {
                let mut j = i + 1;
                while j < chars.len() && is_ident_char(chars[j].1) {
                    j += 1;
                }
                if j == i + 1 {
                    return Err(BadChar {
                        text: c.to_string(),
                        start,
                    });
                }
                let text = src[start..end_of(j)].to_string();
                let tok = if c == '#' {
                    Tok::Name(text)
                } else {
                    Tok::Value(text)
                };
                out.push(Token {
                    tok,
                    start,
                    end: end_of(j),
                });
                i = j;
            }
            c if c.is_ascii_digit() => {
                let mut j = i;
                while j < chars.len() && chars[j].1.is_ascii_digit() {
                    j += 1;
                }
                if j < chars.len() && is_ident_char(chars[j].1) {
                    while j < chars.len() && is_ident_char(chars[j].1) {
                        j += 1;
                    }
                    out.push(Token {
                        tok: Tok::Ident(src[start..end_of(j)].to_string()),
                        start,
                        end: end_of(j),
                    });
                } else {
                    out.push(Token {
                        tok: Tok::Int(src[start..end_of(j)].to_string()),
                        start,
                        end: end_of(j),
                    });
                }
                i = j;
            }
            c if is_ident_char(c) => {
                let mut j = i;
                while j < chars.len() && is_ident_char(chars[j].1) {
                    j += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(src[start..end_of(j)].to_string()),
                    start,
                    end: end_of(j),
                });
                i = j;
            }
            _ => {
                return Err(BadChar {
                    text: c.to_string(),
                    start,
                });
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(out)
}
