"""DynamoDB end to end: tables, items, exact numbers, validation errors, expressions,
Query/Scan, batches, transactions, indexes, TTL, tags, restart survival — with boto3 (client
and resource) and the AWS CLI."""

import decimal
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import unique

REGION = "ap-northeast-2"


def ddb(server, region=REGION):
    return server.client("dynamodb", region=region)


def err(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def make_table(c, name=None, hash_type="S", range_key=None, **kw):
    name = name or unique("tbl")
    defs = [{"AttributeName": "pk", "AttributeType": hash_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        defs.append({"AttributeName": "sk", "AttributeType": range_key})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    defs += kw.pop("extra_defs", [])
    c.create_table(
        TableName=name,
        AttributeDefinitions=defs,
        KeySchema=schema,
        BillingMode="PAY_PER_REQUEST",
        **kw,
    )
    return name


# ---------------------------------------------------------------- tables


def test_create_describe_delete_table_shapes(server):
    c = ddb(server)
    name = unique("shape")
    d = c.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )["TableDescription"]
    assert d["TableStatus"] == "ACTIVE"
    assert d["TableArn"] == f"arn:aws:dynamodb:{REGION}:000000000000:table/{name}"
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert d["ItemCount"] == 0 and d["TableSizeBytes"] == 0
    assert len(d["TableId"]) == 36
    desc = c.describe_table(TableName=name)["Table"]
    assert desc["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert desc["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert desc["TableId"] == d["TableId"]
    assert "BillingModeSummary" not in desc
    c.put_item(TableName=name, Item={"id": {"S": "a"}, "v": {"S": "x" * 10}})
    assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 1
    with pytest.raises(ClientError) as e:
        c.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    assert err(e) == ("ResourceInUseException", f"Table already exists: {name}", 400)
    gone = c.delete_table(TableName=name)["TableDescription"]
    assert gone["TableStatus"] == "DELETING"
    with pytest.raises(ClientError) as e:
        c.describe_table(TableName=name)
    assert err(e) == ("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found", 400)
    with pytest.raises(ClientError) as e:
        c.get_item(TableName=name, Key={"id": {"S": "a"}})
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found", 400)


def test_pay_per_request_summary_and_billing_errors(server):
    c = ddb(server)
    name = make_table(c)
    d = c.describe_table(TableName=name)["Table"]
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    with pytest.raises(ClientError) as e:
        c.create_table(
            TableName=unique("bill"),
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
    assert err(e) == (
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        400,
    )
    with pytest.raises(ClientError) as e:
        c.create_table(
            TableName=unique("bill"),
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    assert err(e)[1] == (
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
    )
    with pytest.raises(ClientError) as e:
        c.create_table(
            TableName=unique("bill"),
            AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    assert err(e)[1] == (
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]"
    )


def test_list_tables_pagination(fresh_server):
    c = ddb(fresh_server)
    names = sorted(f"list-{i:02d}" for i in range(7))
    for n in names:
        make_table(c, n)
    page = c.list_tables(Limit=3)
    assert page["TableNames"] == names[:3]
    assert page["LastEvaluatedTableName"] == names[2]
    page = c.list_tables(Limit=3, ExclusiveStartTableName=names[5])
    assert page["TableNames"] == names[6:]
    assert "LastEvaluatedTableName" not in page
    assert c.list_tables()["TableNames"] == names
    # Tables are per region.
    assert ddb(fresh_server, "us-west-2").list_tables()["TableNames"] == []


# ---------------------------------------------------------------- items


ALL_TYPES = {
    "pk": {"S": "all"},
    "s": {"S": "héllo"},
    "n": {"N": "12345678901234567890123456789012345678"},
    "small": {"N": "1E-130"},
    "neg": {"N": "-0.000100"},
    "b": {"B": b"\x00\x01\xff"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "m": {"M": {"deep": {"L": [{"S": "x"}, {"N": "2"}]}}},
    "l": {"L": [{"M": {}}, {"BOOL": False}]},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"x", b"y"]},
}


def test_put_get_every_type_exactly(server):
    c = ddb(server)
    name = make_table(c)
    c.put_item(TableName=name, Item=ALL_TYPES)
    got = c.get_item(TableName=name, Key={"pk": {"S": "all"}})["Item"]
    want = dict(ALL_TYPES)
    want["small"] = {"N": "0." + "0" * 129 + "1"}
    want["neg"] = {"N": "-0.0001"}
    assert {k: v for k, v in got.items() if k not in ("ss", "ns", "bs")} == {
        k: v for k, v in want.items() if k not in ("ss", "ns", "bs")
    }
    assert sorted(got["ss"]["SS"]) == ["a", "b"]
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert sorted(got["bs"]["BS"]) == [b"x", b"y"]
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "nope"}})
    proj = c.get_item(TableName=name, Key={"pk": {"S": "all"}}, ProjectionExpression="s, m.deep[1]")
    assert proj["Item"] == {"s": {"S": "héllo"}, "m": {"M": {"deep": {"L": [{"N": "2"}]}}}}


def test_return_values_all_old_and_delete(server):
    c = ddb(server)
    name = make_table(c)
    r = c.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in r
    r = c.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    r = c.delete_item(TableName=name, Key={"pk": {"S": "k"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "2"}}
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "k"}})
    r = c.delete_item(TableName=name, Key={"pk": {"S": "k"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in r
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "k"}}, ReturnValues="ALL_NEW")
    assert err(e) == ("ValidationException", "Return values set to invalid value", 400)


@pytest.mark.parametrize(
    "item,message",
    [
        ({"other": {"S": "x"}}, "One or more parameter values were invalid: Missing the key pk in the item"),
        ({"pk": {"N": "1"}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
        (
            {"pk": {"S": ""}},
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
        ({"pk": {"S": "a"}, "x": {"SS": []}}, "One or more parameter values were invalid: An string set  may not be empty"),
        ({"pk": {"S": "a"}, "x": {"NS": []}}, "One or more parameter values were invalid: An number set  may not be empty"),
        (
            {"pk": {"S": "a"}, "x": {"SS": ["a", "a"]}},
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
        ),
        (
            {"pk": {"S": "a"}, "x": {"N": "1234567890123456789012345678901234567890"}},
            "Attempting to store more than 38 significant digits in a Number",
        ),
        (
            {"pk": {"S": "a"}, "x": {"N": "1e126"}},
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        ({"pk": {"S": "a"}, "x": {"N": "abc"}}, "A value provided cannot be converted into a number"),
        ({"pk": {"S": "a"}, "x": {"NULL": False}}, "One or more parameter values were invalid: Null attribute value types must have the value of true"),
    ],
)
def test_put_item_validation_errors(server, item, message):
    c = ddb(server)
    name = make_table(c, "validation-tbl") if "validation-tbl" not in c.list_tables()["TableNames"] else "validation-tbl"
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item=item)
    assert err(e) == ("ValidationException", message, 400)
    assert c.scan(TableName=name)["Count"] == 0


def test_key_schema_mismatch_on_get_and_delete(server):
    c = ddb(server)
    name = make_table(c, range_key="N")
    for key in [{"pk": {"S": "a"}}, {"pk": {"S": "a"}, "sk": {"S": "1"}}, {"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "y"}}]:
        with pytest.raises(ClientError) as e:
            c.get_item(TableName=name, Key=key)
        assert err(e) == ("ValidationException", "The provided key element does not match the schema", 400)
        with pytest.raises(ClientError) as e:
            c.delete_item(TableName=name, Key=key)
        assert err(e)[1] == "The provided key element does not match the schema"


def test_workshop_resource_put_item_through_forward_proxy(server):
    """The workshop Lambda: boto3.resource with endpoint_url dynamodb.ap-northeast-2.amazonaws.com."""
    c = ddb(server)
    c.create_table(
        TableName="hello-member",
        AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    import boto3

    res = boto3.resource(
        "dynamodb",
        endpoint_url="http://dynamodb.ap-northeast-2.amazonaws.com",
        region_name=REGION,
        config=Config(proxies={"http": server.endpoint}, retries={"max_attempts": 1}),
    )
    table = res.Table("hello-member")
    table.put_item(Item={"name": "Ama", "status": "Happy"})
    assert table.get_item(Key={"name": "Ama"})["Item"] == {"name": "Ama", "status": "Happy"}
    table.put_item(Item={"name": "Jone", "status": "Sad", "score": decimal.Decimal("3.14")})
    items = sorted(table.scan()["Items"], key=lambda i: i["name"])
    assert [i["name"] for i in items] == ["Ama", "Jone"]
    assert items[1]["score"] == decimal.Decimal("3.14")


def test_cli_round_trip(server):
    name = unique("cli")
    server.aws(
        "dynamodb", "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=id,AttributeType=S",
        "--key-schema", "AttributeName=id,KeyType=HASH",
        "--billing-mode", "PAY_PER_REQUEST", region=REGION,
    )
    server.aws("dynamodb", "put-item", "--table-name", name, "--item", json.dumps({"id": {"S": "1"}, "n": {"N": "10.50"}}), region=REGION)
    out = server.aws("dynamodb", "scan", "--table-name", name, region=REGION)
    assert out["Items"] == [{"id": {"S": "1"}, "n": {"N": "10.5"}}]
    assert out["Count"] == 1
    p = server.aws("dynamodb", "describe-table", "--table-name", "no-such-table", region=REGION, check=False)
    assert p.returncode != 0
    assert "ResourceNotFoundException" in p.stderr


def test_items_survive_restart(durable_server):
    c = ddb(durable_server)
    name = make_table(c, range_key="N")
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "0.1"}})
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "2"}})
    durable_server.restart()
    c = ddb(durable_server)
    assert c.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]["v"] == {"N": "0.1"}
    assert c.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})["Count"] == 2
    assert c.describe_table(TableName=name)["Table"]["ItemCount"] == 2


# ---------------------------------------------------------------- expressions and updates


def test_conditional_writes(server):
    c = ddb(server)
    name = make_table(c)
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}}, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}}, ConditionExpression="attribute_not_exists(pk)")
    assert err(e) == ("ConditionalCheckFailedException", "The conditional request failed", 400)
    with pytest.raises(ClientError) as e:
        c.delete_item(
            TableName=name, Key={"pk": {"S": "a"}}, ConditionExpression="v > :x", ExpressionAttributeValues={":x": {"N": "1"}}
        )
    assert err(e)[0] == "ConditionalCheckFailedException"
    c.delete_item(TableName=name, Key={"pk": {"S": "a"}}, ConditionExpression="v = :x", ExpressionAttributeValues={":x": {"N": "1"}})
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "a"}})
    # Legacy Expected.
    c.put_item(TableName=name, Item={"pk": {"S": "b"}}, Expected={"pk": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "b"}}, Expected={"pk": {"Exists": False}})
    assert err(e)[0] == "ConditionalCheckFailedException"


def test_update_item_expressions_and_return_values(server):
    c = ddb(server)
    name = make_table(c)
    key = {"pk": {"S": "u"}}
    r = c.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="SET #c = if_not_exists(#c, :zero) + :one, tags = :tags, l = :l",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}, ":tags": {"SS": ["a"]}, ":l": {"L": [{"S": "x"}]}},
        ReturnValues="ALL_NEW",
    )
    assert r["Attributes"] == {"pk": {"S": "u"}, "count": {"N": "1"}, "tags": {"SS": ["a"]}, "l": {"L": [{"S": "x"}]}}
    r = c.update_item(
        TableName=name,
        Key=key,
        UpdateExpression="ADD #c :five, tags :more REMOVE l[0] SET l2 = list_append(:l, :l)",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":five": {"N": "5"}, ":more": {"SS": ["b"]}, ":l": {"L": [{"N": "1"}]}},
        ReturnValues="UPDATED_NEW",
    )
    attrs = r["Attributes"]
    assert attrs["count"] == {"N": "6"}
    assert sorted(attrs["tags"]["SS"]) == ["a", "b"]
    assert attrs["l2"] == {"L": [{"N": "1"}, {"N": "1"}]}
    r = c.update_item(TableName=name, Key=key, UpdateExpression="REMOVE tags", ReturnValues="UPDATED_OLD")
    assert sorted(r["Attributes"]["tags"]["SS"]) == ["a", "b"]
    item = c.get_item(TableName=name, Key=key)["Item"]
    assert item == {"pk": {"S": "u"}, "count": {"N": "6"}, "l": {"L": []}, "l2": {"L": [{"N": "1"}, {"N": "1"}]}}
    with pytest.raises(ClientError) as e:
        c.update_item(TableName=name, Key=key, UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": {"S": "x"}})
    assert err(e)[1] == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    with pytest.raises(ClientError) as e:
        c.update_item(
            TableName=name, Key=key, UpdateExpression="SET a = :v", ConditionExpression="#c > :big",
            ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":v": {"S": "x"}, ":big": {"N": "100"}},
        )
    assert err(e)[0] == "ConditionalCheckFailedException"


@pytest.mark.parametrize(
    "kw,message",
    [
        (
            {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}, ":w": {"S": "y"}}},
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}",
        ),
        (
            {"UpdateExpression": "SET a = :v, #n = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #n",
        ),
        (
            {"UpdateExpression": "SET a = :nope", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
        ),
        (
            {"UpdateExpression": "SET status = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
        ),
        (
            {"UpdateExpression": "SET a = :v REMOVE a", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
        (
            {"UpdateExpression": "SET a = = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            'Invalid UpdateExpression: Syntax error; token: "=", near: "= = :v"',
        ),
        (
            {"UpdateExpression": "SET a = missing_attr + :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
            "The provided expression refers to an attribute that does not exist in the item",
        ),
    ],
)
def test_expression_errors(server, kw, message):
    c = ddb(server)
    name = "expr-errors-tbl"
    if name not in c.list_tables()["TableNames"]:
        make_table(c, name)
    with pytest.raises(ClientError) as e:
        c.update_item(TableName=name, Key={"pk": {"S": "k"}}, **kw)
    assert err(e) == ("ValidationException", message, 400)
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "k"}})


# ---------------------------------------------------------------- query and scan


def test_query_ranges_order_and_pagination(server):
    c = ddb(server)
    name = make_table(c, range_key="N")
    for i in range(10):
        c.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i - 3)}, "odd": {"BOOL": i % 2 == 1}})
    c.put_item(TableName=name, Item={"pk": {"S": "other"}, "sk": {"N": "0"}})

    def q(cond, **kw):
        r = c.query(TableName=name, KeyConditionExpression=cond, **kw)
        return [int(i["sk"]["N"]) for i in r.get("Items", [])], r

    vals = {":p": {"S": "p"}}
    assert q("pk = :p", ExpressionAttributeValues=vals)[0] == list(range(-3, 7))
    assert q("pk = :p AND sk < :x", ExpressionAttributeValues={**vals, ":x": {"N": "0"}})[0] == [-3, -2, -1]
    assert q("pk = :p AND sk >= :x", ExpressionAttributeValues={**vals, ":x": {"N": "5"}})[0] == [5, 6]
    assert q("sk BETWEEN :a AND :b AND pk = :p", ExpressionAttributeValues={**vals, ":a": {"N": "-1"}, ":b": {"N": "1"}})[0] == [-1, 0, 1]
    assert q("pk = :p", ExpressionAttributeValues=vals, ScanIndexForward=False)[0] == list(range(6, -4, -1))
    got, r = q("pk = :p", ExpressionAttributeValues=vals, Limit=4)
    assert got == [-3, -2, -1, 0] and r["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "0"}}
    got, r = q("pk = :p", ExpressionAttributeValues=vals, Limit=4, ExclusiveStartKey=r["LastEvaluatedKey"])
    assert got == [1, 2, 3, 4]
    got, r = q("pk = :p", ExpressionAttributeValues={**vals, ":t": {"BOOL": True}}, FilterExpression="odd = :t")
    assert got == [-2, 0, 2, 4, 6] and r["ScannedCount"] == 10 and r["Count"] == 5
    _, r = q("pk = :p", ExpressionAttributeValues=vals, Select="COUNT")
    assert r["Count"] == 10 and "Items" not in r
    # Legacy KeyConditions.
    r = c.query(
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}, "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}},
    )
    assert [i["sk"]["N"] for i in r["Items"]] == ["6"]
    with pytest.raises(ClientError) as e:
        q("sk = :x", ExpressionAttributeValues={":x": {"N": "1"}})
    assert err(e) == ("ValidationException", "Query condition missed key schema element: pk", 400)
    with pytest.raises(ClientError) as e:
        q("pk = :x", ExpressionAttributeValues={":x": {"N": "1"}})
    assert err(e)[1] == "One or more parameter values were invalid: Condition parameter type does not match schema type"


def test_query_begins_with_on_strings(server):
    c = ddb(server)
    name = make_table(c, range_key="S")
    for s in ["a", "ab", "abc", "b", "a\u00e9"]:
        c.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": s}})
    r = c.query(
        TableName=name, KeyConditionExpression="pk = :p AND begins_with(sk, :a)", ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"S": "ab"}}
    )
    assert [i["sk"]["S"] for i in r["Items"]] == ["ab", "abc"]


def test_scan_pagination_segments_and_filter(server):
    c = ddb(server)
    name = make_table(c, hash_type="N")
    for i in range(20):
        c.put_item(TableName=name, Item={"pk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}})
    seen = []
    kw = {}
    while True:
        r = c.scan(TableName=name, Limit=7, **kw)
        seen += [int(i["pk"]["N"]) for i in r["Items"]]
        if "LastEvaluatedKey" not in r:
            break
        kw = {"ExclusiveStartKey": r["LastEvaluatedKey"]}
    assert sorted(seen) == list(range(20))
    parts = [c.scan(TableName=name, Segment=s, TotalSegments=3)["Items"] for s in range(3)]
    assert sorted(int(i["pk"]["N"]) for p in parts for i in p) == list(range(20))
    r = c.scan(TableName=name, FilterExpression="even = :t", ExpressionAttributeValues={":t": {"BOOL": True}})
    assert r["Count"] == 10 and r["ScannedCount"] == 20
    with pytest.raises(ClientError) as e:
        c.scan(TableName=name, Segment=3, TotalSegments=3)
    assert err(e)[1] == "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3"


# ---------------------------------------------------------------- batches and transactions


def test_batch_write_and_get(server):
    c = ddb(server)
    name = make_table(c)
    c.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": str(i)}, "v": {"N": str(i)}}}} for i in range(25)]})
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 25
    r = c.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "1"}}, {"pk": {"S": "2"}}, {"pk": {"S": "nope"}}], "ProjectionExpression": "v"}})
    assert sorted(i["v"]["N"] for i in r["Responses"][name]) == ["1", "2"]
    assert r["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        c.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "1"}}, {"pk": {"S": "1"}}]}})
    assert err(e) == ("ValidationException", "Provided list of item keys contains duplicates", 400)
    with pytest.raises(ClientError) as e:
        c.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "1"}}}}, {"PutRequest": {"Item": {"pk": {"S": "1"}}}}]})
    assert err(e)[1] == "Provided list of item keys contains duplicates"
    with pytest.raises(ClientError) as e:
        c.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"x{i}"}}}} for i in range(26)]})
    assert err(e)[0] == "ValidationException"
    r = c.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": str(i)}}}} for i in range(10)]})
    assert r["UnprocessedItems"] == {}
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 15


def test_transactions_all_or_nothing(server):
    c = ddb(server)
    name = make_table(c)
    c.put_item(TableName=name, Item={"pk": {"S": "acct-a"}, "bal": {"N": "100"}})
    c.put_item(TableName=name, Item={"pk": {"S": "acct-b"}, "bal": {"N": "0"}})

    def transfer(amount, token=None):
        kw = {"ClientRequestToken": token} if token else {}
        c.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": name, "Key": {"pk": {"S": "acct-a"}}, "UpdateExpression": "SET bal = bal - :x",
                            "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
                {"Update": {"TableName": name, "Key": {"pk": {"S": "acct-b"}}, "UpdateExpression": "SET bal = bal + :x",
                            "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
                {"Put": {"TableName": name, "Item": {"pk": {"S": f"log-{amount}"}}}},
            ],
            **kw,
        )

    transfer(60, token="tok-1")
    transfer(60, token="tok-1")  # idempotent repeat: applied once
    with pytest.raises(ClientError) as e:
        transfer(60)
    code, message, status = err(e)
    assert code == "TransactionCanceledException" and status == 400
    assert message == "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]"
    r = c.transact_get_items(
        TransactItems=[{"Get": {"TableName": name, "Key": {"pk": {"S": "acct-a"}}}}, {"Get": {"TableName": name, "Key": {"pk": {"S": "acct-b"}}}}]
    )
    assert [x["Item"]["bal"]["N"] for x in r["Responses"]] == ["40", "60"]
    with pytest.raises(ClientError) as e:
        c.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {"pk": {"S": "same"}}}},
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "same"}}}},
            ]
        )
    assert err(e) == ("ValidationException", "Transaction request cannot include multiple operations on one item", 400)
    with pytest.raises(ClientError) as e:
        c.transact_write_items(
            TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "other"}}}}], ClientRequestToken="tok-1"
        )
    assert err(e)[0] == "IdempotentParameterMismatchException"


# ---------------------------------------------------------------- indexes, TTL, tags


def test_global_and_local_secondary_indexes(server):
    c = ddb(server)
    name = unique("gsi")
    c.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "email", "AttributeType": "S"},
            {"AttributeName": "age", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by-email", "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}
        ],
        LocalSecondaryIndexes=[
            {"IndexName": "by-age", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "age", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    d = c.describe_table(TableName=name)["Table"]
    assert d["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert d["GlobalSecondaryIndexes"][0]["IndexArn"] == f"{d['TableArn']}/index/by-email"
    assert d["LocalSecondaryIndexes"][0]["IndexName"] == "by-age"
    c.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "1"}, "email": {"S": "a@x"}, "age": {"N": "30"}, "extra": {"S": "e"}})
    c.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "2"}, "age": {"N": "20"}})  # sparse in by-email
    r = c.query(TableName=name, IndexName="by-email", KeyConditionExpression="email = :e", ExpressionAttributeValues={":e": {"S": "a@x"}})
    assert r["Items"] == [{"pk": {"S": "u"}, "sk": {"S": "1"}, "email": {"S": "a@x"}}]
    assert c.scan(TableName=name, IndexName="by-email")["Count"] == 1
    r = c.query(TableName=name, IndexName="by-age", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "u"}})
    assert [i["age"]["N"] for i in r["Items"]] == ["20", "30"]
    # Moving the index key moves the entry; deleting removes it.
    c.update_item(TableName=name, Key={"pk": {"S": "u"}, "sk": {"S": "1"}}, UpdateExpression="SET email = :e", ExpressionAttributeValues={":e": {"S": "b@x"}})
    r = c.query(TableName=name, IndexName="by-email", KeyConditionExpression="email = :e", ExpressionAttributeValues={":e": {"S": "a@x"}})
    assert r["Count"] == 0
    c.delete_item(TableName=name, Key={"pk": {"S": "u"}, "sk": {"S": "1"}})
    assert c.scan(TableName=name, IndexName="by-email")["Count"] == 0
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "u"}, "sk": {"S": "3"}, "email": {"N": "1"}})
    assert err(e)[1] == "One or more parameter values were invalid: Type mismatch for Index Key email Expected: S Actual: N IndexName: by-email"
    with pytest.raises(ClientError) as e:
        c.query(TableName=name, IndexName="nope", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "u"}})
    assert err(e)[1] == "The table does not have the specified index: nope"
    # UpdateTable adds a GSI over existing items.
    c.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "age", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "by-age-g", "KeySchema": [{"AttributeName": "age", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}],
    )
    r = c.query(TableName=name, IndexName="by-age-g", KeyConditionExpression="age = :a", ExpressionAttributeValues={":a": {"N": "20"}})
    assert r["Items"][0]["sk"] == {"S": "2"}


def test_ttl_and_tags(server):
    c = ddb(server)
    name = make_table(c)
    assert c.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    r = c.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert r["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    assert c.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    with pytest.raises(ClientError) as e:
        c.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert err(e) == ("ValidationException", "TimeToLive is already enabled", 400)
    arn = c.describe_table(TableName=name)["Table"]["TableArn"]
    c.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
    c.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]


def test_unknown_operation(server):
    status, _, body = server.http(
        "POST", "/", body=b"{}",
        headers={"X-Amz-Target": "DynamoDB_20120810.FlyToTheMoon", "Content-Type": "application/x-amz-json-1.0",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"},
    )
    assert status == 400
    assert json.loads(body)["__type"] == "com.amazonaws.dynamodb.v20120810#UnknownOperationException"


# ---------------------------------------------------------------- TTL sweeper and streams


def test_ttl_sweeper_deletes_expired_items(server):
    import time

    c = ddb(server)
    name = make_table(c)
    c.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    c.put_item(TableName=name, Item={"pk": {"S": "old"}, "exp": {"N": str(now - 10)}})
    c.put_item(TableName=name, Item={"pk": {"S": "future"}, "exp": {"N": str(now + 3600)}})
    c.put_item(TableName=name, Item={"pk": {"S": "no-ttl"}})
    c.put_item(TableName=name, Item={"pk": {"S": "string-ttl"}, "exp": {"S": "1"}})
    deadline = time.time() + 30
    while time.time() < deadline:
        left = {i["pk"]["S"] for i in c.scan(TableName=name)["Items"]}
        if "old" not in left:
            break
        time.sleep(0.2)
    assert left == {"future", "no-ttl", "string-ttl"}


def test_streams_records_every_view_type(server):
    c = ddb(server)
    s = server.client("dynamodbstreams", region=REGION)
    name = make_table(c, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    d = c.describe_table(TableName=name)["Table"]
    arn = d["LatestStreamArn"]
    assert d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert arn == f"{d['TableArn']}/stream/{d['LatestStreamLabel']}"
    assert any(x["StreamArn"] == arn for x in s.list_streams(TableName=name)["Streams"])
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    c.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"N": "2"}})
    c.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    desc = s.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "ENABLED" and desc["TableName"] == name
    shard = desc["Shards"][0]["ShardId"]
    it = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = s.get_records(ShardIterator=it)
    recs = r["Records"]
    assert [x["eventName"] for x in recs] == ["INSERT", "MODIFY", "REMOVE"]
    assert recs[0]["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in recs[0]["dynamodb"]
    assert recs[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"} and recs[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert recs[2]["dynamodb"]["Keys"] == {"pk": {"S": "a"}} and "NewImage" not in recs[2]["dynamodb"]
    assert s.get_records(ShardIterator=r["NextShardIterator"])["Records"] == []
    latest = s.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    c.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in s.get_records(ShardIterator=latest)["Records"]] == ["b"]
    # KEYS_ONLY on a second table.
    name2 = make_table(c, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn2 = c.describe_table(TableName=name2)["Table"]["LatestStreamArn"]
    c.put_item(TableName=name2, Item={"pk": {"S": "k"}, "v": {"S": "x"}})
    it = s.get_shard_iterator(StreamArn=arn2, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    rec = s.get_records(ShardIterator=it)["Records"][0]["dynamodb"]
    assert rec["Keys"] == {"pk": {"S": "k"}} and "NewImage" not in rec and rec["StreamViewType"] == "KEYS_ONLY"
    with pytest.raises(ClientError) as e:
        s.describe_stream(StreamArn=arn2 + "x")
    assert err(e)[0] == "ResourceNotFoundException"


def test_condition_failures_return_what_was_asked_for(server):
    """ReturnValuesOnConditionCheckFailure=ALL_OLD puts the old item into the error, for single
    writes and per action in TransactionCanceledException's CancellationReasons."""
    c = ddb(server)
    name = make_table(c)
    old = {"pk": {"S": "k"}, "v": {"N": "1"}, "tags": {"SS": ["a", "b"]}}
    c.put_item(TableName=name, Item=old)
    never = {"ConditionExpression": "attribute_not_exists(pk)"}
    for call, kw in [
        (c.put_item, {"Item": {"pk": {"S": "k"}, "v": {"N": "2"}}}),
        (c.delete_item, {"Key": {"pk": {"S": "k"}}}),
        (c.update_item, {"Key": {"pk": {"S": "k"}}, "UpdateExpression": "SET v = :two",
                         "ExpressionAttributeValues": {":two": {"N": "2"}}}),
    ]:
        with pytest.raises(ClientError) as e:
            call(TableName=name, ReturnValuesOnConditionCheckFailure="ALL_OLD", **never, **kw)
        assert err(e)[0] == "ConditionalCheckFailedException"
        assert e.value.response["Item"] == old
        with pytest.raises(ClientError) as e:
            call(TableName=name, **never, **kw)
        assert "Item" not in e.value.response
    # A missing item has no old item to return.
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "other"}}, ConditionExpression="attribute_exists(pk)",
                   ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert "Item" not in e.value.response

    with pytest.raises(ClientError) as e:
        c.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "new"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "k"}}, "ConditionExpression": "v = :nine",
                                "ExpressionAttributeValues": {":nine": {"N": "9"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    assert err(e)[0] == "TransactionCanceledException"
    assert e.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": old},
    ]
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "new"}})
