import { endToEnd } from './bench';
import { syntheaPatient } from './bench-workloads';
(async () => {
  const r = await endToEnd(Array.from({ length: 80 }, (_, i) => syntheaPatient(i, 100)), 1);
  console.log(r.entriesPerSec, r.cpuPerEntry);
})();
