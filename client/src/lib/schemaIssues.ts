import type { IssueLike } from './fieldMessage';

/** A zod issue as the browser sees it (the shape of zod v4's issues, without importing zod here). */
export interface SchemaIssue extends IssueLike {
  code: string;
  path: PropertyKey[];
}

/** Any shared zod schema: the forms check the same object the server validates with (STYLE.md §2). */
export interface Validator {
  safeParse(value: unknown): { success: boolean; error?: { issues: readonly SchemaIssue[] } };
}

/** The first issue per field, keyed like server field errors (`commission.bySegment.buzzer`, `_` for the whole form). */
export function schemaIssues(schema: Validator, value: unknown): Record<string, SchemaIssue> {
  const out: Record<string, SchemaIssue> = {};
  const result = schema.safeParse(value);
  if (result.success || !result.error) return out;
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' && 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as string[]) : [null];
    for (const k of keys) {
      const field = [...issue.path.map(String), ...(k ? [k] : [])].join('.') || '_';
      if (!(field in out)) out[field] = issue;
    }
  }
  return out;
}
