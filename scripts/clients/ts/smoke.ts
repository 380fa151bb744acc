// A short script an ERP integrator could write with the types openapi-typescript generates from
// Vigie's contract and the openapi-fetch client, compiled with `tsc --strict` and run by `make test`
// against a live server: create incidents, page through them, read a problem.
// Usage: node smoke.js BASE_URL LOGIN PASSWORD
import createClient from "openapi-fetch";
import type { paths, components } from "./schema.js";

type Incident = components["schemas"]["Incident"];
type Problem = components["schemas"]["Problem"];

const [base, login, password] = process.argv.slice(2);

function fail(message: string): never {
  throw new Error(message);
}

const form = new URLSearchParams({ grant_type: "password", username: login, password });
const tokenAnswer = await fetch(`${base}/api/v1/auth/token`, { method: "POST", body: form });
const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };

const vigie = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });

const residences = await vigie.GET("/api/v1/residences", {});
const residenceId = residences.data?.items[0]?.id ?? fail(`no residence: ${JSON.stringify(residences.error)}`);

const created: Incident[] = [];
for (let i = 0; i < 3; i++) {
  const { data, error } = await vigie.POST("/api/v1/incidents", {
    body: {
      residence_id: residenceId,
      occurred_at: new Date(Date.now() - 3_600_000).toISOString(),
      category: "dumping",
      narrative: "Dépôt sauvage devant l'entrée (client TypeScript généré).",
      victims: [{ kind: "bailleur" }],
    },
  });
  created.push(data ?? fail(`creation refused: ${JSON.stringify(error)}`));
}

const seen: string[] = [];
let cursor: string | undefined;
let pages = 0;
do {
  const { data } = await vigie.GET("/api/v1/incidents", { params: { query: { limit: 2, cursor } } });
  const page = data ?? fail("no page");
  seen.push(...page.items.map((i) => i.id));
  cursor = page.next_cursor ?? undefined;
  pages++;
} while (cursor);
if (!created.every((c) => seen.includes(c.id)) || pages < 2) fail(`paging: ${pages} pages, ${seen.length} items`);

const missing = await vigie.GET("/api/v1/incidents/{id}", { params: { path: { id: "no-such-incident" } } });
const problem: Problem = (missing.error as Problem | undefined) ?? fail("no problem");
if (problem.code !== "not_found" || problem.status !== 404) fail(`problem: ${JSON.stringify(problem)}`);

console.log(`typescript client: created ${created.length}, read ${seen.length} incidents over ${pages} pages, problem ${problem.code}`);
