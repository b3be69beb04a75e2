#!/usr/bin/env bash
# The test command (README, `npm test`): every jest suite, then one plain closing line
# "N passed, M failed" computed from jest's JSON report, so a run that executed no test cannot look green.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
report=.cache/jest-report.json
rm -f "$report"
npx jest --json --outputFile="$report" --forceExit "$@"
status=$?
node -e '
  const fs = require("fs");
  const f = process.argv[1];
  if (!fs.existsSync(f)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report"
if [ "$status" -eq 0 ] && [ "$(node -p "require('./$report').numPassedTests")" -eq 0 ]; then
  echo "no test was executed" >&2
  exit 1
fi
exit "$status"
