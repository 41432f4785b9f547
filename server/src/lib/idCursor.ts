import mongoose from 'mongoose';
import type { Page } from '@tular/shared';
import { ValidationError } from './errors';

/**
 * Newest-first pagination on _id: unique and immutable, so pages never skip or repeat a row when
 * rows are added between requests. The cursor is the last row's id.
 */
export function idCursorFilter(cursor: string | undefined): { _id?: { $lt: mongoose.Types.ObjectId } } {
  if (!cursor) return {};
  if (!/^[a-f0-9]{24}$/i.test(cursor)) throw new ValidationError([{ path: 'query.cursor', message: 'must be a cursor from a previous page' }]);
  return { _id: { $lt: new mongoose.Types.ObjectId(cursor) } };
}

/** Call with `limit + 1` rows fetched; returns the page and the cursor of the next one. */
export function pageOf<T extends { _id: unknown }>(rows: T[], limit: number): { rows: T[]; page: Page } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return { rows: pageRows, page: { next: more ? String(pageRows[pageRows.length - 1]!._id) : null } };
}
