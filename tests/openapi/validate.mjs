#!/usr/bin/env node
// Validates recorded HTTP exchanges against an OpenAPI 3.1 document.
//
//   node tests/openapi/validate.mjs <openapi.json> <exchanges.json>
//
// <exchanges.json> is an array of
//   {"name": "...", "method": "GET", "path": "/api/v1/users/1...", "status": 200,
//    "headers": {"content-type": "...", ...}  (lower-case names),
//    "body": "<raw response body>", "expect": "valid" | "invalid"}
//
// For each exchange: the path must match a documented path (else the answer must be
// the router's 404), the method a documented operation (else the router's 405 with
// `Allow`); the status must be documented (or covered by `default`); the media type
// must be one the response lists; required headers must be present and match their
// schemas; the body must validate against the media type's schema (JSON Schema draft
// 2020-12 with formats, Ajv in strict mode). An exchange marked "invalid" must fail
// (the negative controls that show the check can fail).
//
// Every operation of the document must be exercised by at least one valid 2xx exchange,
// and a documented operation must not get the router's 404/405 (the route is missing).
//
// Exit status: 0 when every exchange met its expectation, 1 otherwise, 2 on bad input.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let Ajv2020, addFormats;
try {
  Ajv2020 = require("ajv/dist/2020").default;
  addFormats = require("ajv-formats").default;
} catch (error) {
  console.error(
    "validate.mjs: ajv is not installed (" + error.message + ").\n" +
      "Run scripts/install-test-tools.sh (npm ci at the repository root) first.");
  process.exit(2);
}

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];
const SCHEMAS_ID = "lantern:schemas";

function fail(message) {
  console.error("validate.mjs: " + message);
  process.exit(2);
}

if (process.argv.length !== 4) fail("usage: validate.mjs <openapi.json> <exchanges.json>");
let doc, exchanges;
try {
  doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
  exchanges = JSON.parse(readFileSync(process.argv[3], "utf8"));
} catch (error) {
  fail(error.message);
}
if (!Array.isArray(exchanges) || exchanges.length === 0) fail("no exchanges to validate");

// Component schemas live in one schema resource; "#/components/schemas/X" references
// anywhere in the document become references into it.
function relink(schema) {
  return JSON.parse(
    JSON.stringify(schema).replace(/"#\/components\/schemas\//g, `"${SCHEMAS_ID}#/$defs/`));
}

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema({ $id: SCHEMAS_ID, $defs: relink(doc.components?.schemas ?? {}) });

const compiled = new Map();
function validatorFor(schema) {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(relink(schema)));
  return compiled.get(key);
}

function resolve(value) {
  for (let depth = 0; value && typeof value.$ref === "string"; ++depth) {
    if (depth > 32 || !value.$ref.startsWith("#/")) fail("cannot resolve " + value.$ref);
    let target = doc;
    for (const raw of value.$ref.slice(2).split("/")) {
      target = target?.[raw.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    if (target === undefined) fail("unresolved " + value.$ref);
    value = target;
  }
  return value;
}

// Documented paths as regular expressions; literal paths win over templated ones.
const templates = Object.keys(doc.paths)
  .map((path) => ({
    path,
    literal: !path.includes("{"),
    regex: new RegExp(
      "^" + path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  }))
  .sort((a, b) => Number(b.literal) - Number(a.literal));

function findPath(path) {
  return templates.find((t) => t.regex.test(path))?.path;
}

function schemaErrors(validate, value, where) {
  if (validate(value)) return [];
  return validate.errors.map(
    (e) => `${where}${e.instancePath || ""} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
}

const errorSchema = { $ref: "#/components/schemas/Error" };

function checkJsonBody(exchange, schema, problems) {
  let body;
  try {
    body = JSON.parse(exchange.body);
  } catch (error) {
    problems.push("body is not JSON: " + error.message);
    return;
  }
  problems.push(...schemaErrors(validatorFor(schema), body, "body"));
}

function header(exchange, name) {
  return exchange.headers?.[name.toLowerCase()];
}

function check(exchange, exercised) {
  const problems = [];
  const method = exchange.method.toLowerCase();
  const mime = (header(exchange, "content-type") ?? "").split(";")[0].trim().toLowerCase();
  const path = findPath(exchange.path);

  if (!path || !doc.paths[path][method]) {
    // Answered by the router itself: 404 for an unknown path, 405 for another method.
    const expected = path ? 405 : 404;
    if (exchange.status !== expected) {
      problems.push(`${exchange.method} ${exchange.path} is not documented, so it must be ${expected}, got ${exchange.status}`);
    }
    if (expected === 405 && !header(exchange, "allow")) problems.push("405 without an Allow header");
    if (mime !== "application/json") problems.push(`content-type ${mime || "(none)"} is not application/json`);
    else checkJsonBody(exchange, errorSchema, problems);
    return problems;
  }

  const operation = doc.paths[path][method];
  const responses = operation.responses ?? {};
  const raw = responses[String(exchange.status)] ?? responses[String(exchange.status)[0] + "XX"] ?? responses.default;
  if (!raw) {
    problems.push(`status ${exchange.status} is not documented for ${method.toUpperCase()} ${path}`);
    return problems;
  }
  const response = resolve(raw);

  for (const [name, rawHeader] of Object.entries(response.headers ?? {})) {
    const spec = resolve(rawHeader);
    const value = header(exchange, name);
    if (value === undefined) {
      if (spec.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    if (spec.schema) problems.push(...schemaErrors(validatorFor(spec.schema), value, `header ${name}`));
  }

  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (exchange.body) problems.push("the response documents no body, but one was sent");
  } else if (!content[mime]) {
    problems.push(`content-type ${mime || "(none)"} is not one of ${Object.keys(content).join(", ")}`);
  } else if (mime === "application/json" || mime.endsWith("+json")) {
    checkJsonBody(exchange, content[mime].schema ?? {}, problems);
  } else if (content[mime].schema) {
    problems.push(...schemaErrors(validatorFor(content[mime].schema), exchange.body, "body"));
  }

  // The router's own answers on a documented operation mean the route is not served.
  if (exchange.status === 404 || exchange.status === 405) {
    try {
      const error = JSON.parse(exchange.body).error;
      if (error === "Resource not found." || error === "Method not allowed.") {
        problems.push(`${method.toUpperCase()} ${path} is documented but the server has no such route`);
      }
    } catch {
      // Not JSON: already reported above.
    }
  }

  if (problems.length === 0 && exchange.status < 300) exercised.add(`${method.toUpperCase()} ${path}`);
  return problems;
}

let mismatches = 0;
const exercised = new Set();
for (const exchange of exchanges) {
  const problems = check(exchange, exercised);
  const label = `${exchange.name} (${exchange.method} ${exchange.path} -> ${exchange.status})`;
  const expectValid = exchange.expect !== "invalid";
  if (expectValid && problems.length === 0) {
    console.log("ok      " + label);
  } else if (!expectValid && problems.length > 0) {
    console.log("ok      " + label + " rejected as expected: " + problems[0]);
  } else if (expectValid) {
    ++mismatches;
    console.log("FAIL    " + label);
    for (const problem of problems) console.log("          " + problem);
  } else {
    ++mismatches;
    console.log("FAIL    " + label + " was expected to be rejected, but it validates");
  }
}

for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    if (item[method] && !exercised.has(`${method.toUpperCase()} ${path}`)) {
      ++mismatches;
      console.log(`FAIL    no valid 2xx exchange exercised ${method.toUpperCase()} ${path}`);
    }
  }
}

console.log(`${exchanges.length} exchange(s), ${mismatches} problem(s)`);
process.exit(mismatches === 0 ? 0 : 1);
