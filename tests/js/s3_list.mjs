// ListObjectsV2 through paginateListObjectsV2: PREFIX/0000 … PREFIX/{COUNT-1} are written,
// then listed PAGE_SIZE at a time (and once more with a delimiter).
// Usage: node s3_list.mjs BUCKET COUNT PAGE_SIZE
import { CreateBucketCommand, PutObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { s3, main } from "./common.mjs";

main(async ([bucket, count, pageSize]) => {
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const n = Number(count);
  const keys = Array.from({ length: n }, (_, i) => `logs/${String(i).padStart(4, "0")}`);
  for (let i = 0; i < keys.length; i += 8) {
    await Promise.all(keys.slice(i, i + 8).map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
  }
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "other/x", Body: "x" }));

  const pages = [];
  for await (const page of paginateListObjectsV2({ client, pageSize: Number(pageSize) }, { Bucket: bucket, Prefix: "logs/" })) {
    pages.push({
      keys: (page.Contents ?? []).map((o) => o.Key),
      keyCount: page.KeyCount,
      isTruncated: page.IsTruncated,
      hasToken: Boolean(page.NextContinuationToken),
      sizes: (page.Contents ?? []).map((o) => o.Size),
    });
  }
  const prefixes = [];
  for await (const page of paginateListObjectsV2({ client, pageSize: 1 }, { Bucket: bucket, Delimiter: "/" })) {
    prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix));
  }
  return { pages, prefixes };
});
