// Screen one call against a running server, as a facility phone system would,
// written from proto/screening/v1/screening.proto alone.
//
//   npm install
//   node screen_call.js --facility LP-CIPINANG --inmate A-001 --number "0812-3456-7890"
//
// Options: --target HOST:PORT (default 127.0.0.1:50051), --name, --call-id,
// --deadline-ms (default 1000), --proto (path to screening.proto), and for
// TLS --ca FILE, for mutual TLS --cert FILE --key FILE. A client known by a
// bearer token: --token TOKEN, or SCREENING_TOKEN in the environment.
//
// Prints the response as JSON and exits 0. With no answer it prints the
// error and exits 2: the phone system must then NOT connect the call.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "127.0.0.1:50051" },
    facility: { type: "string" },
    inmate: { type: "string" },
    number: { type: "string" },
    name: { type: "string", default: "" },
    "call-id": { type: "string" },
    "deadline-ms": { type: "string", default: "1000" },
    proto: { type: "string", default: path.join(__dirname, "..", "..", "proto", "screening", "v1", "screening.proto") },
    ca: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    token: { type: "string", default: process.env.SCREENING_TOKEN || "" },
  },
});
for (const required of ["facility", "inmate", "number"]) {
  if (!args[required]) {
    console.error(`screen_call.js: --${required} is required`);
    process.exit(64);
  }
}

// Enums as their names ("DECISION_ALLOW"), int64 as strings, every field present.
const definition = protoLoader.loadSync(args.proto, {
  keepCase: true, enums: String, longs: String, defaults: true,
  includeDirs: [path.resolve(path.dirname(args.proto), "..", "..")],
});
const screening = grpc.loadPackageDefinition(definition).screening.v1;

function credentials() {
  if (!args.ca && !args.cert) return grpc.credentials.createInsecure();
  const read = (file) => (file ? fs.readFileSync(file) : null);
  return grpc.credentials.createSsl(read(args.ca), read(args.key), read(args.cert));
}

const client = new screening.CallScreeningService(args.target, credentials());
const request = {
  // One id per call attempt, and the SAME id on every retry of it: the
  // server answers a repeated id with the decision it gave the first time.
  call_id: args["call-id"] || `node-${crypto.randomUUID()}`,
  facility_id: args.facility,
  inmate_id: args.inmate,
  dialed_number: args.number,
  called_party_name: args.name,
  requested_at: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
};
// Who is asking, when the server knows its clients by token.
const metadata = new grpc.Metadata();
if (args.token) metadata.set("authorization", `Bearer ${args.token}`);
const RETRIED = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
const ATTEMPTS = 3;

function attempt(n) {
  const deadline = new Date(Date.now() + Number(args["deadline-ms"]));
  client.ScreenCall(request, metadata, { deadline }, (error, response) => {
    if (!error) {
      console.log(JSON.stringify(response, null, 2));
      client.close();
      return;
    }
    if (RETRIED.has(error.code) && n < ATTEMPTS) {
      setTimeout(() => attempt(n + 1), 100 * n); // same call_id: a retry, not a new call
      return;
    }
    // Fail closed: no answer means no call.
    console.error(`${grpc.status[error.code]}: ${error.details}; do not connect the call`);
    client.close();
    process.exitCode = 2;
  });
}

attempt(1);
