//! Tests of SigV4 verification: the AWS SigV4 test-suite vectors and the S3 documentation's
//! examples, verified as a server receives them, plus presigned parameters, malformed headers
//! and each service's canonical URI.

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SUITE_TIME: u64 = 1_440_938_160; // 20150830T123600Z

/// One vector of the AWS SigV4 test suite (credentials `AKIDEXAMPLE`, scope
/// `20150830/us-east-1/service`), verified as a server would receive it.
struct Vector {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    signature: &'static str,
}

const BASE: &[(&str, &str)] = &[
    ("host", "example.amazonaws.com"),
    ("x-amz-date", "20150830T123600Z"),
];

const SUITE: &[Vector] = &[
    Vector {
        name: "get-vanilla",
        method: "GET",
        path: "/",
        query: "",
        headers: BASE,
        body: "",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Vector {
        name: "get-vanilla-query-order-key-case",
        method: "GET",
        path: "/",
        query: "Param2=value2&Param1=value1",
        headers: BASE,
        body: "",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    Vector {
        name: "get-vanilla-empty-query-key",
        method: "GET",
        path: "/",
        query: "Param1=value1",
        headers: BASE,
        body: "",
        signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    },
    Vector {
        name: "get-utf8",
        method: "GET",
        path: "/ሴ",
        query: "",
        headers: BASE,
        body: "",
        signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    },
    Vector {
        name: "post-vanilla",
        method: "POST",
        path: "/",
        query: "",
        headers: BASE,
        body: "",
        signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    },
    Vector {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        path: "/",
        query: "",
        headers: &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body: "Param1=value1",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    },
];

fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    h
}

fn verify_vector(v: &Vector, secret: &str, now: u64) -> Result<(), SigError> {
    let names: Vec<&str> = v.headers.iter().map(|(k, _)| *k).collect();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={}, Signature={}",
        names.join(";"),
        v.signature
    );
    let mut headers = header_map(v.headers);
    headers.insert("authorization", auth.parse().unwrap());
    let query = query_pairs(v.query);
    let sig = parse(&headers, &query).unwrap()?;
    let canonicals: Vec<String> = canonical_uris(v.path, &sig.service)
        .iter()
        .map(|uri| {
            canonical_request(
                v.method,
                uri,
                &query,
                &headers,
                &sig,
                &sha256_hex(v.body.as_bytes()),
            )
        })
        .collect();
    check(&sig, &canonicals, secret, None, None, now)
}

#[test]
fn aws_test_suite() {
    for v in SUITE {
        assert_eq!(verify_vector(v, SECRET, SUITE_TIME), Ok(()), "{}", v.name);
        assert!(
            matches!(
                verify_vector(v, "wrong", SUITE_TIME),
                Err(SigError::Mismatch(_))
            ),
            "{}",
            v.name
        );
        let late = SUITE_TIME + MAX_SKEW_SECS + 1;
        assert_eq!(
            verify_vector(v, SECRET, late),
            Err(SigError::Skewed {
                request_time: "20150830T123600Z".into(),
                now: late
            }),
            "{}",
            v.name
        );
    }
}

/// The "GET object" example of the S3 SigV4 documentation.
#[test]
fn aws_documented_s3_example() {
    let mut headers = header_map(&[
        ("host", "examplebucket.s3.amazonaws.com"),
        ("range", "bytes=0-9"),
        ("x-amz-content-sha256", EMPTY),
        ("x-amz-date", "20130524T000000Z"),
    ]);
    headers.insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            .parse()
            .unwrap(),
    );
    let sig = parse(&headers, &[]).unwrap().unwrap();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let now = clock::amz_date_seconds("20130524T000000Z").unwrap();
    let canonical = |path: &str| {
        canonical_uris(path, "s3")
            .iter()
            .map(|u| canonical_request("GET", u, &[], &headers, &sig, EMPTY))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        check(&sig, &canonical("/test.txt"), secret, None, None, now),
        Ok(())
    );
    let Err(SigError::Mismatch(m)) = check(&sig, &canonical("/other.txt"), secret, None, None, now)
    else {
        panic!("a tampered path must not verify");
    };
    assert!(m.canonical_request.starts_with("GET\n/other.txt\n"));
    assert_eq!(
        check(
            &sig,
            &canonical("/test.txt"),
            secret,
            Some("tok"),
            None,
            now
        ),
        Err(SigError::BadToken { presented: false })
    );
}

/// The presigned-URL example of the same documentation.
#[test]
fn aws_documented_presigned_example() {
    let headers = header_map(&[("host", "examplebucket.s3.amazonaws.com")]);
    let raw = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    let query = query_pairs(raw);
    let sig = parse(&headers, &query).unwrap().unwrap();
    let canonical = vec![canonical_request(
        "GET",
        "/test.txt",
        &query,
        &headers,
        &sig,
        "UNSIGNED-PAYLOAD",
    )];
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let issued = clock::amz_date_seconds("20130524T000000Z").unwrap();
    assert_eq!(
        check(&sig, &canonical, secret, None, None, issued + 86_400),
        Ok(())
    );
    assert_eq!(
        check(&sig, &canonical, secret, None, None, issued + 86_401),
        Err(SigError::Expired {
            x_amz_expires: Some(86_400),
            expires_at: issued + 86_400,
            now: issued + 86_401
        })
    );
}

#[test]
fn presigned_parameters() {
    let base = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    let cases: &[(&str, Result<u64, &str>)] = &[
        ("&X-Amz-Expires=604800", Ok(604_800)),
        ("&X-Amz-Expires=0", Ok(0)),
        (
            "&X-Amz-Expires=604801",
            Err(
                "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
            ),
        ),
        (
            "&X-Amz-Expires=-1",
            Err("X-Amz-Expires must be non-negative"),
        ),
        (
            "&X-Amz-Expires=soon",
            Err("X-Amz-Expires should be a number"),
        ),
        ("", Err(QUERY_REQUIRED)),
    ];
    for (tail, want) in cases {
        let query = query_pairs(&format!("{base}{tail}"));
        let got = parse(&HeaderMap::new(), &query)
            .unwrap()
            .map(|s| s.expires.unwrap());
        let want = want.map_err(|m| SigError::BadQuery(m.to_string()));
        assert_eq!(got, want, "{tail}");
    }
    assert_eq!(parse(&HeaderMap::new(), &query_pairs("a=b")), None);
}

#[test]
fn malformed_headers() {
    let cases = [
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, Signature=ab",
            "Authorization header requires 'SignedHeaders' parameter. Authorization=Credential=AK/20260101/us-east-1/s3/aws4_request, Signature=ab",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101, SignedHeaders=host, Signature=ab",
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20251231/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
            "Invalid credential date. Date is not the same as X-Amz-Date.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/2026-01-01/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
            "incorrect date format \"2026-01-01\". This date in the credential must be in the format \"yyyyMMdd\".",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20261301/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
            "incorrect date format \"20261301\". This date in the credential must be in the format \"yyyyMMdd\".",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_reques, SignedHeaders=host, Signature=ab",
            "incorrect terminal \"aws4_reques\". This endpoint uses \"aws4_request\".",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ),
    ];
    for (auth, want) in cases {
        let h = header_map(&[("authorization", auth), ("x-amz-date", "20260101T000000Z")]);
        assert_eq!(
            parse(&h, &[]).unwrap(),
            Err(SigError::Malformed(want.into())),
            "{auth}"
        );
    }
    let h = header_map(&[("authorization", "AWS AK:sig")]);
    assert_eq!(parse(&h, &[]), None, "SigV2 is not SigV4");
}

#[test]
fn canonical_uri_per_service() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("/a%20b/c~d", "dynamodb", &["/a%2520b/c~d"]),
        (
            "/2015-03-31/functions/f%3A1/invocations",
            "lambda",
            &["/2015-03-31/functions/f%253A1/invocations"],
        ),
        ("/bucket/a%20b", "s3", &["/bucket/a%20b"]),
        (
            "/bucket/it's!",
            "s3",
            &["/bucket/it's!", "/bucket/it%27s%21"],
        ),
        ("", "s3", &["/"]),
    ];
    for (path, service, want) in cases {
        assert_eq!(canonical_uris(path, service), *want, "{path} {service}");
    }
    let cases = [
        ("a b/c~d", true, "a%20b/c~d"),
        ("a/b", false, "a%2Fb"),
        ("ü", true, "%C3%BC"),
    ];
    for (input, keep, want) in cases {
        assert_eq!(uri_encode(input, keep), want, "{input}");
    }
}

#[test]
fn payload_hashes() {
    for (h, ok) in [
        ("UNSIGNED-PAYLOAD", true),
        ("STREAMING-UNSIGNED-PAYLOAD-TRAILER", true),
        ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", true),
        (EMPTY, true),
        ("unsigned-payload", false),
        ("abc", false),
    ] {
        assert_eq!(valid_payload_hash(h), ok, "{h}");
    }
}

#[test]
fn header_dates() {
    let auth = "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab";
    let now = clock::amz_date_seconds("20260101T000000Z").unwrap();
    for (date, want) in [
        ("20260101T000000Z", Ok(())),
        (
            "20260101T001501Z",
            Err(SigError::Skewed {
                request_time: "20260101T001501Z".into(),
                now,
            }),
        ),
        (
            "20260101T000000",
            Err(SigError::InvalidDate {
                request_time: "20260101T000000".into(),
                now,
            }),
        ),
        (
            "2026-01-01T00:00:00Z",
            Err(SigError::InvalidDate {
                request_time: "2026-01-01T00:00:00Z".into(),
                now,
            }),
        ),
    ] {
        let h = header_map(&[("authorization", auth), ("x-amz-date", date)]);
        let sig = parse(&h, &[]).unwrap().unwrap();
        assert_eq!(check_time(&sig, now), want, "{date}");
    }
}

#[test]
fn presigned_credential_errors() {
    let raw = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F2026&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    assert_eq!(
        parse(&HeaderMap::new(), &query_pairs(raw)),
        Some(Err(SigError::BadQuery(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".into()
        )))
    );
}
