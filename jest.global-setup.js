// Runs once before the suites: the HL7 example packages the mapping/validation tests read.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
module.exports = async () => {
  execFileSync('bash', [path.join(process.cwd(), 'scripts', 'fetch-fhir-packages.sh')], { stdio: 'inherit' });
};
