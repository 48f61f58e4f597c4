// lib-storage's Upload: a stream of SIZE bytes sent as a parallel multipart upload
// (partSize 5 MiB, queueSize 4), then read back and compared.
// Usage: node s3_upload.mjs BUCKET KEY SIZE [path|virtual]
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { s3, main } from "./common.mjs";

const MiB = 1024 * 1024;

// Deterministic bytes, in 1 MiB pieces of a stream whose length the SDK does not know.
function bytes(size) {
  const piece = (i) => {
    const b = Buffer.alloc(Math.min(MiB, size - i * MiB));
    for (let j = 0; j < b.length; j += 4) b.writeUInt32LE((i * MiB + j) >>> 0, j);
    return b;
  };
  const n = Math.ceil(size / MiB);
  return Array.from({ length: n }, (_, i) => piece(i));
}

main(async ([bucket, key, size, style = "path"]) => {
  const client = style === "path" ? s3() : s3({ virtualHost: true });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const pieces = bytes(Number(size));
  const sent = createHash("sha256");
  pieces.forEach((p) => sent.update(p));

  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: Readable.from(pieces), ContentType: "application/x-test" },
    partSize: 5 * MiB,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const parts = new Set();
  upload.on("httpUploadProgress", (p) => p.part && parts.add(p.part));
  const done = await upload.done();

  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
  const received = createHash("sha256");
  for await (const chunk of got.Body) received.update(chunk);
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return {
    etag: done.ETag,
    location: done.Location,
    key: done.Key,
    parts: [...parts].sort((a, b) => a - b),
    contentLength: head.ContentLength,
    contentType: head.ContentType,
    checksumType: head.ChecksumType ?? null,
    crc32: head.ChecksumCRC32 ?? null,
    sameBytes: sent.digest("hex") === received.digest("hex"),
    openUploads: (uploads.Uploads ?? []).length,
  };
});
