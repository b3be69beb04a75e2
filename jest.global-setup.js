// Runs once before the suites: the HL7 example packages the mapping/validation tests read.
const { execFileSync } = require('node:child_process');
module.exports = async () => {
  execFileSync('bash', [require('node:path').join(__dirname, 'scripts', 'fetch-fhir-packages.sh')], { stdio: 'inherit' });
};
