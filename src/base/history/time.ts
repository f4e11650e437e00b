/**
 * Protobuf time as milliseconds: the one conversion every reader of a history uses, for Timestamps (event times)
 * and Durations (timeouts, timer lengths, retry intervals) alike.
 */

/** The `seconds` of a protobuf time: a Long from a server, a number or a string from a JSON file. */
type Seconds = number | string | { toNumber(): number } | { toString(): string } | null | undefined;

export interface ProtoTime {
  seconds?: Seconds;
  nanos?: number | null;
}

/**
 * Whole milliseconds of a protobuf Timestamp or Duration (sub-millisecond nanos are dropped: an event at 12.9 ms
 * happened in millisecond 12); 0 for an absent one.
 */
export function protoMs(time: ProtoTime | null | undefined): number {
  const seconds = time?.seconds;
  const whole =
    typeof seconds === 'object' && seconds !== null
      ? 'toNumber' in seconds
        ? seconds.toNumber()
        : Number(seconds.toString())
      : Number(seconds ?? 0);
  return whole * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}
