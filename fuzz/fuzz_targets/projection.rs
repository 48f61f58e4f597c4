//! ProjectionExpression: parse any text, project the fixed item by what parses.

#![no_main]

mod common;

use cloudlet_dynamodb::expr::eval::project;
use cloudlet_dynamodb::expr::parser::parse_projection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut r = common::resolver();
    if let Ok(paths) = parse_projection(src, &mut r) {
        let _ = project(&common::item(), &paths);
    }
});
