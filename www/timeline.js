// The file timeline as the page shows it: each stretch read with the "not sure" threshold, and no
// stretch shorter than one hop, since the analysis cannot place a change more finely than that.

import { reading } from "./emotions.js";

/** Segment times are sums of float hops; this absorbs their rounding. */
const TIME_SLACK = 1e-6;

/**
 * The analysis's `timeline` as stretches `{ start, end, emotion, reading }` (emotion null where nobody
 * speaks): neighbours that read the same are one stretch, and a stretch shorter than a hop joins the
 * longer of its neighbours. `model` gives `labels`, `unsureBelow` and `hopSeconds` (a `Model`, or the
 * same fields).
 */
export function readableTimeline(timeline, { labels, unsureBelow, hopSeconds }) {
  const stretch = (start, end, emotion) => ({ start, end, emotion, reading: reading(emotion, labels, unsureBelow) });
  const length = (s) => s.end - s.start;
  // A joined stretch keeps the longer part's emotion: each segment's is calibrated as a segment (metadata
  // `decision.segment`), and a mean of two would be an aggregate no calibration has seen.
  const join = (a, b) => stretch(a.start, b.end, (length(a) >= length(b) ? a : b).emotion);

  const stretches = timeline.map((s) => stretch(s.start, s.end, s.emotion ?? null));
  for (let i = 0; i < stretches.length; ) {
    const here = stretches[i];
    if (i > 0 && stretches[i - 1].reading.key === here.reading.key) {
      stretches.splice(i - 1, 2, join(stretches[i - 1], here));
      i -= 1;
    } else if (stretches.length > 1 && length(here) < hopSeconds - TIME_SLACK) {
      const [before, after] = [stretches[i - 1], stretches[i + 1]];
      const first = !after || (before && length(before) >= length(after)) ? i - 1 : i;
      stretches.splice(first, 2, join(stretches[first], stretches[first + 1]));
      i = first; // the joined stretch may now read as its neighbour does
    } else {
      i += 1;
    }
  }
  return stretches;
}
