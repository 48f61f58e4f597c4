// Presigned PUT and GET URLs (s3-request-presigner) used with fetch, and an expired one.
// Usage: node s3_presign.mjs BUCKET
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { s3, main } from "./common.mjs";

main(async ([bucket]) => {
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = "uploaded through a presigned URL";

  const putUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: "presigned.txt", ContentType: "text/plain" }), { expiresIn: 300 });
  const put = await fetch(putUrl, { method: "PUT", body, headers: { "content-type": "text/plain" } });
  const putText = await put.text();

  const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: "presigned.txt" }), { expiresIn: 300 });
  const get = await fetch(getUrl);
  const getText = await get.text();

  // Signed for a time long past: the URL has expired.
  const old = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: "presigned.txt" }), {
    expiresIn: 60,
    signingDate: new Date(Date.now() - 3600 * 1000),
  });
  const expired = await fetch(old);
  const expiredText = await expired.text();

  const q = new URL(getUrl).searchParams;
  return {
    put: { status: put.status, etag: put.headers.get("etag"), body: putText },
    get: { status: get.status, body: getText, contentType: get.headers.get("content-type") },
    expired: { status: expired.status, code: /<Code>([^<]*)<\/Code>/.exec(expiredText)?.[1] ?? null },
    query: { algorithm: q.get("X-Amz-Algorithm"), expires: q.get("X-Amz-Expires"), hasSignature: q.has("X-Amz-Signature") },
  };
});
