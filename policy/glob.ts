// Policy patterns are globs (`*` any run of characters, `?` one character), because a governance
// team writes `eu-*` or `/public/*`, not regular expressions. Rules compare them in SQL with LIKE.

/** A glob as a LIKE pattern (backslash is LIKE's default escape character). */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

