// Errors as the SDK surfaces them: their exception names, HTTP statuses and request ids; and
// a streamed upload whose bytes change after the SDK computed their trailing CRC32.
// Usage: node s3_errors.mjs BUCKET
import { Readable, Transform } from "node:stream";
import {
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NoSuchBucket,
  NotFound,
  BucketAlreadyOwnedByYou,
} from "@aws-sdk/client-s3";
import { s3, main, failure } from "./common.mjs";

main(async ([bucket]) => {
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const check = async (promise, cls) => {
    let err;
    try {
      await promise;
    } catch (e) {
      err = e;
    }
    const f = await failure(Promise.reject(err ?? new Error("the call succeeded")));
    return { ...f, instance: err instanceof cls };
  };
  // The aws-chunked body altered on its way out (same length): its trailer no longer matches.
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: "original" }));
  const altering = s3();
  altering.middlewareStack.add(
    (next) => async (args) => {
      const body = args.request.body;
      if (body && typeof body.pipe === "function") {
        const alter = (chunk) => Buffer.from(chunk.toString("latin1").replace("stream-bytes", "STREAM-bytes"), "latin1");
        args.request.body = body.pipe(new Transform({ transform: (chunk, _enc, cb) => cb(null, alter(chunk)) }));
      }
      return next(args);
    },
    { step: "finalizeRequest", priority: "low" },
  );
  const sent = Buffer.from("stream-bytes ".repeat(1000));
  const badTrailer = await check(
    altering.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: Readable.from([sent]), ContentLength: sent.length })),
    Error,
  );
  const kept = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "kept" }));
  return {
    badTrailer,
    kept: await kept.Body.transformToString(),
    noSuchKey: await check(client.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })), NoSuchKey),
    noSuchBucket: await check(client.send(new ListObjectsV2Command({ Bucket: `${bucket}-gone` })), NoSuchBucket),
    headMissing: await check(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing" })), NotFound),
    // Outside us-east-1 (where re-creating one's own bucket succeeds, as on AWS).
    ownedByYou: await (async () => {
      const eu = s3({ region: "eu-west-1" });
      const cfg = { Bucket: `${bucket}-eu`, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } };
      await eu.send(new CreateBucketCommand(cfg));
      return check(eu.send(new CreateBucketCommand(cfg)), BucketAlreadyOwnedByYou);
    })(),
  };
});
