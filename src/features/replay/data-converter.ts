/**
 * The user's data converter, for histories whose payloads are encrypted or custom-encoded.
 *
 * Contract (`tempest replay --data-converter <module>`): the module exports `dataConverter` (named, or as the
 * default export), the very object a team passes to `Worker.create({ dataConverter })` and
 * `new Client({ dataConverter })`:
 *
 *   export const dataConverter: DataConverter = {
 *     payloadCodecs: [new EncryptionCodec(key)],          // optional: decoded in reverse order
 *     payloadConverterPath: './payload-converter.ts',     // optional: a module exporting `payloadConverter`
 *     failureConverterPath: './failure-converter.ts',     // optional: a module exporting `failureConverter`
 *   };
 *
 * Relative converter paths are resolved from the module's own folder. The replay worker decodes with the codecs
 * and bundles the payload converter into the workflow code, exactly as a worker does; strict mode compares the
 * values both converters decode, so an encrypted argument that changed is still reported as the value it holds.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DataConverter, defaultPayloadConverter, type PayloadCodec, type PayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { PayloadValues } from './compare.ts';
import type { History } from '../../base/history/history-file.ts';
import { UsageError } from '../../base/errors.ts';

type Payload = temporal.api.common.v1.IPayload;

export class DataConverterError extends UsageError {
  override name = 'DataConverterError';
}

/** The user's data converter as the replay worker and the comparison use it. */
export interface LoadedReplayConverter {
  /** For the worker: absolute converter paths and the codecs. */
  dataConverter: DataConverter;
  payloadConverter: PayloadConverter;
  codecs: PayloadCodec[];
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Import a module; `named` is how messages name it (the path as the user gave it). */
async function importModule(file: string, named: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new DataConverterError(`${named}: no such file`);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new DataConverterError(`${named}: cannot load it: ${firstLine(error)}`);
  }
}

const isCodec = (value: unknown): value is PayloadCodec =>
  !!value && typeof (value as PayloadCodec).encode === 'function' && typeof (value as PayloadCodec).decode === 'function';

/** Load and check the module named by `--data-converter`; every problem names the flag, the file and the field. */
export async function loadReplayConverter(modulePath: string, flag = '--data-converter'): Promise<LoadedReplayConverter> {
  const file = path.resolve(modulePath);
  const module = await importModule(file, `${flag} ${modulePath}`);
  const exported = (module.dataConverter ?? (module.default as Record<string, unknown> | undefined)?.dataConverter ?? module.default) as
    DataConverter | undefined;
  if (!exported || typeof exported !== 'object') {
    throw new DataConverterError(
      `${flag} ${modulePath}: exports no dataConverter (expected \`export const dataConverter = { payloadCodecs: [...], payloadConverterPath?: '...' }\`)`,
    );
  }
  const codecs = exported.payloadCodecs ?? [];
  if (!Array.isArray(codecs) || !codecs.every(isCodec)) {
    throw new DataConverterError(
      `${flag} ${modulePath}: dataConverter.payloadCodecs must be an array of codecs, each with encode() and decode()`,
    );
  }
  const resolveFrom = (field: 'payloadConverterPath' | 'failureConverterPath'): string | undefined => {
    const value = exported[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new DataConverterError(`${flag} ${modulePath}: dataConverter.${field} must be a file path`);
    const resolved = path.resolve(path.dirname(file), value);
    if (!existsSync(resolved)) throw new DataConverterError(`${flag} ${modulePath}: dataConverter.${field} ${value}: no such file`);
    return resolved;
  };
  const payloadConverterPath = resolveFrom('payloadConverterPath');
  const failureConverterPath = resolveFrom('failureConverterPath');
  let payloadConverter: PayloadConverter = defaultPayloadConverter;
  if (payloadConverterPath) {
    const converterModule = await importModule(
      payloadConverterPath,
      `${flag} ${modulePath}: dataConverter.payloadConverterPath ${payloadConverterPath}`,
    );
    const candidate = converterModule.payloadConverter as PayloadConverter | undefined;
    if (!candidate || typeof candidate.fromPayload !== 'function' || typeof candidate.toPayload !== 'function') {
      throw new DataConverterError(
        `${flag} ${modulePath}: dataConverter.payloadConverterPath ${payloadConverterPath} exports no payloadConverter (with toPayload and fromPayload)`,
      );
    }
    payloadConverter = candidate;
  }
  return { dataConverter: { payloadCodecs: codecs, payloadConverterPath, failureConverterPath }, payloadConverter, codecs };
}

/** The payload lists the comparison reads: what the workflow passed to commands, and what it returned. */
function comparedPayloads(history: History): Payload[][] {
  return (history.events ?? []).flatMap((event) => {
    const lists = [
      event.activityTaskScheduledEventAttributes?.input?.payloads,
      event.startChildWorkflowExecutionInitiatedEventAttributes?.input?.payloads,
      event.signalExternalWorkflowExecutionInitiatedEventAttributes?.input?.payloads,
      event.workflowExecutionCompletedEventAttributes?.result?.payloads,
      event.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads,
      event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads,
    ];
    return lists.filter((list): list is Payload[] => !!list && list.length > 0);
  });
}

function valueOf(converter: PayloadConverter, payload: Payload): unknown {
  try {
    return converter.fromPayload(payload as never);
  } catch (error) {
    return { undecodable: firstLine(error) };
  }
}

/**
 * Payload values for the comparison: the history's payloads go through the codecs (in reverse order) and then the
 * payload converter; the code's payloads are captured before any codec, so only the converter applies.
 */
export async function payloadValues(
  history: History,
  converter?: Pick<LoadedReplayConverter, 'payloadConverter' | 'codecs'>,
): Promise<PayloadValues> {
  const payloadConverter = converter?.payloadConverter ?? defaultPayloadConverter;
  const decoded = new Map<Payload, Payload | Error>();
  const codecs = converter?.codecs ?? [];
  if (codecs.length > 0) {
    for (const encoded of comparedPayloads(history)) {
      try {
        let payloads = encoded as Parameters<PayloadCodec['decode']>[0];
        for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
        encoded.forEach((payload, i) => decoded.set(payload, payloads[i]!));
      } catch (error) {
        for (const payload of encoded) decoded.set(payload, error as Error);
      }
    }
  }
  return {
    history: (payloads) =>
      (payloads ?? []).map((payload) => {
        const plain = decoded.get(payload) ?? payload;
        return plain instanceof Error ? { undecodable: `the payload codec failed: ${firstLine(plain)}` } : valueOf(payloadConverter, plain);
      }),
    code: (payloads) => (payloads ?? []).map((payload) => valueOf(payloadConverter, payload)),
  };
}
