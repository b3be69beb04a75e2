import fc from 'fast-check';
import { assemble, renderCourse } from '../../../src/domain/course/index';
import type { ClinicalEvent } from '../../../src/domain/events';
import { assertJsonClean, plusDays, Timeline } from './builders';

const RATES = [{ mcgPerDay: 9 }, { mcgPerDay: 28 }, { mcgPerM2PerDay: 5 }, { mcgPerM2PerDay: 15 }, {}];
const HOURS = ['08:00', '14:30', '23:00', null] as const;

const infusionBlock = fc.record({
  offset: fc.integer({ min: 0, max: 400 }),
  days: fc.integer({ min: 1, max: 35 }),
  rate: fc.constantFrom(...RATES),
  time: fc.constantFrom(...HOURS),
  bagHours: fc.constantFrom(0, 24, 48, 96),
  status: fc.constantFrom('completed', 'completed', 'stopped', 'not-done', 'in-progress', 'on-hold'),
});

const otherEvent = fc.record({
  offset: fc.integer({ min: -60, max: 500 }),
  kind: fc.constantFrom(
    'marrow',
    'counts',
    'mrd',
    'toxicity',
    'hsct',
    'cart',
    'relapse',
    'em',
    'pb',
    'status',
  ),
  value: fc.integer({ min: 0, max: 90 }),
});

/** A random patient timeline, built through the shared builder so the events look like mapping output. */
const timeline = fc
  .record({
    blocks: fc.array(infusionBlock, { maxLength: 8 }),
    others: fc.array(otherEvent, { maxLength: 25 }),
  })
  .map(({ blocks, others }) => {
    const t = new Timeline('hospa.prop');
    const base = '2020-01-01';
    for (const b of blocks) {
      const start = plusDays(base, b.offset);
      if (b.bagHours === 0 || b.time === null) {
        if (b.status === 'completed') t.daily(start, b.days, b.rate, b.time);
        else t.infusion({ at: start, status: b.status, ...b.rate });
      } else {
        for (let d = 0; d < b.days; d += Math.max(1, b.bagHours / 24)) {
          t.bag(`${plusDays(start, d)}T${b.time}:00Z`, b.bagHours, b.rate, b.status);
        }
      }
    }
    for (const o of others) {
      const at = plusDays(base, o.offset);
      switch (o.kind) {
        case 'marrow':
          t.marrow(at, o.value % 2 === 0 ? o.value / 10 : o.value);
          break;
        case 'counts':
          t.counts(at, o.value * 3, o.value / 20);
          break;
        case 'mrd':
          t.mrd(
            at,
            o.value % 3 === 0
              ? { detected: false, sensitivity: 1e-4 }
              : { fraction: 10 ** -(1 + (o.value % 5)) },
          );
          break;
        case 'toxicity':
          t.toxicity(at, (['crs', 'icans', 'hlh-mas'] as const)[o.value % 3]!, (o.value % 5) + 1);
          break;
        case 'hsct':
          t.hsct(at);
          break;
        case 'cart':
          t.carT(at);
          break;
        case 'relapse':
          t.diagnosis(at, { relapse: o.value % 2 === 0, remission: o.value % 2 === 1 });
          break;
        case 'em':
          t.extramedullary(at, { myeloidSarcoma: o.value % 4 === 0 });
          break;
        case 'pb':
          t.peripheralBlasts(at, o.value);
          break;
        default:
          t.diseaseStatus(at, o.value % 2 === 0 ? 'full-remission' : 'worsened');
      }
    }
    return t.events();
  });

/** The events shuffled, with some of them delivered twice. */
const shuffledWithDuplicates = timeline.chain((events) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.subarray(events),
    )
    .chain(([all, again]) =>
      fc
        .shuffledSubarray([...all, ...again.map((e) => structuredClone(e))], {
          minLength: all.length + again.length,
          maxLength: all.length + again.length,
        })
        .map((delivered) => ({ events, delivered })),
    ),
);

const RUNS = { numRuns: 150 };

describe('assembly properties', () => {
  it('gives deep-equal courses for the same events in any order, with duplicates', () => {
    fc.assert(
      fc.property(shuffledWithDuplicates, ({ events, delivered }) => {
        expect(assemble(delivered)).toEqual(assemble(events));
      }),
      RUNS,
    );
  });

  it('gives the same courses when the events arrive in overlapping batches, concatenated in any order', () => {
    fc.assert(
      fc.property(
        timeline,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (events, a, b) => {
          const i = Math.floor((a / 100) * events.length);
          const j = Math.max(i, Math.floor((b / 100) * events.length));
          const batches: ClinicalEvent[][] = [events.slice(0, j), events.slice(i)];
          expect(assemble([...batches[1]!, ...batches[0]!])).toEqual(assemble(events));
        },
      ),
      RUNS,
    );
  });

  it('keeps the structural invariants: sorted courses, 1–28 infusion days per cycle, evidence everywhere', () => {
    fc.assert(
      fc.property(timeline, (events) => {
        const courses = assemble(events);
        courses.forEach((c, k) => {
          expect(c.number).toBe(k + 1);
          expect(c.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
          expect(c.infusions.length).toBeGreaterThan(0);
          c.cycles.forEach((cy, n) => {
            expect(cy.number).toBe(n + 1);
            expect(cy.infusionDays).toBeGreaterThanOrEqual(1);
            expect(cy.infusionDays).toBeLessThanOrEqual(28);
            expect(cy.evidence.length).toBeGreaterThan(0);
            for (const i of cy.interruptions) expect(i.evidence.length).toBeGreaterThanOrEqual(1);
          });
          if (k > 0) expect(Date.parse(c.start) >= Date.parse(courses[k - 1]!.start)).toBe(true);
          if (c.status === 'active') expect(k).toBe(courses.length - 1);
        });
      }),
      RUNS,
    );
  });

  it('renders JSON-stable resources: clean, round-trip equal, identical for any delivery order', () => {
    fc.assert(
      fc.property(shuffledWithDuplicates, ({ events, delivered }) => {
        const a = assemble(events).map(renderCourse);
        const b = assemble(delivered).map(renderCourse);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        for (const r of a) {
          assertJsonClean(r);
          expect(JSON.parse(JSON.stringify(r))).toStrictEqual(r);
        }
      }),
      RUNS,
    );
  });
});
