// A DynamoDB round trip through lib-dynamodb's DocumentClient: native JavaScript values put,
// got and queried (with a key condition, a filter and pagination).
// Usage: node dynamodb.mjs TABLE
import { CreateTableCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, QueryCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { dynamodb, main } from "./common.mjs";

main(async ([table]) => {
  const raw = dynamodb();
  await raw.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: table });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });

  const item = {
    pk: "user#1",
    sk: 1,
    name: "Ada",
    tags: new Set(["admin", "dev"]),
    profile: { langs: ["js", "rust"], active: true, nothing: null },
    score: 12.5,
    bytes: new Uint8Array([1, 2, 3]),
  };
  await doc.send(new PutCommand({ TableName: table, Item: item }));
  for (let sk = 2; sk <= 7; sk++) {
    await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#1", sk, name: `n${sk}`, even: sk % 2 === 0 } }));
  }
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#2", sk: 1, name: "Bob" } }));

  const got = await doc.send(new GetCommand({ TableName: table, Key: { pk: "user#1", sk: 1 }, ConsistentRead: true }));
  const g = got.Item;
  const q = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      FilterExpression: "#e = :t",
      ExpressionAttributeNames: { "#e": "even" },
      ExpressionAttributeValues: { ":pk": "user#1", ":lo": 2, ":hi": 7, ":t": true },
      ScanIndexForward: false,
    }),
  );
  const pages = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 3 }, { TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "user#1" } })) {
    pages.push(page.Items.map((i) => i.sk));
  }
  return {
    got: {
      ...g,
      tags: [...g.tags].sort(),
      bytes: [...g.bytes],
    },
    query: { sks: q.Items.map((i) => i.sk), count: q.Count, scanned: q.ScannedCount },
    pages,
  };
});
