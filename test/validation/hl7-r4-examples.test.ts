/**
 * 0 false rejections: every example of hl7.fhir.r4.examples below the body limit is validated as input
 * (`validateResource`, and `validateBundle` for Bundles) and must not be rejected (a deterministic
 * quarter of them by default, see EVERY). The only exceptions
 * are examples the spec itself makes invalid, each with the rule it breaks (the HL7 validator reports
 * the same errors on them).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isError, validateBundle, validateResource, warmUpValidation } from '../../src/validation';

const R4 = join(__dirname, '..', '..', '.cache', 'fhir-packages', 'hl7.fhir.r4.examples');
/** The README's default BODY_LIMIT_BYTES. */
const BODY_LIMIT = 10 * 1024 * 1024;

const SEARCH_PARAMETER_WITHOUT_BASE =
  'SearchParameter.base is 1..* (https://hl7.org/fhir/R4/searchparameter.html#resource)';
const LOGICAL_MODEL_WITHOUT_BASE =
  'sdf-4: a StructureDefinition that is not abstract SHALL have a baseDefinition';
const IG_WITHOUT_NAME_STATUS =
  'ImplementationGuide.name and .status are 1..1 (https://hl7.org/fhir/R4/implementationguide.html#resource)';

const FULL_URL_NOT_THE_RESOURCE =
  'an entry fullUrl …/Patient/pat12 holds Patient pat2: "fullUrl SHALL NOT disagree with the id" (bundle.html)';

/** file → the spec rule it breaks. */
const INVALID_IN_THE_SPEC: Record<string, string> = {
  'Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json': FULL_URL_NOT_THE_RESOURCE,
  'Bundle-3a0707d3-549e-4467-b8b8-5a2ab3800efe.json': FULL_URL_NOT_THE_RESOURCE,
  'Bundle-lri-example.json': FULL_URL_NOT_THE_RESOURCE,
  'ig-r4.json': IG_WITHOUT_NAME_STATUS,
  'ImplementationGuide-fhir.json': IG_WITHOUT_NAME_STATUS,
  'Questionnaire-qs1.json':
    'Questionnaire.item.linkId is 1..1 (https://hl7.org/fhir/R4/questionnaire.html#resource)',
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json':
    'id is at most 64 characters (https://hl7.org/fhir/R4/datatypes.html#id); this one has 67',
  'StructureDefinition-Definition.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-Event.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-FiveWs.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-Request.json': LOGICAL_MODEL_WITHOUT_BASE,
  ...Object.fromEntries(
    ['CodeSystem', 'ValueSet'].flatMap((t) =>
      ['author', 'effective', 'end', 'keyword', 'workflow'].map((p) => [
        `SearchParameter-${t.toLowerCase()}-extensions-${t}-${p}.json`,
        SEARCH_PARAMETER_WITHOUT_BASE,
      ]),
    ),
  ),
};

/**
 * Every example takes ~60 s of CPU (6 min on a busy 2-core machine), so by default a deterministic
 * sample: every 4th file in name order, plus the known-invalid ones. HL7_EXAMPLES=all checks them all.
 */
const EVERY = process.env.HL7_EXAMPLES === 'all' ? 1 : 4;

function exampleFiles(): string[] {
  return readdirSync(R4)
    .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
    .sort()
    .filter((f, i) => i % EVERY === 0 || f in INVALID_IN_THE_SPEC)
    .filter((f) => statSync(join(R4, f)).size <= BODY_LIMIT);
}

function inputErrors(resource: { resourceType?: unknown }): OperationOutcomeIssue[] {
  if (resource.resourceType !== 'Bundle') return validateResource(resource).filter(isError);
  const { bundleIssues, entries } = validateBundle(resource);
  return [...bundleIssues, ...entries.flat()].filter(isError);
}

describe('hl7.fhir.r4.examples as input', () => {
  beforeAll(() => {
    if (!existsSync(join(R4, 'package.json'))) {
      throw new Error('HL7 example packages not found: run `bash scripts/fetch-fhir-packages.sh` first');
    }
    warmUpValidation();
  });

  it('rejects none of the examples except those the spec makes invalid', () => {
    const files = exampleFiles();
    expect(files.length).toBeGreaterThan(5000 / EVERY);
    const rejected: Record<string, OperationOutcomeIssue[]> = {};
    for (const file of files) {
      const resource = JSON.parse(readFileSync(join(R4, file), 'utf8')) as { resourceType?: unknown };
      if (typeof resource.resourceType !== 'string') continue;
      const found = inputErrors(resource);
      if (found.length > 0) rejected[file] = found.slice(0, 3);
    }
    const unexpected = Object.fromEntries(
      Object.entries(rejected).filter(([file]) => !(file in INVALID_IN_THE_SPEC)),
    );
    console.log(
      `hl7.fhir.r4.examples: ${files.length} files, ${Object.keys(rejected).length} rejected ` +
        `(${Object.keys(INVALID_IN_THE_SPEC).length} invalid in the spec)`,
    );
    expect(unexpected).toEqual({});
    // The known-invalid ones are still caught: the list cannot hide a validator that accepts everything.
    expect(Object.keys(rejected).sort()).toEqual(Object.keys(INVALID_IN_THE_SPEC).sort());
  }, 900_000);
});
