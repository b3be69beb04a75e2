#!/usr/bin/env bash
# Fetches the HL7-published FHIR example packages (CC0) that the mapping/validation tests read:
#   hl7.fhir.r4.examples@4.0.1  (official R4 examples)   hl7.fhir.us.mcode@4.0.0  (mCODE STU4)
# They are large (~200 MB unpacked), so they are not devDependencies; they are unpacked into
# .cache/fhir-packages/<name>/ (git-ignored). `npm pack` is used rather than `npm install` because
# their FHIR-package dependencies (hl7.fhir.r4.core) are not published on the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/fhir-packages
for spec in hl7.fhir.r4.examples@4.0.1 hl7.fhir.us.mcode@4.0.0; do
  name=${spec%@*}
  [ -f "$dest/$name/package.json" ] && continue
  tmp=$(mktemp -d)
  npm pack "$spec" --pack-destination "$tmp" --loglevel=error >/dev/null
  mkdir -p "$dest/$name"
  tar -xzf "$tmp"/*.tgz -C "$dest/$name" --strip-components=1
  rm -rf "$tmp"
done
