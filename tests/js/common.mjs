// Shared by the scripts in this directory: clients aimed at the cloudlet named by
// CLOUDLET_ENDPOINT (http://127.0.0.1:PORT), and `main`, which prints a script's result as
// JSON on stdout or the error on stderr with a non-zero exit.
import http from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export const endpoint = process.env.CLOUDLET_ENDPOINT;
if (!endpoint) {
  console.error("CLOUDLET_ENDPOINT is not set (e.g. http://127.0.0.1:4566)");
  process.exit(2);
}
export const port = new URL(endpoint).port;

const common = {
  region: "us-east-1",
  // CLOUDLET_SECRET_ACCESS_KEY: another secret, to see a server with --strict-auth refuse it.
  credentials: { accessKeyId: "test", secretAccessKey: process.env.CLOUDLET_SECRET_ACCESS_KEY ?? "test" },
  maxAttempts: 1,
};

// `*.localhost` names are loopback (RFC 6761), as browsers and curl resolve them; the C
// library here does not, so virtual-hosted requests resolve them themselves.
function loopbackLookup(hostname, options, callback) {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) {
    if (options.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    return callback(null, "127.0.0.1", 4);
  }
  return callback(new Error(`refusing to resolve ${hostname}: only *.localhost is reachable`));
}

/** An S3 client. `virtualHost` addresses buckets as `{bucket}.{host}` of `host`'s endpoint. */
export function s3(opts = {}) {
  const { virtualHost, host, ...rest } = opts;
  if (!virtualHost) {
    return new S3Client({ ...common, endpoint, forcePathStyle: true, ...rest });
  }
  return new S3Client({
    ...common,
    endpoint: `http://${host ?? "localhost"}:${port}`,
    forcePathStyle: false,
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, lookup: loopbackLookup }) },
    ...rest,
  });
}

export function dynamodb() {
  return new DynamoDBClient({ ...common, endpoint });
}

/** Runs `fn` with the command-line arguments and prints what it returns as JSON. */
export async function main(fn) {
  try {
    const result = await fn(process.argv.slice(2));
    process.stdout.write(JSON.stringify(result) + "\n");
  } catch (err) {
    console.error(err?.stack ?? String(err));
    if (err?.$metadata) console.error(JSON.stringify({ name: err.name, $metadata: err.$metadata }));
    process.exit(1);
  }
}

/** The error `promise` rejects with, as name, HTTP status and message (or a failure if it resolves). */
export async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    return {
      name: err.name,
      code: err.Code ?? null,
      status: err.$metadata?.httpStatusCode ?? null,
      requestId: err.$metadata?.requestId ?? null,
      message: err.message,
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}
