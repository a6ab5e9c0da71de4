/**
 * Ids for the messages, tickets and commands one client makes: a nanoid made once as the
 * prefix, then a counter. Each id is as unlikely to collide as a nanoid (the prefix carries
 * its 126 random bits), and a burst of thousands costs one random draw instead of one each.
 */
import { nanoid } from 'nanoid'

/** A source of fresh ids, e.g. `V1StGXR8_Z5jdHi6B-myT1`, `V1StGXR8_Z5jdHi6B-myT2`, … */
export function createIdSource(): () => string {
  const prefix = nanoid()
  let count = 0
  return () => prefix + (++count).toString(36)
}
