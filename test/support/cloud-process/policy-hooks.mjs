// Module resolution hook of the local cloud child process (see child.ts): the shipped policies
// module resolves to one that adds the test policies of test/support/workflow.ts.
const SHIPPED = "/shared/domain/policy/shipped-policies.ts";
const REPLACEMENT = new URL("./test-policies.ts", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const url = new URL(resolved.url);
  if (url.pathname.endsWith(SHIPPED) && context.parentURL !== REPLACEMENT) {
    return { ...resolved, url: REPLACEMENT };
  }
  return resolved;
}
