/**
 * What `tempest init` finds in an existing Temporal TypeScript project: its package (module kind, test script,
 * whether vitest is installed), its workflows module, its activities module and how it is built, the task queue its
 * worker polls, and, read with the project's own TypeScript when it has one, each workflow's parameters and each
 * activity's result, so the files init writes run as written. Reads only; writes nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type TypeScript from 'typescript';
import { UsageError } from '../../base/errors.ts';

/** A workflow the workflows module exports, with sample arguments (TypeScript expressions) from its signature. */
export interface DetectedWorkflow {
  name: string;
  sampleArgs: string[];
}

/** An activity, with a sample result (a TypeScript expression) from its declared return type. */
export interface DetectedActivity {
  name: string;
  sampleResult: string;
}

export interface DetectedProject {
  root: string;
  /** "type": "module" in package.json. */
  esm: boolean;
  packageJson: { scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  /** Relative to the root, with forward slashes. */
  workflowsFile: string;
  workflows: DetectedWorkflow[];
  /** The activities module, when one was found. */
  activitiesFile?: string;
  /**
   * How the activities module gives its activities: `functions` exported one by one, a `factory` (createActivities,
   * or a default export) taking what it needs, or a factory already taking tempest's `{ parts }`.
   */
  activitiesShape?: 'functions' | 'factory' | 'parts-factory';
  activities: DetectedActivity[];
  taskQueue?: string;
  /** Where the task queue was found, for the printout. */
  taskQueueFrom?: string;
  /** The folder tests live in (test/, tests/ or __tests__/; test/ when none). */
  testDir: string;
  /** Existing vitest config file, if any. */
  vitestConfig?: string;
  /** Whether the signatures were read with TypeScript (else sample values are placeholders). */
  typed: boolean;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED = new Set(['node_modules', 'dist', 'lib', 'build', 'coverage', '.git', '.tempest', 'replay-histories']);

const slash = (file: string): string => file.split(path.sep).join('/');

/** The project's source files: everything but tests, builds, dependencies and declaration files, at most a few hundred. */
function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 6 || files.length > 500) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!/^(test|tests|__tests__)$/.test(entry.name)) walk(full, depth + 1);
      } else if (SOURCE.test(entry.name) && !/\.d\.[cm]?ts$|\.(test|spec)\.[cm]?[jt]s$|\.config\.[cm]?[jt]s$/.test(entry.name))
        files.push(full);
    }
  };
  walk(root, 0);
  return files.sort();
}

/** A relative module specifier from `from` (a file) resolved to a source file, trying TypeScript's extensions. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.[cm]?js$/, ''));
  const candidates = [
    base,
    ...['.ts', '.mts', '.cts', '.js', '.mjs'].map((ext) => base + ext),
    ...['index.ts', 'index.js'].map((f) => path.join(base, f)),
  ];
  return candidates.find((file) => existsSync(file) && statSync(file).isFile());
}

/** The module a worker's `workflowsPath` names: require.resolve('./x'), new URL('./x', import.meta.url), path.join(__dirname, 'x'). */
function workflowsPathOf(worker: string, text: string): string | undefined {
  const named =
    /workflowsPath\s*:\s*require\.resolve\(\s*['"]([^'"]+)['"]\s*\)/.exec(text) ??
    /workflowsPath\s*:\s*(?:fileURLToPath\()?\s*new URL\(\s*['"]([^'"]+)['"]/.exec(text) ??
    /workflowsPath\s*:\s*path\.(?:join|resolve)\(\s*__dirname\s*,\s*['"]([^'"]+)['"]/.exec(text);
  return named ? resolveRelative(worker, named[1]!.startsWith('.') ? named[1]! : `./${named[1]}`) : undefined;
}

/** The module a worker's `activities` come from, by the name it imports them under. */
function activitiesModuleOf(worker: string, text: string): string | undefined {
  const value = /\bactivities\s*(?::\s*([A-Za-z_$][\w$]*)|[,}\n])/.exec(text);
  const name = value?.[1] ?? 'activities';
  const imports = [...text.matchAll(/import\s+(?:type\s+)?([^;]*?)\s+from\s+['"](\.[^'"]+)['"]/g)];
  const found = imports.find(([, clause]) => new RegExp(`(^|[\\s{,*])(as\\s+)?${name.replace('$', '\\$')}([\\s},]|$)`).test(clause!));
  const viaCall = /activities\s*:\s*([A-Za-z_$][\w$]*)\s*\(/.exec(text)?.[1];
  const factory = viaCall && imports.find(([, clause]) => new RegExp(`\\b${viaCall}\\b`).test(clause!));
  const specifier = (factory ?? found)?.[2];
  return specifier ? resolveRelative(worker, specifier) : undefined;
}

/** The task queue a worker polls: a string literal, or a constant exported by another module of the project. */
function taskQueueOf(text: string, files: readonly string[]): string | undefined {
  const written = /taskQueue\s*:\s*['"`]([^'"`$]+)['"`]/.exec(text);
  if (written) return written[1];
  const constant = /taskQueue\s*:\s*([A-Za-z_$][\w$.]*)/.exec(text)?.[1]?.split('.').at(-1);
  if (!constant) return undefined;
  for (const file of files) {
    const value = new RegExp(`(?:export\\s+)?const\\s+${constant}\\s*(?::\\s*string\\s*)?=\\s*['"\`]([^'"\`$]+)['"\`]`).exec(
      readFileSync(file, 'utf8'),
    );
    if (value) return value[1];
  }
  return undefined;
}

/** The project's TypeScript, when it has one (init reads signatures with it; tempest itself does not depend on it). */
function projectTypeScript(root: string): typeof TypeScript | undefined {
  try {
    return createRequire(path.join(root, 'package.json'))('typescript') as typeof TypeScript;
  } catch {
    return undefined;
  }
}

/** A string as a single-quoted TypeScript literal. */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A sample value of a type, as TypeScript source: what a first test passes or a double returns. */
function sampleOf(ts: typeof TypeScript, checker: TypeScript.TypeChecker, type: TypeScript.Type, hint: string, depth = 0): string {
  const flags = type.getFlags();
  if (type.isStringLiteral()) return literal(type.value);
  if (type.isNumberLiteral()) return String(type.value);
  if (flags & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
  if (type.isUnion()) {
    const members = type.types.filter((t) => !(t.getFlags() & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)));
    return members.length === 0 ? 'undefined' : sampleOf(ts, checker, members[0]!, hint, depth);
  }
  if (flags & ts.TypeFlags.StringLike) return literal(/e-?mail(Address)?$/i.test(hint) ? 'ada@example.com' : `${hint || 'text'}-1`);
  if (flags & ts.TypeFlags.NumberLike) return '1';
  if (flags & ts.TypeFlags.BooleanLike) return 'true';
  if (flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never))
    return 'undefined';
  if (flags & ts.TypeFlags.Null) return 'null';
  if (checker.isArrayType(type) || checker.isTupleType(type)) return '[]';
  const awaited = checker.getAwaitedType(type);
  if (awaited && awaited !== type) return sampleOf(ts, checker, awaited, hint, depth);
  if (flags & ts.TypeFlags.Object && depth < 4 && type.getCallSignatures().length === 0) {
    const fields = checker
      .getPropertiesOfType(type)
      .filter((p) => !(p.getFlags() & ts.SymbolFlags.Optional))
      .map((p) => {
        const value = sampleOf(ts, checker, checker.getTypeOfSymbol(p), p.getName(), depth + 1);
        return `${/^[A-Za-z_$][\w$]*$/.test(p.getName()) ? p.getName() : literal(p.getName())}: ${value}`;
      });
    return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
  }
  return 'undefined';
}

interface Signatures {
  workflows: DetectedWorkflow[];
  activities: DetectedActivity[];
  activitiesShape?: DetectedProject['activitiesShape'];
}

/** Workflows and activities read with the project's TypeScript. */
function readSignatures(ts: typeof TypeScript, workflowsFile: string, activitiesFile: string | undefined): Signatures {
  const program = ts.createProgram([workflowsFile, ...(activitiesFile ? [activitiesFile] : [])], {
    allowJs: true,
    noEmit: true,
    skipLibCheck: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  const checker = program.getTypeChecker();
  const exportsOf = (file: string): TypeScript.Symbol[] => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    return module ? checker.getExportsOfModule(module) : [];
  };
  const callable = (symbol: TypeScript.Symbol): TypeScript.Signature | undefined => {
    const target = symbol.getFlags() & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declaration = target.valueDeclaration ?? target.declarations?.[0];
    if (!declaration) return undefined;
    return checker.getTypeOfSymbolAtLocation(target, declaration).getCallSignatures()[0];
  };
  const sampleArgs = (signature: TypeScript.Signature): string[] =>
    signature.getParameters().map((p) => sampleOf(ts, checker, checker.getTypeOfSymbol(p), p.getName()));
  const workflows = exportsOf(workflowsFile).flatMap((symbol) => {
    const signature = callable(symbol);
    return signature ? [{ name: symbol.getName(), sampleArgs: sampleArgs(signature) }] : [];
  });
  if (!activitiesFile) return { workflows, activities: [] };
  const exported = exportsOf(activitiesFile);
  const factory = exported.find((s) => s.getName() === 'createActivities') ?? exported.find((s) => s.getName() === 'default');
  const factorySignature = factory && callable(factory);
  if (factorySignature) {
    const first = factorySignature.getParameters()[0];
    const takesParts =
      first !== undefined && checker.getPropertiesOfType(checker.getTypeOfSymbol(first)).some((p) => p.getName() === 'parts');
    const made = checker.getAwaitedType(factorySignature.getReturnType()) ?? factorySignature.getReturnType();
    const activities = checker.getPropertiesOfType(made).flatMap((p) => {
      const signature = checker.getTypeOfSymbol(p).getCallSignatures()[0];
      return signature
        ? [{ name: p.getName(), sampleResult: sampleOf(ts, checker, signature.getReturnType(), `${p.getName()}Result`) }]
        : [];
    });
    return {
      workflows,
      activities,
      activitiesShape: takesParts || factorySignature.getParameters().length === 0 ? 'parts-factory' : 'factory',
    };
  }
  const activities = exported.flatMap((symbol) => {
    const signature = callable(symbol);
    return signature
      ? [{ name: symbol.getName(), sampleResult: sampleOf(ts, checker, signature.getReturnType(), `${symbol.getName()}Result`) }]
      : [];
  });
  return { workflows, activities, activitiesShape: 'functions' };
}

/** Without TypeScript: the exported functions' names, from the text. */
function readNames(workflowsFile: string, activitiesFile: string | undefined): Signatures {
  const names = (file: string): string[] =>
    [
      ...readFileSync(file, 'utf8').matchAll(
        // export (async) function name, or export const name = (async) (...) => / function
        /export\s+(?:async\s+function\s*\*?\s*|function\s*\*?\s*|const\s+(?=[A-Za-z_$][\w$]*\s*=\s*(?:async\s*)?(?:\(|function)))([A-Za-z_$][\w$]*)/g,
      ),
    ].map((m) => m[1]!);
  const workflows = names(workflowsFile).map((name) => ({ name, sampleArgs: [] }));
  if (!activitiesFile) return { workflows, activities: [] };
  const exported = names(activitiesFile);
  if (exported.includes('createActivities')) return { workflows, activities: [], activitiesShape: 'factory' };
  return { workflows, activities: exported.map((name) => ({ name, sampleResult: 'undefined' })), activitiesShape: 'functions' };
}

export interface DetectOptions {
  /** The workflows module, when the user named it (relative to the root). */
  workflows?: string;
  activities?: string;
  taskQueue?: string;
}

/** Inspect the project at `root`; a UsageError naming what is missing and the flag that gives it. */
export function detectProject(projectRoot: string, options: DetectOptions = {}): DetectedProject {
  const root = path.resolve(projectRoot);
  const packageFile = path.join(root, 'package.json');
  if (!existsSync(packageFile)) throw new UsageError(`no package.json in ${root}: run tempest init at the root of your Temporal project`);
  let packageJson: DetectedProject['packageJson'] & { type?: string };
  try {
    packageJson = JSON.parse(readFileSync(packageFile, 'utf8')) as typeof packageJson;
  } catch (error) {
    throw new UsageError(`${packageFile}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const files = sourceFiles(root);
  const texts = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
  const workers = files.filter((file) => /Worker\.create\s*\(/.test(texts.get(file)!));
  const given = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const file = path.resolve(root, value);
    if (!existsSync(file)) throw new UsageError(`${flag} ${value}: no such file`);
    return file;
  };

  const workflowModules = files.filter(
    (file) => /from\s+['"]@temporalio\/workflow['"]/.test(texts.get(file)!) && /\bexport\b/.test(texts.get(file)!),
  );
  const workflowsFile =
    given('--workflows', options.workflows) ??
    workers.map((worker) => workflowsPathOf(worker, texts.get(worker)!)).find((file) => file !== undefined) ??
    workflowModules.find((file) => /(^|[/\\])workflows(\/index)?\.[cm]?[jt]s$/.test(file)) ??
    (workflowModules.length === 1 ? workflowModules[0] : undefined);
  if (!workflowsFile) {
    const candidates = workflowModules.map((file) => slash(path.relative(root, file)));
    throw new UsageError(
      `found no workflows module${candidates.length > 1 ? ` among ${candidates.join(', ')}` : ''} (no Worker.create with a workflowsPath, no workflows.ts importing @temporalio/workflow): name it with --workflows <module>`,
    );
  }
  const activitiesFile =
    given('--activities', options.activities) ??
    workers.map((worker) => activitiesModuleOf(worker, texts.get(worker)!)).find((file) => file !== undefined) ??
    files.find((file) => /(^|[/\\])activities(\/index)?\.[cm]?[jt]s$/.test(file));
  const worker = workers[0];
  const taskQueue = options.taskQueue ?? (worker ? taskQueueOf(texts.get(worker)!, files) : undefined);

  const ts = projectTypeScript(root);
  const signatures = ts ? readSignatures(ts, workflowsFile, activitiesFile) : readNames(workflowsFile, activitiesFile);
  if (signatures.workflows.length === 0)
    throw new UsageError(
      `${slash(path.relative(root, workflowsFile))} exports no workflow function: name the workflows module with --workflows <module>`,
    );
  const testDir = ['test', 'tests', '__tests__'].find((dir) => existsSync(path.join(root, dir))) ?? 'test';
  const vitestConfig = [
    'vitest.config.ts',
    'vitest.config.mts',
    'vitest.config.js',
    'vitest.config.mjs',
    'vite.config.ts',
    'vite.config.js',
  ].find((f) => existsSync(path.join(root, f)));
  return {
    root,
    esm: packageJson.type === 'module',
    packageJson,
    workflowsFile: slash(path.relative(root, workflowsFile)),
    workflows: signatures.workflows,
    ...(activitiesFile ? { activitiesFile: slash(path.relative(root, activitiesFile)), activitiesShape: signatures.activitiesShape } : {}),
    activities: signatures.activities,
    ...(taskQueue ? { taskQueue, taskQueueFrom: options.taskQueue ? '--task-queue' : slash(path.relative(root, worker!)) } : {}),
    testDir,
    ...(vitestConfig ? { vitestConfig } : {}),
    typed: ts !== undefined,
  };
}
