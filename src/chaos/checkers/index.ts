/** Every checker by name: the invariants a scenario can require. */
import type { Observations } from '../observations.ts';
import type { CheckName } from '../scenario.ts';
import { checkMoneyConserved } from './money.ts';
import type { Verdict } from './verdict.ts';
import {
  checkAllFinished,
  checkBusinessErrorsNotRetried,
  checkHistoriesReplay,
  checkKeysAppliedOnceEverywhere,
  checkSagasCompletedOrCompensated,
  checkTransfersEndedValidly,
} from './workflows.ts';

export const CHECKERS: Record<CheckName, (observations: Observations) => Verdict> = {
  'money-conserved': (o) => checkMoneyConserved(o.bank, o.openingBankTotal),
  'transfers-ended-validly': checkTransfersEndedValidly,
  'keys-applied-once': checkKeysAppliedOnceEverywhere,
  'sagas-completed-or-compensated': checkSagasCompletedOrCompensated,
  'all-finished': checkAllFinished,
  'histories-replay': checkHistoriesReplay,
  'business-errors-not-retried': checkBusinessErrorsNotRetried,
};

export function runChecks(names: readonly CheckName[], observations: Observations): Verdict[] {
  return names.map((name) => CHECKERS[name](observations));
}

export type { Verdict };
