//! DynamoDB's number type: an exact decimal with up to 38 significant digits and a
//! magnitude between 1E-130 and 1E+125, kept as an `i128` mantissa and a power-of-ten
//! exponent, always normalized (no trailing zeros in the mantissa).
//!
//! It also provides the order-preserving byte encoding used for keys. It knows nothing of
//! attribute values or tables.

use std::cmp::Ordering;

/// Why a number literal was refused; the message is DynamoDB's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    Invalid,
    TooPrecise,
    Overflow,
    Underflow,
}

impl NumberError {
    pub fn message(&self) -> &'static str {
        match self {
            NumberError::Invalid => "A value provided cannot be converted into a number",
            NumberError::TooPrecise => {
                "Attempting to store more than 38 significant digits in a Number"
            }
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
        }
    }
}

/// An exact decimal: `mantissa × 10^exp`, normalized so that the mantissa has no trailing
/// zeros (zero is `0 × 10^0`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    mantissa: i128,
    exp: i32,
}

const MAX_DIGITS: usize = 38;

fn digit_count(m: u128) -> i32 {
    if m == 0 {
        return 1;
    }
    let mut n = 0;
    let mut v = m;
    while v > 0 {
        v /= 10;
        n += 1;
    }
    n
}

impl Number {
    pub fn zero() -> Number {
        Number {
            mantissa: 0,
            exp: 0,
        }
    }

    pub fn from_i64(v: i64) -> Number {
        Number::normalize(v as i128, 0).unwrap_or_else(|_| Number::zero())
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// Strips trailing zeros and checks DynamoDB's precision and range limits.
    fn normalize(mut mantissa: i128, mut exp: i32) -> Result<Number, NumberError> {
        if mantissa == 0 {
            return Ok(Number::zero());
        }
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exp += 1;
        }
        let digits = digit_count(mantissa.unsigned_abs());
        // The range is checked first: a sum past 9.99…E+125 is an overflow even when it
        // also has 39 digits.
        let sci = exp + digits - 1;
        if sci > 125 {
            return Err(NumberError::Overflow);
        }
        if sci < -130 {
            return Err(NumberError::Underflow);
        }
        if digits as usize > MAX_DIGITS {
            return Err(NumberError::TooPrecise);
        }
        Ok(Number { mantissa, exp })
    }

    /// The mantissa and power-of-ten exponent (the stored item format keeps these).
    pub fn parts(&self) -> (i128, i32) {
        (self.mantissa, self.exp)
    }

    /// The number `mantissa × 10^exp`, normalized and checked against DynamoDB's limits.
    pub fn from_parts(mantissa: i128, exp: i32) -> Result<Number, NumberError> {
        Number::normalize(mantissa, exp)
    }

    /// Parses a DynamoDB number literal (`-12.50`, `1e3`, `.5`, `+7`).
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if let Some(&c) = b.first()
            && (c == b'-' || c == b'+')
        {
            neg = c == b'-';
            i = 1;
        }
        let mut digits: Vec<u8> = Vec::new();
        let mut frac_digits: i64 = 0;
        let mut seen_digit = false;
        let mut seen_dot = false;
        while i < b.len() {
            match b[i] {
                c @ b'0'..=b'9' => {
                    seen_digit = true;
                    if !(digits.is_empty() && c == b'0') {
                        digits.push(c - b'0');
                    }
                    if seen_dot {
                        frac_digits += 1;
                    }
                }
                b'.' if !seen_dot => seen_dot = true,
                b'e' | b'E' => break,
                _ => return Err(NumberError::Invalid),
            }
            i += 1;
        }
        if !seen_digit {
            return Err(NumberError::Invalid);
        }
        let mut exp10: i64 = 0;
        if i < b.len() {
            // exponent part
            let rest = &s[i + 1..];
            let (eneg, edigits) = match rest.as_bytes().first() {
                Some(b'-') => (true, &rest[1..]),
                Some(b'+') => (false, &rest[1..]),
                _ => (false, rest),
            };
            if edigits.is_empty() || !edigits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(NumberError::Invalid);
            }
            let trimmed = edigits.trim_start_matches('0');
            if trimmed.len() > 6 {
                // Far outside the supported range either way.
                return Err(if eneg {
                    NumberError::Underflow
                } else {
                    NumberError::Overflow
                });
            }
            let v: i64 = trimmed.parse().unwrap_or(0);
            exp10 = if eneg { -v } else { v };
        }
        // Strip trailing zeros of the digit string.
        let mut exp = exp10 - frac_digits;
        while digits.last() == Some(&0) {
            digits.pop();
            exp += 1;
        }
        if digits.is_empty() {
            return Ok(Number::zero());
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooPrecise);
        }
        let sci = exp + digits.len() as i64 - 1;
        if sci > 125 {
            return Err(NumberError::Overflow);
        }
        if sci < -130 {
            return Err(NumberError::Underflow);
        }
        let mut m: i128 = 0;
        for d in digits {
            m = m * 10 + d as i128;
        }
        if neg {
            m = -m;
        }
        Number::normalize(m, exp as i32)
    }

    /// `self + other`, exactly, or DynamoDB's error when the result does not fit.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        let exp = self.exp.min(other.exp);
        let a = scale(self.mantissa, self.exp - exp).ok_or(NumberError::TooPrecise)?;
        let b = scale(other.mantissa, other.exp - exp).ok_or(NumberError::TooPrecise)?;
        // An i128 overflow means at least 39 digits: past the range if those digits reach
        // beyond 1E+125, else too precise.
        let too_big = if exp + 38 > 125 {
            NumberError::Overflow
        } else {
            NumberError::TooPrecise
        };
        let sum = a.checked_add(b).ok_or(too_big)?;
        Number::normalize(sum, exp)
    }

    pub fn negate(&self) -> Number {
        Number {
            mantissa: -self.mantissa,
            exp: self.exp,
        }
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.negate())
    }

    /// Appends the order-preserving, self-delimiting encoding of `self` to `out`: byte
    /// comparison of encodings equals numeric comparison of the numbers.
    pub fn encode_key(&self, out: &mut Vec<u8>) {
        if self.mantissa == 0 {
            out.push(0x80);
            return;
        }
        let digits = self.mantissa.unsigned_abs().to_string();
        let sci = self.exp + digits.len() as i32 - 1;
        let e = (sci + 1000) as u16;
        if self.mantissa > 0 {
            out.push(0x81);
            out.extend_from_slice(&e.to_be_bytes());
            out.extend_from_slice(digits.as_bytes());
            out.push(0x00);
        } else {
            out.push(0x7f);
            out.extend_from_slice(&(!e).to_be_bytes());
            out.extend(digits.bytes().map(|d| !d));
            out.push(0xff);
        }
    }

    /// Decodes an encoding written by [`Number::encode_key`], returning the number and
    /// the bytes consumed.
    pub fn decode_key(b: &[u8]) -> Option<(Number, usize)> {
        let tag = *b.first()?;
        if tag == 0x80 {
            return Some((Number::zero(), 1));
        }
        let neg = match tag {
            0x81 => false,
            0x7f => true,
            _ => return None,
        };
        let e = u16::from_be_bytes([*b.get(1)?, *b.get(2)?]);
        let e = if neg { !e } else { e };
        let sci = e as i32 - 1000;
        let mut m: i128 = 0;
        let mut n = 0;
        let mut i = 3;
        loop {
            let c = *b.get(i)?;
            let c = if neg { !c } else { c };
            i += 1;
            if c == 0 {
                break;
            }
            m = m
                .checked_mul(10)?
                .checked_add((c.checked_sub(b'0')?) as i128)?;
            n += 1;
        }
        let exp = sci - n + 1;
        Some((
            Number {
                mantissa: if neg { -m } else { m },
                exp,
            },
            i,
        ))
    }

    /// The bytes DynamoDB counts for this number: one per two significant digits (the
    /// digits are stored in base 100, aligned on the exponent's parity), one for the
    /// exponent, one more for a negative sign.
    pub fn size(&self) -> usize {
        if self.mantissa == 0 {
            return 1;
        }
        let digits = digit_count(self.mantissa.unsigned_abs());
        let sci = self.exp + digits - 1;
        let misaligned = digits % 2 == 0 && sci % 2 == 0;
        1 + (digits as usize).div_ceil(2) + usize::from(misaligned) + usize::from(self.mantissa < 0)
    }

    /// The value as an `f64` (for TTL timestamps and sizes; never for stored values).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }

    /// The value as an `i64` if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.exp < 0 {
            return None;
        }
        let v = scale(self.mantissa, self.exp)?;
        i64::try_from(v).ok()
    }
}

fn scale(m: i128, by: i32) -> Option<i128> {
    let mut v = m;
    for _ in 0..by {
        v = v.checked_mul(10)?;
    }
    Some(v)
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        self.encode_key(&mut a);
        other.encode_key(&mut b);
        a.cmp(&b)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Number {
    /// Plain decimal notation, as DynamoDB returns numbers (`100`, `0.005`, `-1.5`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.mantissa == 0 {
            return f.write_str("0");
        }
        let digits = self.mantissa.unsigned_abs().to_string();
        let mut s = String::new();
        if self.mantissa < 0 {
            s.push('-');
        }
        if self.exp >= 0 {
            s.push_str(&digits);
            for _ in 0..self.exp {
                s.push('0');
            }
        } else {
            let frac = (-self.exp) as usize;
            if digits.len() > frac {
                let (int, fr) = digits.split_at(digits.len() - frac);
                s.push_str(int);
                s.push('.');
                s.push_str(fr);
            } else {
                s.push_str("0.");
                for _ in 0..(frac - digits.len()) {
                    s.push('0');
                }
                s.push_str(&digits);
            }
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, want: Result<&str, NumberError>) {
        let got = Number::parse(input).map(|n| n.to_string());
        assert_eq!(got, want.map(|s| s.to_string()), "input {input:?}");
    }

    #[test]
    fn parse_and_render() {
        use NumberError::*;
        check("0", Ok("0"));
        check("-0", Ok("0"));
        check("0.000", Ok("0"));
        check("1", Ok("1"));
        check("+7", Ok("7"));
        check("1.50", Ok("1.5"));
        check("-12.50", Ok("-12.5"));
        check(".5", Ok("0.5"));
        check("5.", Ok("5"));
        check("1e3", Ok("1000"));
        check("1.5E-3", Ok("0.0015"));
        check("00012", Ok("12"));
        check(
            "123456789012345678901234567890.12345678",
            Ok("123456789012345678901234567890.12345678"),
        );
        check("1234567890123456789012345678901234567890", Err(TooPrecise));
        check(
            "12345678901234567890123456789012345678",
            Ok("12345678901234567890123456789012345678"),
        );
        check("1e125", Ok(&format!("1{}", "0".repeat(125))));
        check("1e126", Err(Overflow));
        check("1e-130", Ok(&format!("0.{}1", "0".repeat(129))));
        check("1e-131", Err(Underflow));
        check("1e99999999", Err(Overflow));
        check("abc", Err(Invalid));
        check("", Err(Invalid));
        check("-", Err(Invalid));
        check("1e", Err(Invalid));
        check("1.2.3", Err(Invalid));
        check(" 1", Err(Invalid));
        check("NaN", Err(Invalid));
        check("Infinity", Err(Invalid));
    }

    #[test]
    fn sizes() {
        for (n, size) in [
            ("0", 1),
            ("1", 2),
            ("-1", 3),
            ("10", 2),
            ("12", 2),
            ("123", 3),
            ("1.5", 3),
            ("0.15", 2),
            ("1234", 3),
            ("12345678901234567890123456789012345678", 20),
            ("-1e125", 3),
        ] {
            assert_eq!(Number::parse(n).unwrap().size(), size, "{n}");
        }
    }

    #[test]
    fn arithmetic() {
        let n = |s: &str| Number::parse(s).unwrap();
        let cases = [
            ("1", "2", "3"),
            ("0.1", "0.2", "0.3"),
            ("-5", "5", "0"),
            ("1e10", "1e-10", "10000000000.0000000001"),
            (
                "99999999999999999999999999999999999999",
                "-1",
                "99999999999999999999999999999999999998",
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(n(a).add(&n(b)).unwrap().to_string(), want, "{a} + {b}");
        }
        assert_eq!(
            n("99999999999999999999999999999999999999").add(&n("1e-5")),
            Err(NumberError::TooPrecise)
        );
        assert_eq!(n("10").sub(&n("2.5")).unwrap().to_string(), "7.5");
        let largest = n("9.9999999999999999999999999999999999999E+125");
        assert_eq!(largest.add(&largest), Err(NumberError::Overflow));
        assert_eq!(largest.negate().sub(&largest), Err(NumberError::Overflow));
        assert_eq!(n("1e125").add(&n("1e-130")), Err(NumberError::TooPrecise));
        assert_eq!(n("1e-130").sub(&n("1e-130")).unwrap().to_string(), "0");
    }

    #[test]
    fn key_encoding_orders_numerically() {
        let sorted = [
            "-1e125", "-1000", "-999.5", "-10", "-1.55", "-1.5", "-1", "-0.001", "-1e-130", "0",
            "1e-130", "0.001", "0.01", "1", "1.5", "1.55", "2", "10", "99", "100", "1e125",
        ];
        let nums: Vec<Number> = sorted.iter().map(|s| Number::parse(s).unwrap()).collect();
        for w in nums.windows(2) {
            assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
        }
        for n in &nums {
            let mut b = Vec::new();
            n.encode_key(&mut b);
            b.push(0x42);
            let (back, used) = Number::decode_key(&b).unwrap();
            assert_eq!(&back, n);
            assert_eq!(used, b.len() - 1);
        }
    }

    #[test]
    fn random_numbers_round_trip_through_text_and_key_bytes() {
        let mut x: u64 = 0x5851_f42d_4c95_7f2d;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..5000 {
            let len = 1 + next(38) as usize;
            let mut digits: String = (0..len).map(|_| (b'0' + next(10) as u8) as char).collect();
            digits.replace_range(0..1, &(1 + next(9)).to_string());
            let sci = next(256) as i64 - 130;
            let sign = if next(2) == 0 { "-" } else { "" };
            // The same value written four ways: scientific, with padding zeros, shifted
            // exponent, and plain decimal.
            let (head, tail) = digits.split_at(1);
            let forms = [
                format!("{sign}{head}.{tail}e{sci}"),
                format!(
                    "{sign}000{head}.{tail}000E{}{sci}",
                    if sci >= 0 { "+" } else { "" }
                ),
                format!("{sign}0.{digits}e{}", sci + 1),
                format!("{sign}{digits}E{}", sci - (len as i64 - 1)),
            ];
            let n = Number::parse(&forms[0]).unwrap_or_else(|e| panic!("{}: {e:?}", forms[0]));
            for f in &forms[1..] {
                assert_eq!(Number::parse(f).as_ref(), Ok(&n), "{f} vs {}", forms[0]);
            }
            let text = n.to_string();
            assert_eq!(Number::parse(&text).as_ref(), Ok(&n), "{text}");
            assert!(!text.contains('e') && !text.ends_with('.'), "{text}");
            if text.contains('.') {
                assert!(!text.ends_with('0'), "{text}");
            }
            let mut k = Vec::new();
            n.encode_key(&mut k);
            assert_eq!(Number::decode_key(&k), Some((n.clone(), k.len())), "{text}");
            // One more significant digit than 38 is refused; so is leaving the range.
            if len == 38 && !tail.ends_with('0') {
                assert_eq!(
                    Number::parse(&format!("{digits}1")),
                    Err(NumberError::TooPrecise)
                );
            }
        }
        check(
            "9.9999999999999999999999999999999999999E+125",
            Ok(&format!(
                "99999999999999999999999999999999999999{}",
                "0".repeat(88)
            )),
        );
        check("10E+125", Err(NumberError::Overflow));
        check("0.1E-129", Ok(&format!("0.{}1", "0".repeat(129))));
        check("0.01E-129", Err(NumberError::Underflow));
        check(
            &format!("1{}", "0".repeat(125)),
            Ok(&format!("1{}", "0".repeat(125))),
        );
        check(&format!("{}1", "0".repeat(200)), Ok("1"));
    }
}
