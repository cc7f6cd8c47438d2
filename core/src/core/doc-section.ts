/**
 * Generated sections of the docs (docs/security.md's access table, docs/api.md's transactions): a
 * `## heading` section replaced by its generated text, up to the next `## ` heading.
 */
export function replaceDocSection(doc: string, heading: string, section: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`the document has no "## ${heading}" section`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(0, start + 1) + section + (next < 0 ? '' : doc.slice(next));
}
