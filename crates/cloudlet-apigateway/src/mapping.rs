//! Non-proxy integrations' mapping (MOCK, Lambda custom integration): choosing and
//! rendering the request template, reading MOCK's `statusCode`, selecting the integration
//! response (`selectionPattern`, else the default), applying its `responseParameters`
//! (static `'…'` values and integration values) and `responseTemplates`, and checking the
//! method response exists. Pure; errors are the execution log's configuration errors.

use serde_json::Value;

use crate::model::{Integration, Method, StrMap};
use crate::selection;
use crate::vtl::{self, VtlInput, json_path};

/// The request after the request template: `Ok(Some(body))`, or `Ok(None)` when the
/// request passes through untouched; `Err(())` is 415 Unsupported Media Type.
pub fn request_body(
    integration: &Integration,
    content_type: Option<&str>,
    input: &VtlInput,
) -> Result<Option<String>, ()> {
    let ct = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "application/json".into());
    let templates = &integration.request_templates;
    if let Some((_, t)) = templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(&ct)) {
        return Ok(Some(vtl::render(t, input)));
    }
    let behaviour = integration
        .passthrough_behavior
        .as_deref()
        .unwrap_or("WHEN_NO_MATCH");
    match behaviour {
        "NEVER" => Err(()),
        "WHEN_NO_TEMPLATES" if !templates.is_empty() => Err(()),
        _ => Ok(None),
    }
}

/// MOCK: the status code the rendered request template asks for.
pub fn mock_status(rendered: Option<&str>) -> Result<String, String> {
    let Some(text) = rendered.filter(|t| !t.trim().is_empty()) else {
        return Ok("200".into());
    };
    let bad = || {
        "Execution failed due to configuration error: Unable to parse statusCode. It should be an integer that is defined in the request template.".to_string()
    };
    let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
    match v.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()).ok_or_else(bad),
        Some(Value::String(s)) if s.parse::<u16>().is_ok() => Ok(s.clone()),
        _ => Err(bad()),
    }
}

/// What the integration returned, as the integration response sees it.
#[derive(Clone, Debug, Default)]
pub struct IntegrationOutput {
    /// What `selectionPattern` is matched against: the status code (MOCK, HTTP) or the
    /// Lambda `errorMessage`; empty (a Lambda success) selects the default response.
    pub selector: String,
    pub body: String,
    pub headers: StrMap,
}

/// The method response the client gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The value of one `responseParameters` mapping expression.
fn parameter_value(expr: &str, out: &IntegrationOutput, input: &VtlInput) -> Option<String> {
    if let Some(s) = expr.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(s.to_string());
    }
    if let Some(h) = expr.strip_prefix("integration.response.header.") {
        return out
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(h))
            .map(|(_, v)| v.clone());
    }
    if expr == "integration.response.body" {
        return Some(out.body.clone());
    }
    if let Some(p) = expr.strip_prefix("integration.response.body.") {
        return json_path(&out.body, &format!("$.{p}")).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
    }
    if let Some(name) = expr.strip_prefix("stageVariables.") {
        return input.stage_variables.get(name).cloned();
    }
    if let Some(p) = expr.strip_prefix("context.") {
        return json_path(&input.context.to_string(), &format!("$.{p}")).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
    }
    None
}

/// Selects and applies the integration response.
pub fn integration_response(
    integration: &Integration,
    method: &Method,
    out: &IntegrationOutput,
    accept: Option<&str>,
    input: &VtlInput,
) -> Result<Mapped, String> {
    let responses = &integration.integration_responses;
    let chosen = responses
        .values()
        .filter(|r| r.selection_pattern.as_deref().is_some_and(|p| !p.is_empty()))
        .filter(|_| !out.selector.is_empty())
        .find(|r| selection::matches(r.selection_pattern.as_deref().unwrap_or(""), &out.selector))
        .or_else(|| {
            responses
                .values()
                .find(|r| r.selection_pattern.as_deref().is_none_or(str::is_empty))
        })
        .ok_or_else(|| {
            format!(
                "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: {}",
                if out.selector.is_empty() { "200" } else { out.selector.as_str() }
            )
        })?;
    let status: u16 = chosen.status_code.parse().unwrap_or(200);
    if !method.method_responses.contains_key(&chosen.status_code) {
        return Err(format!(
            "Execution failed due to configuration error: Output mapping refers to an invalid method response: {}",
            chosen.status_code
        ));
    }
    let mut headers = Vec::new();
    for (name, expr) in &chosen.response_parameters {
        if let Some(h) = name.strip_prefix("method.response.header.")
            && let Some(v) = parameter_value(expr, out, input)
        {
            headers.push((h.to_string(), v));
        }
    }
    let templates = &chosen.response_templates;
    let wanted = accept.and_then(|a| a.split(',').next()).map(|a| {
        a.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    let template = wanted
        .as_deref()
        .and_then(|w| templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(w)))
        .or_else(|| {
            templates
                .iter()
                .find(|(k, _)| k.as_str() == "application/json")
        })
        .or_else(|| templates.iter().next());
    let (content_type, body) = match template {
        Some((ct, t)) => {
            let mut vin = input.clone();
            vin.body = out.body.clone();
            (ct.clone(), vtl::render(t, &vin))
        }
        None => ("application/json".to_string(), out.body.clone()),
    };
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), content_type));
    }
    Ok(Mapped {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IntegrationResponse, MethodResponse};

    fn cors_method() -> Method {
        let mut m = Method {
            http_method: "OPTIONS".into(),
            authorization_type: "NONE".into(),
            ..Method::default()
        };
        m.method_responses.insert(
            "200".into(),
            MethodResponse {
                status_code: "200".into(),
                response_parameters: [
                    (
                        "method.response.header.Access-Control-Allow-Headers".to_string(),
                        true,
                    ),
                    (
                        "method.response.header.Access-Control-Allow-Methods".to_string(),
                        true,
                    ),
                    (
                        "method.response.header.Access-Control-Allow-Origin".to_string(),
                        true,
                    ),
                ]
                .into(),
                ..MethodResponse::default()
            },
        );
        m
    }

    type Pairs<'a> = &'a [(&'a str, &'a str)];
    type ResponseSpec<'a> = (&'a str, Option<&'a str>, Pairs<'a>, &'a str);

    fn integration(responses: &[ResponseSpec<'_>]) -> Integration {
        let mut i = Integration {
            kind: "MOCK".into(),
            request_templates: [(
                "application/json".to_string(),
                "{\"statusCode\": 200}".to_string(),
            )]
            .into(),
            ..Integration::default()
        };
        for (status, pattern, params, template) in responses {
            i.integration_responses.insert(
                status.to_string(),
                IntegrationResponse {
                    status_code: status.to_string(),
                    selection_pattern: pattern.map(Into::into),
                    response_parameters: params
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    response_templates: [("application/json".to_string(), template.to_string())]
                        .into(),
                    content_handling: None,
                },
            );
        }
        i
    }

    fn check(i: &Integration, selector: &str, want: Result<(u16, Pairs<'_>, &str), &str>) {
        let out = IntegrationOutput {
            selector: selector.into(),
            body: "{\"x\": 1}".into(),
            headers: StrMap::new(),
        };
        let got = integration_response(i, &cors_method(), &out, None, &VtlInput::default());
        match (got, want) {
            (Ok(g), Ok((s, h, b))) => {
                assert_eq!(g.status, s);
                let hs: Vec<(String, String)> = h
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                assert_eq!(g.headers, hs);
                assert_eq!(g.body, b);
            }
            (Err(g), Err(w)) => assert!(g.contains(w), "{g}"),
            (g, w) => panic!("got {g:?} want {w:?}"),
        }
    }

    #[test]
    fn cors_preflight_mapping() {
        let i = integration(&[(
            "200",
            None,
            &[
                (
                    "method.response.header.Access-Control-Allow-Headers",
                    "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
                ),
                (
                    "method.response.header.Access-Control-Allow-Methods",
                    "'GET,OPTIONS'",
                ),
                ("method.response.header.Access-Control-Allow-Origin", "'*'"),
            ],
            "",
        )]);
        check(
            &i,
            "200",
            Ok((
                200,
                &[
                    (
                        "Access-Control-Allow-Headers",
                        "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token",
                    ),
                    ("Access-Control-Allow-Methods", "GET,OPTIONS"),
                    ("Access-Control-Allow-Origin", "*"),
                    ("Content-Type", "application/json"),
                ],
                "",
            )),
        );
    }

    #[test]
    fn selection_and_errors() {
        let i = integration(&[
            ("200", None, &[], "$input.body"),
            ("400", Some("4\\d{2}"), &[], "bad"),
        ]);
        check(
            &i,
            "200",
            Ok((200, &[("Content-Type", "application/json")], "{\"x\": 1}")),
        );
        check(&i, "404", Err("invalid method response: 400"));
        let none = integration(&[("200", Some("2\\d{2}"), &[], "")]);
        check(
            &none,
            "500",
            Err(
                "No match for output mapping and no default output mapping configured. Endpoint Response Status Code: 500",
            ),
        );
    }

    #[test]
    fn mock_statuses() {
        assert_eq!(mock_status(Some("{\"statusCode\": 200}")), Ok("200".into()));
        assert_eq!(
            mock_status(Some("{\"statusCode\": \"404\"}")),
            Ok("404".into())
        );
        assert_eq!(mock_status(None), Ok("200".into()));
        assert!(mock_status(Some("{}")).is_err());
        assert!(mock_status(Some("nope")).is_err());
    }
}
