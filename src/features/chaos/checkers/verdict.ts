/** The outcome of one invariant check: whether it held, and the minimal evidence when it did not. */
export interface Verdict {
  checker: string;
  ok: boolean;
  /** One line per violation, naming the workflow, key, account or order involved. */
  evidence: string[];
}

export function verdict(checker: string, evidence: string[]): Verdict {
  return { checker, ok: evidence.length === 0, evidence };
}
