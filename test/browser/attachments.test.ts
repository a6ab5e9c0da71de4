/**
 * Attachments and voice messages in real Chromium: the bytes in the origin private file
 * system, read back through object URLs, across a reload and two tabs, gone with their
 * messages and with `clearAllData`, a file left by a send that never committed swept at the
 * next open, the quota, and recording from a (fake) microphone.
 */
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { BROWSER_TEST_TIMEOUT, fixtureRoot, fixtureUrl, serveApp, uniqueDb, useBrowserSuite } from './harness.js'

const suite = useBrowserSuite('attachments', () => serveApp(fixtureRoot, { configFile: false }))

async function openTab(db: string, extra: Record<string, string> = {}): Promise<Page> {
  const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker', extra))
  await page.evaluate(() => window.ready)
  return page
}

/** The files of the database's folder in the origin private file system (`null`: no folder). */
const opfsFiles = (page: Page, db: string) =>
  page.evaluate(async (name) => {
    const root = await navigator.storage.getDirectory()
    try {
      const top = await root.getDirectoryHandle('companion-chat')
      const folder = await top.getDirectoryHandle(encodeURIComponent(name))
      const names: string[] = []
      for await (const key of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key)
      return names.sort()
    } catch {
      return null
    }
  }, db)

/** Sends a 40×30 PNG drawn in the page and a text file; answers the message's attachments. */
const sendPhotoAndInvoice = (page: Page) =>
  page.evaluate(async () => {
    const canvas = new OffscreenCanvas(40, 30)
    canvas.getContext('2d')!.fillRect(0, 0, 20, 20)
    const photo = new File([await canvas.convertToBlob({ type: 'image/png' })], 'parcel.png', { type: 'image/png' })
    await window.chat.sendMainChatMessage('The parcel and the invoice', { attachments: [photo, new File(['Invoice 1234'], 'invoice.txt', { type: 'text/plain' })] })
    const message = window.chat.getState().mainChat.messages.at(-1)!
    const digest = await crypto.subtle.digest('SHA-256', await photo.arrayBuffer())
    return { attachments: message.attachments!, photoSha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') }
  })

/** What the attachment's object URL serves. */
const fetchAttachment = (page: Page, id: string) =>
  page.evaluate(async (attachmentId) => {
    const { url, release } = await window.chat.attachmentUrl(attachmentId)
    try {
      const response = await fetch(url)
      return { size: (await response.arrayBuffer()).byteLength, type: response.headers.get('content-type') }
    } finally {
      release()
    }
  }, id)

describe('attachments in Chromium', () => {
  test(
    'are stored in the origin private file system, shown through object URLs, kept across a reload and seen by a second tab; clearAllData empties the folder',
    async () => {
      const db = uniqueDb('attach')
      const page = await openTab(db)
      const { attachments, photoSha256 } = await sendPhotoAndInvoice(page)
      expect(attachments).toMatchObject([
        { name: 'parcel.png', type: 'image/png', width: 40, height: 30, sha256: photoSha256 },
        { name: 'invoice.txt', type: 'text/plain', size: 12 },
      ])
      expect(await opfsFiles(page, db)).toEqual(attachments.map((a) => a.id).sort())
      expect(await fetchAttachment(page, attachments[1]!.id)).toEqual({ size: 12, type: 'text/plain' })

      const tab = await openTab(db)
      expect(await tab.evaluate(() => window.chat.getState().mainChat.messages.at(-1)!.attachments)).toEqual(attachments)
      expect(await fetchAttachment(tab, attachments[0]!.id)).toMatchObject({ size: attachments[0]!.size })

      await page.reload({ waitUntil: 'load' })
      await page.evaluate(() => window.ready)
      expect(await page.evaluate(() => window.chat.getState().mainChat.messages.at(-1)!.attachments)).toEqual(attachments)
      expect(await fetchAttachment(page, attachments[1]!.id)).toEqual({ size: 12, type: 'text/plain' })

      await page.evaluate(() => window.chat.clearAllData())
      expect(await opfsFiles(page, db)).toBeNull()
      const left = await page.evaluate(async () => {
        const root = await navigator.storage.getDirectory()
        const top = await root.getDirectoryHandle('companion-chat', { create: true })
        const names: string[] = []
        for await (const key of (top as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key)
        return names
      })
      expect(left).not.toContain(encodeURIComponent(db))
      expect(await tab.evaluate(async (id) => window.chat.readAttachment(id).then(() => 'read', (error: { code?: string }) => error.code), attachments[0]!.id)).toBe('not-found')
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'a SharedWorker stores and reads files too, for every tab on it',
    async () => {
      const db = uniqueDb('attach-shared')
      const open = async () => {
        const { page } = await suite().browser.open(fixtureUrl(suite().app.url, db, 'shared-worker', { sharedName: db }))
        await page.evaluate(() => window.ready)
        return page
      }
      const first = await open()
      const second = await open()
      const { attachments } = await sendPhotoAndInvoice(first)
      expect(attachments[0]).toMatchObject({ width: 40, height: 30 })
      expect(await opfsFiles(first, db)).toEqual(attachments.map((a) => a.id).sort())
      await expect.poll(() => second.evaluate(() => window.chat.getState().mainChat.messages.at(-1)?.attachments?.length)).toBe(2)
      expect(await fetchAttachment(second, attachments[1]!.id)).toEqual({ size: 12, type: 'text/plain' })
      await second.evaluate(() => window.chat.clearAllData())
      expect(await opfsFiles(first, db)).toBeNull()
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'trimming removes the file with its message; a file no message holds is swept when the database opens again',
    async () => {
      const db = uniqueDb('attach-trim')
      // Slow removals: the patch that trims the message must still come after its file is gone.
      const page = await openTab(db, { slowRemovals: '1' })
      await page.evaluate(async () => {
        await window.chat.sendMainChatMessage('photo', { attachments: [new Blob([new Uint8Array(1000)], { type: 'application/octet-stream' })] })
      })
      expect(await opfsFiles(page, db)).toHaveLength(1)
      await page.evaluate(async () => {
        for (let i = 0; i < 100; i++) void window.chat.sendMainChatMessage(`message ${i}`)
        await window.chat.flush()
      })
      expect(await opfsFiles(page, db)).toEqual([])
      // A file as a send leaves it when its worker dies before the transaction commits.
      await page.evaluate(async (name) => {
        const top = await (await navigator.storage.getDirectory()).getDirectoryHandle('companion-chat')
        const folder = await top.getDirectoryHandle(encodeURIComponent(name))
        const writable = await (await folder.getFileHandle('orphan', { create: true })).createWritable()
        await writable.write('bytes of a send that never committed')
        await writable.close()
      }, db)
      await suite().browser.closePages()
      const again = await openTab(db)
      const deadline = Date.now() + 10_000
      while ((await opfsFiles(again, db))?.includes('orphan') && Date.now() < deadline) await again.waitForTimeout(50)
      expect(await opfsFiles(again, db)).toEqual([])
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'a send whose transaction fails after its file was written rejects, and leaves neither the message nor the file',
    async () => {
      const db = uniqueDb('attach-rollback')
      const watched = await suite().browser.open(fixtureUrl(suite().app.url, db, 'worker', { failAttachmentRows: '1' }))
      watched.allow(/quota|storage-full|StorageFull/i)
      const { page } = watched
      await page.evaluate(() => window.ready)
      await page.evaluate(() => window.chat.sendMainChatMessage('before'))
      const outcome = await page.evaluate(() =>
        window.chat.sendMainChatMessage('with a photo', { attachments: [new File([new Uint8Array(5000)], 'photo.jpg', { type: 'image/jpeg' })] }).then(
          () => 'stored',
          (error: Error & { code?: string }) => error.code,
        ),
      )
      expect(outcome).toBe('storage-full')
      expect(await page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))).toEqual(['before'])
      // The folder was made for the file (no send made it before), and the file is gone.
      expect(await opfsFiles(page, db)).toEqual([])
      await suite().browser.closePages()
      const again = await openTab(db)
      expect(await again.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))).toEqual(['before'])
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'a file past the quota rejects with StorageFullError and leaves neither the message nor a file',
    async () => {
      const db = uniqueDb('attach-quota')
      const app = await suite().app.servedAgain()
      try {
        const watched = await suite().browser.open(fixtureUrl(app.url, db, 'worker', { manual: '1' }))
        watched.allow(/quota|storage-full|StorageFull/i)
        const { page } = watched
        const origin = new URL(app.url).origin
        const cdp = await page.context().newCDPSession(page)
        await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 256 * 1024 })
        try {
          await page.evaluate(() => window.openClient().ready)
          await page.evaluate(() => window.chat.sendMainChatMessage('before'))
          const outcome = await page.evaluate(() =>
            window.chat.sendMainChatMessage('a big video', { attachments: [new Blob([crypto.getRandomValues(new Uint8Array(60_000)), new Uint8Array(1024 * 1024)])] }).then(
              () => 'stored',
              (error: Error & { code?: string }) => ({ name: error.name, code: error.code, isStorageFull: error instanceof window.sdk.StorageFullError }),
            ),
          )
          expect(outcome).toEqual({ name: 'StorageFullError', code: 'storage-full', isStorageFull: true })
          expect(await page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))).toEqual(['before'])
          expect(await opfsFiles(page, db)).toEqual([])
        } finally {
          await cdp.send('Storage.overrideQuotaForOrigin', { origin })
        }
        await page.goto(fixtureUrl(app.url, db), { waitUntil: 'load' })
        await page.evaluate(() => window.ready)
        expect(await page.evaluate(() => window.chat.getState().mainChat.messages.map((m) => m.content))).toEqual(['before'])
        await suite().browser.closePages()
      } finally {
        await app.close()
      }
    },
    BROWSER_TEST_TIMEOUT,
  )

  test(
    'a voice message recorded from the (fake) microphone is stored as audio with its duration, and plays',
    async () => {
      const db = uniqueDb('attach-voice')
      const page = await openTab(db)
      const sent = await page.evaluate(async () => {
        const recorder = window.sdk.createMediaRecorder()
        await recorder.start()
        const during = recorder.recording
        await new Promise((resolve) => setTimeout(resolve, 600))
        const recording = await recorder.stop()
        await window.chat.sendVoiceMessage(recording)
        const message = window.chat.getState().mainChat.messages.at(-1)!
        const { url, release } = await window.chat.attachmentUrl(message.attachments![0]!.id)
        const audio = new Audio()
        const playable = await new Promise<boolean>((resolve) => {
          audio.addEventListener('loadedmetadata', () => resolve(true), { once: true })
          audio.addEventListener('error', () => resolve(false), { once: true })
          audio.src = url
        })
        release()
        return { during, after: recorder.recording, duration: recording.duration, message, playable }
      })
      expect(sent).toMatchObject({ during: true, after: false, playable: true })
      expect(sent.duration).toBeGreaterThan(0)
      expect(sent.message.attachments).toMatchObject([{ name: 'voice-message.webm', type: expect.stringMatching(/^audio\/webm/), duration: sent.duration }])
      expect(sent.message.attachments![0]!.size).toBeGreaterThan(0)
      expect(await opfsFiles(page, db)).toEqual([sent.message.attachments![0]!.id])
    },
    BROWSER_TEST_TIMEOUT,
  )
})
