"""The AWS CLI's high-level `aws s3` commands, as workshop users run them: mb, sync (and
what a second sync leaves alone), cp (recursive, multipart, stdin/stdout), mv, ls, website,
presign and rb --force."""

import hashlib
import os
import subprocess
import urllib.request

from conftest import unique


def s3cmd(server, *args, stdin=None):
    cmd = ["aws", "--endpoint-url", server.endpoint, "--region", "us-east-1", "s3", *args]
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    assert p.returncode == 0, f"aws s3 {' '.join(args)} failed ({p.returncode}): {p.stderr.decode()}"
    return p.stdout.decode()


def actions(out, verb):
    """The S3 keys an `aws s3` command reports with `verb` (upload, delete, copy, move, …)."""
    keys = []
    for line in out.replace("\r", "\n").splitlines():
        if line.startswith(f"{verb}: "):
            target = line.split(" to ")[-1] if " to " in line else line[len(verb) + 2:]
            keys.append(target.strip())
    return sorted(keys)


def make_site(root):
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "index.html").write_text("<h1>hello</h1>")
    (root / "error.html").write_text("<h1>oops</h1>")
    (root / "sub" / "index.html").write_text("sub index")
    (root / "sub" / "deep" / "a b+c%.txt").write_text("odd name")
    (root / "app.js").write_text("console.log(1)")


def test_sync_uploads_once_and_deletes_with_delete(server, tmp_path):
    bucket = unique("cli-sync")
    site = tmp_path / "site"
    make_site(site)
    s3cmd(server, "mb", f"s3://{bucket}")
    out = s3cmd(server, "sync", str(site), f"s3://{bucket}", "--no-progress")
    assert len(actions(out, "upload")) == 5
    s3 = server.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["app.js", "error.html", "index.html", "sub/deep/a b+c%.txt", "sub/index.html"]
    assert s3.head_object(Bucket=bucket, Key="index.html")["ContentType"] == "text/html"
    assert s3.head_object(Bucket=bucket, Key="app.js")["ContentType"] in (
        "application/javascript", "text/javascript")

    # Nothing changed: a second sync uploads nothing (it compares sizes and times).
    assert actions(s3cmd(server, "sync", str(site), f"s3://{bucket}", "--no-progress"), "upload") == []

    # A changed file is uploaded again; a removed one is deleted only with --delete.
    (site / "app.js").write_text("console.log('changed, and longer')")
    (site / "sub" / "index.html").unlink()
    out = s3cmd(server, "sync", str(site), f"s3://{bucket}", "--no-progress")
    assert actions(out, "upload") == [f"s3://{bucket}/app.js"]
    assert actions(out, "delete") == []
    out = s3cmd(server, "sync", str(site), f"s3://{bucket}", "--delete", "--no-progress")
    assert actions(out, "delete") == [f"s3://{bucket}/sub/index.html"]
    body = s3.get_object(Bucket=bucket, Key="app.js")["Body"].read()
    assert body == b"console.log('changed, and longer')"

    # And back down: the odd key name survives the round trip.
    down = tmp_path / "down"
    s3cmd(server, "sync", f"s3://{bucket}", str(down), "--no-progress")
    assert (down / "sub" / "deep" / "a b+c%.txt").read_text() == "odd name"
    assert sorted(p.name for p in down.iterdir()) == ["app.js", "error.html", "index.html", "sub"]

    s3cmd(server, "rb", f"s3://{bucket}", "--force")
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cp_multipart_stdin_stdout_and_mv(server, tmp_path):
    bucket = unique("cli-cp")
    s3cmd(server, "mb", f"s3://{bucket}")
    big = tmp_path / "big.bin"
    data = os.urandom(9 * 1024 * 1024 + 17)  # over the CLI's 8 MiB multipart threshold
    big.write_bytes(data)
    s3cmd(server, "cp", str(big), f"s3://{bucket}/big.bin", "--no-progress")
    s3 = server.client("s3")
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-2"'), head["ETag"]  # two 8 MiB parts' multipart ETag

    out = subprocess.run(
        ["aws", "--endpoint-url", server.endpoint, "s3", "cp", f"s3://{bucket}/big.bin", "-"],
        capture_output=True, timeout=120, check=True).stdout
    assert hashlib.md5(out).digest() == hashlib.md5(data).digest()

    s3cmd(server, "cp", "-", f"s3://{bucket}/from-stdin.txt", stdin=b"piped in\n")
    assert s3.get_object(Bucket=bucket, Key="from-stdin.txt")["Body"].read() == b"piped in\n"

    s3cmd(server, "cp", f"s3://{bucket}/from-stdin.txt", f"s3://{bucket}/copied.txt",
          "--metadata", "team=web", "--cache-control", "max-age=60")
    copied = s3.head_object(Bucket=bucket, Key="copied.txt")
    assert copied["Metadata"] == {"team": "web"}
    assert copied["CacheControl"] == "max-age=60"

    out = s3cmd(server, "mv", f"s3://{bucket}/copied.txt", f"s3://{bucket}/moved/copied.txt")
    assert actions(out, "move") == [f"s3://{bucket}/moved/copied.txt"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["big.bin", "from-stdin.txt", "moved/copied.txt"]

    listing = s3cmd(server, "ls", f"s3://{bucket}", "--recursive", "--summarize")
    assert "Total Objects: 3" in listing
    total = len(data) + 2 * len(b"piped in\n")
    assert f"Total Size: {total}" in listing
    top = s3cmd(server, "ls", f"s3://{bucket}/")
    assert "PRE moved/" in top

    s3cmd(server, "rm", f"s3://{bucket}", "--recursive")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3cmd(server, "rb", f"s3://{bucket}")


def test_website_and_presign_commands(server, tmp_path):
    bucket = unique("cli-web")
    site = tmp_path / "site"
    make_site(site)
    s3cmd(server, "mb", f"s3://{bucket}")
    s3cmd(server, "sync", str(site), f"s3://{bucket}", "--no-progress")
    s3cmd(server, "website", f"s3://{bucket}", "--index-document", "index.html",
          "--error-document", "error.html")
    s3 = server.client("s3")
    cfg = s3.get_bucket_website(Bucket=bucket)
    assert cfg["IndexDocument"] == {"Suffix": "index.html"}
    assert cfg["ErrorDocument"] == {"Key": "error.html"}

    # The bucket is private: a plain GET is refused, a presigned one is not.
    status, _, _ = server.http("GET", f"/{bucket}/index.html")
    assert status == 403
    url = s3cmd(server, "presign", f"s3://{bucket}/index.html", "--expires-in", "300").strip()
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200
        assert r.read() == b"<h1>hello</h1>"
    s3cmd(server, "rb", f"s3://{bucket}", "--force")
