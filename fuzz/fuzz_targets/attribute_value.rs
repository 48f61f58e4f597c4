//! Attribute values in JSON: any bytes that are JSON are decoded as an item; whatever
//! decodes must encode and decode back to itself, and its numbers must survive text and
//! key-encoding round trips.

#![no_main]

use cloudlet_dynamodb::number::Number;
use cloudlet_dynamodb::value::{item_to_json, parse_item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(n) = Number::parse(s)
    {
        assert_eq!(Number::parse(&n.to_string()).as_ref(), Ok(&n));
        let mut k = Vec::new();
        n.encode_key(&mut k);
        assert_eq!(Number::decode_key(&k), Some((n, k.len())));
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(item) = parse_item(&v) {
        let json = item_to_json(&item);
        let back = parse_item(&json).expect("an encoded item decodes");
        assert_eq!(item_to_json(&back), json);
        let _ = cloudlet_dynamodb::value::item_size(&item);
    }
});
