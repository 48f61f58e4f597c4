//! ConditionExpression / FilterExpression: parse any text, evaluate what parses.

#![no_main]

mod common;

use cloudlet_dynamodb::expr::eval::eval;
use cloudlet_dynamodb::expr::parser::{Kind, parse_condition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut r = common::resolver();
    if let Ok(c) = parse_condition(src, Kind::Condition, &mut r) {
        let _ = eval(&c, &common::item());
        let _ = eval(&c, &Default::default());
    }
    let _ = r.finish(&[("ConditionExpression", true)]);
});
