/** What the worker learns of a file as it stores it: its SHA-256, and an image's size from its header. */
import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { describeFile } from '../../worker/describe-file.js'

const bytes = (...parts: Array<number[] | string>) => new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...part].map((c) => c.charCodeAt(0)) : part)))
const u16be = (n: number) => [n >> 8, n & 255]
const u32be = (n: number) => [(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]
const u24le = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255]

describe('describeFile', () => {
  test('answers the SHA-256 of the bytes, lowercase hex', async () => {
    const data = bytes('Invoice 1234')
    expect(await describeFile(new Blob([data], { type: 'text/plain' }))).toEqual({ sha256: createHash('sha256').update(data).digest('hex') })
  })

  test.each([
    ['image/png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR', u32be(640), u32be(480), [8, 6, 0, 0, 0]), 640, 480],
    ['image/gif', bytes('GIF89a', [0x20, 0x03, 0x58, 0x02], [0, 0, 0]), 800, 600],
    ['image/jpeg', bytes([0xff, 0xd8], [0xff, 0xe0], u16be(16), 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xc2], u16be(17), [8], u16be(3000), u16be(4000), [3, 1, 0x22, 0]), 4000, 3000],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBP', 'VP8X', [10, 0, 0, 0], [0, 0, 0, 0], u24le(1919), u24le(1079), [0, 0]), 1920, 1080],
  ])('reads the size of a %s from its header', async (type, data, width, height) => {
    expect(await describeFile(new Blob([data], { type }))).toMatchObject({ width, height })
  })

  test('an image whose size cannot be read has none', async () => {
    const facts = await describeFile(new Blob([bytes('not an image at all')], { type: 'image/png' }))
    expect(facts).not.toHaveProperty('width')
  })
})
