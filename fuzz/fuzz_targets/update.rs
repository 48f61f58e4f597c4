//! UpdateExpression: parse any text, apply what parses to the fixed item and to an empty
//! one; a successful update must give an item that survives a JSON round trip.

#![no_main]

mod common;

use cloudlet_dynamodb::expr::parser::parse_update;
use cloudlet_dynamodb::expr::update::apply;
use cloudlet_dynamodb::value::{item_to_json, parse_item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut r = common::resolver();
    if let Ok(u) = parse_update(src, &mut r) {
        for old in [common::item(), Default::default()] {
            if let Ok(new) = apply(&u, &old) {
                let back = parse_item(&item_to_json(&new)).expect("an updated item re-parses");
                assert_eq!(item_to_json(&back), item_to_json(&new));
            }
        }
    }
});
