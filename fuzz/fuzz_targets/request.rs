//! Request bodies: any bytes through the body decoder and the typed accessors every
//! operation uses first.

#![no_main]

use cloudlet_dynamodb::protocol::Body;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(b) = Body::parse(data) else {
        return;
    };
    let _ = b.table_name("TableName");
    let _ = b.opt_item("Item");
    let _ = b.opt_item("Key");
    let _ = b.opt_item("ExclusiveStartKey");
    let _ = b.opt_i64("Limit");
    let _ = b.opt_bool("ConsistentRead");
    let _ = b.str_list("AttributesToGet");
    if let Ok(input) = b.expr_input() {
        let _ = cloudlet_dynamodb::expr::Resolver::new(&input);
    }
    let _ = cloudlet_dynamodb::legacy::expected(&b);
    let _ = cloudlet_dynamodb::legacy::filter(&b, "QueryFilter");
    let _ = cloudlet_dynamodb::legacy::attribute_updates(&b);
});
