// vitest setup file of the integration and e2e projects: every file starts as in a worker of its own (./fresh-file.ts).
import { startAsFreshFile } from "./fresh-file.ts";

startAsFreshFile();
