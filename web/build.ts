/**
 * `npm start` runs this first: builds web/dist with Vite when it is missing or
 * older than its sources (web/src, shared/), and says nothing otherwise.
 */
import { buildWebIfStale } from "./builder.ts";

const started = Date.now();
if (await buildWebIfStale()) console.log(`Web app built in ${Date.now() - started} ms (web/dist)`);
