/** Replacing every worker's code (deploying a fix, or a regression): permanent. Paths start at the project root. */
import path from 'node:path';
import { check } from '../../../base/definition.ts';
import type { WorkerCode } from '../cluster/types.ts';
import { defineFaultKind } from './kind.ts';

export interface DeployAction {
  kind: 'deploy';
  workflows?: string;
  activities?: string;
}

export const deployKind = defineFaultKind<DeployAction, void>({
  kind: 'deploy',
  summary: "every worker's code replaced (its workflows and/or activities module); permanent",
  validate(action, field) {
    check(
      typeof action.workflows === 'string' || typeof action.activities === 'string',
      field,
      'a deploy names the new workflows and/or activities module',
    );
  },
  needs: () => ['deploy'],
  describe: (action) => `deploy workers with ${[action.workflows, action.activities].filter(Boolean).join(' and ')}`,
  async apply(action, context) {
    const next: WorkerCode = {
      workflowsPath: action.workflows ? path.resolve(context.projectRoot, action.workflows) : context.code.workflowsPath,
      activitiesPath: action.activities ? path.resolve(context.projectRoot, action.activities) : context.code.activitiesPath,
    };
    await context.cluster.deployWorkers(next);
    context.deployed(next);
  },
});
