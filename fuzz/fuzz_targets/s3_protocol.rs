//! S3's request router on arbitrary method, path, query and Host bucket:
//! `method \n path \n query \n host-bucket`. Never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or("GET");
    let Ok(method) = http::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let path = lines.next().unwrap_or("/");
    let query = lines.next();
    let host = lines.next().filter(|h| !h.is_empty());
    let copy = lines.next().is_some();
    let _ = cloudlet_s3::protocol::parse(&method, path, query, host, copy);
});
