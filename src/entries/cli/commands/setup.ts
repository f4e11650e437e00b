/** `tempest setup`: install the pinned binaries into the per-user cache (see toolchain/install.ts). */
import { setupTools } from '../../../base/toolchain/install.ts';
import { loadManifest, type ToolName } from '../../../base/toolchain/tools.ts';
import { EXIT, HarnessError, UsageError } from '../../../base/errors.ts';
import { printedCommand } from '../project.ts';

export function runSetup(tools: readonly string[], options: { json?: boolean }): number {
  const known = Object.keys(loadManifest().tools);
  const unknown = tools.filter((tool) => !known.includes(tool));
  if (unknown.length > 0) throw new UsageError(`unknown tool ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const say = (line: string): void => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  let results;
  try {
    results = setupTools(tools as ToolName[], (result) =>
      say(
        result.skipped
          ? `skipped   ${result.tool} ${result.version}, ${result.skipped}${result.installWith ? `: \`${printedCommand('setup', result.tool)}\` installs it` : ''}`
          : `${result.installed ? 'installed' : 'present  '} ${result.tool} ${result.version}${result.installed ? ` in ${(result.ms / 1000).toFixed(1)} s` : ''} -> ${result.path}`,
      ),
    );
  } catch (error) {
    // A ProvisionError names the tool, the registry, the command that failed and the remedy: on one line here.
    throw new HarnessError((error as Error).message.replace(/\n\s*/g, '; '), { cause: error });
  }
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    say(
      `toolchain ready (${results
        .filter((r) => !r.skipped)
        .map((r) => `${r.tool} ${r.version}`)
        .join(', ')})`,
    );
  return EXIT.ok;
}
