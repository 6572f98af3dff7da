/** Which store of which task of which job a layer belongs to: the names every store error carries. */
export interface StoreContext {
  readonly job: string;
  readonly store: string;
  readonly task: string;
}

export function describeStore(context: StoreContext): string {
  return `store '${context.store}' of task '${context.task}'`;
}
