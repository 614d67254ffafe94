/**
 * The virtual working calendar of the cycle-time benchmark. Times are epoch
 * milliseconds read as UTC-naive wall-clock time (no time zone arithmetic: the
 * simulated county has one clock).
 */
const MINUTE = 60_000;
const DAY = 86_400_000;

export interface CalendarConfig {
  readonly start: string;
  readonly workingDays: readonly number[];
  readonly periods: readonly (readonly [string, string])[];
}

export class WorkingCalendar {
  readonly start: number;
  private readonly days: ReadonlySet<number>;
  /** [from, to) minutes after midnight. */
  private readonly periods: readonly (readonly [number, number])[];

  constructor(config: CalendarConfig) {
    this.start = Date.parse(config.start);
    this.days = new Set(config.workingDays);
    const minutes = (text: string) => {
      const [h, m] = text.split(":").map(Number);
      return (h ?? 0) * 60 + (m ?? 0);
    };
    this.periods = config.periods.map(([from, to]) => [minutes(from), minutes(to)] as const);
  }

  get hoursPerDay(): number {
    return this.periods.reduce((sum, [from, to]) => sum + (to - from) / 60, 0);
  }

  /** Working periods of the day containing `t`, as absolute [from, to) ms. */
  private periodsOfDay(t: number): [number, number][] {
    const midnight = Math.floor(t / DAY) * DAY;
    if (!this.days.has(new Date(midnight).getUTCDay())) return [];
    return this.periods.map(([from, to]) => [midnight + from * MINUTE, midnight + to * MINUTE]);
  }

  /** Working hours in [a, b). */
  hoursBetween(a: number, b: number): number {
    if (b <= a) return 0;
    let ms = 0;
    for (let day = Math.floor(a / DAY) * DAY; day < b; day += DAY) {
      for (const [from, to] of this.periodsOfDay(day)) ms += Math.max(0, Math.min(to, b) - Math.max(from, a));
    }
    return ms / 3_600_000;
  }

  /** The instant `hours` working hours after `t` (the reviewer's clock stops outside working hours). */
  addHours(t: number, hours: number): number {
    let left = hours * 3_600_000;
    for (let day = Math.floor(t / DAY) * DAY; ; day += DAY) {
      for (const [from, to] of this.periodsOfDay(day)) {
        const begin = Math.max(from, t);
        if (begin >= to) continue;
        if (begin + left <= to) return begin + left;
        left -= to - begin;
      }
    }
  }

  /** A uniformly random instant within the working hours of the week starting at `start`. */
  randomInstantInFirstWeek(random: () => number): number {
    return this.addHours(this.start, random() * this.hoursPerDay * this.days.size);
  }
}
