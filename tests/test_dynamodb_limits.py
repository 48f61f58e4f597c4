"""DynamoDB's limits with DynamoDB's errors, through boto3: item size, key sizes, number
precision and range, empty keys, batch and transaction sizes, duplicate keys — and the
shapes of ReturnConsumedCapacity (TOTAL / INDEXES) and ReturnItemCollectionMetrics."""

import pytest
from botocore.exceptions import ClientError

from conftest import unique

REGION = "eu-west-3"


def ddb(server):
    return server.client("dynamodb", region=REGION)


def err(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def table(c, hash_type="S", range_type=None, **kw):
    name = unique("lim")
    defs = [{"AttributeName": "pk", "AttributeType": hash_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_type:
        defs.append({"AttributeName": "sk", "AttributeType": range_type})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    defs += kw.pop("extra_defs", [])
    c.create_table(TableName=name, AttributeDefinitions=defs, KeySchema=schema, BillingMode="PAY_PER_REQUEST", **kw)
    return name


def invalid(message):
    return ("ValidationException", message, 400)


# ---------------------------------------------------------------- item size


def test_item_size_is_400_kb_counting_names_and_values(server):
    c = ddb(server)
    name = table(c)
    # "pk" + "a" (3 bytes) and "d" + its value: exactly 400 KB is accepted.
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "d": {"S": "x" * (409600 - 4)}})
    got = c.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
    assert len(got["d"]["S"]) == 409596
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "a"}, "d": {"S": "y" * (409600 - 3)}})
    assert err(e) == invalid("Item size has exceeded the maximum allowed size")
    # The refused write left the stored item alone.
    got = c.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
    assert got["d"]["S"] == "x" * 409596
    with pytest.raises(ClientError) as e:
        c.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET e = :e",
            ExpressionAttributeValues={":e": {"S": "zz"}},
        )
    assert err(e) == invalid("Item size to update has exceeded the maximum allowed size")
    with pytest.raises(ClientError) as e:
        c.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}, "d": {"B": b"\0" * 409600}}}}]}
        )
    assert err(e) == invalid("Item size has exceeded the maximum allowed size")
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "b"}})


def nested(levels):
    v = {"S": "leaf"}
    for i in range(levels):
        v = {"M": {"k": v}} if i % 2 == 0 else {"L": [v]}
    return v


def test_nesting_is_limited_to_32_levels(server):
    c = ddb(server)
    name = table(c)
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "d": nested(32)})
    got = c.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
    assert got["d"] == nested(32)
    deep = invalid("Nesting Levels have exceeded supported limits")
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "b"}, "d": nested(33)})
    assert err(e) == deep
    # An update can nest deeper than any one value: that is refused too.
    c.put_item(TableName=name, Item={"pk": {"S": "c"}, "m": {"M": {}}})
    with pytest.raises(ClientError) as e:
        c.update_item(
            TableName=name,
            Key={"pk": {"S": "c"}},
            UpdateExpression="SET m.x = :d",
            ExpressionAttributeValues={":d": nested(32)},
        )
    assert err(e) == deep
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"S": "b"}})
    assert c.get_item(TableName=name, Key={"pk": {"S": "c"}}, ConsistentRead=True)["Item"]["m"] == {"M": {}}


# ---------------------------------------------------------------- key sizes


def test_partition_key_2048_bytes_and_sort_key_1024_bytes(server):
    c = ddb(server)
    name = table(c, range_type="S")
    hash_too_big = invalid(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )
    range_too_big = invalid(
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    )
    c.put_item(TableName=name, Item={"pk": {"S": "h" * 2048}, "sk": {"S": "r" * 1024}})
    # Sizes are UTF-8 bytes, not characters: 1024 "é" are 2048 bytes.
    c.put_item(TableName=name, Item={"pk": {"S": "é" * 1024}, "sk": {"S": "é" * 512}})
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 2
    cases = [
        ({"pk": {"S": "h" * 2049}, "sk": {"S": "r"}}, hash_too_big),
        ({"pk": {"S": "é" * 1025}, "sk": {"S": "r"}}, hash_too_big),
        ({"pk": {"S": "h"}, "sk": {"S": "r" * 1025}}, range_too_big),
        ({"pk": {"S": "h"}, "sk": {"S": "é" * 513}}, range_too_big),
    ]
    for item, want in cases:
        with pytest.raises(ClientError) as e:
            c.put_item(TableName=name, Item=item)
        assert err(e) == want
        with pytest.raises(ClientError) as e:
            c.get_item(TableName=name, Key=item)
        assert err(e) == want
    binary = table(c, hash_type="B")
    c.put_item(TableName=binary, Item={"pk": {"B": b"\xff" * 2048}})
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=binary, Item={"pk": {"B": b"\xff" * 2049}})
    assert err(e) == hash_too_big


def test_empty_key_values_are_refused_but_empty_attributes_are_not(server):
    c = ddb(server)
    name = table(
        c,
        extra_defs=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
        ],
    )
    c.put_item(TableName=name, Item={"pk": {"S": "a"}, "e": {"S": ""}, "b": {"B": b""}})
    item = c.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]
    assert item["e"] == {"S": ""} and item["b"] == {"B": b""}
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": ""}})
    assert err(e) == invalid(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
    )
    # A Key parameter is worded differently from an item.
    for call in (
        lambda: c.get_item(TableName=name, Key={"pk": {"S": ""}}),
        lambda: c.delete_item(TableName=name, Key={"pk": {"S": ""}}),
        lambda: c.update_item(TableName=name, Key={"pk": {"S": ""}}, UpdateExpression="REMOVE x"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == invalid(
            "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
        )
    with pytest.raises(ClientError) as e:
        c.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET g.x = :v", ExpressionAttributeValues={":v": {"S": "x"}})
    assert err(e) == invalid(
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: g"
    )
    with pytest.raises(ClientError) as e:
        c.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET g = :v", ExpressionAttributeValues={":v": {"N": "1"}})
    assert err(e) == invalid(
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"
    )
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item={"pk": {"S": "b"}, "g": {"S": ""}})
    assert err(e) == invalid(
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-g, IndexKey: g"
    )
    binary = table(c, hash_type="B")
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=binary, Item={"pk": {"B": b""}})
    assert err(e) == invalid(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk"
    )


# ---------------------------------------------------------------- numbers


def test_number_precision_and_range(server):
    c = ddb(server)
    name = table(c, hash_type="N")
    largest = "9.9999999999999999999999999999999999999E+125"
    smallest = "1E-130"
    thirty_eight = "-1234567890123456789012345678.9012345678"
    for text, back in [
        (largest, "9" * 38 + "0" * 88),
        (smallest, "0." + "0" * 129 + "1"),
        (thirty_eight, thirty_eight),
        ("000123.4500", "123.45"),
    ]:
        c.put_item(TableName=name, Item={"pk": {"N": text}, "v": {"N": text}})
        got = c.get_item(TableName=name, Key={"pk": {"N": text}}, ConsistentRead=True)["Item"]
        assert got == {"pk": {"N": back}, "v": {"N": back}}
    cases = [
        ("1234567890123456789012345678901234567891", "Attempting to store more than 38 significant digits in a Number"),
        ("1." + "0" * 37 + "1", "Attempting to store more than 38 significant digits in a Number"),
        ("1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("-1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        ("not-a-number", "A value provided cannot be converted into a number"),
    ]
    for text, message in cases:
        with pytest.raises(ClientError) as e:
            c.put_item(TableName=name, Item={"pk": {"N": "1"}, "v": {"N": text}})
        assert err(e) == invalid(message), text
    assert "Item" not in c.get_item(TableName=name, Key={"pk": {"N": "1"}})
    # Arithmetic that leaves the range fails the same way and changes nothing.
    with pytest.raises(ClientError) as e:
        c.update_item(
            TableName=name,
            Key={"pk": {"N": largest}},
            UpdateExpression="SET v = v + :x",
            ExpressionAttributeValues={":x": {"N": largest}},
        )
    assert err(e) == invalid("Number overflow. Attempting to store a number with magnitude larger than supported range")
    got = c.get_item(TableName=name, Key={"pk": {"N": largest}}, ConsistentRead=True)["Item"]
    assert got["v"] == {"N": "9" * 38 + "0" * 88}


# ---------------------------------------------------------------- batches and transactions


def test_batch_and_transaction_sizes_and_duplicates(server):
    c = ddb(server)
    name = table(c)
    puts = [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]
    with pytest.raises(ClientError) as e:
        c.batch_write_item(RequestItems={name: puts})
    assert err(e) == invalid(
        "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 0
    raw = server.client("dynamodb", region=REGION, config={"parameter_validation": False})
    with pytest.raises(ClientError) as e:
        raw.batch_write_item(RequestItems={name: []})
    assert err(e) == invalid(
        "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    # 25 per table pass the API model; the service counts the whole request.
    other = table(c)
    with pytest.raises(ClientError) as e:
        c.batch_write_item(RequestItems={name: puts[:13], other: puts[:13]})
    assert err(e) == invalid("Too many items requested for the BatchWriteItem call")
    assert c.scan(TableName=other, Select="COUNT")["Count"] == 0
    c.batch_write_item(RequestItems={name: puts[:12], other: puts[:13]})
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 12
    with pytest.raises(ClientError) as e:
        c.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"pk": {"S": "a"}}}},
                    {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}},
                ]
            }
        )
    assert err(e) == invalid("Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as e:
        c.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": str(i)}} for i in range(101)]}})
    assert err(e) == invalid("Too many items requested for the BatchGetItem call")
    got = c.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": str(i)}} for i in range(100)]}})
    assert len(got["Responses"][name]) == 12 and got["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        c.batch_get_item(
            RequestItems={
                name: {"Keys": [{"pk": {"S": str(i)}} for i in range(50)]},
                other: {"Keys": [{"pk": {"S": str(i)}} for i in range(51)]},
            }
        )
    assert err(e) == invalid("Too many items requested for the BatchGetItem call")
    with pytest.raises(ClientError) as e:
        c.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "x"}}, {"pk": {"S": "x"}}]}})
    assert err(e) == invalid("Provided list of item keys contains duplicates")

    actions = [{"Put": {"TableName": name, "Item": {"pk": {"S": f"t{i}"}}}} for i in range(101)]
    with pytest.raises(ClientError) as e:
        c.transact_write_items(TransactItems=actions)
    assert err(e) == invalid(
        "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )
    c.transact_write_items(TransactItems=actions[:100])
    assert c.scan(TableName=name, Select="COUNT")["Count"] == 112
    with pytest.raises(ClientError) as e:
        c.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "t1"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "t1"}}}},
            ]
        )
    assert err(e) == invalid("Transaction request cannot include multiple operations on one item")
    assert "Item" in c.get_item(TableName=name, Key={"pk": {"S": "t1"}})


# ---------------------------------------------------------------- consumed capacity


def indexed_table(c):
    return table(
        c,
        range_type="S",
        extra_defs=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )


def cap(kind, units):
    return {"CapacityUnits": units, kind: units}


def test_return_consumed_capacity_total_and_indexes(server):
    c = ddb(server)
    name = indexed_table(c)
    item = {"pk": {"S": "a"}, "sk": {"S": "1"}, "g": {"S": "G"}, "l": {"S": "L"}}
    r = c.put_item(TableName=name, Item=item, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": name, **cap("WriteCapacityUnits", 3.0)}
    r = c.put_item(TableName=name, Item=item, ReturnConsumedCapacity="INDEXES")
    assert r["ConsumedCapacity"] == {
        "TableName": name,
        **cap("WriteCapacityUnits", 3.0),
        "Table": cap("WriteCapacityUnits", 1.0),
        "GlobalSecondaryIndexes": {"by-g": cap("WriteCapacityUnits", 1.0)},
        "LocalSecondaryIndexes": {"by-l": cap("WriteCapacityUnits", 1.0)},
    }
    # An item of 1.5 KB costs two write units on the table; an item without index keys
    # costs nothing on the indexes.
    big = {"pk": {"S": "b"}, "sk": {"S": "1"}, "d": {"S": "x" * 1500}}
    r = c.put_item(TableName=name, Item=big, ReturnConsumedCapacity="INDEXES")
    assert r["ConsumedCapacity"] == {
        "TableName": name,
        **cap("WriteCapacityUnits", 2.0),
        "Table": cap("WriteCapacityUnits", 2.0),
    }
    # Changing a GSI key deletes the old entry and puts the new one: two writes.
    r = c.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}, "sk": {"S": "1"}},
        UpdateExpression="SET g = :g",
        ExpressionAttributeValues={":g": {"S": "H"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert r["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"by-g": cap("WriteCapacityUnits", 2.0)}
    assert r["ConsumedCapacity"]["CapacityUnits"] == 4.0
    # Shrinking an item is billed at its larger, former size.
    r = c.update_item(
        TableName=name,
        Key={"pk": {"S": "b"}, "sk": {"S": "1"}},
        UpdateExpression="REMOVE d",
        ReturnConsumedCapacity="TOTAL",
    )
    assert r["ConsumedCapacity"] == {"TableName": name, **cap("WriteCapacityUnits", 2.0)}

    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    r = c.get_item(TableName=name, Key=key, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": name, **cap("ReadCapacityUnits", 0.5)}
    r = c.get_item(TableName=name, Key=key, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")
    assert r["ConsumedCapacity"] == {
        "TableName": name,
        **cap("ReadCapacityUnits", 1.0),
        "Table": cap("ReadCapacityUnits", 1.0),
    }
    r = c.query(
        TableName=name,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "H"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert r["Count"] == 1
    assert r["ConsumedCapacity"] == {
        "TableName": name,
        **cap("ReadCapacityUnits", 0.5),
        "GlobalSecondaryIndexes": {"by-g": cap("ReadCapacityUnits", 0.5)},
    }
    r = c.scan(TableName=name, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": name, **cap("ReadCapacityUnits", 0.5)}
    assert "ConsumedCapacity" not in c.scan(TableName=name, ReturnConsumedCapacity="NONE")

    r = c.batch_get_item(RequestItems={name: {"Keys": [key, {"pk": {"S": "b"}, "sk": {"S": "1"}}]}}, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == [{"TableName": name, **cap("ReadCapacityUnits", 1.0)}]
    r = c.batch_write_item(
        RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"S": str(i)}}}} for i in range(3)]},
        ReturnConsumedCapacity="TOTAL",
    )
    assert r["ConsumedCapacity"] == [{"TableName": name, **cap("WriteCapacityUnits", 3.0)}]
    # Transactions cost twice.
    r = c.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "d"}, "sk": {"S": "1"}}}}],
        ReturnConsumedCapacity="INDEXES",
    )
    assert r["ConsumedCapacity"] == [
        {"TableName": name, **cap("WriteCapacityUnits", 2.0), "Table": cap("WriteCapacityUnits", 2.0)}
    ]
    r = c.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": key}}], ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == [{"TableName": name, **cap("ReadCapacityUnits", 2.0)}]
    r = c.delete_item(TableName=name, Key=key, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": name, **cap("WriteCapacityUnits", 3.0)}

    with pytest.raises(ClientError) as e:
        c.get_item(TableName=name, Key=key, ReturnConsumedCapacity="ALL")
    assert err(e) == invalid(
        "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
    )


def test_return_item_collection_metrics(server):
    c = ddb(server)
    name = indexed_table(c)
    plain = table(c, range_type="S")
    metrics = {"ItemCollectionKey": {"pk": {"S": "a"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    item = {"pk": {"S": "a"}, "sk": {"S": "1"}, "l": {"S": "L"}}
    r = c.put_item(TableName=name, Item=item, ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == metrics
    r = c.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}, "sk": {"S": "1"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "1"}},
        ReturnItemCollectionMetrics="SIZE",
    )
    assert r["ItemCollectionMetrics"] == metrics
    r = c.put_item(TableName=name, Item=item, ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in r
    # Tables without local secondary indexes have no item collections.
    r = c.put_item(TableName=plain, Item=item, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in r
    r = c.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
            ],
            plain: [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}}],
        },
        ReturnItemCollectionMetrics="SIZE",
    )
    assert r["ItemCollectionMetrics"] == {
        name: [metrics, {"ItemCollectionKey": {"pk": {"S": "b"}}, "SizeEstimateRangeGB": [0.0, 1.0]}]
    }
    r = c.transact_write_items(
        TransactItems=[{"Delete": {"TableName": name, "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}}}}],
        ReturnItemCollectionMetrics="SIZE",
    )
    assert r["ItemCollectionMetrics"] == {name: [metrics]}
    r = c.delete_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"S": "1"}}, ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"] == metrics
    with pytest.raises(ClientError) as e:
        c.put_item(TableName=name, Item=item, ReturnItemCollectionMetrics="ALL")
    assert err(e) == invalid(
        "1 validation error detected: Value 'ALL' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"
    )
