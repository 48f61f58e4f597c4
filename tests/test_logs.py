"""CloudWatch Logs: log groups, streams and events with boto3 and the AWS CLI."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


def now_ms():
    return int(time.time() * 1000)


def test_groups_create_describe_delete(logs):
    prefix = "/" + unique("grp")
    names = [f"{prefix}/{i}" for i in range(3)]
    for n in names:
        logs.create_log_group(logGroupName=n)
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName=names[0])
    assert error_of(e) == (400, "ResourceAlreadyExistsException", "The specified log group already exists")
    seen, token = [], None
    while True:
        kw = {"logGroupNamePrefix": prefix, "limit": 2}
        if token:
            kw["nextToken"] = token
        page = logs.describe_log_groups(**kw)
        assert len(page["logGroups"]) <= 2
        seen += page["logGroups"]
        token = page.get("nextToken")
        if not token:
            break
    assert [g["logGroupName"] for g in seen] == names
    g = seen[0]
    assert g["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{names[0]}:*"
    assert g["creationTime"] > 0
    logs.delete_log_group(logGroupName=names[0])
    with pytest.raises(ClientError) as e:
        logs.delete_log_group(logGroupName=names[0])
    assert error_of(e) == (400, "ResourceNotFoundException", "The specified log group does not exist.")
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="bad name!")
    assert error_of(e)[1] == "InvalidParameterException"


def test_streams_and_events(logs):
    group = "/" + unique("ev")
    logs.create_log_group(logGroupName=group)
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group + "-missing", logStreamName="s")
    assert error_of(e) == (400, "ResourceNotFoundException", "The specified log group does not exist.")
    for s in ("b", "a", "c"):
        logs.create_log_stream(logGroupName=group, logStreamName=s)
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group, logStreamName="a")
    assert error_of(e) == (400, "ResourceAlreadyExistsException", "The specified log stream already exists")
    t = now_ms()
    logs.put_log_events(
        logGroupName=group,
        logStreamName="a",
        logEvents=[{"timestamp": t + i, "message": f"line {i}"} for i in range(5)],
    )
    logs.put_log_events(logGroupName=group, logStreamName="b", logEvents=[{"timestamp": t + 10, "message": "ERROR disk full"}])
    with pytest.raises(ClientError) as e:
        logs.put_log_events(logGroupName=group, logStreamName="zz", logEvents=[{"timestamp": t, "message": "x"}])
    assert error_of(e) == (400, "ResourceNotFoundException", "The specified log stream does not exist.")
    with pytest.raises(ClientError) as e:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="a",
            logEvents=[{"timestamp": t + 5, "message": "x"}, {"timestamp": t, "message": "y"}],
        )
    assert error_of(e) == (
        400,
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )

    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["a", "b", "c"]
    a = streams[0]
    assert a["firstEventTimestamp"] == t and a["lastEventTimestamp"] == t + 4
    by_time = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    assert by_time[0]["logStreamName"] == "b"
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a")
    assert error_of(e) == (400, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")

    # Newest first page by default; forward and backward tokens walk the stream.
    got = logs.get_log_events(logGroupName=group, logStreamName="a", limit=2)
    assert [e["message"] for e in got["events"]] == ["line 3", "line 4"]
    back = logs.get_log_events(logGroupName=group, logStreamName="a", limit=2, nextToken=got["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["line 1", "line 2"]
    head = logs.get_log_events(logGroupName=group, logStreamName="a", limit=2, startFromHead=True)
    assert [e["message"] for e in head["events"]] == ["line 0", "line 1"]
    fwd = logs.get_log_events(logGroupName=group, logStreamName="a", limit=2, nextToken=head["nextForwardToken"])
    assert [e["message"] for e in fwd["events"]] == ["line 2", "line 3"]
    last = logs.get_log_events(logGroupName=group, logStreamName="a", nextToken=got["nextForwardToken"])
    assert last["events"] == [] and last["nextForwardToken"] == got["nextForwardToken"]
    ranged = logs.get_log_events(logGroupName=group, logStreamName="a", startTime=t + 1, endTime=t + 3, startFromHead=True)
    assert [e["message"] for e in ranged["events"]] == ["line 1", "line 2"]

    # Filter: terms, phrases, across streams in timestamp order.
    f = logs.filter_log_events(logGroupName=group)
    assert [e["message"] for e in f["events"]] == [f"line {i}" for i in range(5)] + ["ERROR disk full"]
    assert f["events"][-1]["logStreamName"] == "b"
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]] == ["ERROR disk full"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern='"line 3"')["events"]] == ["line 3"]
    only_a = logs.filter_log_events(logGroupName=group, logStreamNames=["a"], filterPattern="line", limit=3)
    assert len(only_a["events"]) == 3 and only_a.get("nextToken")
    rest = logs.filter_log_events(logGroupName=group, logStreamNames=["a"], filterPattern="line", nextToken=only_a["nextToken"])
    assert [e["message"] for e in rest["events"]] == ["line 3", "line 4"]

    logs.delete_log_group(logGroupName=group)
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=group, logStreamName="a")
    assert error_of(e)[1] == "ResourceNotFoundException"


def test_unknown_operation(server):
    status, headers, body = server.http(
        "POST",
        "/",
        body=b"{}",
        headers={"X-Amz-Target": "Logs_20140328.NoSuchThing", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert status == 400
    assert b'"__type":"UnknownOperationException"' in body


def test_cli(server):
    group = "/" + unique("cli")
    server.aws("logs", "create-log-group", "--log-group-name", group)
    server.aws("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
    server.aws(
        "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
        "--log-events", f"timestamp={now_ms()},message=hello-cli",
    )
    out = server.aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s")
    assert [e["message"] for e in out["events"]] == ["hello-cli"]
    out = server.aws("logs", "describe-log-groups", "--log-group-name-prefix", group)
    assert [g["logGroupName"] for g in out["logGroups"]] == [group]


def test_events_survive_restart(durable_server):
    logs = durable_server.client("logs")
    logs.create_log_group(logGroupName="/durable")
    logs.create_log_stream(logGroupName="/durable", logStreamName="s")
    logs.put_log_events(logGroupName="/durable", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "kept"}])
    durable_server.kill9()
    durable_server.start(durable_server.port)
    logs = durable_server.client("logs")
    got = logs.get_log_events(logGroupName="/durable", logStreamName="s")
    assert [e["message"] for e in got["events"]] == ["kept"]
