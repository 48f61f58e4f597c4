//! S3's additional checksums: CRC32, CRC32C, CRC64NVME (in `crc64`), SHA-1, SHA-256 and
//! SHA-512 (S3's MD5 and XXHASH ones are refused as unsupported where an algorithm is named:
//! `x-amz-sdk-checksum-algorithm`, `x-amz-trailer`, `x-amz-checksum-algorithm`; a bare
//! `x-amz-checksum-md5` header is ignored), sent as
//! `x-amz-checksum-{algorithm}` headers or `aws-chunked` trailers (named by `x-amz-trailer`),
//! with `x-amz-sdk-checksum-algorithm` saying which one the SDK computed. The request's
//! checksum headers are read into a [`Declared`] (with S3's messages for malformed ones); a
//! [`Hasher`] computes the value as the body streams; multipart uploads combine their
//! parts' values into a composite checksum (`base64(H(part1‖…‖partN))-N`). Pure.

use base64::Engine;
use http::HeaderMap;
use sha1::Digest;

use crate::error::S3Error;

/// One checksum algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Crc32,
        Algorithm::Crc32c,
        Algorithm::Crc64Nvme,
        Algorithm::Sha1,
        Algorithm::Sha256,
        Algorithm::Sha512,
    ];

    /// `CRC32C`, as in `x-amz-sdk-checksum-algorithm` and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// `crc32c`, as some of S3's messages name it.
    pub fn lowercase(self) -> &'static str {
        self.header().trim_start_matches("x-amz-checksum-")
    }

    /// `x-amz-checksum-crc32c`.
    pub fn header(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "x-amz-checksum-crc32",
            Algorithm::Crc32c => "x-amz-checksum-crc32c",
            Algorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Algorithm::Sha1 => "x-amz-checksum-sha1",
            Algorithm::Sha256 => "x-amz-checksum-sha256",
            Algorithm::Sha512 => "x-amz-checksum-sha512",
        }
    }

    /// The XML element of ListParts, CompleteMultipartUpload, … (`ChecksumCRC32C`).
    pub fn element(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "ChecksumCRC32",
            Algorithm::Crc32c => "ChecksumCRC32C",
            Algorithm::Crc64Nvme => "ChecksumCRC64NVME",
            Algorithm::Sha1 => "ChecksumSHA1",
            Algorithm::Sha256 => "ChecksumSHA256",
            Algorithm::Sha512 => "ChecksumSHA512",
        }
    }

    /// Parses a name case-insensitively (`crc32c`, `CRC32C`).
    pub fn parse(name: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn from_header(name: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.header().eq_ignore_ascii_case(name.trim()))
    }

    /// Length of the raw digest.
    pub fn len(self) -> usize {
        match self {
            Algorithm::Crc32 | Algorithm::Crc32c => 4,
            Algorithm::Crc64Nvme => 8,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    /// CRC64NVME objects are checksummed as a whole; the others default to composite
    /// checksums for multipart uploads.
    pub fn default_type(self) -> &'static str {
        match self {
            Algorithm::Crc64Nvme => "FULL_OBJECT",
            _ => "COMPOSITE",
        }
    }
}

/// Slicing-by-8 tables of a reflected 32-bit CRC: [`crc64::tables`] truncated.
const fn tables32(poly: u32) -> [[u32; 256]; 8] {
    let wide = crate::crc64::tables(poly as u64);
    let mut t = [[0u32; 256]; 8];
    let mut s = 0;
    while s < 8 {
        let mut i = 0;
        while i < 256 {
            t[s][i] = wide[s][i] as u32;
            i += 1;
        }
        s += 1;
    }
    t
}

/// CRC-32C (Castagnoli), reflected polynomial.
static CRC32C: [[u32; 256]; 8] = tables32(0x82F6_3B78);

/// Feeds `bytes` to the (pre-inverted) CRC-32 state `c`, eight bytes at a time.
fn crc32_update(t: &[[u32; 256]; 8], mut c: u32, bytes: &[u8]) -> u32 {
    let mut blocks = bytes.chunks_exact(8);
    for b in &mut blocks {
        let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        c = t[7][(lo & 0xFF) as usize]
            ^ t[6][((lo >> 8) & 0xFF) as usize]
            ^ t[5][((lo >> 16) & 0xFF) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xFF) as usize]
            ^ t[2][((hi >> 8) & 0xFF) as usize]
            ^ t[1][((hi >> 16) & 0xFF) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &b in blocks.remainder() {
        c = t[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c
}

/// Computes one algorithm's checksum incrementally.
pub enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64Nvme(u64),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    /// Boxed: its state is several times the others'.
    Sha512(Box<sha2::Sha512>),
}

impl Hasher {
    pub fn new(a: Algorithm) -> Hasher {
        match a {
            Algorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Hasher::Crc32c(!0),
            Algorithm::Crc64Nvme => Hasher::Crc64Nvme(!0),
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Box::default()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Crc32(h) => h.update(bytes),
            Hasher::Crc32c(c) => *c = crc32_update(&CRC32C, *c, bytes),
            Hasher::Crc64Nvme(c) => *c = crate::crc64::update(*c, bytes),
            Hasher::Sha1(h) => h.update(bytes),
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            Hasher::Crc32(_) => Algorithm::Crc32,
            Hasher::Crc32c(_) => Algorithm::Crc32c,
            Hasher::Crc64Nvme(_) => Algorithm::Crc64Nvme,
            Hasher::Sha1(_) => Algorithm::Sha1,
            Hasher::Sha256(_) => Algorithm::Sha256,
            Hasher::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// The raw digest (big-endian for the CRCs, as S3 encodes them).
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc32c(c) => (!c).to_be_bytes().to_vec(),
            Hasher::Crc64Nvme(c) => (!c).to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The base64 checksum of `bytes`.
#[cfg(test)]
pub fn of(a: Algorithm, bytes: &[u8]) -> String {
    let mut h = Hasher::new(a);
    h.update(bytes);
    b64(&h.finish())
}

/// The stored headers of a full-object checksum: `x-amz-checksum-{algorithm}` and
/// `x-amz-checksum-type`.
pub fn full_object_headers(a: Algorithm, value: String) -> [(String, String); 2] {
    [
        (a.header().to_string(), value),
        ("x-amz-checksum-type".to_string(), "FULL_OBJECT".to_string()),
    ]
}

/// The checksum stored with an object (among its headers): algorithm, base64 value (with
/// `-N` for a composite one) and type.
pub fn stored(headers: &[(String, String)]) -> Option<(Algorithm, &str, &str)> {
    let (a, value) = headers
        .iter()
        .find_map(|(k, v)| Algorithm::from_header(k).map(|a| (a, v.as_str())))?;
    let kind = headers
        .iter()
        .find(|(k, _)| k == "x-amz-checksum-type")
        .map(|(_, v)| v.as_str())
        .unwrap_or(if value.contains('-') {
            "COMPOSITE"
        } else {
            "FULL_OBJECT"
        });
    Some((a, value, kind))
}

/// Decodes a base64 checksum value, or `None` when it is not one of `a`'s length.
pub fn decode(a: Algorithm, value: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()
        .filter(|d| d.len() == a.len())
}

/// The composite checksum of a multipart upload: the checksum of the parts' raw checksums,
/// with the part count (`…-3`). `None` when a part's value does not decode.
pub fn composite(a: Algorithm, parts: &[&str]) -> Option<String> {
    let mut h = Hasher::new(a);
    for p in parts {
        h.update(&decode(a, p)?);
    }
    Some(format!("{}-{}", b64(&h.finish()), parts.len()))
}

/// Whether a composite checksum `given` by a client (`…-N`, or without the part count) is
/// `ours` (`…-N`).
pub fn same_composite(ours: Option<&str>, given: &str) -> bool {
    let Some(ours) = ours else {
        return false;
    };
    let given = given.trim();
    given == ours
        || ours
            .rsplit_once('-')
            .is_some_and(|(value, _)| value == given)
}

/// The full-object checksum of parts joined in order, from each part's own (base64) CRC and
/// size, without reading a byte: `None` for the SHAs (which S3 never combines this way) or
/// when a value is not one of `a`'s.
pub fn combine_full(a: Algorithm, parts: &[(&str, u64)]) -> Option<String> {
    let (poly, width) = match a {
        Algorithm::Crc32 => (0xEDB8_8320, 32),
        Algorithm::Crc32c => (0x82F6_3B78, 32),
        Algorithm::Crc64Nvme => (0x9A6C_9329_AC4B_C9B5, 64),
        Algorithm::Sha1 | Algorithm::Sha256 | Algorithm::Sha512 => return None,
    };
    let mut crc = 0u64; // The CRC of no bytes, for all three.
    for (value, len) in parts {
        let raw = decode(a, value)?;
        let part = raw.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        crc = crc_combine(poly, width, crc, part, *len);
    }
    let bytes = crc.to_be_bytes();
    Some(b64(&bytes[8 - width / 8..]))
}

/// zlib's `crc32_combine` for any reflected CRC of `width` bits with all-ones initial value
/// and final xor: the CRC of `A || B` from `crc(A)`, `crc(B)` and `len(B)`, in O(log len)
/// by applying the "append len(B) zero bytes" operator, a GF(2) matrix squared repeatedly.
fn crc_combine(poly: u64, width: usize, crc1: u64, crc2: u64, len2: u64) -> u64 {
    fn times(mat: &[u64; 64], mut vec: u64) -> u64 {
        let mut sum = 0;
        let mut i = 0;
        while vec != 0 {
            if vec & 1 != 0 {
                sum ^= mat[i];
            }
            vec >>= 1;
            i += 1;
        }
        sum
    }
    fn square(out: &mut [u64; 64], mat: &[u64; 64], width: usize) {
        for n in 0..width {
            out[n] = times(mat, mat[n]);
        }
    }
    if len2 == 0 {
        return crc1;
    }
    let mut odd = [0u64; 64];
    let mut even = [0u64; 64];
    // The operator for one zero bit.
    odd[0] = poly;
    for (n, row) in odd.iter_mut().enumerate().take(width).skip(1) {
        *row = 1 << (n - 1);
    }
    square(&mut even, &odd, width); // two zero bits
    square(&mut odd, &even, width); // four zero bits
    let (mut crc1, mut len2) = (crc1, len2);
    loop {
        square(&mut even, &odd, width);
        if len2 & 1 != 0 {
            crc1 = times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        square(&mut odd, &even, width);
        if len2 & 1 != 0 {
            crc1 = times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

/// What a request says about its checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub algorithm: Algorithm,
    /// The value from its header; `None` when it comes as a trailer.
    pub value: Option<String>,
}

fn invalid(m: impl Into<String>) -> S3Error {
    S3Error::InvalidRequest(m.into())
}

/// Reads the checksum a request declares, refusing what S3 refuses: several checksum
/// headers, a malformed value, an unknown algorithm, an SDK algorithm with no value.
pub fn declared(h: &HeaderMap) -> Result<Option<Declared>, S3Error> {
    let hv = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    let given: Vec<Algorithm> = Algorithm::ALL
        .into_iter()
        .filter(|a| h.contains_key(a.header()))
        .collect();
    if given.len() > 1 {
        return Err(invalid(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ));
    }
    let sdk = match hv("x-amz-sdk-checksum-algorithm") {
        Some(name) => Some(Algorithm::parse(name).ok_or_else(unsupported_algorithm)?),
        None => None,
    };
    // The SDK's algorithm must be the one whose value (or trailer) comes.
    let sdk_differs = |a: Algorithm| match sdk {
        Some(s) if s != a => Err(invalid(
            "Value for x-amz-sdk-checksum-algorithm header is invalid.",
        )),
        _ => Ok(()),
    };
    if let Some(&a) = given.first() {
        sdk_differs(a)?;
        let value = hv(a.header()).unwrap_or("");
        if decode(a, value).is_none() {
            return Err(invalid(format!(
                "Value for {} header is invalid.",
                a.header()
            )));
        }
        return Ok(Some(Declared {
            algorithm: a,
            value: Some(value.trim().to_string()),
        }));
    }
    if let Some(trailer) = hv("x-amz-trailer") {
        let a = Algorithm::from_header(trailer).ok_or_else(|| {
            invalid("The value specified in the x-amz-trailer header is not supported".to_string())
        })?;
        sdk_differs(a)?;
        return Ok(Some(Declared {
            algorithm: a,
            value: None,
        }));
    }
    if sdk.is_some() {
        return Err(invalid(
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or \
             x-amz-trailer headers were found.",
        ));
    }
    Ok(None)
}

/// Checks a trailer-declared value once the body's trailers are known: the trailer
/// `x-amz-trailer` named must have come (else `MalformedTrailerError`), with a value of the
/// algorithm's length.
pub fn trailer_value(d: &Declared, trailers: &[(String, String)]) -> Result<String, S3Error> {
    if let Some(v) = &d.value {
        return Ok(v.clone());
    }
    let header = d.algorithm.header();
    let v = trailers
        .iter()
        .find(|(k, _)| k == header)
        .map(|(_, v)| v.as_str())
        .ok_or(S3Error::MalformedTrailer)?;
    if decode(d.algorithm, v).is_none() {
        return Err(invalid(format!(
            "Value for {header} trailing header is invalid."
        )));
    }
    Ok(v.trim().to_string())
}

/// Refuses a checksum trailer of another algorithm than the one declared (by `x-amz-trailer`,
/// or by a header), or one when none was: S3 answers `MalformedTrailerError`.
pub fn check_trailer_names(
    d: Option<&Declared>,
    trailers: &[(String, String)],
) -> Result<(), S3Error> {
    let declared = d.map(|d| d.algorithm.header());
    match trailers
        .iter()
        .any(|(k, _)| k.starts_with("x-amz-checksum-") && Some(k.as_str()) != declared)
    {
        true => Err(S3Error::MalformedTrailer),
        false => Ok(()),
    }
}

/// UploadPart's checksum against its upload's: one of another algorithm is refused, and so
/// is none at all for a `COMPOSITE` upload, whose parts S3 needs the client's checksums of
/// (a `FULL_OBJECT` upload's parts get theirs computed).
pub fn check_part_algorithm(
    upload: Option<Algorithm>,
    kind: Option<&str>,
    part: Option<&Declared>,
) -> Result<(), S3Error> {
    let Some(want) = upload else {
        return Ok(());
    };
    let got = match part {
        Some(d) if d.algorithm == want => return Ok(()),
        None if kind != Some("COMPOSITE") => return Ok(()),
        Some(d) => d.algorithm.lowercase(),
        None => "null",
    };
    Err(invalid(format!(
        "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {got}",
        want.lowercase()
    )))
}

fn unsupported_algorithm() -> S3Error {
    invalid(
        "Checksum algorithm provided is unsupported. Please try again with any of the valid \
         types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
    )
}

/// The `x-amz-checksum-algorithm` of a request (CopyObject: the checksum the copy gets).
pub fn requested_algorithm(h: &HeaderMap) -> Result<Option<Algorithm>, S3Error> {
    match h.get("x-amz-checksum-algorithm") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(Algorithm::parse)
            .map(Some)
            .ok_or_else(unsupported_algorithm),
    }
}

/// CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`: the
/// algorithm and `COMPOSITE`/`FULL_OBJECT` (SHA digests cannot be combined whole, CRC64NVME
/// only is).
pub fn upload_spec(h: &HeaderMap) -> Result<Option<(Algorithm, &'static str)>, S3Error> {
    let hv = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    let Some(name) = hv("x-amz-checksum-algorithm") else {
        return match hv("x-amz-checksum-type") {
            Some(_) => Err(invalid(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
            )),
            None => Ok(None),
        };
    };
    let a = Algorithm::parse(name).ok_or_else(unsupported_algorithm)?;
    let kind = match hv("x-amz-checksum-type")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None => a.default_type(),
        Some("COMPOSITE") if a != Algorithm::Crc64Nvme => "COMPOSITE",
        Some("FULL_OBJECT")
            if matches!(
                a,
                Algorithm::Crc32 | Algorithm::Crc32c | Algorithm::Crc64Nvme
            ) =>
        {
            "FULL_OBJECT"
        }
        Some(t @ ("COMPOSITE" | "FULL_OBJECT")) => {
            return Err(invalid(format!(
                "The {t} checksum type cannot be used with the {} checksum algorithm.",
                a.lowercase()
            )));
        }
        Some(_) => {
            return Err(invalid("Value for x-amz-checksum-type header is invalid."));
        }
    };
    Ok(Some((a, kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        let check = "123456789".as_bytes();
        let cases: &[(Algorithm, &[u8], &str)] = &[
            (Algorithm::Crc32, check, "cbf43926"),
            (Algorithm::Crc32c, check, "e3069283"),
            (Algorithm::Crc64Nvme, check, "ae8b14860a799888"),
            (Algorithm::Crc32c, b"", "00000000"),
            (Algorithm::Crc64Nvme, b"", "0000000000000000"),
            (
                Algorithm::Sha1,
                b"hello world",
                "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
            ),
            (
                Algorithm::Sha256,
                b"hello world",
                "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            ),
            (Algorithm::Crc32, b"hello world", "0d4a1185"),
            (
                Algorithm::Sha512,
                b"hello world",
                "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f\
                 989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
            ),
        ];
        for (a, input, want) in cases {
            // Fed in two pieces, to exercise the incremental state.
            let mut h = Hasher::new(*a);
            let (x, y) = input.split_at(input.len() / 2);
            h.update(x);
            h.update(y);
            assert_eq!(cloudlet_core::ids::hex(&h.finish()), *want, "{a:?}");
        }
        assert_eq!(of(Algorithm::Crc32, b"hello world"), "DUoRhQ==");
    }

    /// The bytewise reference the sliced tables must agree with.
    fn bytewise(a: Algorithm, bytes: &[u8]) -> Vec<u8> {
        match a {
            Algorithm::Crc32c => {
                let mut c = !0u32;
                for &b in bytes {
                    c = CRC32C[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
                }
                (!c).to_be_bytes().to_vec()
            }
            _ => {
                let mut c = !0u64;
                for &b in bytes {
                    c = crate::crc64::TABLE[0][((c ^ u64::from(b)) & 0xFF) as usize] ^ (c >> 8);
                }
                (!c).to_be_bytes().to_vec()
            }
        }
    }

    #[test]
    fn sliced_crcs_match_bytewise_at_every_length_and_split() {
        let data: Vec<u8> = (0..300u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for a in [Algorithm::Crc32c, Algorithm::Crc64Nvme] {
            for len in 0..data.len() {
                let want = bytewise(a, &data[..len]);
                for split in [0, 1, 3, 7, 8, 9, len / 2, len] {
                    let split = split.min(len);
                    let mut h = Hasher::new(a);
                    h.update(&data[..split]);
                    h.update(&data[split..len]);
                    assert_eq!(h.finish(), want, "{a:?} len {len} split {split}");
                }
            }
        }
    }

    #[test]
    fn known_vectors_of_longer_inputs() {
        // CRC-32C of 32 zero bytes and of the bytes 0..=31 (RFC 3720, B.4).
        let zeros = [0u8; 32];
        let ramp: Vec<u8> = (0..32).collect();
        let cases: &[(Algorithm, &[u8], &str)] = &[
            (Algorithm::Crc32c, &zeros, "8a9136aa"),
            (Algorithm::Crc32c, &ramp, "46dd794e"),
        ];
        for (a, input, want) in cases {
            let mut h = Hasher::new(*a);
            h.update(input);
            assert_eq!(cloudlet_core::ids::hex(&h.finish()), *want, "{a:?}");
        }
    }

    #[test]
    fn full_object_checksums_combine_from_parts() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
        let splits: &[&[usize]] = &[&[], &[1], &[7, 8], &[0, 0, 10], &[4096], &[1, 2, 3, 4999]];
        for a in [Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Crc64Nvme] {
            for cuts in splits {
                let mut bounds = vec![0];
                bounds.extend(cuts.iter().copied());
                bounds.push(data.len());
                let parts: Vec<(String, u64)> = bounds
                    .windows(2)
                    .map(|w| (of(a, &data[w[0]..w[1]]), (w[1] - w[0]) as u64))
                    .collect();
                let refs: Vec<(&str, u64)> = parts.iter().map(|(v, n)| (v.as_str(), *n)).collect();
                assert_eq!(combine_full(a, &refs), Some(of(a, &data)), "{a:?} {cuts:?}");
            }
        }
        assert_eq!(combine_full(Algorithm::Sha256, &[]), None);
        assert_eq!(combine_full(Algorithm::Crc32, &[("nope", 1)]), None);
    }

    #[test]
    fn upload_specs() {
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<Option<(Algorithm, &'a str)>, &'a str>,
        );
        let cases: &[Case] = &[
            (&[], Ok(None)),
            (
                &[("x-amz-checksum-algorithm", "crc32c")],
                Ok(Some((Algorithm::Crc32c, "COMPOSITE"))),
            ),
            (
                &[("x-amz-checksum-algorithm", "CRC64NVME")],
                Ok(Some((Algorithm::Crc64Nvme, "FULL_OBJECT"))),
            ),
            (
                &[
                    ("x-amz-checksum-algorithm", "CRC32"),
                    ("x-amz-checksum-type", "FULL_OBJECT"),
                ],
                Ok(Some((Algorithm::Crc32, "FULL_OBJECT"))),
            ),
            (
                &[
                    ("x-amz-checksum-algorithm", "SHA1"),
                    ("x-amz-checksum-type", "FULL_OBJECT"),
                ],
                Err(
                    "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.",
                ),
            ),
            (
                &[
                    ("x-amz-checksum-algorithm", "CRC64NVME"),
                    ("x-amz-checksum-type", "COMPOSITE"),
                ],
                Err(
                    "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
                ),
            ),
            (
                &[("x-amz-checksum-algorithm", "MD5")],
                Err(
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                ),
            ),
        ];
        for (hs, want) in cases {
            let got = upload_spec(&headers(hs)).map_err(|e| match e {
                S3Error::InvalidRequest(m) => m,
                other => format!("{other:?}"),
            });
            assert_eq!(got, want.map_err(str::to_string), "{hs:?}");
        }
    }

    #[test]
    fn composites_compared() {
        let cases: &[(Option<&str>, &str, bool)] = &[
            (Some("abc=-2"), "abc=-2", true),
            (Some("abc=-2"), " abc=-2 ", true),
            (Some("abc=-2"), "abc=", true),
            (Some("abc=-2"), "abc=-3", false),
            (Some("abc=-2"), "abd=", false),
            (Some("abc=-2"), "", false),
            (None, "abc=", false),
        ];
        for (ours, given, want) in cases {
            assert_eq!(same_composite(*ours, given), *want, "{ours:?} {given}");
        }
    }

    #[test]
    fn composites() {
        let p1 = of(Algorithm::Crc32, b"a");
        let p2 = of(Algorithm::Crc32, b"b");
        let mut raw = decode(Algorithm::Crc32, &p1).unwrap();
        raw.extend(decode(Algorithm::Crc32, &p2).unwrap());
        let want = format!("{}-2", of(Algorithm::Crc32, &raw));
        assert_eq!(composite(Algorithm::Crc32, &[&p1, &p2]), Some(want));
        assert_eq!(composite(Algorithm::Crc32, &["nope"]), None);
    }

    use crate::test_headers as headers;

    #[test]
    fn declarations() {
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<Option<(Algorithm, Option<&'a str>)>, &'a str>,
        );
        let cases: &[Case] = &[
            (&[], Ok(None)),
            (
                &[("x-amz-checksum-crc32c", "yZRlqg==")],
                Ok(Some((Algorithm::Crc32c, Some("yZRlqg==")))),
            ),
            (
                &[("x-amz-checksum-crc32c", "abc")],
                Err("Value for x-amz-checksum-crc32c header is invalid."),
            ),
            (
                &[("x-amz-checksum-sha256", "DUoRhQ==")],
                Err("Value for x-amz-checksum-sha256 header is invalid."),
            ),
            (
                &[
                    ("x-amz-checksum-crc32", "DUoRhQ=="),
                    ("x-amz-checksum-crc32c", "DUoRhQ=="),
                ],
                Err(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
                ),
            ),
            (
                &[
                    ("x-amz-trailer", "x-amz-checksum-crc64nvme"),
                    ("x-amz-sdk-checksum-algorithm", "CRC64NVME"),
                ],
                Ok(Some((Algorithm::Crc64Nvme, None))),
            ),
            (
                &[("x-amz-sdk-checksum-algorithm", "CRC32")],
                Err(
                    "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
                ),
            ),
            (
                &[
                    ("x-amz-sdk-checksum-algorithm", "crc32"),
                    ("x-amz-checksum-crc32", "DUoRhQ=="),
                ],
                Ok(Some((Algorithm::Crc32, Some("DUoRhQ==")))),
            ),
            (
                &[
                    ("x-amz-sdk-checksum-algorithm", "CRC32"),
                    ("x-amz-checksum-crc32c", "yZRlqg=="),
                ],
                Err("Value for x-amz-sdk-checksum-algorithm header is invalid."),
            ),
            (
                &[
                    ("x-amz-trailer", "x-amz-checksum-sha256"),
                    ("x-amz-sdk-checksum-algorithm", "SHA1"),
                ],
                Err("Value for x-amz-sdk-checksum-algorithm header is invalid."),
            ),
            (
                &[
                    ("x-amz-sdk-checksum-algorithm", "MD4"),
                    ("x-amz-checksum-crc32", "DUoRhQ=="),
                ],
                Err(
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                ),
            ),
        ];
        for (hs, want) in cases {
            let got = declared(&headers(hs)).map_err(|e| match e {
                S3Error::InvalidRequest(m) => m,
                other => format!("{other:?}"),
            });
            let want = want
                .map(|o| {
                    o.map(|(a, v)| Declared {
                        algorithm: a,
                        value: v.map(str::to_string),
                    })
                })
                .map_err(str::to_string);
            assert_eq!(got, want, "{hs:?}");
        }
        let d = Declared {
            algorithm: Algorithm::Crc32,
            value: None,
        };
        let trailers = vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())];
        assert_eq!(trailer_value(&d, &trailers).unwrap(), "DUoRhQ==");
        assert!(matches!(
            trailer_value(&d, &[]),
            Err(S3Error::MalformedTrailer)
        ));
    }

    #[test]
    fn trailer_names() {
        let crc32 = Declared {
            algorithm: Algorithm::Crc32,
            value: None,
        };
        // (declared, the one trailer sent, accepted)
        let cases: &[(Option<&Declared>, Option<&str>, bool)] = &[
            (None, None, true),
            (None, Some("x-amz-trailer-signature"), true),
            (None, Some("x-amz-checksum-crc32"), false),
            (Some(&crc32), Some("x-amz-checksum-crc32"), true),
            (Some(&crc32), Some("x-amz-checksum-crc32c"), false),
            (Some(&crc32), Some("x-amz-checksum-xxhash64"), false),
        ];
        for (d, trailer, ok) in cases {
            let trailers: Vec<(String, String)> = trailer
                .iter()
                .map(|k| (k.to_string(), "DUoRhQ==".to_string()))
                .collect();
            let got = check_trailer_names(*d, &trailers).is_ok();
            assert_eq!(got, *ok, "{d:?} {trailer:?}");
        }
    }

    #[test]
    fn part_algorithms() {
        let d = |a| Declared {
            algorithm: a,
            value: None,
        };
        let (crc32, sha1) = (d(Algorithm::Crc32), d(Algorithm::Sha1));
        type Case<'a> = (
            Option<Algorithm>,
            Option<&'a str>,
            Option<&'a Declared>,
            Result<(), &'a str>,
        );
        let mismatch = "Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: ";
        let sha1_msg = format!("{mismatch}sha1");
        let null_msg = format!("{mismatch}null");
        let cases: &[Case] = &[
            (None, None, None, Ok(())),
            (None, None, Some(&sha1), Ok(())),
            (
                Some(Algorithm::Crc32),
                Some("COMPOSITE"),
                Some(&crc32),
                Ok(()),
            ),
            (Some(Algorithm::Crc32), Some("FULL_OBJECT"), None, Ok(())),
            (
                Some(Algorithm::Crc32),
                Some("COMPOSITE"),
                Some(&sha1),
                Err(&sha1_msg),
            ),
            (
                Some(Algorithm::Crc32),
                Some("FULL_OBJECT"),
                Some(&sha1),
                Err(&sha1_msg),
            ),
            (
                Some(Algorithm::Crc32),
                Some("COMPOSITE"),
                None,
                Err(&null_msg),
            ),
        ];
        for (upload, kind, part, want) in cases {
            let got = check_part_algorithm(*upload, *kind, *part).map_err(|e| match e {
                S3Error::InvalidRequest(m) => m,
                other => format!("{other:?}"),
            });
            assert_eq!(
                got,
                want.map_err(str::to_string),
                "{upload:?} {kind:?} {part:?}"
            );
        }
    }
}
