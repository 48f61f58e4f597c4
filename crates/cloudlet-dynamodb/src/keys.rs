//! Primary keys: extracting and validating a table's key attributes from an item or a
//! `Key` parameter, and the order-preserving byte encoding that makes a partition a
//! contiguous, sort-key-ordered range of the items table.
//!
//! It knows the key schema of a table, nothing of storage or expressions.

use crate::error::DdbError;
use crate::state::{KeyAttr, TableMeta};
use crate::value::{AttrValue, Item};

/// Appends the order-preserving, self-delimiting encoding of a key value.
pub fn encode_component(v: &AttrValue, out: &mut Vec<u8>) {
    match v {
        AttrValue::N(n) => n.encode_key(out),
        AttrValue::S(s) => encode_bytes(s.as_bytes(), out),
        AttrValue::B(b) => encode_bytes(b, out),
        // Key attributes are always S, N or B (checked before encoding).
        _ => out.push(0),
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    for &c in b {
        out.push(c);
        if c == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// The storage key of the item with this key in the table (or index) with id `prefix`.
pub fn storage_key(prefix: &str, hash: &AttrValue, range: Option<&AttrValue>) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + 32);
    out.extend_from_slice(prefix.as_bytes());
    encode_component(hash, &mut out);
    if let Some(r) = range {
        encode_component(r, &mut out);
    }
    out
}

/// The storage-key prefix of one partition.
pub fn partition_prefix(prefix: &str, hash: &AttrValue) -> Vec<u8> {
    storage_key(prefix, hash, None)
}

/// The smallest byte string greater than every string starting with `p`.
pub fn prefix_end(p: &[u8]) -> Vec<u8> {
    let mut e = p.to_vec();
    while let Some(last) = e.pop() {
        if last < 0xff {
            e.push(last + 1);
            return e;
        }
    }
    vec![0xff; p.len() + 1]
}

/// Checks a key attribute of an item being written (PutItem).
fn check_item_key_attr(item: &Item, k: &KeyAttr) -> Result<(), DdbError> {
    match item.get(&k.name) {
        None => Err(DdbError::invalid(format!(
            "Missing the key {} in the item",
            k.name
        ))),
        Some(v) if v.type_name() != k.ty => Err(DdbError::invalid(format!(
            "Type mismatch for key {} expected: {} actual: {}",
            k.name,
            k.ty,
            v.type_name()
        ))),
        Some(v) => check_key_value(&k.name, v, false, true),
    }
}

/// Refuses empty and oversized key values. DynamoDB words the empty case differently for
/// an item being written and for a `Key` parameter.
fn check_key_value(
    name: &str,
    v: &AttrValue,
    is_range: bool,
    in_item: bool,
) -> Result<(), DdbError> {
    let len = match v {
        AttrValue::S(s) => s.len(),
        AttrValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len == 0 {
        let what = if matches!(v, AttrValue::S(_)) {
            "string"
        } else {
            "binary"
        };
        let rest = format!(
            "The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {name}"
        );
        return Err(if in_item {
            DdbError::validation(format!(
                "One or more parameter values are not valid. {rest}"
            ))
        } else {
            DdbError::invalid(rest)
        });
    }
    if !is_range && len > 2048 {
        return Err(DdbError::invalid(
            "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if is_range && len > 1024 {
        return Err(DdbError::invalid(
            "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

/// Validates the key attributes of a whole item and returns its storage key.
pub fn item_key(meta: &TableMeta, item: &Item) -> Result<Vec<u8>, DdbError> {
    check_item_key_attr(item, &meta.hash_key)?;
    if let Some(r) = &meta.range_key {
        check_item_key_attr(item, r)?;
    }
    let hash = item
        .get(&meta.hash_key.name)
        .ok_or_else(DdbError::key_schema_mismatch)?;
    if let Some(v) = item.get(&meta.hash_key.name) {
        check_key_value(&meta.hash_key.name, v, false, true)?;
    }
    let range = match &meta.range_key {
        Some(r) => {
            let v = item
                .get(&r.name)
                .ok_or_else(DdbError::key_schema_mismatch)?;
            check_key_value(&r.name, v, true, true)?;
            Some(v)
        }
        None => None,
    };
    Ok(storage_key(&meta.id, hash, range))
}

/// Validates a `Key` parameter (exactly the key attributes, right types) and returns its
/// storage key.
pub fn key_param(meta: &TableMeta, key: &Item) -> Result<Vec<u8>, DdbError> {
    let want = 1 + usize::from(meta.range_key.is_some());
    if key.len() != want {
        return Err(DdbError::key_schema_mismatch());
    }
    let get = |k: &KeyAttr, is_range: bool| -> Result<&AttrValue, DdbError> {
        let v = key.get(&k.name).ok_or_else(DdbError::key_schema_mismatch)?;
        if v.type_name() != k.ty {
            return Err(DdbError::key_schema_mismatch());
        }
        check_key_value(&k.name, v, is_range, false)?;
        Ok(v)
    };
    let hash = get(&meta.hash_key, false)?;
    let range = match &meta.range_key {
        Some(r) => Some(get(r, true)?),
        None => None,
    };
    Ok(storage_key(&meta.id, hash, range))
}

/// The key attributes of an item, as an item (for LastEvaluatedKey and Keys).
pub fn key_of(meta: &TableMeta, item: &Item) -> Item {
    let mut k = Item::new();
    for ka in std::iter::once(&meta.hash_key).chain(meta.range_key.as_ref()) {
        if let Some(v) = item.get(&ka.name) {
            k.insert(ka.name.clone(), v.clone());
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Number;

    fn enc(v: &AttrValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode_component(v, &mut out);
        out
    }

    #[test]
    fn string_encoding_orders_bytewise_and_is_prefix_free() {
        let sorted = ["", "a", "a\0", "a\0b", "ab", "b", "é"];
        let encs: Vec<Vec<u8>> = sorted
            .iter()
            .map(|s| enc(&AttrValue::S(s.to_string())))
            .collect();
        for w in encs.windows(2) {
            assert!(w[0] < w[1]);
            assert!(!w[1].starts_with(&w[0]));
        }
        let n = |s: &str| AttrValue::N(Number::parse(s).unwrap());
        assert!(enc(&n("-3")) < enc(&n("2")));
        assert_eq!(prefix_end(&[1, 2, 0xff]), vec![1, 3]);
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random number as the text `±d.dddE±x` and the oracle's view of it: zero, or sign,
    /// scientific exponent and significant digits.
    fn random_number(rng: &mut Rng) -> (String, Option<(bool, i32, Vec<u8>)>) {
        if rng.below(10) == 0 {
            return ("0".into(), None);
        }
        let neg = rng.below(2) == 0;
        let span = if rng.below(2) == 0 { 3 } else { 38 };
        let len = 1 + rng.below(span) as usize;
        let mut digits: Vec<u8> = (0..len).map(|_| rng.below(10) as u8).collect();
        digits[0] = 1 + rng.below(9) as u8;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        let sci = match rng.below(4) {
            0 => rng.below(256) as i32 - 130,
            1 => 125 - rng.below(3) as i32,
            2 => -130 + rng.below(3) as i32,
            _ => rng.below(7) as i32 - 3,
        };
        let text: String = digits.iter().map(|d| (b'0' + d) as char).collect();
        let (head, tail) = text.split_at(1);
        let s = format!("{}{head}.{tail}E{sci}", if neg { "-" } else { "" });
        (s, Some((neg, sci, digits)))
    }

    /// Numeric order from the oracle's view alone.
    fn oracle_cmp(
        a: &Option<(bool, i32, Vec<u8>)>,
        b: &Option<(bool, i32, Vec<u8>)>,
    ) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        let sign = |x: &Option<(bool, i32, Vec<u8>)>| match x {
            None => 0,
            Some((true, ..)) => -1,
            Some((false, ..)) => 1,
        };
        match sign(a).cmp(&sign(b)) {
            Equal => {}
            o => return o,
        }
        let (Some((neg, ea, da)), Some((_, eb, db))) = (a, b) else {
            return Equal;
        };
        let pad = |d: &Vec<u8>| {
            let mut d = d.clone();
            d.resize(40, 0);
            d
        };
        let mag = ea.cmp(eb).then_with(|| pad(da).cmp(&pad(db)));
        if *neg { mag.reverse() } else { mag }
    }

    fn random_bytes(rng: &mut Rng) -> Vec<u8> {
        let alphabet = [0x00, 0x01, b'a', b'b', 0xfe, 0xff];
        (0..rng.below(5))
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect()
    }

    fn random_string(rng: &mut Rng) -> String {
        let alphabet = [
            '\0',
            '\u{1}',
            'a',
            'b',
            '\u{7f}',
            'é',
            '\u{ffff}',
            '\u{10000}',
        ];
        (0..rng.below(5))
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn number_key_bytes_order_like_the_numbers() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let nums: Vec<_> = (0..3000)
            .map(|_| {
                let (text, oracle) = random_number(&mut rng);
                let n = Number::parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
                (n, oracle, text)
            })
            .collect();
        for pair in nums.windows(2) {
            let ((a, oa, ta), (b, ob, tb)) = (&pair[0], &pair[1]);
            let want = oracle_cmp(oa, ob);
            assert_eq!(
                enc(&AttrValue::N(a.clone())).cmp(&enc(&AttrValue::N(b.clone()))),
                want,
                "{ta} vs {tb}"
            );
            assert_eq!(a.cmp(b), want, "{ta} vs {tb}");
            // Composite keys: the number as a sort key after equal partition keys.
            let h = AttrValue::S("p".into());
            let ka = storage_key("t", &h, Some(&AttrValue::N(a.clone())));
            let kb = storage_key("t", &h, Some(&AttrValue::N(b.clone())));
            assert_eq!(ka.cmp(&kb), want, "{ta} vs {tb}");
        }
    }

    #[test]
    fn string_and_binary_key_bytes_order_like_their_bytes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5000 {
            let (a, b) = (random_bytes(&mut rng), random_bytes(&mut rng));
            let (ea, eb) = (enc(&AttrValue::B(a.clone())), enc(&AttrValue::B(b.clone())));
            assert_eq!(ea.cmp(&eb), a.cmp(&b), "{a:?} vs {b:?}");
            if a != b {
                assert!(
                    !ea.starts_with(&eb) && !eb.starts_with(&ea),
                    "{a:?} vs {b:?}"
                );
            }
            let (s, t) = (random_string(&mut rng), random_string(&mut rng));
            let (es, et) = (enc(&AttrValue::S(s.clone())), enc(&AttrValue::S(t.clone())));
            assert_eq!(
                es.cmp(&et),
                s.as_bytes().cmp(t.as_bytes()),
                "{s:?} vs {t:?}"
            );
            // (partition, sort) pairs order as tuples: the encoding is self-delimiting.
            let (r1, r2) = (random_bytes(&mut rng), random_bytes(&mut rng));
            let k1 = storage_key(
                "t",
                &AttrValue::S(s.clone()),
                Some(&AttrValue::B(r1.clone())),
            );
            let k2 = storage_key(
                "t",
                &AttrValue::S(t.clone()),
                Some(&AttrValue::B(r2.clone())),
            );
            assert_eq!(
                k1.cmp(&k2),
                (s.as_bytes(), &r1).cmp(&(t.as_bytes(), &r2)),
                "({s:?}, {r1:?}) vs ({t:?}, {r2:?})"
            );
            let p = partition_prefix("t", &AttrValue::S(s.clone()));
            assert!(k1.starts_with(&p) && k1 < prefix_end(&p));
            assert_eq!(k2.starts_with(&p), s == t);
        }
    }
}
