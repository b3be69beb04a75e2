/**
 * FHIRPath expressions for issue locations: `Bundle.entry[0].resource.status`, `Observation.code`.
 * Names that could not be FHIR element names (free text used as a JSON key) are never echoed back,
 * because a key can carry PHI as easily as a value.
 */

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The key itself when it looks like an element name, else a placeholder. */
export function safeElementName(key: string): string {
  return ELEMENT_NAME.test(key) ? key : '(invalid-name)';
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\[(\d+|x)\])*/;

/**
 * Keeps the part of an expression made of element names and indexes; anything after it (a key that
 * is free text, as another validator may echo it) becomes `(invalid-name)`.
 */
export function safeExpression(expression: string): string {
  let rest = expression;
  const kept: string[] = [];
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m || (rest.length > m[0].length && rest[m[0].length] !== '.')) {
      kept.push('(invalid-name)');
      break;
    }
    kept.push(m[0]);
    rest = rest.slice(m[0].length + 1);
  }
  return kept.join('.');
}

/** Splits an RFC 6901 JSON pointer (`/entry/0/resource`) into its unescaped tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `root` followed by each step: `[i]` for an array position, `.name` for a key (see safeElementName). */
export function spellSteps(root: string, steps: ReadonlyArray<string | number>): string {
  let out = root;
  for (const step of steps) out += typeof step === 'number' ? `[${step}]` : `.${safeElementName(step)}`;
  return out;
}

/**
 * Converts a JSON pointer inside `root` into a FHIRPath expression starting at `rootName`
 * (usually the resource type). Array positions become `[i]`; the data is walked so that a numeric
 * object key is not mistaken for an index.
 */
export function pointerToFhirPath(root: unknown, pointer: string, rootName: string): string {
  let expr = rootName;
  let node: unknown = root;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(node)) {
      expr += `[${token}]`;
      node = node[Number(token)];
    } else {
      expr += `.${safeElementName(token)}`;
      node =
        node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, token)
          ? (node as Record<string, unknown>)[token]
          : undefined;
    }
  }
  return expr;
}

/** The resource type to start an expression with (`Resource` when the input has none). */
export function rootNameOf(resource: unknown): string {
  const t = (resource as { resourceType?: unknown } | null)?.resourceType;
  return typeof t === 'string' && ELEMENT_NAME.test(t) ? t : 'Resource';
}
