/**
 * The project root (where package.json is), found upwards from this file: the same answer from the
 * sources (src/) and from the compiled build (dist/src/), so mappings/, profiles/ and the samples are
 * found either way.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (package.json) above ' + from);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot(__dirname);
