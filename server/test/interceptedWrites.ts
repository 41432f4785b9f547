import * as groupCommit from '../src/db/groupCommit';

/** A Mongoose model, named as its documents' constructor names it. */
type NamedModel = { modelName: string };

/**
 * Runs `before` ahead of the next store of a new `model` document (that `when` accepts) — every new
 * order and ledger entry reaches the database through groupCommit.insertNew. `before` may throw: the
 * store then fails as a crash or a dropped connection between two writes would make it fail.
 */
export function beforeNextInsert(model: NamedModel, before: () => Promise<void> | void, when: (doc: Record<string, unknown>) => boolean | Promise<boolean> = () => true): void {
  const real = groupCommit.insertNew;
  let done = false;
  jest.spyOn(groupCommit, 'insertNew').mockImplementation(async (doc) => {
    if (!done && (doc.constructor as Partial<NamedModel>).modelName === model.modelName && (await when(doc.toObject() as Record<string, unknown>))) {
      done = true;
      await before();
    }
    return real(doc);
  });
}

/** The next store of a new `model` document (that `when` accepts) fails. */
export function failNextInsert(model: NamedModel, when?: (doc: Record<string, unknown>) => boolean | Promise<boolean>, message = 'ledger unavailable'): void {
  beforeNextInsert(
    model,
    () => {
      throw new Error(message);
    },
    when,
  );
}
