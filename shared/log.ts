// One JSON line per request on stdout, as SCF hands stdout to CLS. Never a secret, code or token.

export interface RequestLog {
  clientId?: string;
  error?: string;
  /** Private detail of an error: a reason, never a credential. */
  detail?: string;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture lines here; production writes to stdout. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** One request's line, without `time`, which `logLine` puts first. */
export interface RequestLogLine {
  level: 'info' | 'error';
  request_id: string;
  route: string;
  status: number;
  latency_ms: number;
  client_id?: string;
  error?: string;
  detail?: string;
}

// The ISO 8601 form of the current second, made once a second; the milliseconds are appended.
let second = Number.NaN;
let secondText = '';

/** `new Date(ms).toISOString()`, for the years 0000–9999. */
export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    second = s;
    secondText = new Date(s * 1000).toISOString().slice(0, 19);
  }
  return `${secondText}.${String(ms - s * 1000).padStart(3, '0')}Z`;
}

/** A JSON number as JSON.stringify writes one: null when not finite. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * Writes `fields` as one JSON object with `time` (ISO 8601) first, then the fields in the order of
 * `RequestLogLine`: the same text as JSON.stringify of such an object, written field by field.
 */
export function logLine(fields: RequestLogLine): void {
  let text = `{"time":"${isoTime(Date.now())}","level":${JSON.stringify(fields.level)},"request_id":${JSON.stringify(fields.request_id)},"route":${JSON.stringify(fields.route)},"status":${jsonNumber(fields.status)},"latency_ms":${jsonNumber(fields.latency_ms)}`;
  if (fields.client_id !== undefined) text += `,"client_id":${JSON.stringify(fields.client_id)}`;
  if (fields.error !== undefined) text += `,"error":${JSON.stringify(fields.error)}`;
  if (fields.detail !== undefined) text += `,"detail":${JSON.stringify(fields.detail)}`;
  sink(`${text}}`);
}
