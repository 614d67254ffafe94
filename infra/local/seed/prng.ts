/**
 * The one seeded PRNG of the repository (the demo county generator, the
 * benchmarks' reviewer draws and fault injection): mulberry32, hand-written
 * because the installed seeded generators belong to test tooling (fast-check)
 * and sequence quality is not the point — reproducibility is.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
