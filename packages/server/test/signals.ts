// Building the signals of scoring tests: times of day, repeated events, and signals of named users
// stored as the HR and activity connectors store them.

import type { TestSignal } from "./support.ts";

/** A timestamp of a UTC day, with microseconds as stored signals have them. */
export const at = (day: string, time = "09:00:00") => `${day}T${time}.000000Z`;

/** The i-th minute after 10:00 of a day (i < 60): distinct times for a day's events. */
export const minute = (day: string, i: number) => at(day, `10:${String(i).padStart(2, "0")}:00`);

/** n signals made by `make(0 … n − 1)`. */
export const times = (n: number, make: (i: number) => TestSignal) => Array.from({ length: n }, (_, i) => make(i));

/**
 * A maker of signals for named users: HR kinds (hr.*) from the HR connector, everything else from
 * the activity connector. The connectors and users are read when a signal is made, so the maker can
 * be created before beforeAll inserts them.
 */
export function signalMaker(ids: { hr: () => string; activity: () => string; user: (name: string) => string }) {
  return (name: string, kind: string, occurredAt: string, attributes: Record<string, unknown> = {}): TestSignal => ({
    connectorId: kind.startsWith("hr.") ? ids.hr() : ids.activity(),
    userId: ids.user(name),
    occurredAt,
    kind,
    attributes,
  });
}
