/**
 * Dropping what a point holds: a request never forwarded to its part (at `seen`), an answer lost after the part
 * applied the request (at `answered`), an activity attempt that never runs (at `started`), or its completion never
 * reported to Temporal (at `returned` or `failed`; the server's start-to-close timeout then decides). Placed only at
 * a point; nothing to heal.
 */
import { defineFaultKind } from './kind.ts';

export interface DropAction {
  kind: 'drop';
}

export const dropKind = defineFaultKind<DropAction, void>({
  kind: 'drop',
  summary:
    'what the point holds is dropped: a request before the part has it, an answer after it applied, a completion before Temporal has it',
  validate: () => undefined,
  needs: () => [],
  describe: () => 'dropped',
  atPointOnly: true,
  async apply(_action, { point }) {
    if (!point) throw new Error('a drop acts on a held point, and this one fired at none');
    point.drop();
  },
});
