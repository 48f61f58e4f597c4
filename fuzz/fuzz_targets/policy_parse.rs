//! Any text as a policy document, of either kind: parsing and validation never panic, and
//! a document that parses can be evaluated and classified as public.

#![no_main]

use cloudlet_policy::{Caller, Context, PolicyKind, Request, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let callers = [
        Caller::Anonymous,
        Caller::Aws {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: None,
        },
        Caller::Service("lambda.amazonaws.com".into()),
    ];
    let mut ctx = Context::new();
    ctx.set("aws:SourceIp", "192.0.2.7")
        .set("aws:SecureTransport", "true")
        .set("aws:CurrentTime", "2026-01-01T00:00:00Z")
        .set("s3:max-keys", "10");
    for kind in [PolicyKind::Resource, PolicyKind::Identity] {
        let Ok(policy) = parse(text, kind) else {
            continue;
        };
        let _ = policy.is_public();
        for caller in &callers {
            let req = Request {
                caller,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::bucket/key",
                context: &ctx,
            };
            let _ = policy.evaluate(&req);
        }
    }
});
