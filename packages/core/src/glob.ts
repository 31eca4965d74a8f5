/** Compile a model allow-list glob (`*` = any run, `?` = one character) into a RegExp. */
function globToRegExp(glob: string): RegExp {
  const src = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`);
}

/** A matcher for a list of globs; an empty list matches nothing. */
export function compileGlobs(globs: readonly string[]): (name: string) => boolean {
  if (globs.includes('*')) return () => true;
  const res = globs.map(globToRegExp);
  return (name) => res.some((r) => r.test(name));
}
