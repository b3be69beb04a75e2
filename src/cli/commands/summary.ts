/** `cli summary`: the registry figures (clinical-rules.md §4) over the stored patients, recomputed from events. */
import type { ClinicalEvent } from '../../domain/events';
import type { Course, CourseFlag } from '../../domain/course';
import type * as CourseDomain from '../../domain/course/index';
import type * as FlagDomain from '../../domain/flags/index';
import type * as Summary from '../../domain/summary';
import { option } from '../args';
import { defineCommand } from '../command';
import { checkSourceSyntax, requireKnownSource } from './sources';

export const summaryCommand = defineCommand({
  name: 'summary',
  summary: 'registry figures (n/N) over every stored course',
  usage: '[--source S] [--json]',
  options: {
    source: { type: 'string', value: 'S', description: 'one source only (default: every source)' },
  },
  check: checkSourceSyntax,
  async run(rt, args, print, ui) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { assemble } = require('../../domain/course/index') as typeof CourseDomain;
    const { flagPatient } = require('../../domain/flags/index') as typeof FlagDomain;
    const { formatSummary, summarize } = require('../../domain/summary') as typeof Summary;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const source = option(args, 'source');
    await requireKnownSource(rt.store, source);
    const courses: Course[] = [];
    const flags: CourseFlag[] = [];
    const events: ClinicalEvent[] = [];
    for await (const patient of rt.store.patients()) {
      if (source && !patient.startsWith(`${source}.`)) continue;
      const ev = await rt.store.loadEvents(patient);
      const c = assemble(ev);
      courses.push(...c);
      flags.push(...flagPatient(c, ev));
      events.push(...ev);
    }
    const summary = summarize(courses, flags, events);
    print(ui.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return 0;
  },
});
