/** `--name value` options of a bench script, with defaults (also read from BENCH_<NAME> env vars). */
export function numberOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const raw =
    index >= 0 ? process.argv[index + 1] : process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? value : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
