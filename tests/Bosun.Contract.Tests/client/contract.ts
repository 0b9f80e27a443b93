// An outside client of Bosun: types generated from the live /api/openapi.json by openapi-typescript, calls made with
// openapi-fetch. It compiles only if the document types the calls below (bodies, path parameters, answers and the
// ProblemDetails errors); it exits non-zero, saying why, if the server answers differently from the document.
// Run by tests/Bosun.Contract.Tests (TypeScriptClientTests) with BOSUN_URL, BOSUN_API_KEY and BOSUN_DEPLOYMENT set.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/bosun-api.js";

type ProblemDetails = components["schemas"]["ProblemDetails"];

function env(name: string): string {
  return process.env[name] ?? fail(`${name} is not set`);
}

function fail(message: string): never {
  throw new Error(message);
}

const baseUrl = env("BOSUN_URL");
const [flowName, deploymentName] = env("BOSUN_DEPLOYMENT").split("/");
const bosun = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${env("BOSUN_API_KEY")}` } });

const pool = await bosun.POST("/api/work_pools", { body: { name: "ts-pool", type: "process", description: "made by the TypeScript client" } });
if (pool.response.status !== 201 || !pool.data) fail(`create pool: ${pool.response.status} ${JSON.stringify(pool.error)}`);
const created: components["schemas"]["WorkPool"] = pool.data;

// A list walked page by page (limit, cursor, next_cursor), as every list of the API pages.
const queue = await bosun.POST("/api/work_pools/{pool}/queues", { params: { path: { pool: created.name } }, body: { name: "ts-queue" } });
if (queue.response.status !== 201) fail(`create queue: ${queue.response.status} ${JSON.stringify(queue.error)}`);
const queuePage = (cursor?: string) =>
  bosun.GET("/api/work_pools/{pool}/queues/page", { params: { path: { pool: created.name }, query: { limit: 1, cursor } } });
const queueNames: string[] = [];
let page = await queuePage();
for (;;) {
  if (!page.data) fail(`page through queues: ${JSON.stringify(page.error)}`);
  queueNames.push(...page.data.items.map((item) => item.name));
  const next = page.data.next_cursor;
  if (!next) break;
  page = await queuePage(next);
}
if (JSON.stringify([...queueNames].sort()) !== JSON.stringify(["default", "ts-queue"])) fail(`queues paged as ${JSON.stringify(queueNames)}`);
const foreign = await queuePage("not-a-cursor");
const badCursor: ProblemDetails | undefined = foreign.error;
if (foreign.response.status !== 400 || badCursor?.type !== "urn:bosun:problem:bad-request") {
  fail(`a foreign cursor: ${foreign.response.status} ${JSON.stringify(badCursor)}`);
}

const deployment = await bosun.GET("/api/deployments/name/{flow}/{name}", {
  params: { path: { flow: flowName ?? fail("no flow"), name: deploymentName ?? fail("no deployment") } },
});
if (!deployment.data) fail(`read deployment: ${JSON.stringify(deployment.error)}`);

const run = await bosun.POST("/api/deployments/{id}/create_flow_run", {
  params: { path: { id: deployment.data.id } },
  body: { parameters: { greeting: "hello" }, tags: ["typescript"] },
});
if (run.response.status !== 201 || !run.data) fail(`create run: ${run.response.status} ${JSON.stringify(run.error)}`);
const state: components["schemas"]["StateType"] = run.data.state.type;

const lines = ["first line from TypeScript", "second line from TypeScript"];
const written = await bosun.POST("/api/logs", {
  body: lines.map((message) => ({ flow_run_id: run.data.id, timestamp: new Date().toISOString(), level: "INFO" as const, message })),
});
if (written.response.status !== 204) fail(`write logs: ${written.response.status} ${JSON.stringify(written.error)}`);

const logs = await bosun.GET("/api/flow_runs/{id}/logs", { params: { path: { id: run.data.id }, query: { after: 0, limit: 100 } } });
if (!logs.data) fail(`read logs: ${JSON.stringify(logs.error)}`);
const read = logs.data.items.map((line) => line.message);
if (JSON.stringify(read) !== JSON.stringify(lines)) fail(`logs read back as ${JSON.stringify(read)}`);

// Refused calls: the error is typed as the document's ProblemDetails, with the kind's stable type URI.
const anonymous = createClient<paths>({ baseUrl });
const unauthorized = await anonymous.GET("/api/work_pools/{name}", { params: { path: { name: created.name } } });
if (!unauthorized.error) fail("reading a pool without a key was not refused");
const noKey: ProblemDetails = unauthorized.error;
if (unauthorized.response.status !== 401 || noKey.status !== 401 || noKey.type !== "urn:bosun:problem:unauthorized") {
  fail(`without a key: ${unauthorized.response.status} ${JSON.stringify(noKey)}`);
}

const invalid = await bosun.POST("/api/work_pools", { body: { name: "ts-pool-2", type: "ecs" } });
if (!invalid.error) fail("a pool of an unknown type was not refused");
const badType: ProblemDetails = invalid.error;
if (invalid.response.status !== 422 || badType.type !== "urn:bosun:problem:validation" || !badType.errors?.["type"]?.length) {
  fail(`unknown pool type: ${invalid.response.status} ${JSON.stringify(badType)}`);
}

console.log(JSON.stringify({ pool: created.name, run: run.data.id, state, logs: read.length, queues: queueNames.length, refused: [noKey.status, badType.status, badCursor.status] }));
