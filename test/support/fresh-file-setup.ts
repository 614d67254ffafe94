// vitest setup file of the integration and e2e projects: every file starts as in a worker of its own (./fresh-file.ts).
import { startAsFreshFile } from "./fresh-file.ts";
import { TEST_LOG_LEVEL } from "./test-log-level.ts";

startAsFreshFile();
// Read by the in-process Lambdas' logger when its module loads, which is after the reset above.
process.env.POWERTOOLS_LOG_LEVEL = TEST_LOG_LEVEL;
