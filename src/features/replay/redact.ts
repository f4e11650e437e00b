/**
 * Redaction of chosen fields inside a history's JSON payloads, for data that must not enter the repository.
 *
 * Every `json/plain` payload (workflow input and result, activity inputs and results, signals, failure details)
 * is decoded, each property named in `fields` (at any depth) gets a token in place of its value, and the payload
 * is encoded again. A token is a keyed hash of the value, so equal values stay equal (a workflow comparing
 * two redacted ids still takes the same branch) while the value itself cannot be read back.
 *
 * Limits: replay stays correct only where the workflow does not branch on the redacted values themselves
 * (their size, format or arithmetic); failure messages and stack traces are text, not payloads, and are not
 * redacted; payloads that are not `json/plain` (binary, encrypted, protobuf) are left as they are.
 */
import { createHmac } from 'node:crypto';

const JSON_PLAIN = Buffer.from('json/plain').toString('base64');

export interface Redaction {
  fields: readonly string[];
  /** Key of the token hash. The same key gives the same tokens, so re-recording stays byte-identical. */
  key: string;
}

export function redactionToken(value: unknown, key: string): string {
  return `redacted:${createHmac('sha256', key).update(JSON.stringify(value)).digest('hex').slice(0, 16)}`;
}

function redactValue(value: unknown, redaction: Redaction, fields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redaction, fields));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [
        name,
        fields.has(name) ? redactionToken(inner, redaction.key) : redactValue(inner, redaction, fields),
      ]),
    );
  }
  return value;
}

function isJsonPayload(node: Record<string, unknown>): node is { metadata: { encoding: string }; data: string } {
  const metadata = node.metadata as Record<string, unknown> | undefined;
  return typeof node.data === 'string' && metadata?.encoding === JSON_PLAIN;
}

/** Redact a history in its JSON form (as `temporal workflow show --output json` prints it). Returns a new object. */
export function redactHistoryJson(history: unknown, redaction: Redaction): unknown {
  const fields = new Set(redaction.fields);
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (isJsonPayload(record)) {
      const decoded = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as unknown;
      const redacted = redactValue(decoded, redaction, fields);
      return { ...record, data: Buffer.from(JSON.stringify(redacted)).toString('base64') };
    }
    return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, walk(value)]));
  };
  return walk(history);
}

/**
 * What recording does with failure stack traces, which carry the worker machine's absolute paths:
 * `keep` them as the server has them, `strip` them, or `redact` the paths (frames keep their function and the
 * file's name: `at toActivityError (.../errors.ts:27:32)`; files under node_modules keep their package path).
 */
export type StackTraces = 'keep' | 'strip' | 'redact';
export const STACK_TRACE_MODES: readonly StackTraces[] = ['keep', 'strip', 'redact'];

/** An absolute path (POSIX, Windows or file: URL) where a stack frame or a quoted message has one. */
const ABSOLUTE_PATH = /(?<=^|[\s('"])(?:file:\/\/)?(?:\/|[A-Za-z]:[\\/])[^\s()'":]*(?::(?![0-9])[^\s()'":]*)*/g;

export function redactPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (found) => {
    const unified = found.replace(/\\/g, '/');
    const modules = unified.lastIndexOf('/node_modules/');
    return modules >= 0 ? unified.slice(modules + 1) : `.../${unified.slice(unified.lastIndexOf('/') + 1)}`;
  });
}

/** A history in its JSON form with every failure's stack trace stripped or its paths redacted. Returns a new object. */
export function treatStackTraces(history: unknown, mode: Exclude<StackTraces, 'keep'>): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>).flatMap(([name, value]): [string, unknown][] => {
      if (name !== 'stackTrace' || typeof value !== 'string') return [[name, walk(value)]];
      return mode === 'strip' ? [] : [[name, redactPaths(value)]];
    });
    return Object.fromEntries(entries);
  };
  return walk(history);
}
