// Errors as the SDK surfaces them: their exception names, HTTP statuses and request ids.
// Usage: node s3_errors.mjs BUCKET
import {
  CreateBucketCommand,
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
  return {
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
