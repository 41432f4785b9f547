import type mongoose from 'mongoose';
import * as groupCommit from '../src/db/groupCommit';

/**
 * Runs `before` ahead of the next store of a new `model` document (that `when` accepts) — every new
 * order and ledger entry reaches the database through groupCommit.insertNew. `before` may throw: the
 * store then fails as a crash or a dropped connection between two writes would make it fail.
 */
export function beforeNextInsert(model: mongoose.Model<never>, before: () => Promise<void> | void, when: (doc: Record<string, unknown>) => boolean | Promise<boolean> = () => true): void {
  const real = groupCommit.insertNew;
  let done = false;
  jest.spyOn(groupCommit, 'insertNew').mockImplementation(async (doc) => {
    if (!done && doc instanceof (model as unknown as typeof mongoose.Model) && (await when(doc.toObject() as Record<string, unknown>))) {
      done = true;
      await before();
    }
    return real(doc);
  });
}

/** The next store of a new `model` document (that `when` accepts) fails. */
export function failNextInsert(model: mongoose.Model<never>, when?: (doc: Record<string, unknown>) => boolean | Promise<boolean>, message = 'ledger unavailable'): void {
  beforeNextInsert(
    model,
    () => {
      throw new Error(message);
    },
    when,
  );
}
