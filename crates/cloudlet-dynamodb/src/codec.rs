//! The stored form of items (table records and index entries): a version byte, then a
//! compact binary layout that is written and read without going through JSON.
//!
//! Version 2 (written today): `u32` attribute count, then per attribute its name and value.
//! Strings and binaries are a `u32` length and the bytes; a value is a tag byte then its
//! payload (numbers as their `i128` mantissa and `i32` exponent, maps as a count and name /
//! value pairs, lists and sets as a count and elements). Integers are little-endian.
//! Version 1 (written by earlier releases) is the item's wire JSON, still read.
//!
//! It knows items, not tables or keys. Bad bytes are an error, never a panic.

use cloudlet_store::StoreError;
use cloudlet_store::record;

use crate::number::Number;
use crate::value::{AttrValue, Item, parse_item};

/// The version byte of the binary layout.
const BINARY: u8 = 2;

/// Deeper than any value the write path accepts (32 levels), so only corrupt data hits it.
const MAX_DEPTH: usize = 64;

const T_S: u8 = 1;
const T_N: u8 = 2;
const T_B: u8 = 3;
const T_FALSE: u8 = 4;
const T_TRUE: u8 = 5;
const T_NULL: u8 = 6;
const T_M: u8 = 7;
const T_L: u8 = 8;
const T_SS: u8 = 9;
const T_NS: u8 = 10;
const T_BS: u8 = 11;

/// Encodes an item in the current layout.
pub fn encode_item(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + crate::value::item_size(item) + 8 * item.len());
    out.push(BINARY);
    put_map(&mut out, item);
    out
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // Items are at most 400 KB, so every length fits.
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

fn put_number(out: &mut Vec<u8>, n: &Number) {
    let (m, e) = n.parts();
    out.extend_from_slice(&m.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
}

fn put_map(out: &mut Vec<u8>, m: &Item) {
    put_len(out, m.len());
    for (k, v) in m {
        put_bytes(out, k.as_bytes());
        put_value(out, v);
    }
}

fn put_value(out: &mut Vec<u8>, v: &AttrValue) {
    match v {
        AttrValue::S(s) => {
            out.push(T_S);
            put_bytes(out, s.as_bytes());
        }
        AttrValue::N(n) => {
            out.push(T_N);
            put_number(out, n);
        }
        AttrValue::B(b) => {
            out.push(T_B);
            put_bytes(out, b);
        }
        AttrValue::Bool(b) => out.push(if *b { T_TRUE } else { T_FALSE }),
        AttrValue::Null => out.push(T_NULL),
        AttrValue::M(m) => {
            out.push(T_M);
            put_map(out, m);
        }
        AttrValue::L(l) => {
            out.push(T_L);
            put_len(out, l.len());
            for x in l {
                put_value(out, x);
            }
        }
        AttrValue::Ss(v) => {
            out.push(T_SS);
            put_len(out, v.len());
            for s in v {
                put_bytes(out, s.as_bytes());
            }
        }
        AttrValue::Ns(v) => {
            out.push(T_NS);
            put_len(out, v.len());
            for n in v {
                put_number(out, n);
            }
        }
        AttrValue::Bs(v) => {
            out.push(T_BS);
            put_len(out, v.len());
            for b in v {
                put_bytes(out, b);
            }
        }
    }
}

/// Decodes a stored item of any known version.
pub fn decode_item(bytes: &[u8]) -> Result<Item, StoreError> {
    match bytes.first() {
        Some(&BINARY) => {
            let mut r = Reader { b: &bytes[1..] };
            let item = r.map(0)?;
            if !r.b.is_empty() {
                return Err(bad("trailing bytes"));
            }
            Ok(item)
        }
        _ => {
            let v: serde_json::Value = record::decode(bytes)?;
            parse_item(&v).map_err(|e| StoreError::Format(format!("stored item: {e}")))
        }
    }
}

fn bad(what: &str) -> StoreError {
    StoreError::Format(format!("corrupt stored item: {what}"))
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.b.len() < n {
            return Err(bad("truncated"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, StoreError> {
        Ok(self.take(1)?[0])
    }

    fn len(&mut self) -> Result<usize, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// A count of elements, each at least `min` bytes long, checked against what is left so
    /// that a corrupt count cannot make us preallocate much.
    fn count(&mut self, min: usize) -> Result<usize, StoreError> {
        let n = self.len()?;
        if n.saturating_mul(min) > self.b.len() {
            return Err(bad("truncated"));
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, StoreError> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }

    fn string(&mut self) -> Result<String, StoreError> {
        String::from_utf8(self.bytes()?).map_err(|_| bad("invalid UTF-8"))
    }

    fn number(&mut self) -> Result<Number, StoreError> {
        let b = self.take(20)?;
        let mut m = [0u8; 16];
        m.copy_from_slice(&b[..16]);
        let e = i32::from_le_bytes([b[16], b[17], b[18], b[19]]);
        if !(-1000..=1000).contains(&e) {
            return Err(bad("number exponent"));
        }
        Number::from_parts(i128::from_le_bytes(m), e).map_err(|_| bad("number"))
    }

    fn map(&mut self, depth: usize) -> Result<Item, StoreError> {
        let n = self.count(5)?;
        let mut item = Item::new();
        for _ in 0..n {
            let k = self.string()?;
            let v = self.value(depth)?;
            item.insert(k, v);
        }
        Ok(item)
    }

    fn value(&mut self, depth: usize) -> Result<AttrValue, StoreError> {
        let tag = self.byte()?;
        if matches!(tag, T_M | T_L) && depth >= MAX_DEPTH {
            return Err(bad("nesting"));
        }
        Ok(match tag {
            T_S => AttrValue::S(self.string()?),
            T_N => AttrValue::N(self.number()?),
            T_B => AttrValue::B(self.bytes()?),
            T_FALSE => AttrValue::Bool(false),
            T_TRUE => AttrValue::Bool(true),
            T_NULL => AttrValue::Null,
            T_M => AttrValue::M(self.map(depth + 1)?),
            T_L => {
                let n = self.count(1)?;
                let mut l = Vec::with_capacity(n);
                for _ in 0..n {
                    l.push(self.value(depth + 1)?);
                }
                AttrValue::L(l)
            }
            T_SS => {
                let n = self.count(4)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.string()?);
                }
                AttrValue::Ss(v)
            }
            T_NS => {
                let n = self.count(20)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.number()?);
                }
                AttrValue::Ns(v)
            }
            T_BS => {
                let n = self.count(4)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.bytes()?);
                }
                AttrValue::Bs(v)
            }
            _ => return Err(bad("unknown value tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::item_to_json;
    use serde_json::json;

    fn item(v: serde_json::Value) -> Item {
        parse_item(&v).unwrap()
    }

    #[test]
    fn round_trips_every_type() {
        let cases = [
            json!({}),
            json!({"s": {"S": ""}, "u": {"S": "ünï"}}),
            json!({"n": {"N": "-12.50"}, "z": {"N": "0"}, "big": {"N": "9.9E+125"}, "tiny": {"N": "1E-130"}}),
            json!({"b": {"B": "AAE="}, "t": {"BOOL": true}, "f": {"BOOL": false}, "x": {"NULL": true}}),
            json!({"m": {"M": {"a": {"L": [{"N": "1"}, {"SS": ["x", "y"]}, {"M": {}}]}}}}),
            json!({"ss": {"SS": ["a"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]}, "l": {"L": []}}),
        ];
        for c in cases {
            let i = item(c.clone());
            let bytes = encode_item(&i);
            assert_eq!(bytes[0], BINARY);
            let back = decode_item(&bytes).unwrap();
            assert_eq!(back, i, "{c}");
            assert_eq!(item_to_json(&back), item_to_json(&i));
        }
    }

    #[test]
    fn reads_the_json_layout() {
        let i = item(json!({"pk": {"S": "a"}, "n": {"N": "3"}, "m": {"M": {"x": {"NULL": true}}}}));
        let old = record::encode(&item_to_json(&i));
        assert_eq!(old[0], 1);
        assert_eq!(decode_item(&old).unwrap(), i);
    }

    #[test]
    fn refuses_corrupt_bytes() {
        let good = encode_item(&item(
            json!({"a": {"S": "xyz"}, "n": {"NS": ["1", "2"]}, "l": {"L": [{"BOOL": true}]}}),
        ));
        // Every truncation and every single-byte change either fails or decodes; none panics.
        for n in 0..good.len() {
            assert!(decode_item(&good[..n]).is_err(), "truncated at {n}");
        }
        for i in 1..good.len() {
            for b in [0u8, 0x7f, 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                let _ = decode_item(&bad);
            }
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(decode_item(&trailing).is_err());
        assert!(decode_item(&[BINARY, 1, 0, 0, 0, 1, 0, 0, 0, b'a', 99]).is_err());
        assert!(decode_item(&[]).is_err());
        assert!(decode_item(&[9]).is_err());
        // A count far beyond the bytes left is refused before anything is allocated.
        assert!(decode_item(&[BINARY, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn refuses_too_deep_nesting() {
        let mut bytes = vec![BINARY, 1, 0, 0, 0, 1, 0, 0, 0, b'k'];
        for _ in 0..=MAX_DEPTH {
            bytes.extend_from_slice(&[T_L, 1, 0, 0, 0]);
        }
        bytes.push(T_NULL);
        assert!(decode_item(&bytes).is_err());
    }
}
