"""GET bodies of every size class the server serves differently (read into a buffer, one
mapped window that stays cached, several windows streamed) come back byte for byte, also
after the object is overwritten or deleted, and for ranges of each."""

import os

import pytest
from botocore.exceptions import ClientError

from conftest import unique

SIZES = [0, 1, 64 * 1024 - 1, 64 * 1024, 1024 * 1024 + 3, 8 * 1024 * 1024, 8 * 1024 * 1024 + 1, 20 * 1024 * 1024]


@pytest.fixture(scope="module")
def bucket(server):
    name = unique("bodies")
    server.client("s3").create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("size", SIZES)
def test_whole_and_ranged_reads(server, bucket, size):
    s3 = server.client("s3")
    key = f"obj-{size}"
    for round_ in range(2):
        data = os.urandom(size)
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        # Twice: the second read of a small blob comes from the map cache.
        for _ in range(2):
            assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data, (size, round_)
        if size > 10:
            got = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=3-{size - 5}")["Body"].read()
            assert got == data[3:size - 4]
            tail = s3.get_object(Bucket=bucket, Key=key, Range="bytes=-7")["Body"].read()
            assert tail == data[-7:]
    s3.delete_object(Bucket=bucket, Key=key)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key=key)
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
