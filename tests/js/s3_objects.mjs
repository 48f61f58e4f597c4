// PutObject with string, Buffer and stream bodies (the SDK's default checksums), GetObject
// with ChecksumMode ENABLED (the SDK validates the checksum), HeadObject, CopyObject,
// tagging and DeleteObjects, in one bucket addressed path-style or virtual-hosted.
// Usage: node s3_objects.mjs BUCKET [path|virtual|virtual-s3]
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { writeFileSync, createReadStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  CopyObjectCommand,
  PutObjectTaggingCommand,
  GetObjectTaggingCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { s3, main, failure } from "./common.mjs";

const md5 = (b) => createHash("md5").update(b).digest("hex");

main(async ([bucket, style = "path"]) => {
  const connect = () =>
    style === "path" ? s3() : s3({ virtualHost: true, host: style === "virtual-s3" ? "s3.localhost" : "localhost" });
  const client = connect();
  const out = { style };
  const created = await client.send(new CreateBucketCommand({ Bucket: bucket }));
  out.createStatus = created.$metadata.httpStatusCode;
  out.location = created.Location ?? null;

  const bodies = {
    "string.txt": "hello from the JavaScript SDK\n",
    "buffer.bin": Buffer.from(Array.from({ length: 70000 }, (_, i) => i % 251)),
  };
  const put = {};
  for (const [key, body] of Object.entries(bodies)) {
    const r = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/plain" }));
    put[key] = { etag: r.ETag, crc32: r.ChecksumCRC32 ?? null, type: r.ChecksumType ?? null };
  }
  // A file stream (length known to the SDK) and a generated stream (length given).
  const dir = mkdtempSync(join(tmpdir(), "cloudlet-js-"));
  const fileBytes = Buffer.alloc(300 * 1024, "stream-bytes;");
  writeFileSync(join(dir, "f"), fileBytes);
  bodies["file-stream.bin"] = fileBytes;
  let r = await client.send(new PutObjectCommand({ Bucket: bucket, Key: "file-stream.bin", Body: createReadStream(join(dir, "f")) }));
  put["file-stream.bin"] = { etag: r.ETag, crc32: r.ChecksumCRC32 ?? null, type: r.ChecksumType ?? null };
  const genBytes = Buffer.from("0123456789abcdef".repeat(8192));
  bodies["readable.bin"] = genBytes;
  const chunks = [];
  for (let i = 0; i < genBytes.length; i += 10000) chunks.push(genBytes.subarray(i, i + 10000));
  r = await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: "readable.bin", Body: Readable.from(chunks), ContentLength: genBytes.length }),
  );
  put["readable.bin"] = { etag: r.ETag, crc32: r.ChecksumCRC32 ?? null, type: r.ChecksumType ?? null };
  out.put = put;

  out.get = {};
  for (const [key, body] of Object.entries(bodies)) {
    const g = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    const bytes = Buffer.from(await g.Body.transformToByteArray());
    out.get[key] = {
      matches: md5(bytes) === md5(Buffer.from(body)),
      length: bytes.length,
      contentLength: g.ContentLength,
      etag: g.ETag,
      crc32: g.ChecksumCRC32 ?? null,
      crc64nvme: g.ChecksumCRC64NVME ?? null,
      type: g.ChecksumType ?? null,
      contentType: g.ContentType,
    };
  }

  // The SDK does check: the same GET with its CRC32 header altered on the way in fails.
  const tampered = connect();
  tampered.middlewareStack.addRelativeTo(
    (next) => async (args) => {
      const r = await next(args);
      if (r.response?.headers?.["x-amz-checksum-crc32"]) r.response.headers["x-amz-checksum-crc32"] = "AAAAAA==";
      return r;
    },
    { name: "alterChecksum", relation: "after", toMiddleware: "flexibleChecksumsResponseMiddleware" },
  );
  out.tamperedGet = await failure(
    tampered
      .send(new GetObjectCommand({ Bucket: bucket, Key: "buffer.bin", ChecksumMode: "ENABLED" }))
      .then((g) => g.Body.transformToByteArray()),
  );

  const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "buffer.bin", ChecksumMode: "ENABLED" }));
  out.head = { contentLength: h.ContentLength, etag: h.ETag, contentType: h.ContentType, crc32: h.ChecksumCRC32 ?? null, lastModified: h.LastModified instanceof Date };

  const c = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy.txt", CopySource: `${bucket}/string.txt` }));
  out.copy = { etag: c.CopyObjectResult?.ETag, lastModified: c.CopyObjectResult?.LastModified instanceof Date };
  const cg = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "copy.txt" }));
  out.copy.body = await cg.Body.transformToString();

  await client.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: "copy.txt",
      Tagging: { TagSet: [{ Key: "team", Value: "web" }, { Key: "stage", Value: "dev" }] },
    }),
  );
  const t = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "copy.txt" }));
  out.tags = Object.fromEntries(t.TagSet.map((x) => [x.Key, x.Value]));

  const d = await client.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: [{ Key: "string.txt" }, { Key: "copy.txt" }, { Key: "never-existed" }] },
    }),
  );
  out.deleted = (d.Deleted ?? []).map((x) => x.Key).sort();
  out.deleteErrors = d.Errors ?? [];
  const l = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  out.remaining = (l.Contents ?? []).map((x) => x.Key);
  return out;
});
