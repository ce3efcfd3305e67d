// The one check behind every "a whole number from min to max" setting (flags, environment, executor options); each
// caller words its own error, naming where the number came from.
export function isWholeNumberIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
