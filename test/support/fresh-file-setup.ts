// vitest setup file of the integration project: every file starts as in a worker of its own (./fresh-file.ts).
import { startAsFreshFile } from "./fresh-file.ts";

startAsFreshFile();
