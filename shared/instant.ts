// Points in time given in configuration or on the command line: Unix seconds or an ISO 8601 time.

/** Unix seconds, or a message saying what is wrong (never throws). */
export function parseInstant(text: string): { seconds: number } | { problem: string } {
  const value = text.trim();
  if (/^\d{1,12}$/.test(value)) return { seconds: Number(value) };
  // An ISO 8601 date-time with an explicit zone: a time without one would depend on the host's zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    return { problem: 'must be Unix seconds or an ISO 8601 time with a zone, e.g. 2030-01-31T12:00:00Z' };
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return { problem: 'is not a valid date and time' };
  return { seconds: Math.floor(ms / 1000) };
}

export function formatInstant(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
