/** Condition, Procedure and AdverseEvent forms beyond the code table. */
import { body, cc, condition, ICD10CM, map, only, procedure, SCT, text } from './helpers';

describe('Condition', () => {
  it('B-ALL with a non-marrow bodySite → Diagnosis + ExtramedullaryDisease', () => {
    const r = map(condition(cc(SCT, '277571004'), { bodySite: [cc(SCT, '1234567', 'Extradural space')] }));
    expect(r.events.map(body)).toEqual([
      { kind: 'Diagnosis', relapse: false, remission: false },
      { kind: 'ExtramedullaryDisease', site: `${SCT}|1234567`, myeloidSarcoma: false },
    ]);
  });
  it('B-ALL in bone marrow → Diagnosis only', () => {
    const r = map(condition(cc(SCT, '277571004'), { bodySite: [text('Bone marrow')] }));
    expect(r.events.map((e) => e.kind)).toEqual(['Diagnosis']);
  });
  it('SNOMED B-ALL + ICD C91.02 on one Condition → one Diagnosis with relapse', () => {
    const code = { coding: [...cc(SCT, '277571004').coding!, ...cc(ICD10CM, 'C91.02').coding!] };
    expect(body(only(map(condition(code))))).toEqual({ kind: 'Diagnosis', relapse: true, remission: false });
  });
  it('ICD-10-CM without a dot (C9102) is the same code', () => {
    expect(only(map(condition(cc(ICD10CM, 'C9102'))))).toMatchObject({ relapse: true });
  });
  it('clinicalStatus relapse counts as a relapse statement', () => {
    const r = map(condition(cc(SCT, '277571004'), { clinicalStatus: cc('x', 'relapse') }));
    expect(only(r)).toMatchObject({ relapse: true });
  });
  it('AML at a skin site → MyeloidDisease + ExtramedullaryDisease', () => {
    const r = map(condition(cc(SCT, '91861009'), { bodySite: [text('skin')] }));
    expect(r.events.map(body)).toEqual([
      { kind: 'MyeloidDisease', form: 'aml' },
      { kind: 'ExtramedullaryDisease', myeloidSarcoma: false },
    ]);
  });
  it('refuted → mapped, no event; entered-in-error → retracted', () => {
    const vs = (code: string) => ({
      verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', code),
    });
    expect(map(condition(cc(SCT, '277571004'), vs('refuted')))).toMatchObject({
      status: 'mapped',
      events: [],
    });
    expect(map(condition(cc(SCT, '277571004'), vs('entered-in-error')))).toMatchObject({
      status: 'retracted',
    });
  });
  it('onset from recordedDate when no onset; none at all → error', () => {
    expect(
      only(map(condition(cc(SCT, '277571004'), { onsetDateTime: undefined, recordedDate: '2024-05-05' }))),
    ).toMatchObject({
      at: '2024-05-05',
    });
    expect(map(condition(cc(SCT, '277571004'), { onsetDateTime: undefined })).issues[0].expression).toEqual([
      'Condition.onset[x]',
    ]);
  });
  it('CRS grade from a grade extension when the code is ungraded', () => {
    const ext = [{ url: 'http://example.org/fhir/StructureDefinition/astct-grade', valueInteger: 3 }];
    expect(only(map(condition(cc(ICD10CM, 'D89.839'), { extension: ext })))).toMatchObject({
      toxicity: 'crs',
      grade: 3,
    });
  });
  it('vincristine (peripheral) neurotoxicity is not ICANS', () => {
    expect(map(condition(text('Vincristine neurotoxicity, peripheral neuropathy'))).status).toBe('ignored');
  });
  it('unrelated Condition → ignored with its code', () => {
    const r = map(condition(cc(SCT, '301130004')));
    expect(r.status).toBe('ignored');
    expect(r.issues[0].diagnostics).toContain('301130004');
  });
});

describe('Procedure', () => {
  it.each([
    ['Allogeneic HSCT', 'allogeneic'],
    ['allo-SCT from sibling', 'allogeneic'],
    ['Autologous stem cell transplant', 'autologous'],
  ])('HSCT type from qualifier text %j', (t, transplantType) => {
    const code = { ...cc(SCT, '234336002'), text: t };
    expect(only(map(procedure(code)))).toMatchObject({ kind: 'Hsct', transplantType });
  });
  it('performedPeriod gives at and end; not-done gives no event', () => {
    const e = only(
      map(
        procedure(cc(SCT, '234336002'), {
          performedDateTime: undefined,
          performedPeriod: { start: '2024-04-01', end: '2024-04-02' },
        }),
      ),
    );
    expect(e).toMatchObject({ at: '2024-04-01', end: '2024-04-02' });
    expect(map(procedure(cc(SCT, '234336002'), { status: 'not-done' }))).toMatchObject({
      status: 'mapped',
      events: [],
    });
  });
  it('oxygen support Procedure (local code): level from the ConceptMap, raised by device text', () => {
    const system = 'http://example-hospital.org/fhir/CodeSystem/procedure';
    const o2 = (code: string, t?: string) =>
      map(procedure({ ...cc(system, code), ...(t ? { text: t } : {}) }), { source: 'example-hospital' });
    expect(body(only(o2('O2-HFNC')))).toEqual({ kind: 'OxygenSupport', level: 'high-flow' });
    expect(body(only(o2('O2')))).toEqual({ kind: 'OxygenSupport', level: 'low-flow' });
    expect(body(only(o2('O2', 'Oxygen via CPAP')))).toEqual({
      kind: 'OxygenSupport',
      level: 'positive-pressure',
    });
  });
  it('bone marrow aspiration → ignored', () => {
    expect(map(procedure(cc(SCT, '49401003'))).status).toBe('ignored');
  });
});

describe('AdverseEvent', () => {
  const ae = (event: unknown, more: Record<string, unknown> = {}) =>
    map({
      resourceType: 'AdverseEvent',
      id: 'ae1',
      actuality: 'actual',
      event,
      subject: { reference: 'Patient/src.p1' },
      date: '2024-03-03',
      ...more,
    });
  it('CRS by text, ungraded', () => {
    expect(body(only(ae(text('Cytokine release syndrome'))))).toEqual({ kind: 'Toxicity', toxicity: 'crs' });
  });
  it('CRS graded by its ICD-10-CM code', () => {
    expect(only(ae(cc(ICD10CM, 'D89.833')))).toMatchObject({ grade: 3 });
  });
  it('grade from a CTCAE-style extension with a coded value', () => {
    const extension = [
      { url: 'http://example.org/fhir/StructureDefinition/ctcae-grade', valueCodeableConcept: cc('x', '2') },
    ];
    expect(only(ae(text('ICANS'), { extension }))).toMatchObject({ toxicity: 'icans', grade: 2 });
  });
  it('potential → mapped, no event; other events → ignored', () => {
    expect(ae(text('HLH'), { actuality: 'potential' })).toMatchObject({ status: 'mapped', events: [] });
    expect(ae(cc(SCT, '304386008', 'itchy rash')).status).toBe('ignored');
  });
});
