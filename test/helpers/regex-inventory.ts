/**
 * Every regular expression the project can run: literals and `new RegExp('…')` in src/ (read with the
 * TypeScript parser, not a regex), and every pattern string in mappings/ (keys `pattern`, `unless`,
 * `…Pattern`, `powerOfTenUnit`). A `new RegExp(x)` whose argument is not a string literal is listed as
 * dynamic, so a test can refuse it: a pattern nobody can check is not allowed on resource text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface FoundPattern {
  where: string;
  source: string;
  flags: string;
}

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

export function sourcePatterns(root: string): { patterns: FoundPattern[]; dynamic: string[] } {
  const patterns: FoundPattern[] = [];
  const dynamic: string[] = [];
  for (const file of files(join(root, 'src'), '.ts')) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const at = (n: ts.Node) =>
      `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(n)) {
        const text = n.text;
        const end = text.lastIndexOf('/');
        patterns.push({ where: at(n), source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText(sf) === 'RegExp') {
        const [arg, flags] = n.arguments ?? [];
        if (arg && ts.isStringLiteralLike(arg))
          patterns.push({
            where: at(n),
            source: arg.text,
            flags: flags && ts.isStringLiteralLike(flags) ? flags.text : '',
          });
        else dynamic.push(at(n));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { patterns, dynamic };
}

const PATTERN_KEY = /^(pattern|unless|powerOfTenUnit|[A-Za-z]+Pattern)$/;

export function dataPatterns(root: string): FoundPattern[] {
  const out: FoundPattern[] = [];
  const walk = (v: unknown, path: string, file: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, file));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && PATTERN_KEY.test(k))
          out.push({ where: `${file}: ${path}.${k}`, source: x, flags: 'i' });
        else walk(x, `${path}.${k}`, file);
      }
  };
  for (const file of files(join(root, 'mappings'), '.json'))
    walk(JSON.parse(readFileSync(file, 'utf8')), '$', relative(root, file));
  return out;
}
