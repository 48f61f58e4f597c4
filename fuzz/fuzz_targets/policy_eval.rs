//! A policy document and a request, both from the input, separated by NUL bytes:
//! `document \0 action \0 resource \0 caller-arn \0 key=value \0 key=value …`.
//! Evaluation never panics, whatever the document, the names and the context values.

#![no_main]

use cloudlet_policy::{Caller, Context, Decision, PolicyKind, Request, evaluate_all, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let doc = parts.next().unwrap_or("");
    let action = parts.next().unwrap_or("s3:GetObject");
    let resource = parts.next().unwrap_or("arn:aws:s3:::bucket/key");
    let caller = match parts.next() {
        None | Some("") => Caller::Anonymous,
        Some(s) if s.ends_with(".amazonaws.com") => Caller::Service(s.to_string()),
        Some(arn) => Caller::Aws {
            account: arn.split(':').nth(4).unwrap_or("").to_string(),
            arn: arn.to_string(),
            role_arn: arn.contains(":assumed-role/").then(|| arn.to_string()),
        },
    };
    let mut ctx = Context::new();
    for entry in parts {
        let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
        if v.contains(',') {
            ctx.set_all(k, v.split(',').map(str::to_string).collect());
        } else {
            ctx.set(k, v);
        }
    }
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &ctx,
    };
    let policies: Vec<_> = [PolicyKind::Resource, PolicyKind::Identity]
        .into_iter()
        .filter_map(|k| parse(doc, k).ok())
        .collect();
    for p in &policies {
        let alone = p.evaluate(&req);
        // Evaluating a policy twice together decides as it does alone.
        assert_eq!(evaluate_all([p, p], &req), alone);
        if alone == Decision::ExplicitDeny {
            assert_eq!(evaluate_all(&policies, &req), Decision::ExplicitDeny);
        }
    }
});
