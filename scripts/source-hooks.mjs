// In tempest's own repository only (never shipped): `tempest` and `tempest/<entry>` resolve to the TypeScript
// sources, so the examples use the public API exactly as a team does, without a build in between.
const sources = new URL('../src/entries/', import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const entry = /^tempest(?:\/([a-z-]+))?$/.exec(specifier);
  if (entry) return nextResolve(new URL(`${entry[1] ?? '.'}/index.ts`, sources).href, context);
  return nextResolve(specifier, context);
}
