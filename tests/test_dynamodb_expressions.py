"""DynamoDB expression errors as boto3 sees them: syntax errors with token and "near",
placeholders defined but unused or used but undefined, reserved words, overlapping and
conflicting update paths, operand types, function arity, key-condition operators — each
refused before anything is read or written."""

import pytest
from botocore.exceptions import ClientError

from conftest import unique

REGION = "sa-east-1"


def err(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def table(server):
    c = server.client("dynamodb", region=REGION)
    name = unique("expr")
    c.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    c.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "5"}, "s": {"S": "x"}, "l": {"L": [{"N": "1"}]}},
    )
    return c, name


KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}

UPDATE_ERRORS = [
    # A syntax error anywhere wins; then reserved words, function names, repeated
    # sections, names, values, paths, operand types.
    (
        {"UpdateExpression": "SET year = :nope,"},
        'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","',
    ),
    (
        {"UpdateExpression": "SET n = :nope, year = :v"},
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: year",
    ),
    (
        {"UpdateExpression": "SET n = :v SET s = :nope"},
        'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "n = n AND whatever(:nope) > s"},
        "Invalid ConditionExpression: Invalid function name; function: whatever",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "(n) BETWEEN (:v) AND ((:v))"},
        "Invalid ConditionExpression: The expression has redundant parentheses;",
    ),
    (
        {"UpdateExpression": "SET n = :v,"},
        'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","',
    ),
    (
        {"UpdateExpression": "SET n = :v", "ExpressionAttributeValues": {":v": {"N": "1"}, ":x": {"N": "2"}}},
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
    ),
    (
        {"UpdateExpression": "SET n = :nope", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
    ),
    (
        {"UpdateExpression": "SET #a = :v", "ExpressionAttributeNames": {"#b": "b"}},
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a",
    ),
    (
        {"UpdateExpression": "SET l = :v REMOVE l[0]"},
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l], path two: [l, [0]]",
    ),
    (
        {"UpdateExpression": "SET m.a = :v REMOVE m[0]"},
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [m, a], path two: [m, [0]]",
    ),
    (
        {"UpdateExpression": "SET size = :v"},
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: size",
    ),
    (
        {"UpdateExpression": "SET n = s + :v"},
        "An operand in the update expression has an incorrect data type",
    ),
    (
        {"UpdateExpression": "SET n = n + :s", "ExpressionAttributeValues": {":s": {"S": "1"}}},
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
    ),
    (
        {"UpdateExpression": "ADD s :s", "ExpressionAttributeValues": {":s": {"S": "1"}}},
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
    ),
    (
        {"UpdateExpression": "SET l = list_append(l)"},
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "n = n"},
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [n]",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "size(n, s) > :v"},
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "((n = :v))"},
        "Invalid ConditionExpression: The expression has redundant parentheses;",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "attribute_exists(:v)"},
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
    ),
    (
        {"UpdateExpression": "SET n = :v", "ConditionExpression": "n BETWEEN :v AND :s", "ExpressionAttributeValues": {":v": {"N": "1"}, ":s": {"S": "2"}}},
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:2}",
    ),
]


@pytest.mark.parametrize("kw,message", UPDATE_ERRORS)
def test_update_expression_errors_change_nothing(table, kw, message):
    c, name = table
    kw = dict(kw)
    if "UpdateExpression" in kw and ":v" in kw["UpdateExpression"] and "ExpressionAttributeValues" not in kw:
        kw["ExpressionAttributeValues"] = {":v": {"N": "1"}}
    with pytest.raises(ClientError) as e:
        c.update_item(TableName=name, Key=KEY, **kw)
    assert err(e) == ("ValidationException", message, 400)
    item = c.get_item(TableName=name, Key=KEY, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": "5"} and item["l"] == {"L": [{"N": "1"}]} and "m" not in item


QUERY_ERRORS = [
    ("pk = :p AND", 'Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"'),
    ("pk IN (:p)", "Invalid operator used in KeyConditionExpression: IN"),
    ("pk = :p OR sk = :n", "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :p AND sk <> :n", "Invalid operator used in KeyConditionExpression: <>"),
    ("pk = :p AND attribute_exists(sk)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("pk = :p AND sk > :n AND sk < :n", "KeyConditionExpressions must only contain one condition per key"),
    ("pk = :p AND sk > :n AND n < :n", "Conditions can be of length 1 or 2 only"),
    ("pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("pk = :p AND l[0] = :n", "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("pk = :p AND colour = :n", "Query condition missed key schema element: sk"),
    ("pk < :p", "Query key condition not supported"),
    ("pk = :n", "One or more parameter values were invalid: Condition parameter type does not match schema type"),
]


@pytest.mark.parametrize("expr,message", QUERY_ERRORS)
def test_key_condition_errors(table, expr, message):
    c, name = table
    values = {k: v for k, v in {":p": {"S": "a"}, ":n": {"N": "1"}}.items() if k in expr}
    with pytest.raises(ClientError) as e:
        c.query(TableName=name, KeyConditionExpression=expr, **({"ExpressionAttributeValues": values} if values else {}))
    assert err(e) == ("ValidationException", message, 400)


def test_filter_and_projection_errors(table):
    c, name = table
    with pytest.raises(ClientError) as e:
        c.scan(TableName=name, ProjectionExpression="pk, name")
    assert err(e) == (
        "ValidationException",
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
        400,
    )
    with pytest.raises(ClientError) as e:
        c.scan(TableName=name, FilterExpression="n IN (" + ", ".join([":v"] * 101) + ")", ExpressionAttributeValues={":v": {"N": "1"}})
    assert err(e) == (
        "ValidationException",
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101",
        400,
    )
    r = c.scan(TableName=name, FilterExpression="n IN (" + ", ".join([":v"] * 99 + [":w"]) + ")", ExpressionAttributeValues={":v": {"N": "1"}, ":w": {"N": "5"}})
    assert r["Count"] == 1
    with pytest.raises(ClientError) as e:
        c.scan(TableName=name, FilterExpression="begins_with(s, :v)", ExpressionAttributeValues={":v": {"N": "1"}})
    assert err(e) == (
        "ValidationException",
        "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        400,
    )
    with pytest.raises(ClientError) as e:
        c.scan(TableName=name, FilterExpression="s = :v", ExpressionAttributeValues={":v": {"S": "x"}}, ExpressionAttributeNames={"#x": "x"})
    assert err(e) == ("ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}", 400)


def test_values_need_an_expression_that_can_use_them(table):
    c, name = table
    vals = {":v": {"N": "1"}}
    cases = [
        (
            lambda: c.put_item(TableName=name, Item={**KEY, "n": {"N": "5"}}, ExpressionAttributeValues=vals),
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
        ),
        (
            lambda: c.update_item(
                TableName=name,
                Key=KEY,
                AttributeUpdates={"n": {"Action": "PUT", "Value": {"N": "9"}}},
                ExpressionAttributeValues=vals,
            ),
            "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null",
        ),
        (
            lambda: c.scan(TableName=name, ProjectionExpression="pk", ExpressionAttributeValues=vals),
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
        ),
        (
            lambda: c.query(
                TableName=name,
                KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
                ExpressionAttributeValues=vals,
            ),
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null",
        ),
        (
            lambda: c.get_item(TableName=name, Key=KEY, ExpressionAttributeNames={"#n": "n"}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("ValidationException", message, 400)
    assert c.get_item(TableName=name, Key=KEY, ConsistentRead=True)["Item"]["n"] == {"N": "5"}


def test_query_start_keys_and_filters_on_keys(table):
    c, name = table
    for i in range(2, 6):
        c.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}, "n": {"N": "1"}})
    vals = {":p": {"S": "a"}, ":n": {"N": "3"}}

    def q(expr, start, **kw):
        return c.query(TableName=name, KeyConditionExpression=expr, ExpressionAttributeValues=vals, ExclusiveStartKey=start, **kw)

    # Resuming inside the condition works (and excludes the start key itself).
    r = q("pk = :p AND sk >= :n", {"pk": {"S": "a"}, "sk": {"N": "4"}})
    assert [i["sk"]["N"] for i in r["Items"]] == ["5"]
    cases = [
        ("pk = :p AND sk >= :n", {"pk": {"S": "a"}, "sk": {"N": "2"}}, "The provided starting key does not match the range key predicate"),
        ("pk = :p AND sk >= :n", {"pk": {"S": "b"}, "sk": {"N": "4"}}, "The query can return at most one row and cannot be restarted"),
        ("pk = :p", {"pk": {"S": "b"}, "sk": {"N": "4"}}, "The provided starting key is outside query boundaries based on provided conditions"),
    ]
    for expr, start, message in cases:
        with pytest.raises(ClientError) as e:
            q(expr, start) if ":n" in expr else c.query(
                TableName=name, KeyConditionExpression=expr, ExpressionAttributeValues={":p": vals[":p"]}, ExclusiveStartKey=start
            )
        assert err(e) == ("ValidationException", message, 400)
    with pytest.raises(ClientError) as e:
        c.query(
            TableName=name,
            KeyConditionExpression="pk = :p",
            FilterExpression="sk > :n",
            ExpressionAttributeValues=vals,
        )
    assert err(e) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
        400,
    )
    # Scan filters may use key attributes.
    assert c.scan(TableName=name, FilterExpression="sk > :n", ExpressionAttributeValues={":n": {"N": "3"}})["Count"] == 2


def test_invalid_expression_values_name_their_key(table):
    c, name = table
    cases = [
        (
            {":v": {"N": "1E+200"}},
            "ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a number with magnitude larger than supported range for key :v",
        ),
        (
            {":v": {"SS": []}},
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :v",
        ),
        (
            {":v": {"L": [{"S": "a", "N": "1"}]}},
            "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes for key :v",
        ),
    ]
    for values, message in cases:
        with pytest.raises(ClientError) as e:
            c.scan(TableName=name, FilterExpression="n = :v", ExpressionAttributeValues=values)
        assert err(e) == ("ValidationException", message, 400)


def test_legacy_conditions_and_value_errors(server, table):
    c, name = table
    raw = server.client("dynamodb", region=REGION, config={"parameter_validation": False})
    cases = [
        (
            lambda: c.query(TableName=name, KeyConditions={"pk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "a"}]}}),
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            lambda: c.scan(TableName=name, ScanFilter={"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "2"}, {"N": "1"}]}}),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ),
        (
            lambda: c.scan(TableName=name, ScanFilter={"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "2"}, {"S": "1"}]}}),
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            lambda: c.scan(TableName=name, ScanFilter={"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"NS": ["1"]}]}}),
            "One or more parameter values were invalid: ComparisonOperator GT is not valid for NS AttributeValue type",
        ),
        (
            lambda: c.put_item(TableName=name, Item={**KEY, "x": {"NS": ["1", "1.0"]}}),
            "Input collection contains duplicates",
        ),
        (
            lambda: c.put_item(TableName=name, Item={**KEY, "x": {"BS": [b"b", b"b"]}}),
            "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.",
        ),
        (
            lambda: raw.scan(TableName=name, ExclusiveStartKey={"pk": {}, "sk": {"N": "1"}}),
            "The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("ValidationException", message, 400)


def test_updates_checked_against_keys_and_indexes(server):
    c = server.client("dynamodb", region=REGION)
    name = unique("upd")
    c.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "a"}}
    c.put_item(TableName=name, Item={**key, "n": {"N": "1"}, "m": {"M": {}}, "l": {"L": [{"S": "x"}]}})
    cases = [
        ("SET x = pk.y", {}, "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"),
        ("SET x = g[0]", {}, "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: g"),
        ("SET g = n + :v", {":v": {"N": "1"}}, "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"),
        ("ADD g :v", {":v": {"N": "1"}}, "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"),
        ("SET g = n", {}, "The update expression attempted to update the secondary index key to unsupported type"),
        ("REMOVE absent.x", {}, "The document path provided in the update expression is invalid for update"),
        ("REMOVE n[0]", {}, "The document path provided in the update expression is invalid for update"),
        ("DELETE m[0] :s", {":s": {"SS": ["a"]}}, "The document path provided in the update expression is invalid for update"),
        ("SET l = list_append(l, n)", {}, "An operand in the update expression has an incorrect data type"),
    ]
    for expr, values, message in cases:
        kw = {"ExpressionAttributeValues": values} if values else {}
        with pytest.raises(ClientError) as e:
            c.update_item(TableName=name, Key=key, UpdateExpression=expr, **kw)
        assert err(e) == ("ValidationException", message, 400), expr
    scalars = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed"
    reads = [
        (lambda: c.get_item(TableName=name, Key=key, ProjectionExpression="pk.x"), f"{scalars}: Key: pk"),
        (lambda: c.scan(TableName=name, ProjectionExpression="n, g[1]"), f"{scalars}: IndexKey: g"),
        (
            lambda: c.scan(TableName=name, FilterExpression="size(g.x) > :v", ExpressionAttributeValues={":v": {"N": "1"}}),
            f"{scalars}: IndexKey: g",
        ),
        (
            lambda: c.query(
                TableName=name,
                KeyConditionExpression="pk = :p",
                FilterExpression="attribute_exists(pk.y)",
                ExpressionAttributeValues={":p": {"S": "a"}},
            ),
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk",
        ),
    ]
    for call, message in reads:
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("ValidationException", message, 400)
    # Missing attributes and elements are no error for REMOVE.
    c.update_item(TableName=name, Key=key, UpdateExpression="REMOVE m.absent, l[5], absent")
    item = c.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
    assert item == {**key, "n": {"N": "1"}, "m": {"M": {}}, "l": {"L": [{"S": "x"}]}}
    # Start keys: an index's must name the table's and the index's keys, nothing else.
    starts = [
        (dict(IndexName="by-g", ExclusiveStartKey={"g": {"S": "x"}}), "The provided starting key is invalid"),
        (
            dict(IndexName="by-g", ExclusiveStartKey={"g": {"N": "1"}, "pk": {"S": "a"}}),
            "The provided key element does not match the schema",
        ),
        (
            dict(ExclusiveStartKey={"pk": {"S": "a"}, "n": {"N": "1"}}),
            "The provided starting key is invalid: The provided key element does not match the schema",
        ),
        (
            dict(ExclusiveStartKey={"pk": {"S": ""}}),
            "The provided starting key is invalid: One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
    ]
    for kw, message in starts:
        with pytest.raises(ClientError) as e:
            c.scan(TableName=name, **kw)
        assert err(e) == ("ValidationException", message, 400), kw
    r = c.scan(TableName=name, IndexName="by-g", ExclusiveStartKey={"g": {"S": "x"}, "pk": {"S": "a"}})
    assert r["Items"] == []
