//! A minimal Velocity (VTL) evaluator for mapping templates: `##`/`#* *#` comments,
//! `#set($x = …)`, and references (`$x`, `${x}`, `$!x`) into `$input` (`body`,
//! `json('$…')`, `path('$…')`, `params('name')`), `$context`, `$stageVariables`,
//! `$util.escapeJavaScript/urlEncode/base64Encode` and `#set` locals. Unresolved references
//! render as written, as Velocity does. Other directives (`#if`, `#foreach`) are not
//! supported and render as written. Pure: no I/O.

use std::collections::BTreeMap;

use serde_json::Value;

/// What a template can see.
#[derive(Clone, Debug, Default)]
pub struct VtlInput {
    /// The payload (`$input.body`).
    pub body: String,
    pub path_params: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    /// `$context` as a JSON object (`requestId`, `identity.sourceIp`, …).
    pub context: Value,
    pub stage_variables: BTreeMap<String, String>,
}

/// Renders `template`.
pub fn render(template: &str, input: &VtlInput) -> String {
    let mut out = String::new();
    let mut locals: BTreeMap<String, Value> = BTreeMap::new();
    let b = template.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &template[i..];
        if rest.starts_with("##") {
            i += rest.find('\n').unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with("#*") {
            i += rest.find("*#").map(|p| p + 2).unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with("#set(")
            && let Some((len, name, value)) = parse_set(rest, input, &locals)
        {
            locals.insert(name, value);
            i += len;
            // A `#set` line leaves no blank line behind.
            if template[i..].starts_with('\n') {
                i += 1;
            }
            continue;
        }
        if rest.starts_with('$')
            && let Some((len, text)) = reference(rest, input, &locals)
        {
            out.push_str(&text);
            i += len;
            continue;
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `#set($name = value)` → (consumed length, name, value).
fn parse_set(
    s: &str,
    input: &VtlInput,
    locals: &BTreeMap<String, Value>,
) -> Option<(usize, String, Value)> {
    let close = s.find(')')?;
    // Find the closing paren of #set( … ) allowing parens inside quotes/calls.
    let body_end = matching_paren(s, 4).unwrap_or(close);
    let inner = &s[5..body_end];
    let (lhs, rhs) = inner.split_once('=')?;
    let name = lhs
        .trim()
        .strip_prefix('$')?
        .trim_start_matches('{')
        .trim_end_matches('}');
    let rhs = rhs.trim();
    let value = if let Some(q) = quoted(rhs) {
        Value::String(render(&q, input))
    } else if let Ok(n) = rhs.parse::<i64>() {
        Value::from(n)
    } else if rhs == "true" || rhs == "false" {
        Value::Bool(rhs == "true")
    } else if rhs.starts_with('$') {
        resolve_expr(rhs, input, locals)?.0
    } else {
        return None;
    };
    Some((body_end + 1, name.to_string(), value))
}

/// The index of the `)` matching the `(` at `open`.
fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn quoted(s: &str) -> Option<String> {
    let s = s.trim();
    let q = s.chars().next()?;
    if (q == '"' || q == '\'') && s.len() >= 2 && s.ends_with(q) {
        Some(s[1..s.len() - 1].to_string())
    } else {
        None
    }
}

/// One reference at the start of `s` → (consumed length, rendered text).
fn reference(
    s: &str,
    input: &VtlInput,
    locals: &BTreeMap<String, Value>,
) -> Option<(usize, String)> {
    let quiet = s.starts_with("$!");
    let start = if quiet { 2 } else { 1 };
    if s[start..].starts_with('{') {
        let end = s[start..].find('}')? + start;
        let expr = format!("${}", &s[start + 1..end]);
        return match resolve_expr(&expr, input, locals) {
            Some((v, used)) if used == expr.len() => Some((end + 1, text(&v))),
            _ if quiet => Some((end + 1, String::new())),
            _ => None,
        };
    }
    let len = start + expr_len(&s[start..]);
    if len == start {
        return None;
    }
    let expr = format!("${}", &s[start..len]);
    match resolve_expr(&expr, input, locals) {
        Some((v, used)) => Some((start + used - 1, text(&v))),
        None if quiet => Some((len, String::new())),
        None => None,
    }
}

/// The length of an identifier chain with calls: `a.b('x').c`.
fn expr_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let st = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
            i += 1;
        }
        if i == st {
            return st;
        }
        if i < b.len() && b[i] == b'(' {
            match matching_paren(s, i) {
                Some(p) => i = p + 1,
                None => return i,
            }
        }
        if i + 1 < b.len() && b[i] == b'.' && (b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'_') {
            i += 1;
            continue;
        }
        return i;
    }
}

/// Renders a value as Velocity prints it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Splits `$a.b('x').c` into segments `a`, `b('x')`, `c`.
fn segments(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for c in expr.trim_start_matches('$').chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '(') => {
                depth += 1;
                cur.push(c);
            }
            (None, ')') => {
                depth -= 1;
                cur.push(c);
            }
            (None, '.') if depth == 0 => out.push(std::mem::take(&mut cur)),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Evaluates a reference expression → (value, length of the expression consumed).
fn resolve_expr(
    expr: &str,
    input: &VtlInput,
    locals: &BTreeMap<String, Value>,
) -> Option<(Value, usize)> {
    let segs = segments(expr);
    let head = segs.first()?.as_str();
    let call = |seg: &str, name: &str| -> Option<String> {
        let arg = seg
            .strip_prefix(name)?
            .strip_prefix('(')?
            .strip_suffix(')')?;
        Some(quoted(arg).unwrap_or_else(|| arg.trim().to_string()))
    };
    let (mut value, mut used) = match head {
        "input" => {
            let seg = segs.get(1)?;
            let v = if seg == "body" {
                Value::String(input.body.clone())
            } else if let Some(p) = call(seg, "json") {
                Value::String(
                    json_path(&input.body, &p)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "null".into()),
                )
            } else if let Some(p) = call(seg, "path") {
                json_path(&input.body, &p).unwrap_or(Value::Null)
            } else if let Some(p) = call(seg, "params") {
                let found = input
                    .path_params
                    .get(&p)
                    .or_else(|| input.query.get(&p))
                    .or_else(|| {
                        input
                            .headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(&p))
                            .map(|(_, v)| v)
                    });
                Value::String(found.cloned().unwrap_or_default())
            } else {
                return None;
            };
            (v, 2)
        }
        "util" => {
            let seg = segs.get(1)?;
            let arg_of = |name: &str| -> Option<String> {
                let raw = seg
                    .strip_prefix(name)?
                    .strip_prefix('(')?
                    .strip_suffix(')')?;
                Some(match quoted(raw) {
                    Some(q) => q,
                    None => resolve_expr(raw.trim(), input, locals).map(|(v, _)| text(&v))?,
                })
            };
            let v = if let Some(a) = arg_of("escapeJavaScript") {
                let j = Value::String(a).to_string();
                j[1..j.len() - 1].to_string()
            } else if let Some(a) = arg_of("urlEncode") {
                percent_encoding::utf8_percent_encode(&a, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            } else if let Some(a) = arg_of("base64Encode") {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(a.as_bytes())
            } else {
                return None;
            };
            (Value::String(v), 2)
        }
        "context" => (input.context.clone(), 1),
        "stageVariables" => (
            serde_json::to_value(&input.stage_variables).unwrap_or(Value::Null),
            1,
        ),
        name => (locals.get(name)?.clone(), 1),
    };
    while used < segs.len() {
        let seg = &segs[used];
        if seg.contains('(') {
            break;
        }
        match value.get(seg.as_str()) {
            Some(v) => value = v.clone(),
            None => return None,
        }
        used += 1;
    }
    let consumed = 1 + segs[..used].iter().map(|s| s.len()).sum::<usize>() + used.saturating_sub(1);
    Some((value, consumed))
}

/// A tiny JSONPath: `$`, `$.a.b`, `$.a[0]`, `$['a']`.
pub fn json_path(body: &str, path: &str) -> Option<Value> {
    let root: Value = if body.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(body).ok()?
    };
    let rest = path.trim().strip_prefix('$')?;
    let mut cur = root;
    let mut s = rest;
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?.clone();
            s = &r[end..];
        } else if let Some(r) = s.strip_prefix('[') {
            let end = r.find(']')?;
            let key = &r[..end];
            cur = match quoted(key) {
                Some(k) => cur.get(&k)?.clone(),
                None => cur.get(key.parse::<usize>().ok()?)?.clone(),
            };
            s = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(template: &str, want: &str) {
        let input = VtlInput {
            body: r#"{"name":"Penny","n":3,"list":[1,2]}"#.into(),
            path_params: [("id".to_string(), "42".to_string())].into(),
            query: [("q".to_string(), "x y".to_string())].into(),
            headers: [("Origin".to_string(), "http://site".to_string())].into(),
            context: json!({"requestId": "req-1", "identity": {"sourceIp": "127.0.0.1"}}),
            stage_variables: [("env".to_string(), "dev".to_string())].into(),
        };
        assert_eq!(render(template, &input), want, "{template}");
    }

    #[test]
    fn templates() {
        check(r#"{"statusCode": 200}"#, r#"{"statusCode": 200}"#);
        check("$input.body", r#"{"name":"Penny","n":3,"list":[1,2]}"#);
        check("$input.json('$.name')", r#""Penny""#);
        check("$input.path('$.n')", "3");
        check("$input.path('$.list[1]')", "2");
        check(
            "$input.params('id')/$input.params('q')/$input.params('origin')",
            "42/x y/http://site",
        );
        check(
            "${context.requestId} $context.identity.sourceIp.",
            "req-1 127.0.0.1.",
        );
        check("$stageVariables.env", "dev");
        check("$missing and $!missing.", "$missing and .");
        check("## comment\nA#* block *#B", "\nAB");
        check("#set($x = \"hi $stageVariables.env\")\n$x!", "hi dev!");
        check("#set($n = 5)$n", "5");
        check("$util.escapeJavaScript('a\"b')", "a\\\"b");
        check("$util.urlEncode('a b')", "a%20b");
        check("cost: $5", "cost: $5");
        check("{\"id\": \"$input.params('id')\"}", "{\"id\": \"42\"}");
    }
}
