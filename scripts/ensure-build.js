// `npm start` / `npm run cli` run compiled JavaScript; this builds first when dist/ is missing or
// older than a source file (so a fresh clone, or a `git pull`, never runs stale code).
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
// Written last by `npm run build`: its age is the build's.
const stamp = join(root, 'dist', 'src', 'validation', 'fhir-json-schema.standalone.js');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

const inputs = ['src', 'workers', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((p) =>
  join(root, p),
);
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changedAt = Math.max(...inputs.filter(existsSync).map(newestMtime));
if (changedAt > builtAt) {
  process.stderr.write(
    builtAt ? 'bitebridge: sources changed; rebuilding\n' : 'bitebridge: first run; building\n',
  );
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
