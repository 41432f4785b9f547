/** A user's text as a literal regex fragment: `.*` typed into search must not become a pattern. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Case-insensitive "contains" match for name search (works on MongoDB and FerretDB). */
export function containsText(text: string): { $regex: string; $options: string } {
  return { $regex: escapeRegex(text), $options: 'i' };
}

/** Case-insensitive whole-value match for filters such as city=malang. */
export function sameText(text: string): { $regex: string; $options: string } {
  return { $regex: `^${escapeRegex(text)}$`, $options: 'i' };
}
