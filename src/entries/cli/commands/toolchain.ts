import { loadManifest, resolveTool, type ToolName, ToolNotFoundError } from '../../../base/toolchain/tools.ts';
import { EXIT } from '../../../base/errors.ts';

interface ToolRow {
  tool: ToolName;
  pinned: string;
  path: string | null;
  /** env, pinned or path; missing when not installed. */
  origin: string;
  /** What needs it, for a tool only some uses need (the services cluster's server and schema tool). */
  optional?: string;
  problem?: string;
}

/**
 * Print which binary each pinned tool resolves to. Exit 2 when a tool every project needs is missing; a missing
 * optional one (only the services cluster needs it, and `tempest setup` leaves it out unless named) is listed, not
 * an error, so a check built on this command passes right after `tempest setup`.
 */
export function showToolchain(options: { json?: boolean }): number {
  const manifest = loadManifest();
  const rows: ToolRow[] = (Object.keys(manifest.tools) as ToolName[]).map((tool) => {
    const spec = manifest.tools[tool];
    const optional = spec.optional ? { optional: spec.optional } : {};
    try {
      const resolved = resolveTool(tool, manifest);
      return { tool, pinned: spec.version, path: resolved.path, origin: resolved.origin, ...optional };
    } catch (error) {
      if (!(error instanceof ToolNotFoundError)) throw error;
      // An override that points nowhere is a mistake to fix, optional tool or not.
      const overridden = process.env[spec.env] ? {} : optional;
      return { tool, pinned: spec.version, path: null, origin: 'missing', ...overridden, problem: error.message };
    }
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    for (const row of rows) {
      const where =
        row.path ?? (row.optional ? `not installed (optional: ${row.optional}); \`npx tempest setup ${row.tool}\`` : row.problem);
      process.stdout.write(`${row.tool.padEnd(22)} ${row.pinned.padEnd(8)} ${row.origin.padEnd(8)} ${where}\n`);
    }
  }
  return rows.some((row) => row.path === null && !row.optional) ? EXIT.usageOrHarness : EXIT.ok;
}
