// A polite ARIA live region that speaks at most once every `intervalMs`: screen-reader users hear
// when the verdict changes, not a stream of half-second updates. A change made during the quiet
// interval is spoken when it ends, so the latest state is never lost.
export function createAnnouncer(region, intervalMs) {
  let spoken = "";
  let pending = "";
  let lastSpokenAt = -Infinity;
  let timer = null;

  const speak = () => {
    timer = null;
    if (pending === spoken) return;
    region.textContent = pending;
    spoken = pending;
    lastSpokenAt = performance.now();
  };

  return {
    say(text) {
      pending = text;
      if (timer !== null) return;
      const wait = lastSpokenAt + intervalMs - performance.now();
      if (wait <= 0) speak();
      else timer = setTimeout(speak, wait);
    },
    /** Forgets what was said, so that the next state is spoken even if it repeats. */
    reset() {
      clearTimeout(timer);
      timer = null;
      spoken = pending = "";
    },
  };
}
