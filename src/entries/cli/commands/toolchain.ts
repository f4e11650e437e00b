import { loadManifest, resolveTool, type ToolName, ToolNotFoundError } from '../../../base/toolchain/tools.ts';
import { EXIT } from '../../../base/errors.ts';

interface ToolRow {
  tool: ToolName;
  pinned: string;
  path: string | null;
  origin: string;
  problem?: string;
}

/** Print which binary each pinned tool resolves to. Exit 2 when one is missing. */
export function showToolchain(options: { json?: boolean }): number {
  const manifest = loadManifest();
  const rows: ToolRow[] = (Object.keys(manifest.tools) as ToolName[]).map((tool) => {
    try {
      const resolved = resolveTool(tool, manifest);
      return { tool, pinned: manifest.tools[tool].version, path: resolved.path, origin: resolved.origin };
    } catch (error) {
      if (!(error instanceof ToolNotFoundError)) throw error;
      return { tool, pinned: manifest.tools[tool].version, path: null, origin: 'missing', problem: error.message };
    }
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    for (const row of rows) {
      process.stdout.write(`${row.tool.padEnd(22)} ${row.pinned.padEnd(8)} ${row.origin.padEnd(8)} ${row.path ?? row.problem}\n`);
    }
  }
  return rows.some((row) => row.path === null) ? EXIT.usageOrHarness : EXIT.ok;
}
