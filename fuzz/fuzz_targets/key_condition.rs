//! KeyConditionExpression: parse any text, check it against a key schema, evaluate it.

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
    if let Ok(c) = parse_condition(src, Kind::KeyCondition, &mut r) {
        let _ = cloudlet_dynamodb::ops::read::key_bounds(&c, ("pk", "S"), Some(("a", "N")));
        let _ = eval(&c, &common::item());
    }
});
