/**
 * Builds web/dist once before the e2e files start (each file serves it from
 * its own local cloud). Skipped when the build is fresh.
 */
import { buildWebIfStale } from "../../web/builder.ts";

export default async function setup(): Promise<void> {
  await buildWebIfStale();
}
