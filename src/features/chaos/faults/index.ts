/**
 * The fault kinds every scenario may use (each written against the protocol of kind.ts), and the registry of a
 * system's: these and the system's own `faultKinds`.
 */
import { type DeployAction, deployKind } from './deploy.ts';
import { type DropAction, dropKind } from './drop.ts';
import { type AnyFaultKind, FaultKinds } from './kind.ts';
import { type LinkDownAction, linkDownKind, type ToxicAction, toxicKind } from './links.ts';
import { type PersistenceAction, persistenceKind } from './persistence.ts';
import { killKind, pauseKind, type ProcessAction, restartKind } from './processes.ts';

export type { DeployAction, DropAction, LinkDownAction, PersistenceAction, ProcessAction, ToxicAction };

/** The built-in fault kinds, in the order explore generates them (a schedule's kinds are drawn in this order). */
export const BUILT_IN_FAULT_KINDS = [
  killKind,
  linkDownKind,
  pauseKind,
  toxicKind,
  restartKind,
  deployKind,
  persistenceKind,
  dropKind,
] as unknown as readonly AnyFaultKind[];

/** A built-in fault's action. */
export type BuiltInFaultAction = ToxicAction | LinkDownAction | ProcessAction | DeployAction | PersistenceAction | DropAction;

/** What a fault does: a built-in action, or one of a kind the system defines (`defineFaultKind`). */
export type FaultAction = BuiltInFaultAction | ({ kind: string } & Record<string, unknown>);

/** The built-in kinds only: what a scenario's shape is checked against before it meets its system. */
export const BUILT_IN = new FaultKinds(BUILT_IN_FAULT_KINDS);

/** The kinds a system's scenarios may use: the built-in ones, then the system's own. */
export function faultKindsOf(system: { faultKinds?: readonly AnyFaultKind[] }): FaultKinds {
  return system.faultKinds && system.faultKinds.length > 0 ? new FaultKinds([...BUILT_IN_FAULT_KINDS, ...system.faultKinds]) : BUILT_IN;
}
