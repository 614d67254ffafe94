/**
 * Entry of a local cloud in its own process (test/support/cloud-process.ts):
 * `npm start`'s infra/local/start.ts, with the test policies available.
 */
import { register } from "node:module";

register("./policy-hooks.mjs", import.meta.url);
await import("../../../infra/local/start.ts");
