"""The S3 website endpoint and PutBucketWebsite's checks, as S3 answers them: the
configuration errors (codes, messages, ArgumentName/Value), the endpoint's redirects (the
302 page that adds a slash, routing rules, object and error-document redirects), the error
headers S3 adds to its HTML pages, requester-pays buckets, and conditional and ranged GETs."""

import http.client
import json

import pytest
from botocore.exceptions import ClientError



@pytest.fixture
def site(s3, bucket):
    """A public bucket (GetObject and ListBucket for everyone) with index.html as its index."""
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    return bucket


def web(server, bucket, path="/", method="GET", headers=None):
    """A request to the bucket's website endpoint; returns (status, lowercase headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    h = {"Host": f"{bucket}.s3-website.localhost:{server.port}", **(headers or {})}
    conn.request(method, path, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    web.reason = r.reason
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def refusal(excinfo):
    e = excinfo.value.response
    err = e["Error"]
    return (e["ResponseMetadata"]["HTTPStatusCode"], err["Code"], err.get("Message"),
            err.get("ArgumentName"), err.get("ArgumentValue"))


INDEX = {"IndexDocument": {"Suffix": "index.html"}}
PROTOCOL = ("Invalid protocol, protocol can be http or https. If not defined the protocol will be "
            "selected automatically.")
MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


def rules(*rs):
    return {**INDEX, "RoutingRules": list(rs)}


# (configuration, (status, code, message, ArgumentName, ArgumentValue))
REFUSED = [
    ({"IndexDocument": {"Suffix": "/index.html"}},
     (400, "InvalidArgument", "The IndexDocument Suffix is not well formed", "IndexDocument", "/index.html")),
    ({"IndexDocument": {"Suffix": "a/b.html"}},
     (400, "InvalidArgument", "The IndexDocument Suffix is not well formed", "IndexDocument", "a/b.html")),
    # RedirectAllRequestsTo beside anything else is refused before the suffix is looked at.
    ({"RedirectAllRequestsTo": {"HostName": "example.com"}, "IndexDocument": {"Suffix": "/index.html"}},
     (400, "InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
      "RedirectAllRequestsTo", "not null")),
    ({"ErrorDocument": {"Key": "/index.html"}},
     (400, "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
      "IndexDocument", "null")),
    (rules({"Redirect": {"Protocol": "ftp"}}), (400, "InvalidRequest", PROTOCOL, None, None)),
    ({"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "ftp"}},
     (400, "InvalidRequest", PROTOCOL, None, None)),
    (rules({"Redirect": {"ReplaceKeyPrefixWith": "prefix", "ReplaceKeyWith": "key-name"}}),
     (400, "InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both.", None, None)),
    (rules({"Condition": {}, "Redirect": {"ReplaceKeyPrefixWith": "prefix"}}),
     (400, "InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the "
      "condition element shouldn't be present.", None, None)),
    ({**INDEX, "RoutingRules": []}, (400, "MalformedXML", MALFORMED, None, None)),
    ({**INDEX, "RoutingRules": [{"Redirect": {"HostName": f"h{i}.example.com"}} for i in range(51)]},
     (400, "InvalidRequest", "51 routing rules provided, the number of routing rules in a website configuration "
      "is limited to 50.", None, None)),
    (rules({"Redirect": {"HttpRedirectCode": "300"}}),
     (400, "InvalidRequest", "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.",
      None, None)),
    (rules({"Redirect": {"HttpRedirectCode": "314"}}),
     (400, "InvalidRequest", "The provided HTTP redirect code (314) is not valid. Valid codes are 3XX except 300.",
      None, None)),
    (rules({"Redirect": {"HttpRedirectCode": "404"}}),
     (400, "InvalidRequest", "The provided HTTP redirect code (404) is not valid. Valid codes are 3XX except 300.",
      None, None)),
    (rules({"Redirect": {"HttpRedirectCode": "moved"}}), (400, "MalformedXML", MALFORMED, None, None)),
    (rules({"Condition": {"HttpErrorCodeReturnedEquals": "200"}, "Redirect": {"HostName": "example.com"}}),
     (400, "InvalidRequest", "The provided HTTP error code (200) is not valid. Valid codes are 4XX or 5XX.",
      None, None)),
    (rules({"Condition": {"HttpErrorCodeReturnedEquals": "600"}, "Redirect": {"HostName": "example.com"}}),
     (400, "InvalidRequest", "The provided HTTP error code (600) is not valid. Valid codes are 4XX or 5XX.",
      None, None)),
    (rules({"Condition": {"HttpErrorCodeReturnedEquals": "missing"}, "Redirect": {"HostName": "example.com"}}),
     (400, "MalformedXML", MALFORMED, None, None)),
]


@pytest.mark.parametrize("config,expected", REFUSED)
def test_put_bucket_website_refusals_leave_the_configuration_alone(s3, bucket, config, expected):
    kept = {**INDEX, "ErrorDocument": {"Key": "kept.html"}}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=kept)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    assert refusal(e) == expected
    got = s3.get_bucket_website(Bucket=bucket)
    assert (got["IndexDocument"], got["ErrorDocument"], got.get("RoutingRules")) == (
        {"Suffix": "index.html"}, {"Key": "kept.html"}, None)


def test_accepted_routing_rule_values_round_trip(s3, bucket):
    """Every 3XX but 300 and the unassigned 306, any 4XX/5XX condition, an empty prefix."""
    codes = ["301", "302", "303", "304", "305", "307", "308"]
    config = rules(*[{"Condition": {"KeyPrefixEquals": f"c{c}/"}, "Redirect": {"HttpRedirectCode": c}} for c in codes],
                   {"Condition": {"HttpErrorCodeReturnedEquals": "403"}, "Redirect": {"ReplaceKeyWith": "x"}},
                   {"Condition": {"HttpErrorCodeReturnedEquals": "503"}, "Redirect": {"Protocol": "https"}},
                   {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": ""}})
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=bucket)["RoutingRules"]
    assert [r["Redirect"].get("HttpRedirectCode") for r in got[:7]] == codes
    assert got[-1] == {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": ""}}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=rules({"Redirect": {"HttpRedirectCode": "306"}}))
    assert refusal(e)[1] == "InvalidRequest"


# --- the endpoint ---------------------------------------------------------------------------

def test_a_folder_without_its_slash_gets_s3s_302_page(server, s3, site):
    s3.put_object(Bucket=site, Key="docs/index.html", Body=b"docs", ContentType="text/html")
    status, h, body = web(server, site, "/docs")
    assert (status, web.reason, h["location"]) == (302, "Moved Temporarily", "/docs/")
    assert h["x-amz-error-code"] == "Found" and h["x-amz-error-message"] == "Resource Found"
    assert h["content-type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<html>\n<head><title>302 Moved Temporarily</title></head>\n<body>\n"
                           b"<h1>302 Moved Temporarily</h1>\n<ul>\n<li>Code: Found</li>\n"
                           b"<li>Message: Resource Found</li>\n<li>RequestId: ")
    status, h, body = web(server, site, "/docs", method="HEAD")
    assert (status, h["location"], h["x-amz-error-code"], body) == (302, "/docs/", "Found", b"")


def test_error_pages_name_the_error_in_headers_too(server, s3, site):
    status, h, body = web(server, site, "/missing.html")
    assert status == 404 and b"<li>Key: missing.html</li>" in body
    assert (h["x-amz-error-code"], h["x-amz-error-message"], h["x-amz-error-detail-key"]) == (
        "NoSuchKey", "The specified key does not exist.", "missing.html")
    assert h["x-amz-request-id"] and h["x-amz-id-2"]
    # HEAD has no page, so the headers are all it says.
    status, h, body = web(server, site, "/missing.html", method="HEAD")
    assert (status, body, h["x-amz-error-code"], h["x-amz-error-detail-key"]) == (
        404, b"", "NoSuchKey", "missing.html")
    s3.delete_bucket_website(Bucket=site)
    status, h, _ = web(server, site, "/")
    assert (status, h["x-amz-error-code"], h["x-amz-error-detail-bucketname"]) == (
        404, "NoSuchWebsiteConfiguration", site)


def test_a_custom_error_document_is_served_with_the_error_headers(server, s3, site):
    s3.put_object(Bucket=site, Key="404.html", Body=b"custom", ContentType="text/html")
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={**INDEX, "ErrorDocument": {"Key": "404.html"}})
    status, h, body = web(server, site, "/missing")
    assert (status, body, h["content-type"]) == (404, b"custom", "text/html")
    assert (h["x-amz-error-code"], h["x-amz-error-message"], h["x-amz-error-detail-key"]) == (
        "NoSuchKey", "The specified key does not exist.", "missing")


def test_an_error_document_with_a_website_redirect_redirects(server, s3, site):
    s3.put_object(Bucket=site, Key="error.html", Body=b"old", WebsiteRedirectLocation="/another/error.html")
    s3.put_object(Bucket=site, Key="another/error.html", Body=b"moved")
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={**INDEX, "ErrorDocument": {"Key": "error.html"}})
    status, h, _ = web(server, site, "/missing")
    assert (status, h["location"]) == (301, "/another/error.html")
    assert web(server, site, "/another/error.html")[::2] == (200, b"moved")


def test_an_index_document_with_a_website_redirect_redirects(server, s3, site):
    s3.put_object(Bucket=site, Key="index.html", Body=b"", WebsiteRedirectLocation="https://example.com/home")
    status, h, _ = web(server, site, "/")
    assert (status, h["location"]) == (301, "https://example.com/home")


def test_a_requester_pays_bucket_has_no_website(server, s3, site):
    s3.put_object(Bucket=site, Key="index.html", Body=b"root", ContentType="text/html")
    assert web(server, site, "/")[::2] == (200, b"root")
    s3.put_bucket_request_payment(Bucket=site, RequestPaymentConfiguration={"Payer": "Requester"})
    status, h, body = web(server, site, "/")
    assert status == 403 and h["content-type"] == "text/html; charset=utf-8"
    assert b"<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>" in body
    s3.put_bucket_request_payment(Bucket=site, RequestPaymentConfiguration={"Payer": "BucketOwner"})
    assert web(server, site, "/")[::2] == (200, b"root")


def test_routing_rule_locations(server, s3, site):
    s3.put_object(Bucket=site, Key="index.html", Body=b"root")
    s3.put_object(Bucket=site, Key="prefixed-key", Body=b"x", WebsiteRedirectLocation="/object-redirect.html")
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration=rules(
        {"Condition": {"KeyPrefixEquals": "host/"}, "Redirect": {"HostName": "example.com"}},
        {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": ""}},
        {"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/",
                                                                "Protocol": "https", "HttpRedirectCode": "307"}},
        {"Condition": {"KeyPrefixEquals": "prefixed"}, "Redirect": {"ReplaceKeyWith": "rule.html"}},
        {"Condition": {"KeyPrefixEquals": "index"}, "Redirect": {"ReplaceKeyWith": "never.html"}},
        {"Condition": {"KeyPrefixEquals": "gone/", "HttpErrorCodeReturnedEquals": "404"},
         "Redirect": {"HostName": "archive.example.com", "ReplaceKeyWith": "gone.html"}}))
    here = f"{site}.s3-website.localhost:{server.port}"
    cases = [
        ("/host/a/b.html", 301, "http://example.com/host/a/b.html"),
        ("/docs/test.html", 301, f"http://{here}/test.html"),
        ("/old/x", 307, f"https://{here}/new/x"),
        # A rule on the key's prefix comes before the object's own redirect.
        ("/prefixed-key", 301, f"http://{here}/rule.html"),
        ("/gone/page", 301, "http://archive.example.com/gone.html"),
    ]
    for path, status, location in cases:
        got = web(server, site, path)
        assert (path, got[0], got[1].get("location")) == (path, status, location)
    # The root is the index document: a rule on "index" does not see it.
    assert web(server, site, "/")[::2] == (200, b"root")
    # An error-code rule needs the error: an existing key under gone/ is served.
    s3.put_object(Bucket=site, Key="gone/here", Body=b"here")
    assert web(server, site, "/gone/here")[::2] == (200, b"here")


def test_conditional_and_ranged_gets_as_on_the_rest_endpoint(server, s3, site):
    etag = s3.put_object(Bucket=site, Key="page.html", Body=b"0123456789", ContentType="text/html")["ETag"]
    status, h, _ = web(server, site, "/page.html", headers={"If-None-Match": etag})
    assert (status, h["etag"]) == (304, etag)
    status, h, body = web(server, site, "/page.html", headers={"Range": "bytes=2-4"})
    assert (status, h["content-range"], body) == (206, "bytes 2-4/10", b"234")
    status, _, body = web(server, site, "/page.html", headers={"If-Match": '"nope"'})
    assert status == 412 and b"<li>Code: PreconditionFailed</li>" in body


def test_query_strings_are_ignored(server, s3, site):
    s3.put_object(Bucket=site, Key="index.html", Body=b"home", ContentType="text/html")
    s3.put_object(Bucket=site, Key="app.js", Body=b"js")
    assert web(server, site, "/app.js?v=2")[::2] == (200, b"js")
    assert web(server, site, "/?utm_source=x&acl")[::2] == (200, b"home")


def test_other_methods_get_the_405_page(server, s3, site):
    s3.put_object(Bucket=site, Key="error.html", Body=b"error")
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={**INDEX, "ErrorDocument": {"Key": "error.html"}})
    for method in ("POST", "PUT", "DELETE"):
        status, h, body = web(server, site, "/", method=method)
        assert status == 405 and h["x-amz-error-code"] == "MethodNotAllowed"
        assert (f"<li>Code: MethodNotAllowed</li>\n<li>Message: The specified method is not allowed against "
                f"this resource.</li>\n<li>Method: {method}</li>\n<li>ResourceType: OBJECT</li>").encode() in body


def test_redirect_locations_keep_naming_the_key(server, s3, site):
    """A key's `%` stays escaped in a Location, and a control character is escaped rather
    than losing the header."""
    s3.put_object(Bucket=site, Key="50%/index.html", Body=b"half")
    status, h, _ = web(server, site, "/50%25")
    assert (status, h.get("location")) == (302, "/50%25/")
    assert web(server, site, "/50%25/")[::2] == (200, b"half")
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration=rules(
        {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/"}}))
    here = f"{site}.s3-website.localhost:{server.port}"
    for path, location in [("/docs/a%0Ab", f"http://{here}/new/a%0Ab"), ("/docs/a%25b", f"http://{here}/new/a%25b")]:
        status, h, _ = web(server, site, path)
        assert (path, status, h.get("location")) == (path, 301, location)
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "example.com"}})
    status, h, _ = web(server, site, "/a%0Ab")
    assert (status, h.get("location")) == (301, "http://example.com/a%0Ab")
    status, h, _ = web(server, site, "/x/y.html")
    assert (status, h.get("location")) == (301, "http://example.com/x/y.html")


def test_a_private_bucket_answers_403_to_rules_and_error_documents(server, s3, bucket):
    """Without a public policy every key is AccessDenied: a rule on 403 redirects it, and a
    (public) error document is served with the 403."""
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"private")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=rules(
        {"Condition": {"HttpErrorCodeReturnedEquals": "403", "KeyPrefixEquals": "members/"},
         "Redirect": {"HostName": "login.example.com", "ReplaceKeyWith": "signin"}}))
    status, h, body = web(server, bucket, "/")
    assert status == 403 and h["x-amz-error-code"] == "AccessDenied" and b"<li>Code: AccessDenied</li>" in body
    status, h, _ = web(server, bucket, "/members/page")
    assert (status, h.get("location")) == (301, "http://login.example.com/signin")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/public/*"}]}))
    s3.put_object(Bucket=bucket, Key="public/403.html", Body=b"forbidden", ContentType="text/html")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={**INDEX, "ErrorDocument": {"Key": "public/403.html"}})
    status, h, body = web(server, bucket, "/")
    assert (status, body, h["x-amz-error-code"]) == (403, b"forbidden", "AccessDenied")


def test_an_error_code_condition_is_a_number(server, s3, site):
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration=rules(
        {"Condition": {"HttpErrorCodeReturnedEquals": "0404"}, "Redirect": {"HostName": "example.com"}}))
    status, h, _ = web(server, site, "/missing")
    assert (status, h.get("location")) == (301, "http://example.com/missing")


def test_the_error_page_shape(server, s3, site):
    """S3's page, line for line: the key it looked for (a folder's index document), then the
    ids, the same as the x-amz-request-id and x-amz-id-2 headers."""
    status, h, body = web(server, site, "/directory-wrong/")
    assert status == 404
    expected = ("<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n"
                "<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
                "<li>Key: directory-wrong/index.html</li>\n"
                f"<li>RequestId: {h['x-amz-request-id']}</li>\n<li>HostId: {h['x-amz-id-2']}</li>\n"
                "</ul>\n<hr/>\n</body>\n</html>\n")
    assert body.decode() == expected
