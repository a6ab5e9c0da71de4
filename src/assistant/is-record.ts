/** True for a plain JSON object: not `null`, not an array. Narrows parsed JSON before reading keys. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
