import { isSafeKey, isSafeLiteral, percentDecode, placeholder, classifyShared, type PlaceholderKind, PLACEHOLDER_KINDS } from './classify';
import { maskValue, replacement, type ValueContext } from './value';
import { personPairs } from './person-names';

// URL paths → route templates: "/api/v1/users/jane.doe%2540example.com/preferences" →
// "/api/v1/users/tok_…/preferences", "/auth/magic-link/eyJ…" → "/auth/magic-link/{jwt}".
// A segment is kept only when it is a known literal: a literal of a route the policy declares
// (`masking.routes`), or a word of the safe shape (classify.ts isSafeLiteral), optionally followed
// by a common file extension. Every other segment becomes its masked form (value.ts): a person of
// the row → their key, one piece of personal data → its operator, anything else → `{kind}`.

/** A declared route: its segments, each a literal or a `{name}` parameter. */
export interface RouteTemplate {
  segments: Array<{ literal: string } | { param: string }>;
}

/**
 * Parses the policy's `masking.routes` ("/api/v1/users/{id}/watch-history"). Throws Error on a
 * template that is not a path (no leading "/"). A parameter's name is shown as its placeholder
 * when the value holds no personal data: `{id}`, `{slug}`, …
 */
export function compileRoutes(routes: readonly string[]): RouteTemplate[] {
  return routes.map((r) => {
    if (!r.startsWith('/')) throw new Error(`route template "${r}" must start with "/"`);
    return {
      segments: r.split('/').map((s) => {
        const m = /^\{([A-Za-z_][\w-]*)\}$/.exec(s);
        return m ? { param: m[1]! } : { literal: s };
      }),
    };
  });
}

const EXTENSION = /^(.+)\.(html?|json|xml|txt|csv|css|js|png|jpe?g|gif|svg|webp|ico|pdf|m3u8|mpd|m4s|mp4|ts|vtt|webm)$/;

function matchRoute(segments: string[], routes: readonly RouteTemplate[]): RouteTemplate | undefined {
  return routes.find((r) => r.segments.length === segments.length && r.segments.every((s, i) => !('literal' in s) || s.literal === segments[i]));
}

// Tested before replacing: most segments need no escape, and a test allocates nothing.
const ESCAPED_IN_SEGMENT = /[/?#%\s]/;
const escapeSegment = (s: string) => (ESCAPED_IN_SEGMENT.test(s) ? s.replace(/[/?#%\s]/g, encodeURIComponent) : s);

/**
 * Path words learned from the traffic, as "position/word" (position 0-based in path.split('/')):
 * with a vocabulary, a word of the safe shape is a literal only when it is in it.
 */
export type PathVocabulary = ReadonlySet<string>;

function maskSegment(seg: string, at: number, c: ValueContext, vocabulary?: PathVocabulary, namePart = false): string {
  if (seg === '') return seg;
  if (namePart || (vocabulary && !vocabulary.has(`${at}/${seg}`))) {
    const person = c.people.get(seg) ?? c.people.get(percentDecode(seg));
    return escapeSegment(person ?? replacement(classifyShared(seg), c));
  }
  // EXTENSION needs a ".": most segments have none, and the pattern's backtracking costs more than the look.
  const ext = seg.includes('.') ? EXTENSION.exec(seg) : null;
  if (ext && isSafeLiteral(ext[1]!, c.personWords)) return seg;
  return escapeSegment(maskValue(seg, c));
}

/** A URL path (no query) as a route template; see the rule above. */
export function maskPath(path: string, c: ValueContext, routes: readonly RouteTemplate[] = [], vocabulary?: PathVocabulary): string {
  const segments = path.split('/');
  const route = routes.length ? matchRoute(segments, routes) : undefined;
  if (!route) {
    // A name written over two segments (`/users/anna/svensson`): neither is a literal.
    const names = personPairs(segments);
    // segments.map(…).join('/') as a loop: one string built, no array of masked segments.
    let out = maskSegment(segments[0]!, 0, c, vocabulary, names.has(0));
    for (let i = 1; i < segments.length; i++) out += `/${maskSegment(segments[i]!, i, c, vocabulary, names.has(i))}`;
    return out;
  }
  return segments
    .map((seg, i) => {
      const t = route.segments[i]!;
      if ('literal' in t) return seg;
      const person = c.people.get(seg) ?? c.people.get(percentDecode(seg));
      if (person !== undefined) return person;
      const cls = classifyShared(seg);
      if (cls.found.length) return escapeSegment(replacement(cls, c));
      return (PLACEHOLDER_KINDS as readonly string[]).includes(t.param) ? placeholder(t.param as PlaceholderKind) : `{${t.param}}`;
    })
    .join('/');
}

export interface QueryPolicy {
  /** Parameters whose values are kept when they are safe literals or short numbers. */
  keepQueryParams: readonly string[];
  /** Parameters whose values name a person: masked as person_id. */
  identifierParams: readonly string[];
}

// Characters a masked query value escapes: tested before replacing, as most have none.
const ESCAPED_IN_QUERY = /[&#\s%+]/;

/**
 * A query string (without "?"), form-decoded: each parameter name is kept when it has the shape
 * of a name (else masked like a value); identifier parameters' values become person keys; a
 * value of a `keepQueryParams` parameter is kept when it is a safe literal or a number of at
 * most five digits ("page=2", "sort=title"); every other value is masked by kind, a safe word
 * included ("genre={text}"): the row's person → their key, else replacement() (value.ts).
 */
export function maskQuery(query: string, c: ValueContext, q: QueryPolicy): string {
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), true);
      const maskedName = isSafeKey(name) ? name : maskValue(name, c);
      if (eq < 0) return encodeURIComponent(maskedName).replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%7B/g, '{').replace(/%7D/g, '}');
      const value = percentDecode(pair.slice(eq + 1), true);
      let masked: string;
      if (value === '') masked = '';
      else if (q.identifierParams.includes(name.toLowerCase())) masked = c.personKey(value);
      else if (q.keepQueryParams.includes(name) && (/^\d{1,5}$/.test(value) || isSafeLiteral(value, c.personWords))) masked = value;
      // Not kept, even as a safe word: a parameter's value is whatever its caller typed
      // (`local_part=ida-lindgren`), so only the allow-listed parameters show theirs.
      else masked = maskValue(value, c, false);
      return `${maskedName}=${ESCAPED_IN_QUERY.test(masked) ? masked.replace(/[&#\s%+]/g, encodeURIComponent) : masked}`;
    })
    .join('&');
}

/** A URL path and query string: the path as a route template, the query by maskQuery. */
export function maskResource(resource: string, c: ValueContext, q: QueryPolicy, routes: readonly RouteTemplate[] = [], vocabulary?: PathVocabulary): string {
  const hash = resource.indexOf('#');
  const noFragment = hash < 0 ? resource : resource.slice(0, hash);
  const at = noFragment.indexOf('?');
  const path = maskPath(at < 0 ? noFragment : noFragment.slice(0, at), c, routes, vocabulary);
  return at < 0 ? path : `${path}?${maskQuery(noFragment.slice(at + 1), c, q)}`;
}
